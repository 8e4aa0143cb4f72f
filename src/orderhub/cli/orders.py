"""`orderhub order show|why|list|tracking|tracking-link|reject-release|accept-address|
payment-failed|edit|balance|cancel-lines`: inspect orders, a link to an order's tracking
page; a warehouse refusing one, an address suggestion accepted, a payment that could not be
captured; an order edited after placement; the money line by line, units cancelled."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from orderhub.cli.common import (
    CsvOption,
    DbOption,
    JsonOption,
    TenantOption,
    console,
    describe,
    emit,
    fail,
    open_hub,
)
from orderhub.cli.i18n import language, t
from orderhub.cli.sagas import print_saga
from orderhub.cli.tracking import print_order_tracking
from orderhub.domain.errors import DomainError

if TYPE_CHECKING:
    from orderhub.domain.privacy import PiiView

app = typer.Typer(help="Inspect orders.", no_args_is_help=True)

# The CLI is the local operator: the full view unless --masked asks for what a logistics
# role would see (domain/privacy.py shapes both).
MaskedOption = Annotated[bool, typer.Option(
    "--masked", help="Mask personal data (phone's last four digits, name's first character, "
    "street only once released)")]


def _resolve(hub: Any, tenant: str, order_id: str) -> str:
    """The full id of the order `order_id` is, or begins, (a narrow terminal's list may
    have been cut); a message and exit 1 when none or several."""
    from orderhub.services.orders import views

    try:
        return views.resolve_order_id(hub.read_uow, tenant, order_id)
    except DomainError as exc:
        raise fail(describe(exc)) from None


def _pii(masked: bool) -> PiiView:
    from orderhub.domain.privacy import PiiView

    return PiiView.MASKED if masked else PiiView.FULL


def _ship_to(o: dict[str, object]) -> str:
    a = o.get("shipping_address") or {}
    assert isinstance(a, dict)
    parts = [a.get(k, "") for k in ("name", "phone", "province", "city", "district", "line1")]
    return " ".join(str(p) for p in parts if p)


def _note_facts(attributes: dict[str, str]) -> list[str]:
    """The facts read from the buyer's notes, one line each, with their words."""
    out = []
    for name, label in (("note_baby_age_months", "baby's age (months)"),
                        ("note_requested_delivery", "requested delivery"),
                        ("note_invoice_title", "invoice title"),
                        ("note_invoice_tax_id", "tax id"),
                        ("note_buyer_age_years", "buyer's own age (years)")):
        if attributes.get(name):
            span = attributes.get(f"{name}_span", "")
            out.append(t("buyer note, {what}: {value}", what=t(label), value=attributes[name])
                       + (f"  「{span}」" if span else ""))
    return out


