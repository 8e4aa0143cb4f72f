"""Money across currencies and every component of the total against a real store (SQLite and
PostgreSQL): rates loaded and audited, orders judged at the rate of their day with the rate
kept on the order and its timeline, held for a missing or stale rate, a channel's order in a
code that is no currency stored and held, charges persisted, one rate read per batch."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from sqlalchemy import event

from orderhub.adapters.channels.base import ChannelLine, ChannelOrder
from orderhub.bootstrap import Hub
from orderhub.domain.errors import Conflict, InvalidInput, NotFound
from orderhub.domain.fx import FxRate
from orderhub.domain.inventory import Sku
from orderhub.domain.order import Charge, Customer
from orderhub.domain.privacy import PiiView
from orderhub.services import audit, catalog, fx
from orderhub.services.intake.drafts import LineDraft
from orderhub.services.intake.submit import ingest_channel_orders, submit_orders
from orderhub.services.inventory import stock_control
from orderhub.services.orders import views
from tests.factories import SHANGHAI, T, draft, seed_network

DAY = date(2026, 11, 24)  # the tests' clock


@pytest.fixture
def shop(hub: Hub) -> Hub:
    seed_network(hub, {("A", "SH"): 50})
    catalog.add_skus(hub.uow, [Sku(T, "FLOOR", "Tea with a floor", Decimal("100.00"),
                                   attributes={"floor_price": "80.00"})], hub.clock())
    stock_control.receive_stock_many(hub.uow, T, [("FLOOR", "SH", 500)], reference="fx",
                                     now=hub.clock(), actor="test")
    return hub


def usd_order(hub: Hub, external_id: str, price: str, currency: str = "USD") -> dict[str, object]:
    d = draft(external_id, currency=currency)
    d = replace(d, lines=[LineDraft("FLOOR", 1, Decimal(price))])
    [r] = submit_orders(hub.uow, T, [d], strategy=hub.strategy, now=hub.clock(), actor="test")
    assert r.order_id
    return views.get_order(hub.read_uow, T, r.order_id, pii=PiiView.FULL)


def codes(order: dict[str, object]) -> set[str]:
    return {r["code"] for r in order["hold_reasons"]}  # type: ignore[attr-defined, index]


def test_rates_are_stored_replaced_listed_and_audited(shop: Hub) -> None:
    now = shop.clock()
    counts = fx.load_csv(shop.uow, T, "currency,rate,effective_date,source\n"
                         "USD,7.12,2026-11-20,manual\nEUR,7.70,2026-11-20,PBOC central parity\n",
                         now, actor="alice")
    assert counts == {"added": 2, "changed": 0, "unchanged": 0, "retried": 0}
    again = fx.save_rates(shop.uow, T, [FxRate("USD", date(2026, 11, 20), Decimal("7.15"),
                                               "manual"),
                                        FxRate("EUR", date(2026, 11, 20), Decimal("7.70"),
                                               "PBOC central parity")], now, actor="bob")
    assert again == {"added": 0, "changed": 1, "unchanged": 1, "retried": 0}
    rows = fx.list_rates(shop.read_uow, T)
    assert [(r["currency"], r["rate"], r["updated_by"]) for r in rows] == [
        ("EUR", Decimal("7.70"), "alice"), ("USD", Decimal("7.15"), "bob")]
    entries = audit.entries(shop.read_uow, T, kind="fx_rate_change")
    assert [e["actor"] for e in entries].count("alice") == 2
    change = next(e for e in entries if e["actor"] == "bob")
    assert change["subject"] == "fx/USD/2026-11-20"
    assert change["detail"]["rate"] == {"before": "7.12", "after": "7.15"}
    # a broken file changes nothing
    with pytest.raises(InvalidInput) as err:
        fx.load_csv(shop.uow, T, "currency,rate,effective_date\nGBP,9.1,2026-11-20\n"
                    "USD,oops,2026-11-21\n", now, actor="eve")
    assert [e.loc for e in err.value.errors] == ["line 3: rate"]
    assert {r["currency"] for r in fx.list_rates(shop.read_uow, T)} == {"EUR", "USD"}
    with pytest.raises(InvalidInput):  # the base currency has no rate
        fx.set_rate(shop.uow, T, "CNY", "1", DAY, now, actor="eve")
    fx.remove_rate(shop.uow, T, "EUR", date(2026, 11, 20), now, actor="bob")
    with pytest.raises(NotFound):
        fx.remove_rate(shop.uow, T, "EUR", date(2026, 11, 20), now, actor="bob")
    s = fx.change_settings(shop.uow, T, "cny", 3, now, actor="bob")
    assert (s.base_currency, s.max_age_days) == ("CNY", 3)
    assert fx.settings(shop.read_uow, T) == s
    with pytest.raises(Conflict):  # the stored rates are CNY per unit
        fx.change_settings(shop.uow, T, "USD", 3, now, actor="bob")
    assert fx.settings(shop.read_uow, T).base_currency == "CNY"


def test_orders_are_judged_at_the_rate_of_their_day(shop: Hub) -> None:
    fx.set_rate(shop.uow, T, "USD", "7.12", date(2026, 11, 20), shop.clock(), actor="ops")
    ok = usd_order(shop, "US-1", "12.00")  # 85.44 CNY, floor 80
    assert ok["status"] in ("reserved", "allocated"), ok["hold_reasons"]
    assert ok["fx"]["text"] == "USD 12.00 = CNY 85.44 at 7.12 (2026-11-20, manual)"
    assert ok["fx"]["rate"] == "7.12" and ok["fx"]["source"] == "manual"
    timeline = views.get_timeline(shop.read_uow, T, str(ok["id"]))
    validated = next(e for e in timeline if e["type"] == "OrderValidated")
    assert validated["reason"] == ok["fx"]["text"]
    low = usd_order(shop, "US-2", "11.00")  # 78.32 CNY
    assert codes(low) == {"price_below_floor"}
    [reason] = low["hold_reasons"]  # type: ignore[misc]
    assert "USD 11.00 = CNY 78.32 at 7.12 (2026-11-20, manual)" in reason["message"]
    # the base currency needs no rate at all
    assert usd_order(shop, "CN-1", "90.00", "CNY")["status"] in ("reserved", "allocated")


def test_a_missing_or_stale_rate_holds_the_order_for_the_rate(shop: Hub) -> None:
    missing = usd_order(shop, "GB-1", "50.00", "GBP")
    assert codes(missing) == {"fx_rate_missing"}
    assert missing["fx"]["reason"] == "no_rate"
    fx.set_rate(shop.uow, T, "EUR", "7.70", date(2026, 11, 1), shop.clock(), actor="ops")
    stale = usd_order(shop, "EU-1", "50.00", "EUR")
    assert codes(stale) == {"fx_rate_missing"}
    [reason] = stale["hold_reasons"]  # type: ignore[misc]
    assert "older than 7 days" in reason["message"] and reason["details"]["reason"] == "stale"
    # a longer staleness limit makes the same rate usable for the next order
    fx.change_settings(shop.uow, T, "CNY", 30, shop.clock(), actor="ops")
    assert usd_order(shop, "EU-2", "50.00", "EUR")["status"] in ("reserved", "allocated")


def test_loading_the_missing_rate_sends_held_orders_on(shop: Hub) -> None:
    held = usd_order(shop, "GB-9", "50.00", "GBP")
    other = usd_order(shop, "JP-9", "5000", "JPY")
    assert codes(held) == codes(other) == {"fx_rate_missing"}
    retry = fx.Retry(shop.strategy, shop.presale_lock)
    counts = fx.load_csv(shop.uow, T, "currency,rate,effective_date\nGBP,9.00,2026-11-23\n",
                         shop.clock(), actor="ops", retry=retry)
    assert counts["retried"] == 1  # the JPY order is not the GBP rate's business
    again = views.get_order(shop.read_uow, T, str(held["id"]), pii=PiiView.FULL)
    assert again["status"] in ("reserved", "allocated"), again["hold_reasons"]
    assert again["fx"]["text"] == "GBP 50.00 = CNY 450.00 at 9 (2026-11-23, manual)"
    still = views.get_order(shop.read_uow, T, str(other["id"]), pii=PiiView.FULL)
    assert still["status"] == "on_hold"


def test_a_channel_order_in_no_currency_is_stored_and_held(shop: Hub) -> None:
    co = ChannelOrder(external_id="TM-XYZ", status="open", updated_at=shop.clock(),
                      currency="XYZ", lines=[ChannelLine("A", "Apple", 1, Decimal("10.00"))],
                      customer=Customer(ref="b1"), shipping_address=SHANGHAI,
                      total=Decimal("10.00"), raw={"currency": "XYZ"})
    [r] = ingest_channel_orders(shop.uow, T, "tmall", [co], strategy=shop.strategy,
                                now=shop.clock(), actor="test", presale_lock=shop.presale_lock)
    assert r.outcome == "created" and r.order_id
    order = views.get_order(shop.read_uow, T, r.order_id, pii=PiiView.FULL)
    assert order["status"] == "on_hold" and "fx_rate_missing" in codes(order)
    assert order["currency"] == "XYZ"


def test_charges_persist_and_count_in_the_total(shop: Hub) -> None:
    charges = [Charge("fee:insurance", Decimal("2.50"), "Insurance"),
               Charge("discount:platform", Decimal("-3.00"), "平台补贴"),
               Charge("duty", Decimal("1.20"), "duties")]
    co = ChannelOrder(external_id="TM-C1", status="open", updated_at=shop.clock(),
                      currency="CNY", lines=[ChannelLine("A", "Apple", 2, Decimal("10.00"))],
                      customer=Customer(ref="b1"), shipping_address=SHANGHAI,
                      shipping_fee=Decimal("5.00"), total=Decimal("25.70"), charges=charges,
                      stated_components={"subtotal": Decimal("20.00")})
    [r] = ingest_channel_orders(shop.uow, T, "tmall", [co], strategy=shop.strategy,
                                now=shop.clock(), actor="test", presale_lock=shop.presale_lock)
    assert r.order_id
    order = views.get_order(shop.read_uow, T, r.order_id, pii=PiiView.FULL)
    assert "amount_mismatch" not in codes(order)
    assert order["totals"]["grand_total"] == "25.70"
    assert [(c["kind"], c["amount"]) for c in order["totals"]["charges"]] == [
        ("fee:insurance", "2.50"), ("discount:platform", "-3.00"), ("duty", "1.20")]
    with shop.read_uow() as uow:
        [stored] = uow.orders.get_many(T, [r.order_id])
    assert stored.charges == charges
    assert stored.stated_components == {"subtotal": Decimal("20.00")}
    # the channel corrects the order: the new components replace the old
    later = replace(co, updated_at=datetime(2026, 11, 24, 3, tzinfo=UTC),
                    charges=[charges[0]], total=Decimal("27.50"))
    [u] = ingest_channel_orders(shop.uow, T, "tmall", [later], strategy=shop.strategy,
                                now=shop.clock(), actor="test", presale_lock=shop.presale_lock)
    assert u.outcome == "updated"
    order = views.get_order(shop.read_uow, T, r.order_id, pii=PiiView.FULL)
    assert [c["kind"] for c in order["totals"]["charges"]] == ["fee:insurance"]
    assert order["totals"]["grand_total"] == "27.50" and "amount_mismatch" not in codes(order)


def test_rates_are_read_once_per_batch(shop: Hub) -> None:
    fx.set_rate(shop.uow, T, "USD", "7.12", date(2026, 11, 20), shop.clock(), actor="ops")
    statements: list[str] = []

    def seen(conn: object, cursor: object, statement: str, *args: object) -> None:
        if "fx_rates" in statement or "fx_settings" in statement:
            statements.append(statement)

    drafts = []
    for i in range(30):
        d = draft(f"B-{i}", currency="USD" if i % 2 else "CNY")
        drafts.append(replace(d, lines=[LineDraft("FLOOR", 1, Decimal("90.00"))]))
    event.listen(shop.engine, "before_cursor_execute", seen)
    try:
        results = submit_orders(shop.uow, T, drafts, strategy=shop.strategy, now=shop.clock(),
                                actor="test")
    finally:
        event.remove(shop.engine, "before_cursor_execute", seen)
    assert len(results) == 30
    assert len(statements) <= 2, statements  # the settings and the rates, once
