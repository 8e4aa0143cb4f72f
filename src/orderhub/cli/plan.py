"""`orderhub plan`: pre-allocation 72 hours ahead (预分配): compute a plan of suggested
transfers (调拨建议) from the forecasts, show it, accept or reject suggestions (accepted
ones become transfer orders, `orderhub transfer`), and the tenant's planning settings
(service level, costs, the auto-accept rule). docs/preallocation.md."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

import typer
from rich.table import Table

from orderhub.cli.common import (
    DbOption,
    JsonOption,
    TenantOption,
    cli_actor,
    console,
    describe,
    emit,
    fail,
    open_hub,
    upgrade_schema,
    working,
)
from orderhub.cli.i18n import t
from orderhub.domain.errors import DomainError

app = typer.Typer(help="Pre-allocation 72 hours ahead (预分配): plan transfers, show, "
                  "accept, reject, settings.", no_args_is_help=True)

PlanIdArg = Annotated[str, typer.Argument(help="The plan's id")]


def _numbers(values: list[str] | None) -> tuple[list[int] | None, dict[int, int]]:
    """--only 3 --only 5:10 (suggestion 5, 10 units) to numbers and smaller quantities."""
    if not values:
        return None, {}
    numbers: list[int] = []
    quantities: dict[int, int] = {}
    for raw in values:
        for part in raw.split(","):
            n, _, q = part.strip().partition(":")
            try:
                number = int(n)
                if q:
                    quantities[number] = int(q)
            except ValueError:
                raise fail(t("--only: '{value}' is not N or N:QUANTITY").format(value=part),
                           2) from None
            if number < 1 or (q and quantities[number] < 1):
                raise fail(t("--only: '{value}': numbers and quantities must be positive")
                           .format(value=part), 2)
            numbers.append(number)
    return numbers, quantities


def _print_plan(doc: dict[str, Any]) -> None:
    summary = doc["summary"]
    console.print(t("plan {id}: {count} suggested transfers, {hours} h ahead, forecast run "
                    "{run}").format(id=doc["id"], count=len(doc["suggestions"]),
                                    hours=doc["horizon_hours"], run=doc["forecast_run_id"]))
    console.print(t("{skus} SKUs × {sites} sites solved in {seconds} s ({solver}); expected "
                    "benefit {benefit}, transfer cost {cost}").format(
        skus=summary["skus"], sites=summary["sites"], seconds=summary["solve_seconds"],
        solver=summary["solver"], benefit=summary["expected_benefit"],
        cost=summary["transfer_cost"]))
    table = Table()
    for col in ("#", "SKU", "from 调出", "to 调入", "qty", "benefit 收益", "cost 成本",
                "status 状态"):
        table.add_column(col, justify="right" if col in ("#", "qty", "benefit 收益",
                                                          "cost 成本") else "left")
    for s in doc["suggestions"][:200]:
        status = s["status"] + (f" ({s['transfer_id']})" if s["transfer_id"] else "")
        table.add_row(str(s["n"]), s["sku"], s["from"], s["to"], str(s["quantity"]),
                      s["expected_benefit"], s["cost"], status)
    console.print(table)
    for s in doc["suggestions"][:200]:
        if s["flag"]:
            console.print(f"  #{s['n']} {t('flagged')}: {s['flag']}")


@app.command("preallocate")
def preallocate(
    horizon: Annotated[str, typer.Option("--horizon", help="How far ahead: hours (72h) or "
                                         "days (3d)")] = "72h",
    auto_accept: Annotated[bool, typer.Option(
        "--auto-accept", help="Accept at once the suggestions the tenant's rule allows "
        "(benefit at least the minimum, not flagged)")] = False,
    sku: Annotated[list[str] | None, typer.Option("--sku", help="Only this SKU "
                                                  "(repeatable)")] = None,
    site: Annotated[list[str] | None, typer.Option("--site", help="Only this site "
                                                   "(repeatable)")] = None,
    start: Annotated[str | None, typer.Option(
        "--start", help="First day of the horizon (YYYY-MM-DD; default today, or the "
        "forecast's first day after it)")] = None,
    tenant: TenantOption = "default",
    as_json: JsonOption = False,
    database_url: DbOption = None,
) -> None:
    """Compute the transfers that minimise expected lost sales plus transfer and holding
    cost over the horizon, from the latest forecasts; store them as a plan to review."""
    from orderhub.services.planning import preallocation, views

    try:
        first = date.fromisoformat(start) if start else None
    except ValueError:
        raise fail(f"--start: '{start}' is not a date (YYYY-MM-DD)", 2) from None
    try:
        hours = preallocation.parse_horizon(horizon)
        with open_hub(database_url) as hub:
            upgrade_schema(hub)
            with working(t("planning transfers (HiGHS)")):
                result = preallocation.preallocate(
                    hub.uow, hub.read_uow, preallocation.default_solver(), tenant,
                    horizon_hours=hours, auto_accept=auto_accept, skus=sku, sites=site,
                    start=first, actor=cli_actor(), now=hub.clock())
            hub.relay.drain()
            doc = views.plan(hub.read_uow, tenant, result.plan.id)
    except DomainError as exc:
        raise fail(describe(exc)) from None
    if emit({**result.as_dict(), "plan": doc}, as_json):
        return
    _print_plan(doc)
    if result.accepted:
        console.print(t("{count} accepted by the rule: transfers {ids}").format(
            count=len(result.accepted), ids=", ".join(result.accepted)))


@app.command("show")
def show(plan_id: PlanIdArg, tenant: TenantOption = "default", as_json: JsonOption = False,
         database_url: DbOption = None) -> None:
    """A plan's suggestions: from, to, SKU, quantity, expected benefit, cost, status, why."""
    from orderhub.services.planning import views

    try:
        with open_hub(database_url) as hub:
            upgrade_schema(hub)
            doc = views.plan(hub.read_uow, tenant, plan_id)
    except DomainError as exc:
        raise fail(describe(exc)) from None
    if emit(doc, as_json):
        return
    _print_plan(doc)
    for s in doc["suggestions"][:50]:
        console.print(f"  #{s['n']} {t('why')}: {s['why']}")