@app.command("show")
def order_show(
    order_id: str, database_url: DbOption = None, tenant: TenantOption = "default",
    masked: MaskedOption = False, as_json: JsonOption = False,
) -> None:
    """An order with its customer, ship-to, lines, shipments and full timeline (ORDER_ID:
    the id or its beginning, if only one order's id begins so)."""
    from orderhub.services.orders import views

    with open_hub(database_url) as hub:
        order_id = _resolve(hub, tenant, order_id)
        try:
            o = views.get_order(hub.read_uow, tenant, order_id, pii=_pii(masked))
            timeline = views.get_timeline(hub.read_uow, tenant, order_id)
        except DomainError as exc:
            raise fail(str(exc)) from None
        if emit({**o, "timeline": timeline}, as_json):
            return
        console.print(
            f"[bold]{o['id']}[/bold]  {o['channel']}/{o['external_id']}  "
            f"type={o['order_type']}  status=[bold]{o['status']}[/bold]  "
            f"total={o['totals']['grand_total']} {o['currency']}  "
            f"promised={o['promised_delivery']}  version={o['version']}", highlight=False
        )
        customer = " ".join(str(v) for k, v in o["customer"].items() if k != "ref")
        console.print(f"  customer: {customer or '-'}", highlight=False)
        console.print(f"  ship to:  {_ship_to(o) or '-'}", highlight=False)
        for line in _note_facts(o.get("attributes") or {}):
            console.print(f"  {line}", highlight=False)
        for r in o["hold_reasons"]:
            console.print(f"  [yellow]hold[/yellow] {r['code']}: {r['message']}")
        lines = Table(title="lines")
        for col in ("#", "sku", "qty", "unit price", "discount", "tax", "total"):
            lines.add_column(col)
        for ln in o["lines"]:
            lines.add_row(
                str(ln["line_no"]),
                ln["sku"],
                str(ln["quantity"]),
                ln["unit_price"],
                ln["discount"],
                ln["tax"],
                ln["total"],
            )
        console.print(lines)
        if o["shipments"]:
            ships = Table(title="shipments")
            for col in ("shipment", "warehouse", "status", "lines"):
                ships.add_column(col)
            for s in o["shipments"]:
                ships.add_row(
                    s["id"],
                    s["warehouse"],
                    s["status"],
                    ", ".join(f"{x['sku']} x{x['quantity']}" for x in s["lines"]),
                )
            console.print(ships)
        tl = Table(title="timeline")
        for col in ("#", "time (UTC)", "event", "status", "actor", "reason"):
            tl.add_column(col)
        for e in timeline:
            tl.add_row(
                str(e["seq"]),
                e["at"].strftime("%Y-%m-%d %H:%M:%S.%f")[:-3],
                e["type"],
                e["status"],
                e["actor"],
                e["reason"],
            )
        console.print(tl)


@app.command("why")
def order_why(order_id: str, database_url: DbOption = None,
              tenant: TenantOption = "default") -> None:
    """Why the order was routed where it was, in plain words."""
    from orderhub.services.bidding.views import order_bidding
    from orderhub.services.orders import views

    with open_hub(database_url) as hub:
        order_id = _resolve(hub, tenant, order_id)
        try:
            decisions = views.get_routing(hub.read_uow, tenant, order_id)
            offers = order_bidding(hub.read_uow, tenant, order_id, zh=language() == "zh")
        except DomainError as exc:
            raise fail(str(exc)) from None
    if not decisions:
        console.print("no routing decision recorded: the order has not been routed yet (it "
                      "is held before allocation), or it was allocated by the nearest-"
                      "warehouse strategy (ORDERHUB_ALLOCATION_STRATEGY=nearest)")
    for d in decisions:
        console.print(f"[bold]{d['decided_at']:%Y-%m-%d %H:%M:%S} UTC[/bold]")
        for line in views.explain_routing(d):
            console.print("  " + line, highlight=False)
    for o in offers:  # 3PL bidding (domain/bidding.py): the offer, its bids, the award
        console.print(f"[bold]{o['opened_at']:%Y-%m-%d %H:%M:%S} UTC[/bold]")
        for line in o["explanation"]:
            console.print("  " + line, highlight=False)


