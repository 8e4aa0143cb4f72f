"""The console's vendored front-end files are the ones the lockfile names: each file's
package, version and licence in MANIFEST.json equal console-assets/package-lock.json's, its sha256
equals the file's, and every file the templates load is vendored (nothing from a CDN)."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
VENDOR = ROOT / "src" / "orderhub" / "console" / "static" / "vendor"
TEMPLATES = ROOT / "src" / "orderhub" / "console" / "templates"
PERMISSIVE = {"Apache-2.0", "MIT", "ISC", "0BSD", "BSD-2-Clause", "BSD-3-Clause"}


def test_vendored_files_match_the_lockfile_and_manifest() -> None:
    lock = json.loads((ROOT / "console-assets" / "package-lock.json").read_text())
    wanted = json.loads((ROOT / "console-assets" / "package.json").read_text())["dependencies"]
    manifest = json.loads((VENDOR / "MANIFEST.json").read_text())
    assert manifest, "no vendored files"
    for name, entry in manifest.items():
        locked = lock["packages"][f"node_modules/{entry['package']}"]
        assert entry["version"] == locked["version"] == wanted[entry["package"]], name
        # each vendored file names its licence, one that allows shipping it with orderhub
        assert entry["license"] == locked["license"] in PERMISSIVE, name
        assert hashlib.sha256((VENDOR / name).read_bytes()).hexdigest() == entry["sha256"], (
            f"{name} differs from what scripts/console_assets.sh copied")
    on_disk = {p.name for p in VENDOR.iterdir() if p.name != "MANIFEST.json"}
    assert on_disk == set(manifest)


def test_templates_load_only_local_files() -> None:
    for template in TEMPLATES.rglob("*.html"):
        text = template.read_text()
        assert not re.search(r"(src|href)=[\"']?(https?:)?//", text), template
