"""`orderhub warehouse|carrier|routing ...`: the network's live events, routing rules and
waves from the command line (the same service calls as the API)."""

from __future__ import annotations

import json
from dataclasses import asdict
from pathlib import Path
from typing import Annotated, Any

import typer
import yaml
from rich.markup import escape
from rich.table import Table

from orderhub.cli.app import DbOption, TenantOption, _fail, _hub, app, console
from orderhub.domain.errors import DomainError, InvalidInput
from orderhub.domain.routing.network import BlockDirection, CarrierState

Reason = Annotated[str, typer.Option("--reason", help="Why (kept on events and timelines)")]

warehouse_app = typer.Typer(help="Warehouses: list with load, close, cut capacity, reopen.",
                            no_args_is_help=True)
carrier_app = typer.Typer(help="Carrier services: list, mark down, degraded or up.",
                          no_args_is_help=True)
routing_app = typer.Typer(help="Routing: rules, region blocks, waves.", no_args_is_help=True)
rules_app = typer.Typer(help="Routing rules as data (JSON or YAML files).",
                        no_args_is_help=True)
app.add_typer(warehouse_app, name="warehouse")
app.add_typer(carrier_app, name="carrier")
app.add_typer(routing_app, name="routing")
routing_app.add_typer(rules_app, name="rules")


def _errors(exc: DomainError) -> str:
    if isinstance(exc, InvalidInput):
        return "; ".join(f"{e.loc}: {e.message}" for e in exc.errors)
    return str(exc)


def _print_report(report: Any) -> None:
    if report is None:
        return
    r = asdict(report) if not isinstance(report, dict) else report
    console.print(f"{r['cause']}: {len(r['rerouted'])} order(s) re-routed "
                  f"({r['promises_kept']} kept their promised date), {len(r['held'])} held, "
                  f"{len(r['flagged'])} already released and flagged for a decision")
    for oid, sites in sorted(r["rerouted"].items()):
        later = r["promises_later"].get(oid)
        console.print(f"  {oid} -> {', '.join(sites)}" + (f" (now due {later})" if later
                                                          else ""))
    for oid in r["held"]:
        console.print(f"  {oid} held")
    for w in r["warnings"]:
        console.print(f"[yellow]warning:[/yellow] {escape(w)}")


# ----- warehouses ---------------------------------------------------------------------------

@warehouse_app.command("list")
def warehouse_list(database_url: DbOption = None, tenant: TenantOption = "default") -> None:
    """Sites with capacity, current picking queue, costs and capabilities."""
    from orderhub.services.network.directory import site_backlog

    with _hub(database_url) as hub, hub.read_uow() as uow:
        sites = uow.catalog.warehouses(tenant)
        queue = site_backlog(uow.conn, tenant)
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


def _change_warehouse(code: str, changes: dict[str, Any], reason: str,
                      database_url: str | None, tenant: str) -> None:
    from orderhub.services.network.incidents import update_warehouse

    with _hub(database_url) as hub:
        try:
            updated, report = update_warehouse(
                hub.uow, tenant, code, changes, reason=reason, actor="cli", now=hub.clock(),
                strategy=hub.strategy, presale_lock=hub.presale_lock)
        except DomainError as exc:
            raise _fail(_errors(exc)) from None
    console.print(f"{code}: {'active' if updated.active else 'closed'}, capacity "
                  f"{updated.daily_capacity}/day")
    _print_report(report)


@warehouse_app.command("close")
def warehouse_close(code: str, reason: Reason, database_url: DbOption = None,
                    tenant: TenantOption = "default") -> None:
    """Close a warehouse and re-route its open orders now."""
    _change_warehouse(code, {"active": False}, reason, database_url, tenant)


@warehouse_app.command("reopen")
def warehouse_reopen(code: str, reason: Reason, database_url: DbOption = None,
                     tenant: TenantOption = "default") -> None:
    """Open a closed warehouse to new orders again."""
    _change_warehouse(code, {"active": True}, reason, database_url, tenant)


@warehouse_app.command("capacity")
def warehouse_capacity(code: str,
                       orders_per_day: Annotated[int, typer.Argument(min=0, max=100_000_000)],
                       reason: Reason, database_url: DbOption = None,
                       tenant: TenantOption = "default") -> None:
    """Set the daily picking capacity; open orders beyond what the queue can now hold are
    re-routed (newest first)."""
    _change_warehouse(code, {"daily_capacity": orders_per_day}, reason, database_url, tenant)