@app.command("list")
def order_list(
    database_url: DbOption = None,
    tenant: TenantOption = "default",
    status: Annotated[str | None, typer.Option(help="Filter by status")] = None,
    phone: Annotated[str | None, typer.Option(
        help="Only orders to or from this phone, exact (looked up by blind index)")] = None,
    email: Annotated[str | None, typer.Option(
        help="Only orders of this customer email, exact (looked up by blind index)")] = None,
    limit: Annotated[int, typer.Option(min=1, max=500)] = 20,
    masked: MaskedOption = False,
    as_json: JsonOption = False,
    as_csv: CsvOption = False,
) -> None:
    """The newest orders (ids are never cut: a narrow terminal wraps the other columns)."""
    from orderhub.domain.lifecycle import OrderStatus
    from orderhub.services.orders import views

    try:
        st = OrderStatus(status) if status else None
    except ValueError:
        raise fail(t("unknown status '{status}'; one of: {choices}", status=status,
                     choices=", ".join(s.value for s in OrderStatus)), 2) from None
    with open_hub(database_url) as hub:
        try:
            page = views.list_orders(hub.read_uow, tenant, status=st, phone=phone,
                                     email=email, limit=limit, pii=_pii(masked))
        except DomainError as exc:
            raise fail(str(exc), 2) from None
    rows = [{"id": o["id"], "channel": o["channel"], "external_id": o["external_id"],
             "status": o["status"], "grand_total": o["totals"]["grand_total"],
             "currency": o["currency"],
             "warehouses": ",".join(sorted({s["warehouse"] for s in o["shipments"]})),
             "ship_to": _ship_to(o), "created_at": o.get("created_at")}
            for o in page["items"]]
    if emit(page["items"], as_json, as_csv, rows=rows,
            columns=("id", "channel", "external_id", "status", "grand_total", "currency",
                     "warehouses", "ship_to", "created_at")):
        return
    table = Table()
    widest = max((len(o["id"]) for o in page["items"]), default=2)
    table.add_column("id", no_wrap=True, min_width=widest)  # never cut: `order show` needs it
    for col in ("channel", "external id", "status", "total", "warehouses"):
        table.add_column(col, overflow="fold")
    table.add_column("ship to", overflow="ellipsis", no_wrap=True, ratio=1)
    for r in rows:
        table.add_row(r["id"], r["channel"], r["external_id"], r["status"],
                      r["grand_total"], r["warehouses"], r["ship_to"])
    console.print(table)


@app.command("twin")
def order_twin(
    order_id: str, database_url: DbOption = None, tenant: TenantOption = "default",
    as_json: Annotated[bool, typer.Option("--json", help="The twin as JSON")] = False,
    lang: Annotated[str | None, typer.Option(
        "--lang", help="en or zh (default: the CLI's language)")] = None,
) -> None:
    """The order's digital twin: its 11 stages with entry, exit, expected and due times,
    the slack to the promised delivery, health, risk and what drives them."""
    from orderhub.cli.common import print_json
    from orderhub.services.twin.views import order_twin as twin_view

    zh = (lang or language()) == "zh"
    with open_hub(database_url) as hub:
        order_id = _resolve(hub, tenant, order_id)
        try:
            tw = twin_view(hub.read_uow, tenant, order_id, now=hub.clock())
        except DomainError as exc:
            raise fail(str(exc)) from None
    if as_json:
        print_json(tw)
        return
    health = tw["health"]
    colour = "green" if health >= 80 else "yellow" if health >= 50 else "red"
    console.print(
        f"[bold]{tw['order_id']}[/bold]  {'状态' if zh else 'status'}={tw['status']}  "
        f"{'健康度' if zh else 'health'}=[{colour}]{health}[/{colour}]  "
        f"{'延误概率' if zh else 'risk'}={tw['risk']:.0%}  "
        f"{'余量' if zh else 'slack'}={tw['slack'] or '-'}  "
        f"{'承诺送达' if zh else 'promised by'}={tw['promised_delivery_by'] or '-'}",
        highlight=False)
    for r in tw["reasons"]:
        console.print(f"  [yellow]-{r['penalty']}[/yellow] "
                      f"{r['message_zh'] if zh else r['message']}", highlight=False)
    table = Table(title="孪生阶段" if zh else "stages")
    for col in (("阶段", "进入", "离开", "要求", "截止", "预计", "延误") if zh else
                ("stage", "entered", "left", "expected", "due", "projected", "late by")):
        table.add_column(col)

    def when(v: object) -> str:
        return str(v)[:16].replace("T", " ") if v else "-"

    for s in tw["stages"]:
        mark = {"current": "▶ ", "next": "… "}.get(s["state"], "")
        table.add_row(mark + (s["label_zh"] if zh else s["stage"]), when(s["entered_at"]),
                      when(s["left_at"]),
                      (s["expected_zh"] if zh else s["expected"]) or "-", when(s["due_at"]),
                      when(s["projected_at"]), s["late_by"] or "")
    console.print(table)
    for c in tw["checkpoints"]:
        console.print(f"  {when(c['at'])} {c['carrier']} {c['waybill']} {c['checkpoint']} "
                      f"{c.get('location') or ''}", highlight=False)
    for a in tw["alerts"]:
        console.print(f"  [red]{'告警' if zh else 'alert'}[/red] {a['id']} {a['kind']} "
                      f"{a['state']} → {a['team']}: {a['reason']}", highlight=False)


