"""Editing an order after placement (services/orders/editing.py) on SQLite and PostgreSQL:
only the difference reserved (stock numbers before and after), a re-route when the site it
ships from lacks what was added, an edit that makes the order unfillable (held, no stock
kept, nothing lost), a stale version, bad input (field errors, nothing changed), cancel and
replace after release, refusals once packed, and a channel's update through the same path
with the same `OrderEdited`."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest

from orderhub.adapters.channels.base import ChannelLine
from orderhub.bootstrap import Hub
from orderhub.domain.errors import Conflict, InvalidInput, StaleVersion
from orderhub.domain.lifecycle import OrderStatus
from orderhub.domain.order import ReservationState
from orderhub.domain.privacy import PiiView
from orderhub.services.orders import editing, fulfilment, views
from orderhub.services.orders.editing import EditRequest, LineQuantity, NewLine
from tests.factories import BEIJING, T, draft, seed_network
from tests.integration.test_events import submit
from tests.integration.test_validation import channel_order, ingest


def stock(hub: Hub, sku: str = "A") -> dict[str, tuple[int, int]]:
    """warehouse -> (on hand, reserved)"""
    with hub.read_uow() as uow:
        return {wh: (lv.on_hand, lv.reserved) for (_, wh), lv in uow.stock.levels(T, [sku]).items()}


def reserved_by_orders(hub: Hub) -> dict[tuple[str, str], int]:
    """What the orders' active reservations add up to, per (SKU, site)."""
    out: dict[tuple[str, str], int] = {}
    with hub.read_uow() as uow:
        for oid in uow.orders.ids_with_prefix(T, "ord_", 500):
            for r in uow.orders.get(T, oid).active_reservations():
                out[(r.sku, r.warehouse)] = out.get((r.sku, r.warehouse), 0) + r.quantity
    return out


def assert_consistent(hub: Hub, skus: tuple[str, ...] = ("A", "B")) -> None:
    held = reserved_by_orders(hub)
    with hub.read_uow() as uow:
        levels = uow.stock.levels(T, list(skus))
    for key, lv in levels.items():
        assert lv.reserved == held.get(key, 0), (key, lv.reserved, held.get(key, 0))


def order(hub: Hub, oid: str) -> dict[str, Any]:
    return views.get_order(hub.read_uow, T, oid, pii=PiiView.FULL)


def edited_events(hub: Hub, oid: str) -> list[dict[str, Any]]:
    return [e for e in views.get_timeline(hub.read_uow, T, oid) if e["type"] == "OrderEdited"]


def edit(hub: Hub, oid: str, **kw: Any) -> editing.EditResult:
    kw.setdefault("reason", "customer called")
    return editing.change_order(hub.uow, T, oid, EditRequest(**kw), now=hub.clock(),
                                actor="ops", strategy=hub.strategy,
                                presale_lock=hub.presale_lock)


@pytest.fixture
def one(hub: Hub) -> tuple[Hub, str]:
    """An order of 2 x A allocated at SH (A: 10 at SH, 10 at BJ; B: 5 at BJ)."""
    seed_network(hub)
    [oid] = submit(hub, draft("ED-1", [("A", 2)]))
    o = order(hub, oid)
    assert o["status"] == "allocated" and o["shipments"][0]["warehouse"] == "SH"
    assert stock(hub) == {"SH": (10, 2), "BJ": (10, 0)}
    return hub, oid


