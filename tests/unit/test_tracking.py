"""Carrier checkpoints (domain/tracking.py) and the Order's record of them: progress by rank
then time, whatever the arrival order; `delivered` is final and delivers a dispatched
shipment; the simulated carriers' sequences."""

from __future__ import annotations

import itertools
import random
from datetime import UTC, datetime, timedelta

import pytest

from orderhub.domain import events as ev
from orderhub.domain.lifecycle import OrderStatus
from orderhub.domain.order import Order, PlannedPick, ShipmentStatus
from orderhub.domain.tracking import (
    LABELS_ZH,
    Checkpoint,
    CheckpointKind,
    advances,
    carrier_of,
    current_checkpoint,
    history,
)
from tests.factories import NOW, order

K = CheckpointKind
T0 = datetime(2026, 11, 25, 1, 0, tzinfo=UTC)


def cp(kind: CheckpointKind, hours: float, event_id: str = "") -> Checkpoint:
    return Checkpoint("ZTO", "7001", event_id or f"{kind}-{hours}", kind,
                      T0 + timedelta(hours=hours))


def test_ranks_follow_a_parcels_journey_and_delivered_is_final() -> None:
    journey = [K.INFO_RECEIVED, K.PICKED_UP, K.ARRIVED_AT_HUB, K.OUT_FOR_DELIVERY,
               K.RETURNED, K.DELIVERED]
    assert [k.rank for k in journey] == sorted(k.rank for k in journey)
    assert len({k.rank for k in journey}) == len(journey)
    assert K.DELIVERED.rank == max(k.rank for k in K) and K.DELIVERED.final
    assert not any(k.final for k in K if k is not K.DELIVERED)
    assert set(LABELS_ZH) == set(K) and K.DELIVERED.label_zh == "已签收"


def test_the_current_state_never_moves_backwards_whatever_the_arrival_order() -> None:
    story = [cp(K.PICKED_UP, 0), cp(K.ARRIVED_AT_HUB, 3), cp(K.DEPARTED_HUB, 4),
             cp(K.ARRIVED_AT_HUB, 9, "hub-2"), cp(K.OUT_FOR_DELIVERY, 20),
             cp(K.FAILED_ATTEMPT, 22), cp(K.OUT_FOR_DELIVERY, 44, "ofd-2"),
             cp(K.DELIVERED, 46)]
    for arrival in itertools.islice(itertools.permutations(story), 0, None, 97):
        state: Checkpoint | None = None
        for c in arrival:
            if advances(state, c):
                state = c
        assert state is not None and state.kind is K.DELIVERED
        assert current_checkpoint(arrival) == state
    assert [c.at for c in history(reversed(story))] == [c.at for c in story]


def test_same_rank_checkpoints_are_ordered_by_time_lower_ranks_never_win() -> None:
    hub1, dep, hub2 = cp(K.ARRIVED_AT_HUB, 3), cp(K.DEPARTED_HUB, 4), cp(K.CUSTOMS, 8)
    assert current_checkpoint([hub2, dep, hub1]) == hub2
    out, failed = cp(K.OUT_FOR_DELIVERY, 10), cp(K.FAILED_ATTEMPT, 12)
    assert current_checkpoint([failed, out]) == failed  # failed after going out
    # a hub scan stamped after delivery (a skewed clock) still does not move it back
    delivered, late_scan = cp(K.DELIVERED, 5), cp(K.ARRIVED_AT_HUB, 30)
    assert current_checkpoint([delivered, late_scan]) == delivered
    assert not advances(delivered, late_scan)
    assert current_checkpoint([]) is None
    assert carrier_of("ZTO:standard") == "ZTO" and carrier_of("SF") == "SF"


def test_a_checkpoint_time_must_be_timezone_aware() -> None:
    with pytest.raises(ValueError):
        Checkpoint("ZTO", "7001", "e", K.PICKED_UP, datetime(2026, 11, 25, 9, 0))


def shipped_order(warehouses: tuple[str, ...] = ("SH",)) -> Order:
    """An allocated order with one shipment per warehouse."""
    o = order([("A", 1)] * len(warehouses))
    o.mark_validated(NOW)
    o.reserve([PlannedPick(i + 1, "A", wh, 1) for i, wh in enumerate(warehouses)], NOW, None)
    o.allocate("test", None, NOW)
    return o


def _to_packed(o: Order) -> None:
    for step in (OrderStatus.RELEASED, OrderStatus.PICKED, OrderStatus.PACKED):
        o.advance(step, NOW, "test")


