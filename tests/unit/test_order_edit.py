"""The Order aggregate's side of editing (domain/order.py): the difference given back and
added in place, the diff with personal fields by name only, the one OrderEdited with the
version after and the money difference, and cancel-and-replace only until packed."""

from __future__ import annotations

from dataclasses import replace

import pytest

from orderhub.domain.errors import Conflict
from orderhub.domain.lifecycle import OrderStatus as S
from orderhub.domain.order import Order, OrderEdit, PlannedPick, ReservationState
from tests.factories import BEIJING, NOW, order


def allocated(lines: list[tuple[str, int]], picks: list[PlannedPick]) -> Order:
    o = order(lines)
    o.mark_validated(NOW)
    o.reserve(picks, NOW, None)
    o.allocate("test", None, NOW)
    o.events.clear()
    return o


def test_the_difference_is_given_back_and_added_in_place() -> None:
    o = allocated([("A", 5), ("B", 1)],
                  [PlannedPick(1, "A", "SH", 5), PlannedPick(2, "B", "BJ", 1)])
    shipments = {s.warehouse: s.id for s in o.shipments}
    freed = o.adjust_reservations({1: 2, 2: 1}, [PlannedPick(3, "C", "SH", 4)], NOW,
                                  "ops", "edited")
    assert freed == {("A", "SH"): 2, ("B", "BJ"): 1}
    active = o.active_reservations()
    assert sorted((r.sku, r.warehouse, r.quantity) for r in active) == [("A", "SH", 3),
                                                                        ("C", "SH", 4)]
    assert {r.shipment_id for r in active} == {shipments["SH"]}
    by_wh = {s.warehouse: s.status.value for s in o.shipments}
    assert by_wh == {"SH": "planned", "BJ": "cancelled"}  # nothing left to carry from BJ
    assert [e.type for e in o.events] == ["InventoryReleased", "InventoryReserved"]
    assert o.status == S.ALLOCATED
    with pytest.raises(Conflict):  # more than reserved
        o.adjust_reservations({1: 9}, [], NOW, "ops", "edited")


def test_one_event_with_the_diff_version_and_money() -> None:
    o = order([("A", 2)])
    o.version = 4
    basis = o.edit_basis()
    o.set_content(OrderEdit(address=replace(BEIJING), service_level="express",
                            lines=[replace(o.lines[0], quantity=3)]), "call", NOW, "ops")
    event = o.record_edit(basis, "call", NOW, "ops", "in_place")
    assert event.version == 5 and event.money_difference == "10.00"
    assert event.grand_total_before == "20.00" and event.grand_total_after == "30.00"
    fields = event.changes["fields"]
    assert fields["service_level"] == {"before": "standard", "after": "express"}
    addr = fields["shipping_address"]
    assert {"name", "phone", "line1"} <= set(addr["changed"])
    assert not {"name", "phone", "line1"} & set(addr["after"])  # personal: by name only
    assert addr["after"]["province"] == "北京市"
    [line] = event.changes["lines"]
    assert (line["before"]["quantity"], line["after"]["quantity"]) == (2, 3)
    assert [e.type for e in o.events][-2:] == ["OrderAddressCorrected", "OrderEdited"]


def test_cancel_and_replace_only_until_packed() -> None:
    o = allocated([("A", 1)], [PlannedPick(1, "A", "SH", 1)])
    for st in (S.RELEASED, S.PICKED):
        o.advance(st, NOW, "wh")
    freed = o.take_back_for_edit("more", NOW, "ops")
    assert [r.quantity for r in freed] == [1] and o.status == S.ON_HOLD
    assert all(r.state == ReservationState.RELEASED for r in o.reservations)
    p = allocated([("A", 1)], [PlannedPick(1, "A", "SH", 1)])
    for st in (S.RELEASED, S.PICKED, S.PACKED):
        p.advance(st, NOW, "wh")
    with pytest.raises(Conflict):
        p.take_back_for_edit("more", NOW, "ops")
    with pytest.raises(Conflict):
        p.set_content(OrderEdit(service_level="express"), "x", NOW, "ops")