@app.command("tracking")
def order_tracking(
    order_id: str, database_url: DbOption = None, tenant: TenantOption = "default",
    as_json: Annotated[bool, typer.Option("--json", help="Print the answer as JSON")] = False,
) -> None:
    """The order's shipments with their carrier checkpoints (物流轨迹) and current state."""
    from orderhub.services.tracking import views

    with open_hub(database_url) as hub:
        order_id = _resolve(hub, tenant, order_id)
        try:
            view = views.order_tracking(hub.read_uow, tenant, order_id)
        except DomainError as exc:
            raise fail(str(exc)) from None
    print_order_tracking(view, as_json)


@app.command("tracking-link")
def order_tracking_link(
    order_id: str, database_url: DbOption = None, tenant: TenantOption = "default",
    ttl: Annotated[str, typer.Option("--ttl", help="How long the link opens: 30d, 12h, "
                                     "90m, 2w (at most 366 days)")] = "30d",
    revoke: Annotated[bool, typer.Option("--revoke", help="Revoke the order's links "
                                         "issued so far instead")] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print the answer as JSON")] = False,
) -> None:
    """A link to the order's public tracking page (物流查询页): signed, expiring, personal
    data masked; or, with --revoke, its links stop opening."""
    from orderhub.cli.common import cli_actor, print_json
    from orderhub.domain.tracking_page import parse_ttl
    from orderhub.services.tracking import links

    with open_hub(database_url) as hub:
        order_id = _resolve(hub, tenant, order_id)
        try:
            if revoke:
                done = links.revoke_links(hub.uow, tenant, order_id, now=hub.clock(),
                                          actor=cli_actor())
            else:
                s = hub.settings
                base = links.public_base(s.public_base_url, s.host, s.port)
                done = links.issue_link(hub.uow, tenant, order_id, base_url=base,
                                        now=hub.clock(), ttl=parse_ttl(ttl))
        except DomainError as exc:
            raise fail(describe(exc)) from None
    if as_json:
        print_json(done)
    elif revoke:
        console.print(t("links of {order} revoked", order=order_id), highlight=False)
    else:
        console.print(done["url"], highlight=False, soft_wrap=True)
        console.print(t("expires {at}", at=done["expires_at"].isoformat()), highlight=False)


@app.command("reject-release")
def order_reject_release(
    order_id: str,
    reason: Annotated[str, typer.Option("--reason", help="Why the warehouse refuses it")],
    warehouse: Annotated[str | None, typer.Option(
        "--warehouse", help="The refusing site (default: every site it was released to)")]
    = None,
    database_url: DbOption = None, tenant: TenantOption = "default",
) -> None:
    """The warehouse refuses a released order (仓库拒收): a compensation saga recalls it
    (stock released), voids its waybills, routes it again elsewhere and tells the channel."""
    from orderhub.cli.common import cli_actor
    from orderhub.services.sagas import compensation

    with open_hub(database_url) as hub:
        try:
            saga = compensation.reject_release(hub.compensator, tenant, order_id, reason,
                                               actor=cli_actor(), warehouse=warehouse)
        except DomainError as exc:
            raise fail(str(exc)) from None
    print_saga(saga.as_dict())


