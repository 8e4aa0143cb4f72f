"""Review of the issue-16 merges (branch review-16a): defects found at the seams, each
against a real store (SQLite and PostgreSQL)."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import update

from orderhub.adapters.channels.base import ChannelLine
from orderhub.adapters.db import tables as t
from orderhub.bootstrap import Hub
from orderhub.domain.fx import FxRate
from orderhub.domain.inventory import Channel
from orderhub.domain.lifecycle import OrderStatus
from orderhub.domain.order import Address, HoldCode, HoldReason, stock_quantities
from orderhub.domain.privacy import PiiView
from orderhub.services import catalog, fx
from orderhub.services.exceptions import desk
from orderhub.services.exceptions import views as exception_views
from orderhub.services.intake import sku_mapping
from orderhub.services.intake.drafts import LineDraft
from orderhub.services.intake.submit import submit_orders
from orderhub.services.orders import holds, views
from tests.conftest import Clock
from tests.factories import SHANGHAI, T, draft, seed_network
from tests.integration.test_validation import channel_order, held_codes, ingest


def test_a_cross_border_cap_is_converted_at_the_rate_of_the_orders_day(hub: Hub) -> None:
    """A parcel over the CN cap (5,000 CNY) placed weeks ago (a backlog import, an order
    resumed later) in USD: its declared value is converted at the rate of its own day, as
    every other money check does, not at today's (the batch's rate table holds the rates
    of its orders' days; today's rate is not in it, so the cap was silently not compared)."""
    seed_network(hub, {("A", "SH"): 50})
    now = hub.clock()
    day = now.date() - timedelta(days=30)
    catalog.add_channels(hub.uow, [Channel(T, "hk-shop", "HK shop", ship_from_country="HK")])
    fx.save_rates(hub.uow, T, [FxRate("USD", day, Decimal("7.1")),
                               FxRate("USD", now.date(), Decimal("7.1"))], now, actor="test")
    placed = now - timedelta(days=30)
    [r] = ingest(hub, channel_order(
        "OLD-1", currency="USD", placed_at=placed, shipping_address=SHANGHAI,
        declared_value=Decimal("1000"),
        lines=[ChannelLine("A", "Apple", 1, Decimal("1000"), hs_code="080810",
                           origin_country="NZ")]), channel="hk-shop")
    assert held_codes(hub, r.order_id) == {"declared_value_limit"}  # 7,100 CNY > 5,000


def test_a_channel_update_of_a_short_province_records_no_address_correction(hub: Hub) -> None:
    """Intake stores the province canonical (上海 -> 上海市, California -> CA); the channel
    sends the same address again with its next update: that is no address change (no
    OrderAddressCorrected, no suggestion dropped, the E.164 phone kept)."""
    seed_network(hub, {("A", "SH"): 50})
    short = replace(SHANGHAI, province="上海")
    first = channel_order("UP-S", shipping_address=short)
    [r] = ingest(hub, first)
    assert r.order_id
    later = channel_order("UP-S", shipping_address=short,
                          lines=[ChannelLine("A", "Apple", 3, Decimal("10.00"))],
                          updated_at=first.updated_at + timedelta(minutes=5))
    [u] = ingest(hub, later)
    assert u.outcome == "updated"
    types = [e["type"] for e in views.get_timeline(hub.read_uow, T, r.order_id)]
    assert "OrderAddressCorrected" not in types
    a = views.get_order(hub.read_uow, T, r.order_id, pii=PiiView.FULL)["shipping_address"]
    assert (a["province"], a["phone_e164"]) == ("上海市", "+8613800138000")  # type: ignore[index]


LONDON = Address(country="GB", city="London", postal_code="SW1A 1AA", line1="10 Downing St",
                 name="Ann Smith", phone="020 7946 0958")


def test_search_by_phone_finds_orders_indexed_before_and_after_e164(hub: Hub) -> None:
    """The shipping phone's blind index is of its E.164 form since issue 16; orders stored
    before were indexed by the number as written. An operator's search finds both, by the
    number as the buyer wrote it (what the order shows) and by its international form."""
    seed_network(hub, {("A", "SH"): 50})
    gb_line = [ChannelLine("A", "Apple", 1, Decimal("10"), hs_code="080810",
                           origin_country="CN")]
    new, old = ingest(
        hub, *(channel_order(x, shipping_address=LONDON, cross_border=True,
                             declared_value=Decimal("10"), lines=gb_line)
               for x in ("PH-NEW", "PH-OLD")))
    assert new.order_id and old.order_id
    with hub.uow() as uow:  # as stored before the E.164 index: the number as written
        uow.conn.execute(update(t.orders).where(t.orders.c.id == old.order_id).values(
            bidx_phone=uow.pii.blind_phone(T, "020 7946 0958")))
        uow.commit()
    for query in ("020 7946 0958", "+44 20 7946 0958", "0044 20 7946 0958"):
        found = views.list_orders(hub.read_uow, T, phone=query, pii=PiiView.NONE)
        assert sorted(o["id"] for o in found["items"]) == sorted(
            [new.order_id, old.order_id]), query
    # a mainland mobile, as ever, whichever way it is written
    [cn] = ingest(hub, channel_order("PH-CN"))
    for query in ("13800138000", "+86 138 0013 8000"):
        found = views.list_orders(hub.read_uow, T, phone=query, pii=PiiView.NONE)
        assert cn.order_id in [o["id"] for o in found["items"]], query
    assert views.list_orders(hub.read_uow, T, phone="020 7946 0959",
                             pii=PiiView.NONE)["items"] == []


def test_a_channel_update_reads_the_buyers_note_on_the_orders_own_day(
        hub: Hub, clock: Clock) -> None:
    """A note's relative date (明天送) is read against the day the order was placed (or
    received, when the channel gives no placing time); a channel update two days later
    (a changed line) must not move the requested delivery date by two days."""
    seed_network(hub, {("A", "SH"): 50})
    first = channel_order("NOTE-1", attributes={"buyer_message": "请明天送到"})
    [r] = ingest(hub, first)
    assert r.order_id
    received = hub.clock().date()

    def requested() -> object:
        o = views.get_order(hub.read_uow, T, str(r.order_id), pii=PiiView.FULL)
        return o["attributes"]["note_requested_delivery"]  # type: ignore[index]

    assert requested() == (received + timedelta(days=1)).isoformat()
    clock.now += timedelta(days=2)
    later = channel_order("NOTE-1", attributes={"buyer_message": "请明天送到"},
                          lines=[ChannelLine("A", "Apple", 3, Decimal("10.00"))],
                          updated_at=first.updated_at + timedelta(days=2))
    [u] = ingest(hub, later)
    assert u.outcome == "updated"
    assert requested() == (received + timedelta(days=1)).isoformat()


def test_a_channel_update_does_not_release_an_order_held_as_suspected_fraud(
        hub: Hub) -> None:
    """Screening holds an order for a person (suspected fraud); the channel then changes
    it (a line, an address: a classic pattern). The update is validated and allocated
    afresh, but the fraud hold is a person's to lift: the order stays held for it."""
    seed_network(hub, {("A", "SH"): 50})
    first = channel_order("FR-1")
    [r] = ingest(hub, first)
    assert r.order_id
    with hub.uow() as uow:
        o = uow.orders.get(T, r.order_id, lock=True)
        released = o.reroute("review", hub.clock(), "test",
                             hold=HoldReason(HoldCode.SUSPECTED_FRAUD, "brushing pattern"))
        uow.stock.release(T, stock_quantities(released), hub.clock())
        uow.commit()
    assert held_codes(hub, r.order_id) == {"suspected_fraud"}
    later = channel_order("FR-1", lines=[ChannelLine("A", "Apple", 3, Decimal("10.00"))],
                          updated_at=first.updated_at + timedelta(minutes=5))
    [u] = ingest(hub, later)
    assert u.outcome == "updated"
    assert held_codes(hub, r.order_id) == {"suspected_fraud", "channel_update"}
    o = views.get_order(hub.read_uow, T, r.order_id, pii=PiiView.FULL)
    assert o["status"] == "on_hold" and o["lines"][0]["quantity"] == 3  # type: ignore[index]
    assert o["shipping_address"]["phone_e164"] == "+8613800138000"  # type: ignore[index]


