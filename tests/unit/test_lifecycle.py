"""The order state machine: every legal and every illegal transition."""

from __future__ import annotations

import itertools
from datetime import timedelta

import pytest

from orderhub.domain.errors import Conflict, IllegalTransition
from orderhub.domain.lifecycle import TERMINAL, TRANSITIONS, OrderStatus, can_transition
from orderhub.domain.order import HoldCode, HoldReason, OrderType, PlannedPick, ReservationState
from tests.factories import NOW, order

S = OrderStatus
ALL_PAIRS = list(itertools.product(OrderStatus, OrderStatus))
LEGAL = [(a, b) for a, b in ALL_PAIRS if b in TRANSITIONS[a]]
ILLEGAL = [(a, b) for a, b in ALL_PAIRS if b not in TRANSITIONS[a]]


def test_happy_path_is_a_chain_of_legal_steps() -> None:
    chain = [
        S.CREATED,
        S.VALIDATED,
        S.RESERVED,
        S.ALLOCATED,
        S.RELEASED,
        S.PICKED,
        S.PACKED,
        S.SHIPPED,
        S.DELIVERED,
        S.INVOICED,
        S.PAID,
    ]
    for a, b in itertools.pairwise(chain):
        assert can_transition(a, b), (a, b)
    assert {S.PAID, S.CANCELLED} == TERMINAL


def test_every_status_is_in_the_table() -> None:
    assert set(TRANSITIONS) == set(OrderStatus)


@pytest.mark.parametrize(("current", "target"), LEGAL, ids=[f"{a}->{b}" for a, b in LEGAL])
def test_legal_transition_moves_and_records(current: OrderStatus, target: OrderStatus) -> None:
    o = order()
    o.status = current
    o.events.clear()
    previous = o._move(target, NOW + timedelta(seconds=1))
    assert previous == current
    assert o.status == target
    assert o.updated_at == NOW + timedelta(seconds=1)


@pytest.mark.parametrize(("current", "target"), ILLEGAL, ids=[f"{a}->{b}" for a, b in ILLEGAL])
def test_illegal_transition_raises_and_changes_nothing(
    current: OrderStatus, target: OrderStatus
) -> None:
    o = order()
    o.status = current
    o.events.clear()
    before = (o.status, o.updated_at)
    with pytest.raises(IllegalTransition) as info:
        o._move(target, NOW + timedelta(seconds=1))
    assert (o.status, o.updated_at) == before
    assert o.events == []
    assert info.value.current == current.value
    assert f"'{target.value}'" in str(info.value)


def _allocated(lines: list[tuple[str, int]] | None = None, **kw: object) -> object:
    o = order(lines, **kw)  # type: ignore[arg-type]
    o.mark_validated(NOW)
    picks = [PlannedPick(ln.line_no, ln.sku, "SH", ln.quantity) for ln in o.lines]
    o.reserve(picks, NOW, None)
    o.allocate("test", None, NOW)
    return o


def test_create_to_allocated_records_each_step_on_the_timeline() -> None:
    o = _allocated([("A", 2), ("B", 1)])
    assert [e.type for e in o.events] == [  # type: ignore[attr-defined]
        "OrderCreated",
        "OrderValidated",
        "InventoryReserved",
        "OrderAllocated",
    ]
    assert [e.status for e in o.events] == [  # type: ignore[attr-defined]
        "created",
        "validated",
        "reserved",
        "allocated",
    ]


def test_advance_refuses_steps_that_need_their_own_operation() -> None:
    o = _allocated()
    for target in (S.SHIPPED, S.PARTIALLY_SHIPPED, S.CANCELLED, S.ON_HOLD):
        with pytest.raises(Conflict):
            o.advance(target, NOW, "t")  # type: ignore[attr-defined]
    assert o.status == S.ALLOCATED  # type: ignore[attr-defined]


def test_cancel_returns_active_reservations_and_cancels_shipments() -> None:
    o = _allocated([("A", 2)])
    released = o.cancel("customer asked", NOW, "ops")  # type: ignore[attr-defined]
    assert [(r.sku, r.quantity) for r in released] == [("A", 2)]
    assert all(r.state == ReservationState.RELEASED for r in o.reservations)  # type: ignore[attr-defined]
    assert o.status == S.CANCELLED  # type: ignore[attr-defined]
    with pytest.raises(IllegalTransition):
        o.cancel("again", NOW, "ops")  # type: ignore[attr-defined]


def test_partial_then_full_shipment() -> None:
    o = order([("A", 1), ("B", 1)])
    o.mark_validated(NOW)
    o.reserve([PlannedPick(1, "A", "SH", 1), PlannedPick(2, "B", "BJ", 1)], NOW, None)
    o.allocate("test", None, NOW)
    for st in (S.RELEASED, S.PICKED, S.PACKED):
        o.advance(st, NOW, "wh")
    first = o.shipments[0].id
    committed = o.ship([first], NOW, "wh")
    assert o.status == S.PARTIALLY_SHIPPED
    assert [r.sku for r in committed] == ["A"]
    with pytest.raises(Conflict):
        o.ship([first], NOW, "wh")  # already dispatched
    committed = o.ship(None, NOW, "wh")
    assert [r.sku for r in committed] == ["B"]
    assert o.status == S.SHIPPED
    assert all(r.state == ReservationState.COMMITTED for r in o.reservations)


def test_presale_cannot_be_released_before_release_date() -> None:
    o = order(order_type=OrderType.PRE_SALE)
    o.presale_release = (NOW + timedelta(days=5)).date()
    o.mark_validated(NOW)
    o.reserve([PlannedPick(1, "A", "SH", 1)], NOW, NOW + timedelta(minutes=30))
    o.allocate("test", None, NOW)
    with pytest.raises(Conflict):
        o.advance(S.RELEASED, NOW, "wh")
    o.advance(S.RELEASED, NOW + timedelta(days=5), "wh")
    assert o.reservations[0].expires_at is None  # the lock no longer lapses


def test_expired_lock_releases_and_holds() -> None:
    o = order(order_type=OrderType.PRE_SALE)
    o.mark_validated(NOW)
    o.reserve([PlannedPick(1, "A", "SH", 1)], NOW, NOW + timedelta(minutes=30))
    o.allocate("test", None, NOW)
    assert o.expire_reservations(NOW + timedelta(minutes=29)) == []
    released = o.expire_reservations(NOW + timedelta(minutes=30))
    assert len(released) == 1
    assert o.status == S.ON_HOLD
    assert o.hold_reasons[0].code == HoldCode.RESERVATION_EXPIRED
    assert o.reservations[0].state == ReservationState.EXPIRED


def test_resume_only_from_hold() -> None:
    o = order()
    with pytest.raises(IllegalTransition):
        o.resume(NOW, "ops")
    o.hold([HoldReason(HoldCode.MANUAL, "check")], NOW)
    o.resume(NOW, "ops")
    o.mark_validated(NOW)
    assert o.status == S.VALIDATED and o.hold_reasons == []
