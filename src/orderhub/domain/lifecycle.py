"""The order lifecycle as an explicit state machine."""

from __future__ import annotations

from enum import StrEnum


class OrderStatus(StrEnum):
    CREATED = "created"
    VALIDATED = "validated"
    RESERVED = "reserved"
    ALLOCATED = "allocated"
    RELEASED = "released"
    PICKED = "picked"
    PACKED = "packed"
    PARTIALLY_SHIPPED = "partially_shipped"
    SHIPPED = "shipped"
    DELIVERED = "delivered"
    INVOICED = "invoiced"
    PAID = "paid"
    ON_HOLD = "on_hold"
    CANCELLED = "cancelled"


S = OrderStatus

TRANSITIONS: dict[OrderStatus, frozenset[OrderStatus]] = {
    S.CREATED: frozenset({S.VALIDATED, S.ON_HOLD, S.CANCELLED}),
    S.VALIDATED: frozenset({S.RESERVED, S.ON_HOLD, S.CANCELLED}),
    S.RESERVED: frozenset({S.ALLOCATED, S.ON_HOLD, S.CANCELLED}),
    S.ALLOCATED: frozenset({S.RELEASED, S.ON_HOLD, S.CANCELLED}),
    # Cancelling after release is allowed until goods leave: the warehouse is told to stop.
    # A warehouse that refuses a released order hands it back: held (release_rejected)
    # until the compensation saga routes it again.
    S.RELEASED: frozenset({S.PICKED, S.CANCELLED, S.ON_HOLD}),
    # Picked, not packed: an edit takes it back from the warehouse (cancel and replace).
    S.PICKED: frozenset({S.PACKED, S.CANCELLED, S.ON_HOLD}),
    S.PACKED: frozenset({S.SHIPPED, S.PARTIALLY_SHIPPED, S.CANCELLED}),
    S.PARTIALLY_SHIPPED: frozenset({S.SHIPPED}),
    S.SHIPPED: frozenset({S.DELIVERED}),
    S.DELIVERED: frozenset({S.INVOICED}),
    S.INVOICED: frozenset({S.PAID}),
    S.PAID: frozenset(),
    # A held order is re-validated when resumed, or cancelled.
    S.ON_HOLD: frozenset({S.VALIDATED, S.CANCELLED}),
    S.CANCELLED: frozenset(),
}

TERMINAL: frozenset[OrderStatus] = frozenset(s for s, nxt in TRANSITIONS.items() if not nxt)

# Statuses in which the order holds reserved (not yet shipped) stock.
HOLDS_STOCK: frozenset[OrderStatus] = frozenset(
    {S.RESERVED, S.ALLOCATED, S.RELEASED, S.PICKED, S.PACKED, S.PARTIALLY_SHIPPED}
)


def can_transition(current: OrderStatus, target: OrderStatus) -> bool:
    return target in TRANSITIONS[current]


def allowed_next(current: OrderStatus) -> list[str]:
    return sorted(s.value for s in TRANSITIONS[current])