@pytest.mark.parametrize(("currency", "price", "tier"), [
    ("USD", "2000", "L3"),  # 14,200 CNY: above the L3 order value (10,000 in the base)
    ("CNY", "2000", "L2"),
    ("JPY", "20000", "L2"),  # 940 CNY, although 20,000 > 10,000 as a number
])
def test_the_desks_order_value_tier_is_judged_in_the_base_currency(
        hub: Hub, currency: str, price: str, tier: str) -> None:
    """The exception desk's L3 bar on order value (domain/exceptions/policy.py, 10,000 by
    default) is a money threshold in the tenant's base currency: a foreign order's value
    is converted at the rate of its day, as intake's rules do, not compared as a number."""
    seed_network(hub, {("A", "SH"): 10})
    now = hub.clock()
    fx.save_rates(hub.uow, T, [FxRate("USD", now.date(), Decimal("7.1")),
                               FxRate("JPY", now.date(), Decimal("0.047"))], now,
                  actor="test")
    d = replace(draft(f"TIER-{currency}", currency=currency),
                lines=[LineDraft("A", 1, Decimal(price))])
    [r] = submit_orders(hub.uow, T, [d], strategy=hub.strategy, now=now, actor="test",
                        presale_lock=hub.presale_lock)
    assert r.order_id
    with hub.uow() as uow:
        order = uow.orders.get(T, r.order_id, lock=True)
        if order.status != OrderStatus.ON_HOLD:
            freed = order.reroute("site closed", now, "test")
            uow.stock.release(T, stock_quantities(freed), now)
        uow.commit()
    desk.sync_holds(hub.uow, T, now=now)
    [item] = exception_views.list_exceptions(hub.read_uow, T, order_id=r.order_id)["items"]
    detail = exception_views.get_exception(hub.read_uow, T, item["id"])
    assert {x["tier"] for x in detail["remedies"]} >= {tier}
    assert all(x["tier"] == "L3" for x in detail["remedies"]) == (tier == "L3")