# ----- carriers -----------------------------------------------------------------------------

@carrier_app.command("list")
def carrier_list(database_url: DbOption = None, tenant: TenantOption = "default") -> None:
    """Carrier services with their state."""
    from orderhub.services.network.carriers import list_carriers

    with _hub(database_url) as hub:
        rows = list_carriers(hub.read_uow, tenant)
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


def _carrier_state(code: str, state: CarrierState, reason: str, database_url: str | None,
                   tenant: str, delay_days: int = 0) -> None:
    from orderhub.services.network.incidents import set_carrier_state

    with _hub(database_url) as hub:
        try:
            _, report = set_carrier_state(
                hub.uow, tenant, code, state, delay_days=delay_days, reason=reason,
                actor="cli", now=hub.clock(), strategy=hub.strategy,
                presale_lock=hub.presale_lock)
        except DomainError as exc:
            raise _fail(_errors(exc)) from None
    console.print(f"{code} marked {state.value}"
                  + (f" (+{delay_days} days)" if delay_days else "") + f": {reason}")
    _print_report(report)


@carrier_app.command("down")
def carrier_down(code: str, reason: Reason, database_url: DbOption = None,
                 tenant: TenantOption = "default") -> None:
    """Stop offering a carrier service; open orders planned on it are re-routed."""
    _carrier_state(code, CarrierState.DOWN, reason, database_url, tenant)


@carrier_app.command("degraded")
def carrier_degraded(code: str, reason: Reason,
                     days: Annotated[int, typer.Option(min=1, max=30,
                                                       help="Extra transit days")] = 1,
                     database_url: DbOption = None, tenant: TenantOption = "default") -> None:
    """Keep offering a carrier service, slower by DAYS (promises account for it)."""
    _carrier_state(code, CarrierState.DEGRADED, reason, database_url, tenant, days)


@carrier_app.command("up")
def carrier_up(code: str, reason: Reason, database_url: DbOption = None,
               tenant: TenantOption = "default") -> None:
    """Offer a carrier service again at its normal speed."""
    _carrier_state(code, CarrierState.UP, reason, database_url, tenant)


# ----- routing rules ------------------------------------------------------------------------

def _read_rules(path: Path) -> list[dict[str, Any]]:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise _fail(f"cannot read {path}: {exc.strerror}", 2) from None
    except UnicodeDecodeError:
        raise _fail(f"{path} is not UTF-8 text", 2) from None
    try:
        doc = (json.loads(text) if path.suffix.lower() == ".json" else yaml.safe_load(text))
    except (ValueError, yaml.YAMLError) as exc:
        raise _fail(f"{path} is not valid JSON/YAML: {exc}", 2) from None
    if isinstance(doc, dict) and "rules" in doc:
        doc = doc["rules"]
    if isinstance(doc, dict):
        doc = [doc]
    if not isinstance(doc, list) or not all(isinstance(d, dict) for d in doc):
        raise _fail(f"{path}: expected a rule, a list of rules or {{rules: [...]}}", 2)
    return doc


@rules_app.command("list")
def rules_list(database_url: DbOption = None, tenant: TenantOption = "default") -> None:
    """Every routing rule with its version and state."""
    from orderhub.services.rules.routing_rules import list_rules

    with _hub(database_url) as hub:
        rows = list_rules(hub.read_uow, tenant)
    table = Table()
    for col in ("code", "v", "enabled", "when", "then", "description"):
        table.add_column(col)
    for r in rows:
        table.add_row(escape(r["code"]), str(r["version"]), "yes" if r["enabled"] else "no",
                      escape(json.dumps(r["when"], ensure_ascii=False)),
                      escape(json.dumps(r["then"], ensure_ascii=False)),
                      escape(r["description"]))
    console.print(table)


@rules_app.command("import")
def rules_import(path: Path, reason: Reason, database_url: DbOption = None,
                 tenant: TenantOption = "default") -> None:
    """Create or update rules from a JSON or YAML file (all valid, or nothing changes)."""
    from orderhub.services.rules.routing_rules import import_rules

    docs = _read_rules(path)
    with _hub(database_url) as hub:
        try:
            out = import_rules(hub.uow, tenant, docs, actor="cli", reason=reason,
                               now=hub.clock())
        except DomainError as exc:
            raise _fail(_errors(exc)) from None
    for r in out:
        console.print(f"{r['code']}: v{r['version']}"
                      + (" (unchanged)" if not r["changed"] else ""))


