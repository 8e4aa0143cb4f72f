#!/usr/bin/env bash
# Refreshes the console's vendored front-end files from the npm registry (Node 20 + npm):
# `npm ci` from console-assets/package-lock.json, then copies the minified files into
# src/orderhub/console/static/vendor/ and writes MANIFEST.json there (package, version,
# sha256 of each file). The vendored files are committed, so a fresh clone and
# `pip install` work offline; run this only to change a version (edit package.json, run
# `npm install` in console-assets/ to update the lockfile, then this script, then commit).
# tests/unit/test_console_assets.py checks the files against the lockfile and the manifest.
set -euo pipefail
cd "$(dirname "$0")/.."
src=console-assets
dest=src/orderhub/console/static/vendor
(cd "$src" && npm ci --no-audit --no-fund --ignore-scripts)
mkdir -p "$dest"
# file in node_modules -> name under vendor/
files=(
  "htmx.org/dist/htmx.min.js:htmx.min.js"
  "echarts/dist/echarts.min.js:echarts.min.js"
)
python3 - "$src" "$dest" "${files[@]}" <<'PY'
import hashlib, json, shutil, sys
from pathlib import Path

src, dest, pairs = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3:]
lock = json.loads((src / "package-lock.json").read_text())
manifest = {}
for pair in pairs:
    origin, name = pair.split(":")
    package = origin.split("/dist/")[0]
    version = lock["packages"][f"node_modules/{package}"]["version"]
    shutil.copyfile(src / "node_modules" / origin, dest / name)
    digest = hashlib.sha256((dest / name).read_bytes()).hexdigest()
    manifest[name] = {"package": package, "version": version, "source": origin,
                      "sha256": digest}
(dest / "MANIFEST.json").write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
print(json.dumps(manifest, indent=2))
PY
