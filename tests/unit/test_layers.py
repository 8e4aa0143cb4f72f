"""Services write no SQL: they persist through the repositories on the unit of work
(adapters/db), so no module under services/ imports SQLAlchemy or the table definitions.

Two SQLAlchemy names carry no SQL and stay allowed: `Engine`, the dependency a worker is
handed to open its own units of work, and `IntegrityError`, how a lost unique-key race
shows (a use case may retry it).
"""

from __future__ import annotations

import ast
from pathlib import Path

SERVICES = Path(__file__).resolve().parents[2] / "src" / "orderhub" / "services"
FORBIDDEN = ("sqlalchemy", "orderhub.adapters.db.tables")
ALLOWED = {"sqlalchemy.Engine", "sqlalchemy.exc.IntegrityError"}
EXCEPTIONS = {
    "unit_of_work.py",  # opens the connection and transaction the repositories share
}


def _forbidden_imports(path: Path) -> list[str]:
    """Every imported name from SQLAlchemy or the tables module, as module.name."""
    found: list[str] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [f"{node.module}.{a.name}" for a in node.names]
        else:
            continue
        found += [n for n in names if n not in ALLOWED
                  and any(n == f or n.startswith(f"{f}.") for f in FORBIDDEN)]
    return found


def test_no_service_module_imports_sqlalchemy_or_the_tables() -> None:
    offenders = {
        rel: names
        for path in sorted(SERVICES.rglob("*.py"))
        if (rel := path.relative_to(SERVICES).as_posix()) not in EXCEPTIONS
        and (names := _forbidden_imports(path))
    }
    assert offenders == {}


def test_the_check_sees_each_way_of_importing(tmp_path: Path) -> None:
    module = tmp_path / "m.py"
    module.write_text("import sqlalchemy\nfrom sqlalchemy import select, Engine\n"
                      "from sqlalchemy.exc import IntegrityError\n"
                      "from orderhub.adapters.db import tables as t\n"
                      "import orderhub.adapters.db.tables\n", encoding="utf-8")
    assert _forbidden_imports(module) == [
        "sqlalchemy", "sqlalchemy.select", "orderhub.adapters.db.tables",
        "orderhub.adapters.db.tables"]


def test_every_exception_still_exists() -> None:
    """An exception whose module is gone is stale: drop it from the list."""
    assert sorted(e for e in EXCEPTIONS if not (SERVICES / e).exists()) == []


CONSOLE = SERVICES.parent / "console"


def test_the_console_calls_services_not_the_database() -> None:
    """An entry point: no SQLAlchemy, no tables, no repositories (adapters/db)."""
    offenders = {}
    for path in sorted(CONSOLE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        names = [a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names]
        names += [n.module for n in ast.walk(tree)
                  if isinstance(n, ast.ImportFrom) and n.module and n.level == 0]
        bad = [n for n in names if n.startswith(("sqlalchemy", "orderhub.adapters.db"))]
        if bad:
            offenders[path.name] = bad
    assert offenders == {}