def test_more_units_reserve_only_the_difference_at_the_same_site(one: tuple[Hub, str]) -> None:
    hub, oid = one
    before = order(hub, oid)
    result = edit(hub, oid, quantities=(LineQuantity(1, 5),),
                  expected_version=before["version"])
    assert result.outcome == "in_place"
    assert result.money_difference == Decimal("30.00")
    after = order(hub, oid)
    assert after["status"] == "allocated" and after["version"] == before["version"] + 1
    assert stock(hub) == {"SH": (10, 5), "BJ": (10, 0)}
    # the plan and its shipment stay: one more reservation of 3 units in the same shipment
    assert [s["id"] for s in after["shipments"]] == [s["id"] for s in before["shipments"]]
    active = [r for r in after["reservations"] if r["state"] == "active"]
    assert sorted(r["quantity"] for r in active) == [2, 3]
    timeline = views.get_timeline(hub.read_uow, T, oid)
    assert [e["type"] for e in timeline[-2:]] == ["InventoryReserved", "OrderEdited"]
    assert [r["quantity"] for r in timeline[-2]["data"]["reservations"]] == [3]
    [ev] = edited_events(hub, oid)
    data = ev["data"]
    assert data["version"] == after["version"] and data["outcome"] == "in_place"
    assert data["money_difference"] == "30.00" and data["currency"] == "CNY"
    assert data["changes"]["lines"] == [{
        "line_no": 1, "sku": "A",
        "before": {"sku": "A", "quantity": 2, "unit_price": "10.00", "discount": "0.00",
                   "tax": "0.00", "total": "20.00"},
        "after": {"sku": "A", "quantity": 5, "unit_price": "10.00", "discount": "0.00",
                  "tax": "0.00", "total": "50.00"}}]
    assert ev["reason"] == "customer called" and ev["actor"] == "ops"
    assert_consistent(hub)


def test_fewer_units_give_back_only_the_difference(one: tuple[Hub, str]) -> None:
    hub, oid = one
    edit(hub, oid, quantities=(LineQuantity(1, 5),))
    result = edit(hub, oid, quantities=(LineQuantity(1, 1),))
    assert result.outcome == "in_place" and result.money_difference == Decimal("-40.00")
    assert stock(hub) == {"SH": (10, 1), "BJ": (10, 0)}
    after = order(hub, oid)
    assert after["status"] == "allocated"
    assert sum(r["quantity"] for r in after["reservations"] if r["state"] == "active") == 1
    released = [e for e in views.get_timeline(hub.read_uow, T, oid)
                if e["type"] == "InventoryReleased"]
    assert sum(r["quantity"] for r in released[-1]["data"]["reservations"]) == 4
    assert [e["data"]["money_difference"] for e in edited_events(hub, oid)] == ["30.00",
                                                                               "-40.00"]
    assert_consistent(hub)


def test_a_line_added_that_its_site_lacks_reroutes_the_order(one: tuple[Hub, str]) -> None:
    hub, oid = one
    result = edit(hub, oid, add=(NewLine("B", 2),))  # B only at BJ; list price 5.00
    assert result.outcome == "rerouted" and result.money_difference == Decimal("10.00")
    after = order(hub, oid)
    assert after["status"] == "allocated"
    assert [(ln["line_no"], ln["sku"], ln["quantity"], ln["unit_price"])
            for ln in after["lines"]][1][:3] == (2, "B", 2)
    active = [r for r in after["reservations"] if r["state"] == "active"]
    assert sum(r["quantity"] for r in active if r["sku"] == "A") == 2
    assert sum(r["quantity"] for r in active if r["sku"] == "B") == 2
    assert stock(hub, "B") == {"BJ": (5, 2)}
    assert sum(res for _, res in stock(hub).values()) == 2  # A: still 2 reserved in all
    assert_consistent(hub)


def test_a_removed_line_gives_its_stock_back(hub: Hub) -> None:
    seed_network(hub, {("A", "BJ"): 10, ("B", "BJ"): 5})
    [oid] = submit(hub, draft("ED-2", [("A", 1), ("B", 2)], address=BEIJING))
    result = edit(hub, oid, remove=(2,))
    assert result.outcome == "in_place" and result.money_difference == Decimal("-20.00")
    assert stock(hub, "B") == {"BJ": (5, 0)} and stock(hub) == {"BJ": (10, 1)}
    assert [ln["sku"] for ln in order(hub, oid)["lines"]] == ["A"]
    assert_consistent(hub)


