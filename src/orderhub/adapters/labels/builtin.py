"""The layouts the hub ships, one JSON document per carrier in `layouts/` (`default.json`
for carriers without one). A tenant's own layouts (`uow.labels`) take precedence."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

from orderhub.domain.labels import DEFAULT_CARRIER, LabelLayout, parse_layout

_DIR = Path(__file__).with_name("layouts")


@cache
def builtin_layouts() -> dict[str, LabelLayout]:
    """Carrier code -> its built-in layout (checked like a tenant's, at first use)."""
    out: dict[str, LabelLayout] = {}
    for path in sorted(_DIR.glob("*.json")):
        doc = json.loads(path.read_text(encoding="utf-8"))
        out[path.stem] = parse_layout(doc, carrier=path.stem, version=int(doc["version"]))
    if DEFAULT_CARRIER not in out:
        raise RuntimeError(f"{_DIR}/{DEFAULT_CARRIER}.json is missing")
    return out
