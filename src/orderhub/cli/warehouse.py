"""`orderhub warehouse list|close|reopen|capacity`: sites and their live changes (the same
service calls as the API)."""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.table import Table

from orderhub.cli.common import (
    CsvOption,
    DbOption,
    Reason,
    TenantOption,
    cli_actor,
    console,
    describe,
    emit,
    fail,
    open_hub,
)
from orderhub.cli.common import JsonOption as ListJsonOption
from orderhub.cli.reroute_report import JsonOption, VerboseOption, print_change, print_report
from orderhub.domain.errors import DomainError

app = typer.Typer(help="Warehouses: list with load, close, cut capacity, reopen.",
                  no_args_is_help=True)


@app.command("list")
def warehouse_list(database_url: DbOption = None, tenant: TenantOption = "default",
                   as_json: ListJsonOption = False, as_csv: CsvOption = False) -> None:
    """Sites with capacity, current picking queue, costs and capabilities."""
    with open_hub(database_url) as hub, hub.read_uow() as uow:
        sites = uow.catalog.warehouses(tenant)
        queue = uow.network.site_backlog(tenant)
    rows = [{"code": w.code, "province": w.province, "active": w.active,
             "daily_capacity": w.daily_capacity, "queue": queue.get(w.code, 0),
             "handling_per_order": w.handling_per_order,
             "handling_per_unit": w.handling_per_unit,
             "capabilities": sorted(w.capabilities), "country": w.country} for w in sites]
    if emit(rows, as_json, as_csv):
        return
    table = Table()
    for col in ("code", "province", "active", "capacity/day", "queue", "days", "handling",
                "capabilities"):
        table.add_column(col)
    for w in sites:
        q = queue.get(w.code, 0)
        days = f"{q / w.daily_capacity:.1f}" if w.daily_capacity else "-"
        table.add_row(w.code, w.province or "?", "yes" if w.active else "[red]closed[/red]",
                      str(w.daily_capacity or "unlimited"), str(q), days,
                      f"{w.handling_per_order} + {w.handling_per_unit}/unit",
                      ", ".join(sorted(w.capabilities)))
    console.print(table)


def _change(code: str, changes: dict[str, Any], reason: str, database_url: str | None,
            tenant: str, verbose: bool, as_json: bool) -> None:
    from orderhub.services.network.incidents import update_warehouse

    with open_hub(database_url) as hub:
        try:
            updated, report = update_warehouse(
                hub.uow, tenant, code, changes, reason=reason, actor=cli_actor(), now=hub.clock(),
                strategy=hub.strategy, presale_lock=hub.presale_lock)
        except DomainError as exc:
            raise fail(describe(exc)) from None
    if as_json:
        print_change({"code": updated.code, "active": updated.active,
                      "daily_capacity": updated.daily_capacity}, report)
        return
    console.print(f"{code}: {'active' if updated.active else 'closed'}, capacity "
                  f"{updated.daily_capacity}/day")
    print_report(report, verbose=verbose)


@app.command("close")
def warehouse_close(code: str, reason: Reason, database_url: DbOption = None,
                    tenant: TenantOption = "default", verbose: VerboseOption = False,
                    as_json: JsonOption = False) -> None:
    """Close a warehouse and re-route its open orders now."""
    _change(code, {"active": False}, reason, database_url, tenant, verbose, as_json)


@app.command("reopen")
def warehouse_reopen(code: str, reason: Reason, database_url: DbOption = None,
                     tenant: TenantOption = "default", verbose: VerboseOption = False,
                     as_json: JsonOption = False) -> None:
    """Open a closed warehouse to new orders again."""
    _change(code, {"active": True}, reason, database_url, tenant, verbose, as_json)


@app.command("capacity")
def warehouse_capacity(code: str,
                       orders_per_day: Annotated[int, typer.Argument(min=0, max=100_000_000)],
                       reason: Reason, database_url: DbOption = None,
                       tenant: TenantOption = "default", verbose: VerboseOption = False,
                       as_json: JsonOption = False) -> None:
    """Set the daily picking capacity; open orders beyond what the queue can now hold are
    re-routed (newest first)."""
    _change(code, {"daily_capacity": orders_per_day}, reason, database_url, tenant, verbose,
            as_json)