def test_an_edit_that_cannot_be_filled_holds_the_order_and_keeps_no_stock(
        one: tuple[Hub, str]) -> None:
    hub, oid = one
    result = edit(hub, oid, quantities=(LineQuantity(1, 50),))  # 20 in the network
    assert result.outcome == "held"
    after = order(hub, oid)
    assert after["status"] == "on_hold"
    assert {r["code"] for r in after["hold_reasons"]} == {"backorder"}
    assert after["lines"][0]["quantity"] == 50  # the edit is kept: nothing lost
    assert stock(hub) == {"SH": (10, 0), "BJ": (10, 0)}
    assert not [r for r in after["reservations"] if r["state"] == "active"]
    assert edited_events(hub, oid)[-1]["data"]["outcome"] == "held"
    assert_consistent(hub)
    # once it fits again, the held order is checked and allocated by the next edit
    result = edit(hub, oid, quantities=(LineQuantity(1, 3),))
    assert result.outcome == "rerouted" and order(hub, oid)["status"] == "allocated"
    assert sum(res for _, res in stock(hub).values()) == 3
    assert_consistent(hub)


def test_a_stale_version_is_refused_and_nothing_changes(one: tuple[Hub, str]) -> None:
    hub, oid = one
    v = order(hub, oid)["version"]
    edit(hub, oid, quantities=(LineQuantity(1, 3),), expected_version=v)
    with pytest.raises(StaleVersion) as err:
        edit(hub, oid, quantities=(LineQuantity(1, 4),), expected_version=v)
    assert err.value.current == v + 1
    assert order(hub, oid)["lines"][0]["quantity"] == 3
    assert stock(hub) == {"SH": (10, 3), "BJ": (10, 0)}


@pytest.mark.parametrize(("kw", "field"), [
    ({"quantities": (LineQuantity(1, 0),)}, "lines.0.quantity"),
    ({"quantities": (LineQuantity(1, -2),)}, "lines.0.quantity"),
    ({"quantities": (LineQuantity(9, 2),)}, "lines.0.line_no"),
    ({"remove": (9,)}, "remove_lines.0"),
    ({"remove": (1,)}, "remove_lines"),
    ({"add": (NewLine("NOPE", 1),)}, "add_lines.0.sku"),
    ({"add": (NewLine("B", 1, Decimal("-1")),)}, "add_lines.0.unit_price"),
    ({"service_level": "teleport"}, "service_level"),
    ({"address": {"lat": "1"}}, "shipping_address.lat"),
    ({}, "body"),
    ({"quantities": (LineQuantity(1, 3),), "reason": " "}, "reason"),
])
def test_bad_input_names_the_field_and_changes_nothing(one: tuple[Hub, str], kw: dict[str, Any],
                                                       field: str) -> None:
    hub, oid = one
    before = order(hub, oid)
    with pytest.raises(InvalidInput) as err:
        edit(hub, oid, **kw)
    assert field in [e.loc for e in err.value.errors], err.value.errors
    assert order(hub, oid) == before
    assert stock(hub) == {"SH": (10, 2), "BJ": (10, 0)}


def test_a_new_address_reroutes_the_order_to_its_nearest_site(one: tuple[Hub, str]) -> None:
    hub, oid = one
    fixes = {k: getattr(BEIJING, k) for k in ("province", "city", "district", "line1")}
    result = edit(hub, oid, address=fixes, service_level="express",
                  requested_delivery=hub.clock().date() + timedelta(days=3))
    assert result.outcome == "rerouted" and result.money_difference == 0
    after = order(hub, oid)
    assert after["status"] == "allocated" and after["service_level"] == "express"
    assert [s["warehouse"] for s in after["shipments"] if s["status"] == "planned"] == ["BJ"]
    assert stock(hub) == {"SH": (10, 0), "BJ": (10, 2)}
    changes = edited_events(hub, oid)[-1]["data"]["changes"]["fields"]
    assert changes["service_level"] == {"before": "standard", "after": "express"}
    assert set(changes["shipping_address"]["changed"]) == {"province", "city", "district",
                                                           "line1"}
    assert "line1" not in changes["shipping_address"]["after"]  # personal: by name only
    assert changes["shipping_address"]["after"]["city"] == "北京市"
    types = [e["type"] for e in views.get_timeline(hub.read_uow, T, oid)]
    assert "OrderAddressCorrected" not in types  # the edit's one entry says it
    assert_consistent(hub)