NO_CITY = Address(country="CN", province="广东省", city="", district="南山区",
                  line1="科技园路 1 号", name="王芳", phone="13912345678")


def test_a_channel_update_keeps_the_city_an_operator_accepted(hub: Hub) -> None:
    """A missing city was suggested and the operator accepted it; the channel then sends
    the order again (a changed line) with its address as before, city still blank: that
    is no change of address, and the accepted city stays (not blanked and held again)."""
    seed_network(hub, {("A", "SH"): 50})
    first = channel_order("SUG-1", shipping_address=NO_CITY)
    [r] = ingest(hub, first)
    assert r.order_id and held_codes(hub, r.order_id) == {"address_incomplete"}
    holds.accept_address_suggestion(hub.uow, T, r.order_id, reason="", actor="ops",
                                    now=hub.clock(), strategy=hub.strategy,
                                    presale_lock=hub.presale_lock)
    later = channel_order("SUG-1", shipping_address=NO_CITY,
                          lines=[ChannelLine("A", "Apple", 3, Decimal("10.00"))],
                          updated_at=first.updated_at + timedelta(minutes=5))
    [u] = ingest(hub, later)
    assert u.outcome == "updated"
    o = views.get_order(hub.read_uow, T, r.order_id, pii=PiiView.FULL)
    assert o["shipping_address"]["city"] == "深圳市"  # type: ignore[index]
    assert o["status"] == "allocated", o["hold_reasons"]
    # a real change of the address is still taken
    moved = channel_order("SUG-1", shipping_address=replace(NO_CITY, district="福田区"),
                          updated_at=first.updated_at + timedelta(minutes=9))
    ingest(hub, moved)
    o = views.get_order(hub.read_uow, T, r.order_id, pii=PiiView.FULL)
    assert o["shipping_address"]["district"] == "福田区"  # type: ignore[index]


