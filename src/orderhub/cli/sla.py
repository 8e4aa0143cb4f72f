"""`orderhub sla show|versions|set|calendar`: the SLA policy orders are measured against."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from orderhub.cli.common import (
    CsvOption,
    DbOption,
    JsonOption,
    TenantOption,
    cli_actor,
    console,
    describe,
    emit,
    fail,
    open_hub,
    print_json,
)
from orderhub.domain.errors import DomainError

app = typer.Typer(help="SLA policies and working calendars (the order twin measures by them).",
                  no_args_is_help=True)

ReasonOption = Annotated[str, typer.Option("--reason", help="Why (kept in the audit log)")]


def _read(path: Path) -> dict[str, Any]:
    import json

    import yaml

    try:
        text = path.read_text(encoding="utf-8")
        doc = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    except (OSError, ValueError, yaml.YAMLError) as exc:
        raise fail(f"cannot read {path}: {exc}") from None
    if not isinstance(doc, dict):
        raise fail(f"{path}: expected a JSON or YAML object")
    return doc


@app.command("show")
def show(database_url: DbOption = None, tenant: TenantOption = "default",
         version: Annotated[int | None, typer.Option("--version")] = None) -> None:
    """The policy in force (or `--version`), as JSON."""
    from orderhub.services.twin import policies

    with open_hub(database_url) as hub:
        try:
            print_json(policies.get_policy(hub.read_uow, tenant, version))
        except DomainError as exc:
            raise fail(describe(exc)) from None


@app.command("versions")
def versions(database_url: DbOption = None, tenant: TenantOption = "default",
             as_json: JsonOption = False, as_csv: CsvOption = False) -> None:
    """Every version: who changed the policy, when and why."""
    from rich.table import Table

    from orderhub.services.twin import policies

    with open_hub(database_url) as hub:
        rows = policies.list_versions(hub.read_uow, tenant)
    if emit(rows, as_json, as_csv):
        return
    table = Table(title="SLA policy versions")
    for col in ("version", "created at", "by", "reason"):
        table.add_column(col)
    for r in rows:
        table.add_row(str(r["version"]), str(r["created_at"])[:19], r["created_by"], r["reason"])
    console.print(table if rows else "built-in policy (no versions yet)")


@app.command("set")
def set_policy(path: Path, reason: ReasonOption, database_url: DbOption = None,
               tenant: TenantOption = "default") -> None:
    """A new policy version from a JSON or YAML file (see docs/twin.md)."""
    from orderhub.services.twin import policies

    doc = _read(path)
    with open_hub(database_url) as hub:
        try:
            out = policies.set_policy(hub.uow, tenant, doc, reason=reason, now=hub.clock(),
                                      actor=cli_actor())
        except DomainError as exc:
            raise fail(describe(exc), 2) from None
    console.print(f"SLA policy version {out['version']} in force")


@app.command("calendar")
def set_calendar(warehouse: str, path: Path, reason: ReasonOption, database_url: DbOption = None,
                 tenant: TenantOption = "default") -> None:
    """A warehouse's working calendar (`*` for all) from a JSON or YAML file."""
    from orderhub.services.twin import policies

    doc = _read(path)
    with open_hub(database_url) as hub:
        try:
            out = policies.set_calendar(hub.uow, tenant, warehouse, doc, reason=reason,
                                        now=hub.clock(), actor=cli_actor())
        except DomainError as exc:
            raise fail(describe(exc), 2) from None
    console.print(f"calendar of {warehouse} set: SLA policy version {out['version']} in force")