def test_after_release_an_edit_cancels_and_replaces_the_shipment(one: tuple[Hub, str]) -> None:
    hub, oid = one
    hub.waybills.release(T, oid, actor="wms")
    old = order(hub, oid)
    assert old["status"] == "released"
    result = edit(hub, oid, quantities=(LineQuantity(1, 4),))
    assert result.outcome == "replaced" and result.money_difference == Decimal("20.00")
    after = order(hub, oid)
    assert after["status"] == "allocated"
    [old_shipment] = old["shipments"]
    by_id = {s["id"]: s for s in after["shipments"]}
    assert by_id[old_shipment["id"]]["status"] == "cancelled"
    new = [s for s in after["shipments"] if s["status"] == "planned"]
    assert len(new) == 1 and new[0]["id"] != old_shipment["id"]
    assert sum(res for _, res in stock(hub).values()) == 4
    types = [e["type"] for e in views.get_timeline(hub.read_uow, T, oid)]
    assert "CompensationStarted" in types  # the booked waybill is voided by the saga
    assert_consistent(hub)


def test_picked_is_replaced_packed_and_later_are_refused(hub: Hub) -> None:
    seed_network(hub)
    a, b, c = submit(hub, draft("P-1"), draft("P-2"), draft("P-3"))
    for oid, steps in ((a, [OrderStatus.PICKED]), (b, [OrderStatus.PICKED, OrderStatus.PACKED])):
        hub.waybills.release(T, oid, actor="wms")
        for step in steps:
            fulfilment.advance_order(hub.uow, T, oid, step, now=hub.clock(), actor="wms")
    assert edit(hub, a, quantities=(LineQuantity(1, 2),)).outcome == "replaced"
    assert order(hub, a)["status"] == "allocated"
    with pytest.raises(Conflict, match="packed"):
        edit(hub, b, quantities=(LineQuantity(1, 2),))
    fulfilment.cancel_order(hub.uow, T, c, "buyer", now=hub.clock(), actor="ops")
    with pytest.raises(Conflict, match="cancelled"):
        edit(hub, c, quantities=(LineQuantity(1, 2),))
    assert order(hub, b)["lines"][0]["quantity"] == 1
    assert_consistent(hub)


def test_a_channel_update_goes_through_the_same_path(hub: Hub) -> None:
    seed_network(hub, {("A", "SH"): 50})
    [first] = ingest(hub, channel_order("TM-ED"))
    oid = str(first.order_id)
    assert order(hub, oid)["status"] == "allocated"
    later = channel_order("TM-ED", lines=[ChannelLine("A", "Apple 苹果", 3, Decimal("10.00"))])
    later = replace(later, updated_at=later.updated_at + timedelta(minutes=5))
    [update] = ingest(hub, later)
    assert update.outcome == "updated"
    after = order(hub, oid)
    assert after["status"] == "allocated" and after["lines"][0]["quantity"] == 3
    [ev] = edited_events(hub, oid)
    assert ev["data"]["money_difference"] == "10.00"
    assert ev["data"]["changes"]["lines"][0]["after"]["quantity"] == 3
    assert ev["reason"] == "changed in the channel"
    assert stock(hub) == {"SH": (50, 3)}
    assert_consistent(hub, ("A",))


def test_reservations_left_active_match_the_stock_after_many_edits(one: tuple[Hub, str]) -> None:
    hub, oid = one
    for qty in (4, 1, 7, 3):
        edit(hub, oid, quantities=(LineQuantity(1, qty),))
        assert_consistent(hub)
    with hub.read_uow() as uow:
        o = uow.orders.get(T, oid)
    assert sum(r.quantity for r in o.reservations if r.state == ReservationState.ACTIVE) == 3
    assert len(edited_events(hub, oid)) == 4