@app.command("accept-address")
def order_accept_address(
    order_id: str,
    reason: Annotated[str, typer.Option("--reason", help="Why (audited); by default the "
                                        "suggestion's confidence and source")] = "",
    database_url: DbOption = None, tenant: TenantOption = "default",
    as_json: JsonOption = False,
) -> None:
    """Accept the suggested province/city/district of an order held with an incomplete
    address (地址不完整): the blank fields are filled and the order is checked and
    allocated again."""
    from orderhub.cli.common import cli_actor
    from orderhub.services.orders import holds, views

    with open_hub(database_url) as hub:
        order_id = _resolve(hub, tenant, order_id)
        try:
            holds.accept_address_suggestion(hub.uow, tenant, order_id, reason=reason,
                                            actor=cli_actor(), now=hub.clock(),
                                            strategy=hub.strategy,
                                            presale_lock=hub.presale_lock)
            o = views.get_order(hub.read_uow, tenant, order_id, pii=_pii(True))
        except DomainError as exc:
            raise fail(describe(exc)) from None
    if emit(o, as_json):
        return
    console.print(f"{o['id']}: status={o['status']}  ship to: {_ship_to(o) or '-'}",
                  highlight=False)
    for r in o["hold_reasons"]:
        console.print(f"  [yellow]hold[/yellow] {r['code']}: {r['message']}")


@app.command("payment-failed")
def order_payment_failed(
    order_id: str,
    reason: Annotated[str, typer.Option("--reason", help="Why capturing the payment failed")],
    database_url: DbOption = None, tenant: TenantOption = "default",
) -> None:
    """Capturing the payment failed (扣款失败): a compensation saga cancels the order while
    the goods are still in the warehouse, else it waits for a person."""
    from orderhub.cli.common import cli_actor
    from orderhub.services.sagas import compensation

    with open_hub(database_url) as hub:
        try:
            saga = compensation.payment_failed(hub.compensator, tenant, order_id, reason,
                                               actor=cli_actor())
        except DomainError as exc:
            raise fail(str(exc)) from None
    print_saga(saga.as_dict())


OUTCOMES = {"in_place": "only the difference reserved", "rerouted": "routed again",
            "replaced": "shipment cancelled and replaced", "held": "held"}


def _edit_request(qty: list[str], add: list[str], remove: list[int],
                  address: dict[str, str | None], delivery_date: str | None,
                  service_level: str | None, expected_version: int | None,
                  reason: str) -> Any:
    """The options as the editing service's request; a malformed option is a message
    naming it (exit 2)."""
    from datetime import date
    from decimal import Decimal, InvalidOperation

    from orderhub.domain.order import KEEP
    from orderhub.services.orders import editing

    quantities = []
    for item in qty:
        line, sep, n = item.partition("=")
        if not sep or not line.strip().isdigit() or not n.strip().lstrip("-").isdigit():
            raise fail(t("--qty {item}: expected LINE=N, such as 1=3", item=item), 2)
        quantities.append(editing.LineQuantity(int(line), int(n)))
    added = []
    for item in add:
        parts = item.split(":")
        if len(parts) not in (2, 3) or not parts[0] \
                or not parts[1].strip().lstrip("-").isdigit():
            raise fail(t("--add {item}: expected SKU:QTY[:PRICE], such as A:2:9.90", item=item),
                       2)
        price = None
        if len(parts) == 3:
            try:
                price = Decimal(parts[2])
            except InvalidOperation:
                raise fail(t("--add {item}: the price is not a number", item=item), 2) from None
        added.append(editing.NewLine(parts[0], int(parts[1]), price))
    delivery: Any = KEEP
    if delivery_date is not None:
        if delivery_date.strip().lower() in ("", "none"):
            delivery = None
        else:
            try:
                delivery = date.fromisoformat(delivery_date)
            except ValueError:
                raise fail(t("--delivery-date {value}: expected YYYY-MM-DD, or none to clear it",
                             value=delivery_date), 2) from None
    fixes = {k: v for k, v in address.items() if v is not None}
    return editing.EditRequest(
        reason=reason, quantities=tuple(quantities), add=tuple(added), remove=tuple(remove),
        address=fixes or None, requested_delivery=delivery, service_level=service_level,
        expected_version=expected_version)


