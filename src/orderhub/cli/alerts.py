"""`orderhub alerts list|ack|sweep`: stalled steps and promises at risk."""

from __future__ import annotations

from typing import Annotated

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
)
from orderhub.domain.errors import DomainError

app = typer.Typer(help="Alerts on orders: stalled steps and promises at risk.",
                  no_args_is_help=True)


@app.command("list")
def list_alerts(
    database_url: DbOption = None, tenant: TenantOption = "default",
    state: Annotated[str | None, typer.Option(
        "--state", help="open, acknowledged, resolved or unresolved")] = "unresolved",
    kind: Annotated[str | None, typer.Option("--kind", help="stalled or at_risk")] = None,
    team: Annotated[str | None, typer.Option("--team")] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, max=500)] = 50,
    as_json: JsonOption = False,
    as_csv: CsvOption = False,
) -> None:
    """Alerts, newest first (unresolved ones unless --state says otherwise)."""
    from rich.table import Table

    from orderhub.services.twin import alerts

    with open_hub(database_url) as hub:
        try:
            page = alerts.list_alerts(hub.read_uow, tenant, state=state, kind=kind, team=team,
                                      limit=limit)
        except DomainError as exc:
            raise fail(describe(exc), 2) from None
    if emit(page, as_json, as_csv, rows=page["items"]):
        return
    table = Table(title=f"alerts (open: {page['open'] or 0})")
    for col in ("id", "order", "kind", "stage", "team", "level", "state", "raised", "reason"):
        table.add_column(col, overflow="fold")
    for a in page["items"]:
        table.add_row(a["id"], a["order_id"], a["kind"], a["stage"], a["team"], str(a["level"]),
                      a["state"], str(a["raised_at"])[:16], a["reason"])
    console.print(table)


@app.command("ack")
def acknowledge(alert_id: str, note: Annotated[str, typer.Option("--note")] = "",
                database_url: DbOption = None, tenant: TenantOption = "default") -> None:
    """Take an alert: it stops escalating."""
    from orderhub.services.twin import alerts

    with open_hub(database_url) as hub:
        try:
            alerts.acknowledge(hub.uow, tenant, alert_id, note_text=note, now=hub.clock(),
                               actor=cli_actor())
        except DomainError as exc:
            raise fail(describe(exc)) from None
    console.print(f"alert {alert_id} acknowledged")


@app.command("sweep")
def sweep(database_url: DbOption = None) -> None:
    """Bring the twins up to date and raise what is due now (what the server does every
    second), for a process that does not run `serve` or `worker`."""
    from orderhub.services.twin import alerts

    with open_hub(database_url) as hub:
        hub.relay.drain()
        twin = hub.enable_twin()
        while twin.process_once(wait=0):
            pass
        done = alerts.sweep(hub.uow, hub.clock())
    console.print(f"stalled: {done['stalled']}, escalated: {done['escalated']}")