@app.command("list")
def list_(tenant: TenantOption = "default", as_json: JsonOption = False,
          database_url: DbOption = None) -> None:
    """Recent pre-allocation plans, newest first."""
    from orderhub.services.planning import views

    try:
        with open_hub(database_url) as hub:
            upgrade_schema(hub)
            doc = views.plans(hub.read_uow, tenant)
    except DomainError as exc:
        raise fail(describe(exc)) from None
    if emit(doc, as_json):
        return
    table = Table()
    for col in ("plan", "created 创建", "by", "hours", "benefit 收益"):
        table.add_column(col)
    for p in doc["items"]:
        table.add_row(p["id"], str(p["created_at"])[:19], p["created_by"],
                      str(p["horizon_hours"]), p["summary"].get("expected_benefit", ""))
    console.print(table)


@app.command("accept")
def accept(
    plan_id: PlanIdArg,
    only: Annotated[list[str] | None, typer.Option(
        "--only", help="Suggestion numbers (N, or N:QUANTITY for fewer units; repeatable "
        "or comma-separated); default every suggestion still suggested")] = None,
    allow_below_safety: Annotated[bool, typer.Option(
        "--allow-below-safety", help="Also accept flagged suggestions, although the source "
        "goes below its safety stock")] = False,
    tenant: TenantOption = "default",
    as_json: JsonOption = False,
    database_url: DbOption = None,
) -> None:
    """Accept suggestions: each becomes a transfer order reserving its units at the
    source. Flagged ones (below safety stock) are skipped unless --allow-below-safety."""
    from orderhub.services.planning import transfers

    numbers, quantities = _numbers(only)
    try:
        with open_hub(database_url) as hub:
            upgrade_schema(hub)
            result = transfers.accept(hub.uow, tenant, plan_id, numbers,
                                      quantities=quantities,
                                      allow_below_safety=allow_below_safety,
                                      actor=cli_actor(), now=hub.clock())
            hub.relay.drain()
    except DomainError as exc:
        raise fail(describe(exc)) from None
    if not emit(result.as_dict(), as_json):
        console.print(t("{count} accepted: transfers {ids}").format(
            count=len(result.accepted), ids=", ".join(result.transfer_ids) or "-"))
        for s in result.skipped:
            console.print(f"  #{s['n']} {t('not accepted')}: {s['reason']}")
    if numbers and result.skipped:
        raise typer.Exit(1)


@app.command("reject")
def reject(
    plan_id: PlanIdArg,
    only: Annotated[list[str], typer.Option("--only", help="Suggestion numbers to reject "
                                            "(repeatable or comma-separated)")],
    tenant: TenantOption = "default",
    database_url: DbOption = None,
) -> None:
    """Reject suggestions (kept in the plan, marked rejected)."""
    from orderhub.services.planning import transfers

    numbers, _ = _numbers(only)
    try:
        with open_hub(database_url) as hub:
            upgrade_schema(hub)
            done = transfers.reject(hub.uow, tenant, plan_id, numbers or [],
                                    actor=cli_actor(), now=hub.clock())
    except DomainError as exc:
        raise fail(describe(exc)) from None
    console.print(t("{count} rejected").format(count=len(done)))


@app.command("settings")
def settings(
    set_: Annotated[list[str] | None, typer.Option(
        "--set", help="NAME=VALUE, e.g. auto_accept_min_benefit=80 or service_level=0.97 "
        "(repeatable)")] = None,
    tenant: TenantOption = "default",
    as_json: JsonOption = False,
    database_url: DbOption = None,
) -> None:
    """The tenant's planning settings (service level, costs, the auto-accept rule, routing's
    sell-out penalty); --set changes them."""
    from orderhub.services.planning import settings as planning_settings

    changes: dict[str, Any] = {}
    for raw in set_ or []:
        name, eq, value = raw.partition("=")
        if not eq:
            raise fail(t("--set: '{value}' is not NAME=VALUE").format(value=raw), 2)
        changes[name.strip()] = {"true": True, "false": False}.get(value.strip().lower(),
                                                                   value.strip())
    try:
        with open_hub(database_url) as hub:
            upgrade_schema(hub)
            doc = (planning_settings.change(hub.uow, tenant, changes, actor=cli_actor(),
                                            now=hub.clock()) if changes
                   else planning_settings.show(hub.read_uow, tenant))
    except DomainError as exc:
        raise fail(describe(exc)) from None
    if emit(doc, as_json):
        return
    for k, v in doc.items():
        console.print(f"{k} = {v}")
