"""`orderhub exceptions list|show|apply|approve|reject|refresh|policy`, and
`orderhub exceptions substitutions list|set|remove`: the exception desk (异常处理台) at the
command line. The actor is the operating-system user (`cli:<user>`): four-eyes holds here
too, so the one who proposed cannot approve from the CLI either."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from orderhub.cli.common import (
    CsvOption,
    DbOption,
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

app = typer.Typer(help="The exception desk: one queue, remedies with cost and time, approvals "
                  "(异常处理台).", no_args_is_help=True)
subs_app = typer.Typer(help="SKU substitutions remedies may use (替代商品).",
                       no_args_is_help=True)
app.add_typer(subs_app, name="substitutions")

JsonOption = Annotated[bool, typer.Option("--json", help="One JSON document on stdout")]
ReasonOption = Annotated[str, typer.Option("--reason", help="Why (kept in the audit log)")]


def _remedies(exc: dict[str, Any]) -> Table:
    table = Table(title="remedies (best first) / 处理方案")
    for col in ("#", "kind", "cost Δ CNY", "promise Δ days", "tier", "score", "description"):
        table.add_column(col)
    for r in exc["remedies"]:
        table.add_row(str(r["n"]), r["kind"], r["cost_delta"], f"{r['delay_days']:+d}",
                      r["tier"], r["score"], f"{r['description']}\n{r['description_zh']}")
    return table


def _outcome(out: dict[str, Any]) -> str:
    p = out.get("proposal")
    if out["outcome"] == "applied":
        return "applied / 已执行"
    if out["outcome"] == "proposed" and p:
        return (f"proposed {p['id']} ({p['tier']}), awaiting approval until {p['expires_at']} "
                f"/ 已提交，等待审批")
    if out["outcome"] == "approved" and p:
        return f"approved ({len(p['approvals'])} so far) / 已批准，等待其他审批人"
    return f"{out['outcome']} / 已驳回"


@app.command("list")
def exceptions_list(
    database_url: DbOption = None, tenant: TenantOption = "default",
    kind: Annotated[str | None, typer.Option(help="held, stalled, at_risk, anomaly, ...")] = None,
    tier: Annotated[str | None, typer.Option(help="L1, L2 or L3 (the best remedy's)")] = None,
    state: Annotated[str | None, typer.Option(help="open or resolved")] = None,
    order: Annotated[str | None, typer.Option(help="Only this order's")] = None,
    cursor: Annotated[str | None, typer.Option(help="next_cursor of the previous page")] = None,
    limit: Annotated[int, typer.Option(min=1, max=500)] = 50,
    as_json: JsonOption = False,
    as_csv: CsvOption = False,
) -> None:
    """The queue, newest first (held orders not yet on it are added first)."""
    from orderhub.domain.exceptions import ExceptionKind, ExceptionState, Tier
    from orderhub.services.exceptions import desk, views

    for value, enum, name in ((kind, ExceptionKind, "kind"), (tier, Tier, "tier"),
                              (state, ExceptionState, "state")):
        if value is not None and value not in {e.value for e in enum}:
            raise fail(f"unknown {name} '{value}'; one of: "
                       + ", ".join(e.value for e in enum), 2)
    with open_hub(database_url) as hub:
        try:
            desk.sync_holds(hub.uow, tenant, now=hub.clock())
            page = views.list_exceptions(hub.read_uow, tenant, kind=kind, tier=tier,
                                         state=state, order_id=order, cursor=cursor,
                                         limit=limit)
        except DomainError as exc:
            raise fail(describe(exc)) from None
    if emit(page, as_json, as_csv, rows=page["items"]):
        return
    table = Table(title="exceptions / 异常")
    for col in ("id", "order", "kind", "state", "tier", "best remedy", "reason"):
        table.add_column(col)
    for e in page["items"]:
        best = e["best_remedy"]
        table.add_row(e["id"], e["order_id"], e["kind"], e["state"], e["tier"] or "-",
                      f"{best['kind']} {best['cost_delta']} CNY {best['delay_days']:+d}d"
                      if best else "-", e["reason"])
    console.print(table)
    if page["next_cursor"]:
        console.print(f"more: --cursor {page['next_cursor']}")


@app.command("show")
def exceptions_show(exception_id: str, database_url: DbOption = None,
                    tenant: TenantOption = "default", as_json: JsonOption = False) -> None:
    """One exception with its ranked remedies and its proposals."""
    from orderhub.services.exceptions import views

    with open_hub(database_url) as hub:
        try:
            exc = views.get_exception(hub.read_uow, tenant, exception_id)
        except DomainError as err:
            raise fail(describe(err)) from None
    if as_json:
        print_json(exc)
        return
    console.print(f"[bold]{exc['id']}[/bold]  order {exc['order_id']}  {exc['kind']}  "
                  f"state={exc['state']}  tier={exc['tier']}", highlight=False)
    console.print(f"  {exc['reason']}", highlight=False)
    if exc["resolution"]:
        console.print(f"  resolved: {exc['resolution']} ({exc['resolved_by']})", highlight=False)
    console.print(_remedies(exc))
    for p in exc["proposals"]:
        who = ", ".join(f"{a['approver']}:{a['decision']}" for a in p["approvals"]) or "-"
        console.print(f"  proposal {p['id']} remedy {p['remedy_n']} {p['kind']} {p['tier']} "
                      f"{p['state']} by {p['proposed_by']}; decisions: {who}", highlight=False)


def _act(action: str, exception_id: str, n: int, reason: str, database_url: str | None,
         tenant: str) -> None:
    from orderhub.services.exceptions import desk

    with open_hub(database_url) as hub:
        try:
            if action == "apply":
                out = desk.apply_remedy(hub.uow, tenant, exception_id, n, actor=cli_actor(),
                                        reason=reason, now=hub.clock(),
                                        presale_lock=hub.presale_lock)
            else:
                out = desk.decide(hub.uow, tenant, exception_id, n,
                                  approve_it=action == "approve", actor=cli_actor(),
                                  reason=reason, now=hub.clock(),
                                  presale_lock=hub.presale_lock)
        except desk.StaleRemedy as exc:
            console.print(f"[red]refused:[/red] {'; '.join(exc.reasons)} "
                          "/ 依据已变化，方案已重新计算", highlight=False)
            console.print(_remedies({"remedies": [r.as_dict() for r in exc.remedies]}))
            raise typer.Exit(1) from None
        except DomainError as exc:
            raise fail(describe(exc)) from None
        desk.void_recalled(hub.compensator, tenant, out)
    console.print(_outcome(out), highlight=False)


@app.command("apply")
def exceptions_apply(exception_id: str, n: int, reason: ReasonOption = "",
                     database_url: DbOption = None, tenant: TenantOption = "default") -> None:
    """Apply remedy N (L1 at once; L2/L3 become a proposal for others to approve)."""
    _act("apply", exception_id, n, reason, database_url, tenant)


@app.command("approve")
def exceptions_approve(exception_id: str, n: int, reason: ReasonOption = "",
                       database_url: DbOption = None, tenant: TenantOption = "default") -> None:
    """Approve the proposal of remedy N (never your own)."""
    _act("approve", exception_id, n, reason, database_url, tenant)


@app.command("reject")
def exceptions_reject(exception_id: str, n: int,
                      reason: Annotated[str, typer.Option("--reason", help="Why (required)")],
                      database_url: DbOption = None, tenant: TenantOption = "default") -> None:
    """Reject the proposal of remedy N, with the reason."""
    _act("reject", exception_id, n, reason, database_url, tenant)


@app.command("refresh")
def exceptions_refresh(exception_id: str, database_url: DbOption = None,
                       tenant: TenantOption = "default") -> None:
    """Compute the remedies afresh from current stock and network."""
    from orderhub.services.exceptions import desk, views

    with open_hub(database_url) as hub:
        try:
            desk.recompute(hub.uow, tenant, exception_id, now=hub.clock())
            exc = views.get_exception(hub.read_uow, tenant, exception_id)
        except DomainError as err:
            raise fail(describe(err)) from None
    console.print(_remedies(exc))


@app.command("policy")
def exceptions_policy(
    database_url: DbOption = None, tenant: TenantOption = "default",
    set_file: Annotated[Path | None, typer.Option(
        "--set", help="A JSON or YAML tier policy document to put in force (a new version)")]
        = None,
    reason: ReasonOption = "",
) -> None:
    """Show the tier policy in force, or set a new version (--set FILE --reason)."""
    import json

    import yaml

    from orderhub.services.exceptions import admin

    with open_hub(database_url) as hub:
        try:
            if set_file is None:
                doc = admin.get_policy(hub.read_uow, tenant)
            else:
                try:
                    text = set_file.read_text(encoding="utf-8")
                    loaded = (json.loads(text) if set_file.suffix.lower() == ".json"
                              else yaml.safe_load(text))
                except (OSError, ValueError, yaml.YAMLError) as exc:
                    raise fail(f"cannot read {set_file}: {exc}", 2) from None
                if not isinstance(loaded, dict):
                    raise fail(f"{set_file}: expected a policy object", 2)
                doc = admin.set_policy(hub.uow, tenant, loaded, reason=reason,
                                       actor=cli_actor(), now=hub.clock())
        except DomainError as exc:
            raise fail(describe(exc)) from None
    print_json(doc)


@subs_app.command("list")
def subs_list(database_url: DbOption = None, tenant: TenantOption = "default",
              sku: Annotated[str | None, typer.Option(help="Only this SKU's")] = None,
              as_json: JsonOption = True, as_csv: CsvOption = False) -> None:
    """SKUs and what may replace them (JSON unless --csv)."""
    from orderhub.services.exceptions import admin

    with open_hub(database_url) as hub:
        found = admin.list_substitutions(hub.read_uow, tenant, sku)
    emit(found, as_json and not as_csv, as_csv)


@subs_app.command("set")
def subs_set(sku: str, substitute: str,
             ratio: Annotated[str, typer.Option(help="Units of SUBSTITUTE per unit")] = "1",
             database_url: DbOption = None, tenant: TenantOption = "default") -> None:
    """SUBSTITUTE may replace SKU (audited)."""
    from orderhub.services.exceptions import admin

    try:
        value = Decimal(ratio)
    except InvalidOperation:
        raise fail(f"--ratio: '{ratio}' is not a number", 2) from None
    with open_hub(database_url) as hub:
        try:
            print_json(admin.put_substitution(hub.uow, tenant, sku, substitute, value,
                                              actor=cli_actor(), now=hub.clock()))
        except DomainError as exc:
            raise fail(describe(exc), 2) from None


@subs_app.command("remove")
def subs_remove(sku: str, substitute: str, database_url: DbOption = None,
                tenant: TenantOption = "default") -> None:
    """SUBSTITUTE no longer replaces SKU (audited)."""
    from orderhub.services.exceptions import admin

    with open_hub(database_url) as hub:
        try:
            admin.delete_substitution(hub.uow, tenant, sku, substitute, actor=cli_actor(),
                                      now=hub.clock())
        except DomainError as exc:
            raise fail(describe(exc)) from None
    console.print(f"removed: {substitute} no longer replaces {sku} / 已删除")
