"""Three-level validation, the SKU crosswalk and channel intake against a real store."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from orderhub.adapters.channels.base import ChannelLine, ChannelOrder
from orderhub.bootstrap import Hub
from orderhub.domain.errors import InvalidInput
from orderhub.domain.inventory import Sku
from orderhub.domain.order import Address, Customer
from orderhub.domain.privacy import PiiView
from orderhub.services import catalog
from orderhub.services.intake import sku_mapping
from orderhub.services.intake.submit import ingest_channel_orders
from orderhub.services.inventory import stock_control
from orderhub.services.orders import holds, views
from orderhub.services.rules import validation_rules
from tests.conftest import Clock
from tests.factories import SHANGHAI, T, seed_network

WHEN = datetime(2026, 11, 24, 1, 0, tzinfo=UTC)


def channel_order(external_id: str = "TM-1", lines: list[ChannelLine] | None = None,
                  **kw: object) -> ChannelOrder:
    lines = lines or [ChannelLine("A", "Apple 苹果", 2, Decimal("10.00"))]
    fee = kw.pop("shipping_fee", Decimal(0))
    total = sum((ln.unit_price * ln.quantity - ln.discount + ln.tax for ln in lines),
                Decimal(0)) + fee  # type: ignore[operator]
    fields: dict[str, object] = {
        "external_id": external_id, "status": "open", "updated_at": WHEN, "currency": "CNY",
        "lines": lines, "customer": Customer(ref="buyer-1"), "shipping_address": SHANGHAI,
        "shipping_fee": fee, "total": total}
    fields.update(kw)
    return ChannelOrder(**fields)  # type: ignore[arg-type]


def ingest(hub: Hub, *orders: ChannelOrder, channel: str = "tmall"):
    return ingest_channel_orders(hub.uow, T, channel, list(orders), strategy=hub.strategy,
                                 now=hub.clock(), actor="test", presale_lock=hub.presale_lock)


def held_codes(hub: Hub, order_id: str | None) -> set[str]:
    assert order_id
    return {r["code"] for r in views.get_order(hub.read_uow, T, order_id,
                                               pii=PiiView.FULL)["hold_reasons"]}


@pytest.fixture
def network(hub: Hub) -> Hub:
    seed_network(hub, {("A", "SH"): 50, ("B", "BJ"): 50})
    catalog.add_skus(hub.uow, [
        Sku(T, "F1", "飞鹤星飞帆 1段 婴儿配方奶粉 700g", Decimal("300.00"), barcode="6901234567890",
            attributes={"formula_stage": 1}),
        Sku(T, "WINE", "Red wine 750ml", Decimal("120.00"), attributes={"alcohol": True}),
        Sku(T, "LIM", "Limited edition", Decimal("50.00"),
            attributes={"max_per_customer": 3, "channels": ["tmall"]}),
    ], hub.clock())
    stock_control.receive_stock_many(hub.uow, T, [("F1", "SH", 50), ("WINE", "SH", 50),
                                              ("LIM", "SH", 50)], reference="seed",
                                 now=hub.clock(), actor="test")
    return hub


def test_clean_channel_order_is_allocated(network: Hub) -> None:
    [r] = ingest(network, channel_order())
    assert (r.outcome, r.status) == ("created", "allocated")


@pytest.mark.parametrize(("mutate", "code"), [
    (lambda co: replace(co, shipping_address=replace(SHANGHAI, district="")), "address_incomplete"),
    (lambda co: replace(co, shipping_address=replace(SHANGHAI, phone="12345")), "phone_invalid"),
    (lambda co: replace(co, shipping_address=replace(SHANGHAI, name="")), "missing_field"),
    (lambda co: replace(co, total=Decimal("999.00")), "amount_mismatch"),
    (lambda co: replace(co, lines=[ChannelLine("ZZ-NOPE", "Something else", 1,
                                               Decimal("10"))], total=Decimal("10")),
     "unmapped_sku"),
    (lambda co: replace(co, lines=[ChannelLine("A", "Apple", 500, Decimal("10"))],
                        total=Decimal("5000")), "backorder"),
    (lambda co: replace(co, lines=[ChannelLine("F1", "formula", 1, Decimal("300"))],
                        total=Decimal("300"), attributes={"baby_age_months": "14"}),
     "age_stage_mismatch"),
    (lambda co: replace(co, lines=[ChannelLine("WINE", "wine", 1, Decimal("120"))],
                        total=Decimal("120"), attributes={"buyer_age": "16"}), "age_restricted"),
    (lambda co: replace(co, lines=[ChannelLine("LIM", "limited", 4, Decimal("50"))],
                        total=Decimal("200")), "quantity_limit"),
    (lambda co: replace(co, cross_border=True, declared_value=Decimal("20")),
     "cross_border_docs"),
    (lambda co: replace(co, cross_border=True, declared_value=Decimal("9000"),
                        lines=[ChannelLine("A", "Apple", 2, Decimal("10"), hs_code="0808100000",
                                           origin_country="NZ")]), "declared_value_limit"),
    (lambda co: replace(co, lines=[ChannelLine("A", "Apple", 2, Decimal("1.00"))],
                        total=Decimal("2.00")), "price_below_floor"),
])
def test_each_defect_is_stored_and_held_with_its_code(network: Hub, mutate: object,
                                                      code: str) -> None:
    [r] = ingest(network, mutate(channel_order()))  # type: ignore[operator]
    assert r.outcome == "created" and r.status == "on_hold"
    assert code in held_codes(network, r.order_id)


def test_quantity_limit_counts_earlier_orders_of_the_customer(network: Hub) -> None:
    line = [ChannelLine("LIM", "limited", 2, Decimal("50"))]
    first, _second = ingest(network, channel_order("Q-1", line, total=Decimal("100")),
                           channel_order("Q-2", line, total=Decimal("100")))
    assert first.status == "allocated"  # 2 of 3
    # the second came in the same batch: earlier orders in the store count, the batch's own not
    [third] = ingest(network, channel_order("Q-3", line, total=Decimal("100")))
    assert third.status == "on_hold" and "quantity_limit" in held_codes(network, third.order_id)
    [other] = ingest(network, channel_order("Q-4", line, total=Decimal("100")), channel="web")
    assert "not_sellable_in_channel" in held_codes(network, other.order_id)


def test_unmapped_line_gets_suggestions_and_confirming_revalidates(network: Hub) -> None:
    lines = [ChannelLine("TM-88231", "飞鹤 星飞帆1段 奶粉 700克", 1, Decimal("300.00"))]
    a, b = ingest(network, channel_order("M-1", lines, total=Decimal("300")),
                  channel_order("M-2", lines, total=Decimal("300")))
    order = views.get_order(network.read_uow, T, str(a.order_id), pii=PiiView.FULL)
    [reason] = order["hold_reasons"]
    assert reason["code"] == "unmapped_sku"
    assert reason["details"]["suggestions"][0]["sku"] == "F1"  # the Chinese title matched
    result = sku_mapping.confirm_mapping(
        network.uow, T, "tmall", "sku", "TM-88231", "F1", actor="ops", now=network.clock(),
        strategy=network.strategy, presale_lock=network.presale_lock)
    assert {o["id"]: o["status"] for o in result["orders_revalidated"]} == {
        a.order_id: "allocated", b.order_id: "allocated"}
    timeline = [e["type"] for e in views.get_timeline(network.read_uow, T, str(a.order_id))]
    assert "OrderLineMapped" in timeline
    [c] = ingest(network, channel_order("M-3", lines, total=Decimal("300")))
    assert c.status == "allocated"  # the stored mapping applies to new orders at once
    with pytest.raises(InvalidInput):
        sku_mapping.confirm_mapping(network.uow, T, "tmall", "sku", "X", "NOPE", actor="ops",
                                    now=network.clock(), strategy=network.strategy,
                                    presale_lock=network.presale_lock)


def test_a_confirmed_mapping_is_an_event_and_its_revalidation_commits_with_it(
        network: Hub) -> None:
    """The mapping is recorded as SkuMappingConfirmed; the handler map re-validates the held
    orders in the same transaction, so both commit together."""
    from sqlalchemy import select

    from orderhub.adapters.db import tables as t

    lines = [ChannelLine("TM-5", "飞鹤 星飞帆1段 奶粉 700克", 1, Decimal("300.00"))]
    [a] = ingest(network, channel_order("EV-1", lines, total=Decimal("300")))
    assert a.status == "on_hold"
    o = t.outbox.c

    def outbox() -> list[tuple[str, str, dict[str, object]]]:
        with network.engine.connect() as conn:
            return [(r[0], r[1], r[2]) for r in conn.execute(
                select(o.type, o.order_id, o.data).order_by(o.id))]

    before = len(outbox())
    sku_mapping.confirm_mapping(
        network.uow, T, "tmall", "sku", "TM-5", "F1", actor="ops", now=network.clock(),
        strategy=network.strategy, presale_lock=network.presale_lock)
    written = outbox()[before:]  # what the confirmation's transaction wrote
    [confirmed] = [data for typ, _, data in written if typ == "SkuMappingConfirmed"]
    assert confirmed == {"channel": "tmall", "key_type": "sku", "channel_key": "TM-5",
                         "master_sku": "F1"}
    pairs = [(typ, oid) for typ, oid, _ in written]
    assert ("OrderLineMapped", a.order_id) in pairs
    assert ("OrderAllocated", a.order_id) in pairs


def test_channel_updates_are_idempotent_by_update_time(network: Hub, clock: Clock) -> None:
    [r] = ingest(network, channel_order("U-1"))
    assert ingest(network, channel_order("U-1"))[0].outcome == "unchanged"
    later = WHEN + timedelta(minutes=5)
    moved = channel_order("U-1", shipping_address=replace(SHANGHAI, line1="新地址 9 号"),
                          updated_at=later)
    assert ingest(network, moved)[0].outcome == "updated"
    o = views.get_order(network.read_uow, T, str(r.order_id), pii=PiiView.FULL)
    assert o["shipping_address"]["line1"] == "新地址 9 号"
    stale = channel_order("U-1", status="cancelled", updated_at=WHEN + timedelta(minutes=1))
    assert ingest(network, stale)[0].outcome == "unchanged"  # older than what we have
    cancel = channel_order("U-1", status="cancelled", updated_at=later + timedelta(minutes=1))
    [c] = ingest(network, cancel)
    assert (c.outcome, c.status) == ("cancelled", "cancelled")
    with network.read_uow() as uow:
        assert uow.stock.level(T, "A", "SH").reserved == 0  # type: ignore[union-attr]
    orders = views.list_orders(network.read_uow, T, external_id="U-1", pii=PiiView.FULL)["items"]
    assert len(orders) == 1


def test_line_change_before_release_reallocates(network: Hub) -> None:
    ingest(network, channel_order("L-1"))
    more = channel_order("L-1", lines=[ChannelLine("A", "Apple", 5, Decimal("10.00"))],
                         total=Decimal("50.00"), updated_at=WHEN + timedelta(minutes=3))
    [u] = ingest(network, more)
    assert (u.outcome, u.status) == ("updated", "allocated")
    with network.read_uow() as uow:
        assert uow.stock.level(T, "A", "SH").reserved == 5  # type: ignore[union-attr]


def test_address_line_is_parsed_into_divisions(network: Hub) -> None:
    one_line = Address(country="CN", line1="广东省深圳市南山区科技园南路88号", name="王芳",
                       phone="13800138000")
    [r] = ingest(network, channel_order("ADDR-1", shipping_address=one_line))
    o = views.get_order(network.read_uow, T, str(r.order_id), pii=PiiView.FULL)
    assert (o["shipping_address"]["province"], o["shipping_address"]["city"],
            o["shipping_address"]["district"]) == ("广东省", "深圳市", "南山区")
    assert r.status == "allocated"


def test_operator_fixes_address_or_overrides_then_releases(network: Hub) -> None:
    [bad_addr] = ingest(network, channel_order(
        "OP-1", shipping_address=replace(SHANGHAI, district="")))
    holds.correct_address(network.uow, T, str(bad_addr.order_id),
                                {"district": "浦东新区"}, reason="customer confirmed",
                                actor="ops", now=network.clock())
    from orderhub.services.orders.fulfilment import resume_order

    resumed = resume_order(network.uow, T, str(bad_addr.order_id), now=network.clock(),
                           actor="ops", strategy=network.strategy,
                           presale_lock=network.presale_lock)
    assert resumed.status.value == "allocated"

    [cheap] = ingest(network, channel_order(
        "OP-2", lines=[ChannelLine("A", "Apple", 2, Decimal("1.00"))], total=Decimal("2.00")))
    assert held_codes(network, cheap.order_id) == {"price_below_floor"}
    released = holds.override_and_release(
        network.uow, T, str(cheap.order_id), ["price_below_floor"],
        reason="staff sale approved by L2", actor="lead", now=network.clock(),
        strategy=network.strategy, presale_lock=network.presale_lock)
    assert released.status.value == "allocated"
    timeline = views.get_timeline(network.read_uow, T, str(cheap.order_id))
    override = next(e for e in timeline if e["type"] == "OrderHoldOverridden")
    assert (override["actor"], override["reason"]) == ("lead", "staff sale approved by L2")


def test_rules_are_data_edited_with_versions(network: Hub) -> None:
    rules = {r["code"]: r for r in validation_rules.list_rules(network.read_uow, T)}
    assert rules["C5-price-floor"]["params"]["min_ratio_of_list"] == "0.5"
    updated = validation_rules.update_rule(network.uow, T, "C5-price-floor",
                                           params={"min_ratio_of_list": "0.05"}, enabled=None,
                                           reason="clearance week", actor="merch",
                                           now=network.clock())
    assert updated["version"] == 2
    [r] = ingest(network, channel_order("R-1", lines=[ChannelLine("A", "Apple", 2,
                                                                   Decimal("1.00"))],
                                        total=Decimal("2.00")))
    assert r.status == "allocated"  # the floor rule now allows it
    history = validation_rules.rule_history(network.read_uow, T, "C5-price-floor")
    assert [h["version"] for h in history] == [1, 2] and history[1]["reason"] == "clearance week"
    with pytest.raises(InvalidInput):
        validation_rules.update_rule(network.uow, T, "C5-price-floor",
                                     params={"min_ratio_of_list": "cheap"}, enabled=None,
                                     reason="x", actor="merch", now=network.clock())
