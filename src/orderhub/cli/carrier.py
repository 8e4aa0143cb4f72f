"""`orderhub carrier list|down|degraded|up`: carrier services and their state (the same
service calls as the API); `orderhub carrier tracking ...`: their checkpoints (cli/tracking.py)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from orderhub.cli import tracking
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

app = typer.Typer(help="Carrier services: list, mark down, degraded or up; tracking.",
                  no_args_is_help=True)
app.add_typer(tracking.app, name="tracking")


@app.command("list")
def carrier_list(database_url: DbOption = None, tenant: TenantOption = "default",
                 as_json: ListJsonOption = False, as_csv: CsvOption = False) -> None:
    """Carrier services with their state."""
    from orderhub.services.network.carriers import list_carriers

    with open_hub(database_url) as hub:
        rows = list_carriers(hub.read_uow, tenant)
    if emit(rows, as_json, as_csv, rows=[{**r, "lanes": len(r["lanes"])} for r in rows]):
        return
    table = Table()
    for col in ("service", "state", "note", "transit days by zone", "lanes"):
        table.add_column(col)
    for r in rows:
        state = {"up": "up", "degraded": f"[yellow]degraded +{r['delay_days']}d[/yellow]",
                 "down": "[red]DOWN[/red]"}[r["state"]]
        table.add_row(r["code"], state, r["note"],
                      " ".join(f"{z}:{d}" for z, d in sorted(r["transit_days"].items())),
                      str(len(r["lanes"])))
    console.print(table)


def _set_state(code: str, state: str, reason: str, database_url: str | None,
               tenant: str, verbose: bool, as_json: bool, delay_days: int = 0) -> None:
    from orderhub.domain.routing.network import CarrierState
    from orderhub.services.network.incidents import set_carrier_state

    with open_hub(database_url) as hub:
        try:
            view, report = set_carrier_state(
                hub.uow, tenant, code, CarrierState(state), delay_days=delay_days, reason=reason,
                actor=cli_actor(), now=hub.clock(), strategy=hub.strategy,
                presale_lock=hub.presale_lock)
        except DomainError as exc:
            raise fail(describe(exc)) from None
    if as_json:
        print_change(view, report)
        return
    console.print(f"{code} marked {state}"
                  + (f" (+{delay_days} days)" if delay_days else "") + f": {reason}")
    print_report(report, verbose=verbose)


@app.command("down")
def carrier_down(code: str, reason: Reason, database_url: DbOption = None,
                 tenant: TenantOption = "default", verbose: VerboseOption = False,
                 as_json: JsonOption = False) -> None:
    """Stop offering a carrier service; open orders planned on it are re-routed."""
    _set_state(code, "down", reason, database_url, tenant, verbose, as_json)


@app.command("degraded")
def carrier_degraded(code: str, reason: Reason,
                     days: Annotated[int, typer.Option(min=1, max=30,
                                                       help="Extra transit days")] = 1,
                     database_url: DbOption = None, tenant: TenantOption = "default",
                     verbose: VerboseOption = False, as_json: JsonOption = False) -> None:
    """Keep offering a carrier service, slower by DAYS (promises account for it)."""
    _set_state(code, "degraded", reason, database_url, tenant, verbose, as_json,
               days)


@app.command("up")
def carrier_up(code: str, reason: Reason, database_url: DbOption = None,
               tenant: TenantOption = "default", verbose: VerboseOption = False,
               as_json: JsonOption = False) -> None:
    """Offer a carrier service again at its normal speed."""
    _set_state(code, "up", reason, database_url, tenant, verbose, as_json)