def test_record_checkpoint_emits_the_event_the_twin_reads() -> None:
    o = shipped_order()
    _to_packed(o)
    [s] = o.shipments
    o.ship(None, NOW, "wms")
    o.events.clear()
    c = Checkpoint("ZTO", "7001", "e1", K.ARRIVED_AT_HUB, T0, "杭州转运中心", "到达")
    assert o.record_checkpoint(s.id, c, NOW, "carrier:ZTO") is False
    [e] = o.events
    assert isinstance(e, ev.ShipmentCheckpointRecorded)
    assert e.type == "ShipmentCheckpointRecorded"
    assert e.data() == {"shipment_id": s.id, "carrier": "ZTO", "waybill": "7001",
                        "checkpoint": "arrived_at_hub", "checkpoint_at": T0.isoformat(),
                        "location": "杭州转运中心", "description": "到达"}
    assert o.status == OrderStatus.SHIPPED


def test_delivered_delivers_the_shipment_and_the_order_with_its_last_one() -> None:
    o = shipped_order(("SH", "BJ"))
    _to_packed(o)
    first, second = o.shipments
    o.ship(None, NOW, "wms")
    assert o.status == OrderStatus.SHIPPED
    o.events.clear()
    assert o.record_checkpoint(first.id, cp(K.DELIVERED, 5), NOW, "carrier:ZTO")
    assert first.status == ShipmentStatus.DELIVERED and first.delivered_at == T0 + timedelta(
        hours=5)
    assert o.status == OrderStatus.SHIPPED  # the other shipment is still on its way
    assert [type(e).__name__ for e in o.events] == ["ShipmentCheckpointRecorded",
                                                    "ShipmentDelivered"]
    # a second delivered checkpoint for the same shipment changes nothing more
    assert not o.record_checkpoint(first.id, cp(K.DELIVERED, 6), NOW, "carrier:ZTO")
    assert o.record_checkpoint(second.id, cp(K.DELIVERED, 7), NOW, "carrier:ZTO")
    assert o.status == OrderStatus.DELIVERED
    last = o.events[-1]
    assert isinstance(last, ev.ShipmentDelivered)
    assert (last.previous_status, last.status) == ("shipped", "delivered")


def test_delivered_before_dispatch_is_recorded_not_applied_and_not_refused() -> None:
    o = shipped_order()
    _to_packed(o)
    [s] = o.shipments
    assert not o.record_checkpoint(s.id, cp(K.DELIVERED, 1), NOW, "carrier:ZTO")
    assert s.status == ShipmentStatus.PLANNED and o.status == OrderStatus.PACKED
    assert isinstance(o.events[-1], ev.ShipmentCheckpointRecorded)


def test_simulated_sequences_are_seeded_and_realistic() -> None:
    from orderhub.tools.tracking_simulation import checkpoint_sequence

    def run(seed: int, cross_border: bool = False) -> list[Checkpoint]:
        return checkpoint_sequence(random.Random(seed), "ZTO", "7001", T0, origin="上海",
                                   destination="北京", cross_border=cross_border)

    assert run(7) == run(7)
    assert any(run(s) != run(7) for s in range(8, 12))
    for seed in range(40):
        seq = run(seed, cross_border=seed % 2 == 0)
        assert seq[0].kind is K.PICKED_UP and seq[-1].kind is K.DELIVERED
        assert [c.at for c in seq] == sorted(c.at for c in seq)
        assert len({c.event_id for c in seq}) == len(seq)
        assert (K.CUSTOMS in {c.kind for c in seq}) == (seed % 2 == 0)
        assert current_checkpoint(reversed(seq)) == seq[-1]
    assert any(K.FAILED_ATTEMPT in {c.kind for c in run(s)} for s in range(40))
    assert not all(K.FAILED_ATTEMPT in {c.kind for c in run(s)} for s in range(40))


def test_a_delivery_reported_before_dispatch_is_applied_once_dispatched() -> None:
    o = shipped_order()
    _to_packed(o)
    [s] = o.shipments
    delivered = cp(K.DELIVERED, 2)
    assert not o.record_checkpoint(s.id, delivered, NOW, "carrier:ZTO")
    assert not o.deliver_reported(s.id, delivered, NOW, "wms")  # not dispatched yet
    o.ship(None, NOW, "wms")
    assert not o.deliver_reported(s.id, cp(K.OUT_FOR_DELIVERY, 1), NOW, "wms")
    assert o.deliver_reported(s.id, delivered, NOW, "wms")
    assert o.status == OrderStatus.DELIVERED and s.delivered_at == delivered.at
    assert not o.deliver_reported(s.id, delivered, NOW, "wms")  # once
