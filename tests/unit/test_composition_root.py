"""Nothing below the composition root imports it: the domain, adapters and services take
their dependencies as arguments, and only entry points (api, cli, tools) build a Hub."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[2] / "src" / "orderhub"
BELOW_THE_ROOT = ("domain", "adapters", "services")


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{a.name}" for a in node.names)
    return names


@pytest.mark.parametrize("package", BELOW_THE_ROOT)
def test_no_module_below_the_composition_root_imports_it(package: str) -> None:
    offenders = sorted(
        str(path.relative_to(SRC))
        for path in (SRC / package).rglob("*.py")
        if "orderhub.bootstrap" in _imports(path)
    )
    assert offenders == []