@rules_app.command("export")
def rules_export(path: Annotated[Path | None, typer.Argument(help="File (.json or .yaml); "
                                                             "standard output if omitted")]
                 = None, database_url: DbOption = None,
                 tenant: TenantOption = "default") -> None:
    """Write every live rule (routing rules and validation checks) to a file to keep in git."""
    from orderhub.services.rules.routing_rules import export_rules

    with _hub(database_url) as hub:
        rules = export_rules(hub.read_uow, tenant)
    if path is not None and path.suffix.lower() == ".json":
        text = json.dumps({"rules": rules}, ensure_ascii=False, indent=2)
    else:
        text = yaml.safe_dump({"rules": rules}, allow_unicode=True, sort_keys=False)
    if path is None:
        console.print(text, highlight=False, markup=False)
        return
    try:
        path.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise _fail(f"cannot write {path}: {exc.strerror}", 2) from None
    console.print(f"{len(rules)} rule(s) written to {path}")


def _enable(code: str, enabled: bool, reason: str, database_url: str | None,
            tenant: str) -> None:
    from orderhub.services.rules.routing_rules import set_enabled

    with _hub(database_url) as hub:
        try:
            out = set_enabled(hub.uow, tenant, code, enabled, actor="cli", reason=reason,
                              now=hub.clock())
        except DomainError as exc:
            raise _fail(_errors(exc)) from None
    console.print(f"{code}: v{out['version']}, {'enabled' if enabled else 'disabled'}")


@rules_app.command("parse")
def rules_parse(text: str,
                code: Annotated[str | None, typer.Option(help="Code for the new rule")] = None,
                save: Annotated[bool, typer.Option(help="Save it (needs --reason)")] = False,
                reason: Annotated[str, typer.Option(help="Why, when saving")] = "",
                database_url: DbOption = None, tenant: TenantOption = "default") -> None:
    """Turn a sentence (Chinese or English) into a rule; shows it, saves it with --save."""
    from orderhub.services.rules.routing_rules import put_rule, rule_from_text

    with _hub(database_url) as hub:
        try:
            out = rule_from_text(hub.read_uow, tenant, text, code)
            console.print(yaml.safe_dump(out["rule"], allow_unicode=True, sort_keys=False),
                          highlight=False, markup=False)  # the user's text, verbatim
            if save:
                saved = put_rule(hub.uow, tenant, out["rule"], actor="cli", reason=reason,
                                 now=hub.clock())
                console.print(f"saved {saved['code']} v{saved['version']}")
        except DomainError as exc:
            raise _fail(_errors(exc)) from None


@rules_app.command("enable")
def rules_enable(code: str, reason: Reason, database_url: DbOption = None,
                 tenant: TenantOption = "default") -> None:
    _enable(code, True, reason, database_url, tenant)


@rules_app.command("disable")
def rules_disable(code: str, reason: Reason, database_url: DbOption = None,
                  tenant: TenantOption = "default") -> None:
    """Stop applying a rule (new orders at once); its history is kept."""
    _enable(code, False, reason, database_url, tenant)


@rules_app.command("history")
def rules_history(code: str, database_url: DbOption = None,
                  tenant: TenantOption = "default") -> None:
    from orderhub.services.rules.routing_rules import history

    with _hub(database_url) as hub:
        try:
            rows = history(hub.read_uow, tenant, code)
        except DomainError as exc:
            raise _fail(_errors(exc)) from None
    for r in rows:
        console.print(escape(f"v{r['version']} {r['changed_at']:%Y-%m-%d %H:%M} "
                             f"{r['changed_by']}: {r['reason']}\n  "
                             f"{json.dumps(r['rule'], ensure_ascii=False)}"),
                      highlight=False)


# ----- region blocks and waves --------------------------------------------------------------

