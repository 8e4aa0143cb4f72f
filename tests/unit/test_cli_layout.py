"""The command line as one Typer sub-app per command group: each module builds its own
group from `cli/common.py`, only the entry point imports `cli/app.py`, no module reaches
into another's private names, and `orderhub --help` starts without the database stack."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

CLI = Path(__file__).resolve().parents[2] / "src" / "orderhub" / "cli"


def _cli_imports(path: Path) -> list[tuple[str, str]]:
    """(module, name) for every `from orderhub.cli... import name` in a file."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("orderhub.cli"):
            found += [(str(node.module), a.name) for a in node.names]
    return found


def test_no_cli_module_imports_the_root_app_or_private_names() -> None:
    offenders = [
        f"{path.name}: {module}.{name}"
        for path in sorted(CLI.glob("*.py")) if path.name != "app.py"
        for module, name in _cli_imports(path)
        if module == "orderhub.cli.app" or (name == "app" and module == "orderhub.cli")
        or name.startswith("_")
    ]
    assert offenders == []


def test_help_starts_without_loading_the_database_stack() -> None:
    code = ("import sys; from orderhub.cli.app import app; "
            "print(sorted(m for m in ('orderhub.bootstrap', 'sqlalchemy', 'fastapi') "
            "if m in sys.modules))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "[]"
