"""`orderhub return request|approve|reject|cancel|waybill|receive|refund-complete|show|list|
stats|policy|reasons` (退货/换货): the same service calls as the API's /v1/returns."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
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
)
from orderhub.domain.errors import DomainError

app = typer.Typer(help="Returns and exchanges (退货/换货): request, approve, receive, refund.",
                  no_args_is_help=True)

ReturnId = Annotated[str, typer.Argument(help="Return id (or a unique beginning of it)")]


def _pair(text: str, parts: int, what: str) -> list[str]:
    bits = text.split(":")
    if len(bits) != parts or not all(bits):
        raise fail(f"'{text}' is not {what}", 2)
    return bits


def _int(text: str, what: str) -> int:
    try:
        return int(text)
    except ValueError:
        raise fail(f"'{text}' is not {what}", 2) from None


def _show(doc: dict[str, Any]) -> None:
    console.print(f"{doc['id']}  status (状态)={doc['status']} ({doc['status_zh']})  "
                  f"order (订单)={doc['order_id']}  {doc['kind']}  "
                  f"reason (原因)={doc['reason']} ({doc['reason_zh']})", highlight=False)
    for ln in doc["lines"]:
        console.print(f"  line (行) {ln['line_no']}  {ln['sku']} x {ln['quantity']}",
                      highlight=False)
    if doc["exchange_order_id"]:
        console.print(f"  exchange order (换货订单): {doc['exchange_order_id']}", highlight=False)
    if doc["return_waybill"]:
        w = doc["return_waybill"]
        console.print(f"  return waybill (退货运单): {w['carrier_service']} {w['waybill']} "
                      f"(paid by (运费承担) {doc['return_shipping_paid_by']})", highlight=False)
    for u in doc["received"]:
        console.print(f"  received (已收货): line (行) {u['line_no']} {u['sku']} x "
                      f"{u['quantity']} {u['grade']} ({u['grade_zh']}) @ {u['warehouse']}",
                      highlight=False)
    if doc["refund"]:
        f = doc["refund"]
        console.print(f"  refund (退款): {f['total']} {f['currency']} (goods (商品) "
                      f"{f['merchandise']}, shipping (运费) {f['shipping']}, "
                      f"restocking fee (折旧费) {f['restocking_fee']}, return shipping (退货运费) "
                      f"{f['return_shipping']})"
                      + (f"  reference (凭证号) {doc['refund_reference']}"
                         if doc["refund_reference"] else ""), highlight=False)


def _act(database_url: str | None, tenant: str, return_id: str | None, as_json: bool,
         step: Callable[[Any, str], Any]) -> None:
    """Open the hub, resolve the return id, run `step(hub, id)`, print the return."""
    from orderhub.services.returns import views

    with open_hub(database_url) as hub:
        try:
            rid = views.resolve_return_id(hub.read_uow, tenant, return_id) \
                if return_id else ""
            result = step(hub, rid)
        except DomainError as exc:
            raise fail(describe(exc)) from None
    doc = views.return_view(result) if not isinstance(result, dict) else result
    if not emit(doc, as_json):
        _show(doc)


@app.command("request")
def request(
    order: Annotated[str, typer.Argument(help="Order id (or a unique beginning of it)")],
    line: Annotated[list[str], typer.Option("--line", help="N:QTY, a line number and the "
                                            "units returned (repeat for more lines)")],
    reason: Annotated[str, typer.Option("--reason", help="damaged, wrong_item, "
                                        "not_as_described, size, changed_mind, late, other")],
    kind: Annotated[str, typer.Option("--kind", help="refund or exchange")] = "refund",
    replace: Annotated[list[str] | None, typer.Option(
        "--replace", help="SKU:QTY an exchange sends instead (default: the same SKUs)")] = None,
    opened: Annotated[bool, typer.Option("--opened", help="The item was opened")] = False,
    note: Annotated[str, typer.Option("--note", help="The customer's words")] = "",
    database_url: DbOption = None, tenant: TenantOption = "default", as_json: JsonOption = False,
) -> None:
    """Ask for a return of shipped units; approved at once when the return policy allows."""
    from orderhub.services.orders import views as order_views

    lines = [(_int(a, "a line number"), _int(b, "a quantity"))
             for a, b in (_pair(x, 2, "N:QTY") for x in line)]
    wanted = [(a, _int(b, "a quantity")) for a, b in (_pair(x, 2, "SKU:QTY")
                                                       for x in replace or [])]

    def step(hub: Any, _: str) -> Any:
        oid = order_views.resolve_order_id(hub.read_uow, tenant, order)
        return hub.returns.request(tenant, oid, lines, reason, actor=cli_actor(), kind=kind,
                                   source="cli", note=note, opened=opened,
                                   replacement=wanted)

    _act(database_url, tenant, None, as_json, step)


@app.command("approve")
def approve(return_id: ReturnId,
            reason: Annotated[str, typer.Option("--reason", help="Why (kept on the "
                                                "timeline)")] = "",
            database_url: DbOption = None, tenant: TenantOption = "default",
            as_json: JsonOption = False) -> None:
    """Approve a return waiting for a person (an exchange's order is created and reserved);
    the return waybill is booked."""
    _act(database_url, tenant, return_id, as_json,
         lambda hub, rid: hub.returns.approve(tenant, rid, actor=cli_actor(), reason=reason))


@app.command("reject")
def reject(return_id: ReturnId,
           reason: Annotated[str, typer.Option("--reason", help="Why (kept on the "
                                               "timeline)")],
           database_url: DbOption = None, tenant: TenantOption = "default",
           as_json: JsonOption = False) -> None:
    """Reject a return waiting for a person."""
    _act(database_url, tenant, return_id, as_json,
         lambda hub, rid: hub.returns.reject(tenant, rid, actor=cli_actor(), reason=reason))


@app.command("cancel")
def cancel(return_id: ReturnId,
           reason: Annotated[str, typer.Option("--reason", help="Why (kept on the "
                                               "timeline)")] = "",
           database_url: DbOption = None, tenant: TenantOption = "default",
           as_json: JsonOption = False) -> None:
    """Withdraw a return whose goods have not arrived."""
    _act(database_url, tenant, return_id, as_json,
         lambda hub, rid: hub.returns.cancel(tenant, rid, actor=cli_actor(), reason=reason))


@app.command("waybill")
def waybill(return_id: ReturnId, database_url: DbOption = None,
            tenant: TenantOption = "default", as_json: JsonOption = False) -> None:
    """Book the return waybill again after a carrier failure (one that exists is kept)."""
    from orderhub.adapters.carriers.base import CarrierError

    def step(hub: Any, rid: str) -> Any:
        try:
            return hub.returns.book_waybill(tenant, rid, actor=cli_actor())
        except CarrierError as exc:
            raise fail(str(exc)) from None

    _act(database_url, tenant, return_id, as_json, step)


@app.command("receive")
def receive(
    return_id: ReturnId,
    warehouse: Annotated[str, typer.Option("--warehouse", help="Warehouse code where the "
                                           "goods arrived")],
    line: Annotated[list[str], typer.Option("--line", help="N:QTY:GRADE, grade resell, "
                                            "refurbish or scrap (repeat for more)")],
    database_url: DbOption = None, tenant: TenantOption = "default", as_json: JsonOption = False,
) -> None:
    """Receive returned goods with their inspection grade: resell units are available at
    once; a refund return asks finance for its refund."""
    from orderhub.services.returns.desk import Receipt

    receipts = [Receipt(_int(a, "a line number"), _int(b, "a quantity"), c)
                for a, b, c in (_pair(x, 3, "N:QTY:GRADE") for x in line)]
    _act(database_url, tenant, return_id, as_json,
         lambda hub, rid: hub.returns.receive(tenant, rid, warehouse, receipts,
                                              actor=cli_actor()))


@app.command("refund-complete")
def refund_complete(
    return_id: ReturnId,
    reference: Annotated[str, typer.Option("--reference", help="The payment's reference "
                                           "(finance's or the channel's)")],
    database_url: DbOption = None, tenant: TenantOption = "default", as_json: JsonOption = False,
) -> None:
    """Record that the refund was paid (RefundCompleted)."""
    _act(database_url, tenant, return_id, as_json,
         lambda hub, rid: hub.returns.complete_refund(tenant, rid, reference,
                                                      actor=cli_actor()))


@app.command("show")
def show(return_id: ReturnId, database_url: DbOption = None,
         tenant: TenantOption = "default", as_json: JsonOption = False) -> None:
    """One return: lines, decision, waybill, receipt, refund."""
    from orderhub.services.returns import views

    _act(database_url, tenant, return_id, as_json,
         lambda hub, rid: views.get_return(hub.read_uow, tenant, rid))


@app.command("list")
def list_(status: Annotated[str | None, typer.Option("--status", help="requested, approved, "
                                                     "received, refunded, ...")] = None,
          order: Annotated[str | None, typer.Option("--order", help="Only this order's")] = None,
          database_url: DbOption = None, tenant: TenantOption = "default",
          as_json: JsonOption = False) -> None:
    """Returns, newest first."""
    from orderhub.services.returns import views

    with open_hub(database_url) as hub:
        docs = views.list_returns(hub.read_uow, tenant, status=status, order_id=order)
    if emit(docs, as_json):
        return
    table = Table("id (编号)", "order (订单)", "kind (类型)", "status (状态)", "reason (原因)",
                  "units (件数)", "refund (退款)")
    for d in docs:
        table.add_row(d["id"], d["order_id"], d["kind"], f"{d['status']} ({d['status_zh']})",
                      d["reason_zh"], str(sum(ln["quantity"] for ln in d["lines"])),
                      d["refund"]["total"] if d["refund"] else "")
    console.print(table)


@app.command("stats")
def stats(database_url: DbOption = None, tenant: TenantOption = "default",
          as_json: JsonOption = False) -> None:
    """Return rates (units returned / units shipped) per SKU and per channel."""
    from orderhub.services.returns import views

    with open_hub(database_url) as hub:
        doc = views.return_stats(hub.read_uow, tenant)
    if emit(doc, as_json):
        return
    console.print(f"return rate (退货率): {doc['rate']} ({doc['returned']} / {doc['shipped']})",
                  highlight=False)
    for key, zh, rows in (("sku", "SKU", doc["by_sku"]),
                          ("channel", "渠道", doc["by_channel"])):
        table = Table(f"{key} ({zh})", "returned (退回)", "shipped (已发)", "return rate (退货率)")
        for r in rows:
            table.add_row(r[key], str(r["returned"]), str(r["shipped"]), r["rate"])
        console.print(table)


@app.command("policy")
def policy_cmd(
    set_: Annotated[Path | None, typer.Option("--set", help="A JSON file with the new "
                                              "policy (fields left out take defaults)")] = None,
    database_url: DbOption = None, tenant: TenantOption = "default", as_json: JsonOption = False,
) -> None:
    """Show the tenant's return policy, or replace it from a file."""
    from orderhub.services.returns import policy

    doc: Any = None
    if set_ is not None:
        try:
            doc = json.loads(set_.read_text(encoding="utf-8"))
        except OSError as exc:
            raise fail(f"cannot read {set_}: {exc.strerror}", 2) from None
        except (ValueError, UnicodeDecodeError) as exc:
            raise fail(f"{set_} is not JSON: {exc}", 2) from None
        if not isinstance(doc, dict):
            raise fail(f"{set_}: expected a JSON object", 2)
    with open_hub(database_url) as hub:
        try:
            out = (policy.set_policy(hub.uow, tenant, doc, now=hub.clock(), actor=cli_actor())
                   if doc is not None else policy.get_policy(hub.read_uow, tenant))
        except DomainError as exc:
            raise fail(describe(exc)) from None
    if not emit(out, as_json):
        for k, v in out.items():
            console.print(f"{k}: {json.dumps(v, ensure_ascii=False)}", highlight=False)


@app.command("reasons")
def reasons(as_json: JsonOption = False) -> None:
    """The reason codes a return names, with their Chinese labels."""
    from orderhub.domain.returns import REASON_LABELS_ZH

    doc = [{"code": r.value, "label_zh": label} for r, label in REASON_LABELS_ZH.items()]
    if not emit(doc, as_json):
        for d in doc:
            console.print(f"{d['code']:<18} {d['label_zh']}", highlight=False)
