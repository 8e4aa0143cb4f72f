"""What every command group shares: the options that pick a database and tenant, opening
the hub, turning an error into a message and an exit code, the consoles, and the reader of
rule files. Imports stay light: `orderhub --help` should not load the database stack."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape

from orderhub.domain.errors import DomainError, InvalidInput

if TYPE_CHECKING:
    from rich.progress import Progress

    from orderhub.bootstrap import Hub

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


def fail(message: str, code: int = 1) -> typer.Exit:
    """Print an error on stderr; raise the returned exit to stop with `code`."""
    err.print(f"[red]error:[/red] {escape(message)}")
    return typer.Exit(code)


def describe(exc: DomainError) -> str:
    """A domain error in one line, field by field for bad input."""
    if isinstance(exc, InvalidInput):
        return "; ".join(f"{e.loc}: {e.message}" for e in exc.errors)
    return str(exc)


def progress() -> Progress:
    """A progress bar on the console, shown only on a terminal."""
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    return Progress("[progress.description]{task.description}", BarColumn(),
                    MofNCompleteColumn(), TimeElapsedColumn(), console=console,
                    disable=not sys.stdout.isatty())


def print_json(doc: Any) -> None:
    """One JSON document on stdout, plain (no colours or wrapping), dates as ISO 8601."""
    def default(value: Any) -> Any:
        return value.isoformat() if hasattr(value, "isoformat") else str(value)

    sys.stdout.write(json.dumps(doc, ensure_ascii=False, indent=2, default=default) + "\n")


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
