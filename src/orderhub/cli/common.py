"""What every command group shares: the options that pick a database and tenant, opening
the hub, turning an error into a message and an exit code, the consoles, and the reader of
rule files. Imports stay light: `orderhub --help` should not load the database stack."""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping, Sequence
from contextlib import AbstractContextManager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape

from orderhub.domain.errors import DomainError, InvalidInput

if TYPE_CHECKING:
    from rich.progress import Progress

    from orderhub.bootstrap import Hub
    from orderhub.cli.progress import PlainProgress

console = Console()
err = Console(stderr=True)

DbOption = Annotated[
    str | None,
    typer.Option(
        "--database-url",
        envvar="ORDERHUB_DATABASE_URL",
        help="SQLAlchemy URL; default sqlite:///orderhub.db in the working directory",
    ),
]
TenantOption = Annotated[str, typer.Option("--tenant", help="Tenant id")]
NatsOption = Annotated[
    str | None,
    typer.Option(
        "--nats-url",
        envvar="ORDERHUB_NATS_URL",
        help="NATS JetStream URL; without it the embedded log is used",
    ),
]
Reason = Annotated[str, typer.Option("--reason", help="Why (kept on events and timelines)")]


def open_hub(database_url: str | None) -> Hub:
    """The composition root for one command (imported here, not at start-up)."""
    from orderhub.bootstrap import bootstrap

    return bootstrap(database_url=database_url)


def open_events_hub(database_url: str | None, nats_url: str | None) -> Hub:
    """A hub on the given NATS server, or on the embedded log without one."""
    from orderhub.bootstrap import bootstrap
    from orderhub.config import get_settings

    settings = get_settings().model_copy(update={"nats_url": nats_url or None})
    return bootstrap(settings, database_url=database_url)


def upgrade_schema(hub: Hub) -> None:
    """Migrate to the newest revision (commands that load data do this first)."""
    from orderhub.adapters.db.migrate import upgrade

    upgrade(hub.engine, default_tenant=hub.settings.default_tenant)


JsonOption = Annotated[bool, typer.Option(
    "--json", help="Print JSON instead of a table (stable keys; money as strings, times "
    "ISO 8601 UTC)")]
CsvOption = Annotated[bool, typer.Option(
    "--csv", help="Print CSV instead of a table (a header row, then one row per item)")]


def fail(message: str, code: int = 1) -> typer.Exit:
    """Print an error on stderr (in the CLI's language); raise the returned exit to stop
    with `code`."""
    from orderhub.cli.i18n import t

    err.print(f"[red]{t('error:')}[/red] {escape(t(message))}")
    return typer.Exit(code)


def describe(exc: DomainError) -> str:
    """A domain error in one line, field by field for bad input."""
    if isinstance(exc, InvalidInput):
        return "; ".join(f"{e.loc}: {e.message}" for e in exc.errors)
    return str(exc)


def progress() -> Progress | PlainProgress:
    """Progress of a long command: a bar on a terminal; piped (CI, logs), a plain line on
    stderr every few seconds and at each tenth of the work (cli/progress.py)."""
    from orderhub.cli.progress import PlainProgress, interval

    if sys.stdout.isatty():
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

        return Progress("[progress.description]{task.description}", BarColumn(),
                        MofNCompleteColumn(), TimeElapsedColumn(), console=console)
    return PlainProgress(sys.stderr, every_seconds=interval())


def working(description: str) -> AbstractContextManager[object]:
    """A long step without a count (a solver, a replay): a spinner on a terminal; piped,
    a plain line on stderr when it starts, every few seconds and when it ends."""
    from orderhub.cli.i18n import t
    from orderhub.cli.progress import Heartbeat, interval

    if sys.stdout.isatty():
        return err.status(t(description))
    return Heartbeat(sys.stderr, t(description), every_seconds=interval())


def jsonable(value: Any) -> Any:
    """`value` with only JSON types: Decimal as a string (exact), times as ISO 8601 in
    UTC, enums by value, sets sorted; dict keys as strings."""
    from dataclasses import asdict, is_dataclass
    from datetime import UTC, date, datetime
    from decimal import Decimal
    from enum import Enum

    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, float):
        return value
    if isinstance(value, Enum):
        return jsonable(value.value)
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime):
        return (value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)).isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, set | frozenset):
        return [jsonable(v) for v in sorted(value, key=str)]
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if is_dataclass(value) and not isinstance(value, type):
        return jsonable(asdict(value))
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def print_json(doc: Any) -> None:
    """One JSON document on stdout, plain (no colours or wrapping): see `jsonable`."""
    sys.stdout.write(json.dumps(jsonable(doc), ensure_ascii=False, indent=2) + "\n")
    sys.stdout.flush()


def print_csv(rows: Sequence[Mapping[str, Any]], columns: Sequence[str] | None = None) -> None:
    """Rows as CSV on stdout: a header (`columns`, or the first row's keys), then one line
    per row; nested values as compact JSON, other values as `jsonable` writes them."""
    import csv

    cols = list(columns) if columns is not None else (list(rows[0]) if rows else [])
    if not cols:  # nothing to list and no known columns: no output, not an empty line
        return
    out = csv.writer(sys.stdout, lineterminator="\n")
    out.writerow(cols)
    for row in rows:
        cells = []
        for c in cols:
            v = jsonable(row.get(c))
            cells.append("" if v is None else json.dumps(v, ensure_ascii=False)
                         if isinstance(v, dict | list) else v)
        out.writerow(cells)
    sys.stdout.flush()


def emit(doc: Any, as_json: bool, as_csv: bool = False, *,
         rows: Sequence[Mapping[str, Any]] | None = None,
         columns: Sequence[str] | None = None) -> bool:
    """`--json` prints `doc`, `--csv` prints `rows` (default: `doc` itself, a list of
    mappings); True when done so, False when the caller should draw its table."""
    if as_json and as_csv:
        raise fail("--json and --csv: choose one", 2)
    if as_json:
        print_json(doc)
        return True
    if as_csv:
        print_csv(rows if rows is not None else doc, columns)
        return True
    return False


def read_rules(path: Path) -> list[dict[str, Any]]:
    """Rules from a JSON or YAML file: a rule, a list of rules or {rules: [...]}."""
    import yaml

    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise fail(f"cannot read {path}: {exc.strerror}", 2) from None
    except UnicodeDecodeError:
        raise fail(f"{path} is not UTF-8 text", 2) from None
    try:
        doc = (json.loads(text) if path.suffix.lower() == ".json" else yaml.safe_load(text))
    except (ValueError, yaml.YAMLError) as exc:
        raise fail(f"{path} is not valid JSON/YAML: {exc}", 2) from None
    if isinstance(doc, dict) and "rules" in doc:
        doc = doc["rules"]
    if isinstance(doc, dict):
        doc = [doc]
    if not isinstance(doc, list) or not all(isinstance(d, dict) for d in doc):
        raise fail(f"{path}: expected a rule, a list of rules or {{rules: [...]}}", 2)
    return doc


def cli_actor() -> str:
    """Who acts at the command line (recorded on timelines and in the audit log): the
    operating-system user running it, who holds the database and its keys."""
    import getpass

    try:
        return f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        return "cli:unknown"