@app.command("edit")
def order_edit(
    order_id: str,
    reason: Annotated[str, typer.Option("--reason", help="Why the order is edited (audited)")],
    qty: Annotated[list[str] | None, typer.Option(
        "--qty", help="A line's new quantity, LINE=N (repeat for more lines)")] = None,
    add: Annotated[list[str] | None, typer.Option(
        "--add", help="A line to add, SKU:QTY[:PRICE] (default price: the SKU's list "
        "price; repeat for more)")] = None,
    remove: Annotated[list[int] | None, typer.Option(
        "--remove", help="A line number to remove (repeat for more)")] = None,
    address_country: Annotated[str | None, typer.Option(
        "--address-country", help="New ship-to country (ISO 3166-1 alpha-2)")] = None,
    address_province: Annotated[str | None, typer.Option(
        "--address-province", help="New ship-to province")] = None,
    address_city: Annotated[str | None, typer.Option(
        "--address-city", help="New ship-to city")] = None,
    address_district: Annotated[str | None, typer.Option(
        "--address-district", help="New ship-to district")] = None,
    address_line1: Annotated[str | None, typer.Option(
        "--address-line1", help="New ship-to street address")] = None,
    address_postal_code: Annotated[str | None, typer.Option(
        "--address-postal-code", help="New ship-to postal code")] = None,
    address_name: Annotated[str | None, typer.Option(
        "--address-name", help="New recipient name")] = None,
    address_phone: Annotated[str | None, typer.Option(
        "--address-phone", help="New recipient phone")] = None,
    delivery_date: Annotated[str | None, typer.Option(
        "--delivery-date", help="Requested delivery date YYYY-MM-DD (none: clear it)")]
    = None,
    service_level: Annotated[str | None, typer.Option(
        "--service-level", help="same_day, next_day, express, standard or economy")] = None,
    expected_version: Annotated[int | None, typer.Option(
        "--expected-version", help="The order version you edit from (see order show); "
        "refused if it changed meanwhile")] = None,
    database_url: DbOption = None, tenant: TenantOption = "default",
    as_json: JsonOption = False,
) -> None:
    """Edit an order after placement (修改订单): quantities, lines added or removed, the
    ship-to, the requested delivery date, the service level. Before release only the
    difference is reserved; released or picked, its shipment is cancelled and replaced;
    packed or later, refused."""
    from orderhub.cli.common import cli_actor
    from orderhub.services.orders import editing, views

    req = _edit_request(qty or [], add or [], remove or [], {
        "country": address_country, "province": address_province, "city": address_city,
        "district": address_district, "line1": address_line1,
        "postal_code": address_postal_code, "name": address_name, "phone": address_phone,
    }, delivery_date, service_level, expected_version, reason)
    with open_hub(database_url) as hub:
        order_id = _resolve(hub, tenant, order_id)
        try:
            result = editing.change_order(hub.uow, tenant, order_id, req, now=hub.clock(),
                                          actor=cli_actor(), strategy=hub.strategy,
                                          presale_lock=hub.presale_lock)
            o = views.get_order(hub.read_uow, tenant, order_id, pii=_pii(True))
        except DomainError as exc:
            raise fail(describe(exc)) from None
    doc = {**o, "edit": {"outcome": result.outcome, "version": o["version"],
                         "money_difference": str(result.money_difference),
                         "currency": result.order.currency}}
    if emit(doc, as_json):
        return
    console.print(t("{order}: edited ({outcome}), status={status}, version {version}",
        order=o["id"], outcome=t(OUTCOMES[result.outcome]), status=o["status"],
        version=o["version"]), highlight=False)
    d = result.money_difference
    money = (t("no money difference") if d == 0 else
             t("to collect {amount} {currency}", amount=d, currency=o["currency"]) if d > 0 else
             t("to refund {amount} {currency}", amount=-d, currency=o["currency"]))
    console.print(f"  {t('grand total')}: {o['totals']['grand_total']} {o['currency']}  "
                  f"({money})", highlight=False)
    for ln in o["lines"]:
        console.print(f"  #{ln['line_no']} {ln['sku']} x{ln['quantity']} @ {ln['unit_price']}",
                      highlight=False)
    for r in o["hold_reasons"]:
        console.print(f"  [yellow]hold[/yellow] {r['code']}: {r['message']}")