def test_a_new_rate_does_not_release_an_order_also_held_as_suspected_fraud(
        hub: Hub) -> None:
    """An order held for a missing rate and for suspected fraud (screening holds it for
    both): loading the rate re-checks the orders it may help, but the fraud hold is a
    person's to lift, so this one stays held for it."""
    seed_network(hub, {("A", "SH"): 50})
    now = hub.clock()
    d = replace(draft("FX-FR", currency="GBP"), lines=[LineDraft("A", 1, Decimal("50"))])
    [r] = submit_orders(hub.uow, T, [d], strategy=hub.strategy, now=now, actor="test",
                        presale_lock=hub.presale_lock)
    assert r.order_id and held_codes(hub, r.order_id) == {"fx_rate_missing"}
    with hub.uow() as uow:
        o = uow.orders.get(T, r.order_id, lock=True)
        o.rehold([*o.hold_reasons, HoldReason(HoldCode.SUSPECTED_FRAUD, "6 accounts")],
                 now, "anomaly")
        uow.commit()
    fx.save_rates(hub.uow, T, [FxRate("GBP", now.date(), Decimal("9"))], now, actor="ops",
                  retry=fx.Retry(hub.strategy, hub.presale_lock))
    assert "suspected_fraud" in held_codes(hub, r.order_id)


def test_accepting_an_address_suggestion_does_not_release_a_suspected_fraud(
        hub: Hub) -> None:
    """Held for a missing city and for suspected fraud: the operator accepts the city;
    the address is filled, and the order stays held for the fraud decision."""
    seed_network(hub, {("A", "SH"): 50})
    [r] = ingest(hub, channel_order("SUG-FR", shipping_address=NO_CITY))
    assert r.order_id and held_codes(hub, r.order_id) == {"address_incomplete"}
    now = hub.clock()
    with hub.uow() as uow:
        o = uow.orders.get(T, r.order_id, lock=True)
        o.rehold([*o.hold_reasons, HoldReason(HoldCode.SUSPECTED_FRAUD, "6 accounts")],
                 now, "anomaly")
        uow.commit()
    holds.accept_address_suggestion(hub.uow, T, r.order_id, reason="", actor="ops", now=now,
                                    strategy=hub.strategy, presale_lock=hub.presale_lock)
    o = views.get_order(hub.read_uow, T, r.order_id, pii=PiiView.FULL)
    assert o["shipping_address"]["city"] == "深圳市"  # type: ignore[index]
    assert o["status"] == "on_hold" and held_codes(hub, r.order_id) == {"suspected_fraud"}


def test_confirming_a_sku_mapping_does_not_release_a_suspected_fraud(hub: Hub) -> None:
    """Held for an unmapped line and for suspected fraud: confirming the mapping maps the
    line, and the order stays held for the fraud decision."""
    seed_network(hub, {("A", "SH"): 50})
    lines = [ChannelLine("TM-77", "Apple 苹果", 1, Decimal("10.00"))]
    [r] = ingest(hub, channel_order("MAP-FR", lines, total=Decimal("10")))
    assert r.order_id and held_codes(hub, r.order_id) == {"unmapped_sku"}
    now = hub.clock()
    with hub.uow() as uow:
        o = uow.orders.get(T, r.order_id, lock=True)
        o.rehold([*o.hold_reasons, HoldReason(HoldCode.SUSPECTED_FRAUD, "6 accounts")],
                 now, "anomaly")
        uow.commit()
    sku_mapping.confirm_mapping(hub.uow, T, "tmall", "sku", "TM-77", "A", actor="ops",
                                now=now, strategy=hub.strategy,
                                presale_lock=hub.presale_lock)
    o = views.get_order(hub.read_uow, T, r.order_id, pii=PiiView.FULL)
    assert o["lines"][0]["sku"] == "A"  # type: ignore[index]
    assert o["status"] == "on_hold" and held_codes(hub, r.order_id) == {"suspected_fraud"}