@routing_app.command("block")
def routing_block(area: str, reason: Reason,
                  direction: Annotated[BlockDirection, typer.Option(
                      help="outbound: its sites stop shipping; inbound: no deliveries into "
                           "it; both")] = BlockDirection.BOTH,
                  database_url: DbOption = None, tenant: TenantOption = "default") -> None:
    """Block a province (福建) or lane region (south) now."""
    from orderhub.services.network.incidents import block_region

    with _hub(database_url) as hub:
        try:
            block, report = block_region(hub.uow, tenant, area, direction, reason=reason,
                                         actor="cli", now=hub.clock(), strategy=hub.strategy,
                                         presale_lock=hub.presale_lock)
        except DomainError as exc:
            raise _fail(_errors(exc)) from None
    console.print(f"block {block['id']}: {block['area']} ({block['direction']})")
    _print_report(report)


@routing_app.command("unblock")
def routing_unblock(block_id: Annotated[int, typer.Argument(min=1, max=2**53)], reason: Reason,
                    database_url: DbOption = None,
                    tenant: TenantOption = "default") -> None:
    """Lift a block; orders held for it are routed again."""
    from orderhub.services.network.incidents import lift_block

    with _hub(database_url) as hub:
        try:
            _, report = lift_block(hub.uow, tenant, block_id, reason=reason, actor="cli",
                                   now=hub.clock(), strategy=hub.strategy,
                                   presale_lock=hub.presale_lock)
        except DomainError as exc:
            raise _fail(_errors(exc)) from None
    _print_report(report)


@routing_app.command("blocks")
def routing_blocks(database_url: DbOption = None, tenant: TenantOption = "default") -> None:
    """Active region blocks."""
    from orderhub.services.network.incidents import list_blocks

    with _hub(database_url) as hub:
        rows = list_blocks(hub.read_uow, tenant)
    for b in rows:
        console.print(escape(f"{b['id']}: {b['area']} ({b['direction']}) since "
                             f"{b['created_at']:%Y-%m-%d %H:%M} by {b['created_by']}: "
                             f"{b['reason']}"))
    if not rows:
        console.print("no active blocks")


@routing_app.command("wave")
def routing_wave(limit: Annotated[int, typer.Option(min=1, max=20000)] = 2000,
                 time_limit: Annotated[float | None, typer.Option(
                     min=0.1, max=600, help="Seconds for HiGHS")] = None,
                 dry_run: Annotated[bool, typer.Option(help="Report only")] = False,
                 database_url: DbOption = None, tenant: TenantOption = "default") -> None:
    """Re-optimise the allocated, not yet released orders together (HiGHS MIP)."""
    from orderhub.services.network.waves import optimise_wave

    with _hub(database_url) as hub:
        report = optimise_wave(hub.uow, hub.read_uow, tenant, strategy=hub.strategy,
                               now=hub.clock(), actor="cli", presale_lock=hub.presale_lock,
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


scenario_app = typer.Typer(help="Replay scenarios on a scratch copy of the demo network.",
                           no_args_is_help=True)
app.add_typer(scenario_app, name="scenario")


@scenario_app.command("closure")
def scenario_closure(orders: Annotated[int, typer.Option(min=2, max=200_000)] = 4000,
                     close: Annotated[str, typer.Option(help="Warehouse to close")] = "SH-JD",
                     release_share: Annotated[float, typer.Option(min=0.0, max=1.0)] = 0.3,
                     seed: int = 3) -> None:
    """A warehouse closes mid-stream: orders re-routed, promises kept, held, flagged."""
    from orderhub.tools.scenarios import closure

    try:
        r = closure(orders=orders, close=close, release_share=release_share, seed=seed)
    except ValueError as exc:
        raise _fail(str(exc), 2) from None
    console.print(f"closure of {r.warehouse} after {r.orders // 2} of {r.orders} orders "
                  f"({r.released_before} released to warehouses beforehand)")
    table = Table(show_header=False)
    for label, value in (
            (f"open orders at {r.warehouse}", r.open_at_closure),
            ("re-routed at once", f"{r.rerouted} in {r.seconds:.2f} s"),
            ("  promise kept or earlier", r.promises_kept),
            ("  promise later", r.promises_later),
            ("held (no stock elsewhere)", r.held),
            ("released there, flagged for a person", r.flagged),
            (f"later orders routed to {r.warehouse}", r.later_orders_to_closed)):
        table.add_row(label, str(value))
    console.print(table)
    for w in r.warnings:
        console.print(f"[yellow]warning:[/yellow] {escape(w)}")