# ----- partial fulfilment money (docs/money.md) -------------------------------------------------
_BALANCE_COLUMNS = (("#", "line_no"), ("SKU", "sku"), ("ordered units", "ordered_units"),
                    ("shipped units", "shipped_units"), ("cancelled units", "cancelled_units"),
                    ("ordered amount", "ordered"), ("invoiced amount", "invoiced"),
                    ("cancelled amount", "cancelled"), ("paid amount", "paid"),
                    ("refunded amount", "refunded"), ("outstanding amount", "outstanding"))


def print_balance(view: dict[str, Any], as_json: bool) -> None:
    if emit(view, as_json):
        return
    console.print(t("balance of order {order_id} ({currency}, {status})",
                    order_id=view["order_id"], currency=view["currency"],
                    status=view["status"]), highlight=False)
    table = Table(title=t("money by line"))
    for label, _ in _BALANCE_COLUMNS:
        table.add_column(t(label))
    for row in view["lines"]:
        table.add_row(*(str(row[key]) for _, key in _BALANCE_COLUMNS))
    totals = view["totals"]
    table.add_row(t("order totals"), "", *(str(totals[key]) for _, key in _BALANCE_COLUMNS[2:]))
    console.print(table)
    if view["consistent"]:
        console.print(t("the lines add up to the order totals"), highlight=False)
    else:
        console.print("[red]" + t("the lines do not add up to the order totals") + "[/red]",
                      highlight=False)
    for e in view["entries"]:
        console.print(f"  {e['occurred_at'][:19]}  {e['kind']:<12} {e['amount']:>12}  "
                      f"{e['source']}  {e['reason']}", highlight=False)


@app.command("balance")
def order_balance(
    order_id: str, database_url: DbOption = None, tenant: TenantOption = "default",
    as_json: JsonOption = False,
) -> None:
    """The order's money line by line (订单余额): ordered, shipped, cancelled, invoiced,
    paid, refunded and outstanding, the totals and whether the lines add up to them."""
    from orderhub.services.orders import money

    with open_hub(database_url) as hub:
        order_id = _resolve(hub, tenant, order_id)
        try:
            view = money.balance_view(hub.read_uow, tenant, order_id)
        except DomainError as exc:
            raise fail(describe(exc)) from None
    print_balance(view, as_json)


@app.command("cancel-lines")
def order_cancel_lines(
    order_id: str,
    line: Annotated[list[str], typer.Option(
        "--line", help="LINE_NO=UNITS: units of a line to cancel (repeat for more lines)")],
    reason: Annotated[str, typer.Option("--reason", help="Why the units are cancelled")],
    database_url: DbOption = None, tenant: TenantOption = "default",
    as_json: JsonOption = False,
) -> None:
    """Cancel some units of some lines before release (部分取消): their stock goes back and
    their money is not captured (refunded if paid); then the balance."""
    from orderhub.cli.common import cli_actor
    from orderhub.domain.errors import FieldError, InvalidInput
    from orderhub.services.orders import money

    units: dict[int, int] = {}
    for i, text in enumerate(line):
        no, sep, qty = text.partition("=")
        if not sep or not no.strip().isdigit() or not qty.strip().isdigit():
            raise fail(describe(InvalidInput([FieldError(
                f"line.{i}", t("expected LINE_NO=UNITS, got {given}", given=text))])))
        units[int(no)] = units.get(int(no), 0) + int(qty)
    with open_hub(database_url) as hub:
        order_id = _resolve(hub, tenant, order_id)
        try:
            money.cancel_units(hub.uow, tenant, order_id, units, reason, now=hub.clock(),
                               actor=cli_actor())
            view = money.balance_view(hub.read_uow, tenant, order_id)
        except DomainError as exc:
            raise fail(describe(exc)) from None
    print_balance(view, as_json)
