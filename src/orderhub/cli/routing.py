"""`orderhub routing block|unblock|blocks|wave` and `orderhub routing rules ...`: region
blocks, waves and routing rules (the same service calls as the API)."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer
from rich.markup import escape

from orderhub.cli import routing_rules
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
    working,
)
from orderhub.cli.common import JsonOption as ListJsonOption
from orderhub.cli.reroute_report import JsonOption, VerboseOption, print_change, print_report
from orderhub.domain.errors import DomainError


class Direction(StrEnum):
    """domain/routing/network.py's BlockDirection, named here so that loading the command
    group does not load the routing domain (a test keeps the two the same)."""

    OUTBOUND = "outbound"
    INBOUND = "inbound"
    BOTH = "both"


app = typer.Typer(help="Routing: rules, region blocks, waves.", no_args_is_help=True)
app.add_typer(routing_rules.app, name="rules")


@app.command("block")
def routing_block(area: str, reason: Reason,
                  direction: Annotated[Direction, typer.Option(
                      help="outbound: its sites stop shipping; inbound: no deliveries into "
                           "it; both")] = Direction.BOTH,
                  database_url: DbOption = None, tenant: TenantOption = "default",
                  verbose: VerboseOption = False, as_json: JsonOption = False) -> None:
    """Block a province (福建) or lane region (south) now."""
    from orderhub.domain.routing.network import BlockDirection
    from orderhub.services.network.incidents import block_region

    with open_hub(database_url) as hub:
        try:
            block, report = block_region(hub.uow, tenant, area,
                                         BlockDirection(direction.value), reason=reason,
                                         actor=cli_actor(), now=hub.clock(), strategy=hub.strategy,
                                         presale_lock=hub.presale_lock)
        except DomainError as exc:
            raise fail(describe(exc)) from None
    if as_json:
        print_change(block, report)
        return
    console.print(f"block {block['id']}: {block['area']} ({block['direction']})")
    print_report(report, verbose=verbose)


@app.command("unblock")
def routing_unblock(block_id: Annotated[int, typer.Argument(min=1, max=2**53)], reason: Reason,
                    database_url: DbOption = None, tenant: TenantOption = "default",
                    verbose: VerboseOption = False, as_json: JsonOption = False) -> None:
    """Lift a block; orders held for it are routed again."""
    from orderhub.services.network.incidents import lift_block

    with open_hub(database_url) as hub:
        try:
            block, report = lift_block(hub.uow, tenant, block_id, reason=reason, actor=cli_actor(),
                                       now=hub.clock(), strategy=hub.strategy,
                                       presale_lock=hub.presale_lock)
        except DomainError as exc:
            raise fail(describe(exc)) from None
    if as_json:
        print_change(block, report)
        return
    print_report(report, verbose=verbose)


@app.command("blocks")
def routing_blocks(database_url: DbOption = None, tenant: TenantOption = "default",
                   as_json: ListJsonOption = False, as_csv: CsvOption = False) -> None:
    """Active region blocks."""
    from orderhub.services.network.incidents import list_blocks

    with open_hub(database_url) as hub:
        rows = list_blocks(hub.read_uow, tenant)
    if emit(rows, as_json, as_csv):
        return
    for b in rows:
        console.print(escape(f"{b['id']}: {b['area']} ({b['direction']}) since "
                             f"{b['created_at']:%Y-%m-%d %H:%M} by {b['created_by']}: "
                             f"{b['reason']}"))
    if not rows:
        console.print("no active blocks")


@app.command("wave")
def routing_wave(limit: Annotated[int, typer.Option(min=1, max=20000)] = 2000,
                 time_limit: Annotated[float | None, typer.Option(
                     min=0.1, max=600, help="Seconds for HiGHS")] = None,
                 dry_run: Annotated[bool, typer.Option(help="Report only")] = False,
                 database_url: DbOption = None, tenant: TenantOption = "default") -> None:
    """Re-optimise the allocated, not yet released orders together (HiGHS MIP)."""
    from orderhub.services.network.waves import optimise_wave

    with open_hub(database_url) as hub, working("optimising the wave (HiGHS)"):
        report = optimise_wave(hub.uow, hub.read_uow, tenant, strategy=hub.strategy,
                               now=hub.clock(), actor=cli_actor(), presale_lock=hub.presale_lock,
                               limit=limit,
                               time_limit=time_limit or hub.settings.wave_time_limit_seconds,
                               dry_run=dry_run)
    if not report.considered:
        console.print("no allocated orders waiting for release: nothing to optimise")
        return
    gap = f"{report.gap:.4%}" if report.gap is not None else "n/a"
    console.print(f"{report.considered} orders in the wave; {report.method} ({report.status}, "
                  f"gap {gap}, {report.seconds:.2f} s); cost {report.cost_before} -> "
                  f"{report.cost_after} CNY (saving {report.saving}"
                  + (f", score {report.score_before} -> {report.score_after} with rule "
                     "preferences" if report.score_before != report.cost_before else "")
                  + "); "
                  f"{len(report.changed)} re-planned"
                  + ("" if report.applied or not report.changed else " (not applied)")
                  + (f"; {len(report.skipped)} skipped (changed meanwhile)"
                     if report.skipped else "")
                  + (f"; {report.canary_kept} left to the canary's rules"
                     if report.canary_kept else ""))
    if report.fallback_reason:
        console.print(f"[yellow]fallback:[/yellow] {report.fallback_reason}")
