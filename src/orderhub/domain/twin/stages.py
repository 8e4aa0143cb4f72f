"""The eleven stages of an order's twin and which event moves an order into each.

Stages are the physical and financial path of an order, not its status: an order held
at validation is still in the "validated" stage, waiting; `in_transit` has no status of
its own (it starts with the carrier's first checkpoint)."""

from __future__ import annotations

from enum import StrEnum
from typing import Any


class Stage(StrEnum):
    CREATED = "created"
    VALIDATED = "validated"
    RESERVED = "reserved"
    ALLOCATED = "allocated"
    RELEASED = "released"
    PICKED = "picked"
    PACKED = "packed"
    SHIPPED = "shipped"
    IN_TRANSIT = "in_transit"
    DELIVERED = "delivered"
    INVOICED = "invoiced"  # invoiced, until paid

    @property
    def rank(self) -> int:
        return _RANK[self]

    @property
    def label_zh(self) -> str:
        return LABELS_ZH[self]

    @property
    def step(self) -> str:
        """The step that brings an order into this stage, in words."""
        return STEPS[self][0]

    @property
    def step_zh(self) -> str:
        return STEPS[self][1]


ORDER: list[Stage] = list(Stage)
_RANK: dict[Stage, int] = {s: i for i, s in enumerate(ORDER)}

LABELS_ZH: dict[Stage, str] = {
    Stage.CREATED: "已创建", Stage.VALIDATED: "已校验", Stage.RESERVED: "已预占",
    Stage.ALLOCATED: "已分仓", Stage.RELEASED: "已下发仓库", Stage.PICKED: "已拣货",
    Stage.PACKED: "已打包", Stage.SHIPPED: "已发货", Stage.IN_TRANSIT: "运输中",
    Stage.DELIVERED: "已签收", Stage.INVOICED: "已开票 / 已回款",
}

STEPS: dict[Stage, tuple[str, str]] = {
    Stage.CREATED: ("intake", "接单"), Stage.VALIDATED: ("validation", "校验"),
    Stage.RESERVED: ("reservation", "预占库存"), Stage.ALLOCATED: ("allocation", "分仓"),
    Stage.RELEASED: ("release to the warehouse", "下发仓库"), Stage.PICKED: ("picking", "拣货"),
    Stage.PACKED: ("packing", "打包"), Stage.SHIPPED: ("carrier pick-up", "揽收发货"),
    Stage.IN_TRANSIT: ("first carrier scan", "首次轨迹"), Stage.DELIVERED: ("delivery", "派送签收"),
    Stage.INVOICED: ("invoicing", "开票"),
}

# Steps the hub does itself: a stall there is a software or data problem, watched closely.
INTERNAL: frozenset[Stage] = frozenset(
    {Stage.CREATED, Stage.VALIDATED, Stage.RESERVED, Stage.ALLOCATED})

_BY_TYPE: dict[str, Stage] = {
    "OrderCreated": Stage.CREATED,
    "OrderValidated": Stage.VALIDATED,
    "InventoryReserved": Stage.RESERVED,
    "OrderAllocated": Stage.ALLOCATED,
    "OrderReleasedToWarehouse": Stage.RELEASED,
    "ShipmentDispatched": Stage.SHIPPED,
    "ShipmentCheckpointRecorded": Stage.IN_TRANSIT,
    "OrderInvoiced": Stage.INVOICED,
}
_BY_STATUS: dict[str, Stage] = {"picked": Stage.PICKED, "packed": Stage.PACKED,
                                "delivered": Stage.DELIVERED}

# Event types that end the whole path (nothing more is expected of the order).
FINISHING = frozenset({"PaymentCaptured", "OrderCancelled"})


def stage_entered_by(event_type: str, status: str, data: dict[str, Any] | None = None) -> (
        Stage | None):
    """The stage an event moves its order into, if any. A delivered checkpoint is still
    in transit until the shipment itself is delivered (ShipmentDelivered, status delivered);
    a checkpoint before dispatch (a carrier scanning at the dock) does not count."""
    if event_type == "OrderStatusChanged" or event_type == "ShipmentDelivered":
        return _BY_STATUS.get(status)
    if event_type == "ShipmentCheckpointRecorded" and status not in (
            "shipped", "partially_shipped"):
        return None
    return _BY_TYPE.get(event_type)


def entries_from_events(events: list[tuple[str, str, Any, dict[str, Any]]],
                        entries: dict[Stage, Any] | None = None) -> dict[Stage, Any]:
    """(type, status, occurred_at, data) in order -> the time each stage was entered on the
    order's current path (continuing from `entries`): entering an earlier stage again (a
    held order re-validated, a re-route) forgets the later stages, entered again later."""
    entries = dict(entries or {})
    for event_type, status, at, data in events:
        stage = stage_entered_by(event_type, status, data)
        if stage is None:
            continue
        current = max(entries, key=lambda s: s.rank) if entries else None
        if current is not None and stage.rank < current.rank:
            for later in [s for s in entries if s.rank > stage.rank]:
                del entries[later]
            entries[stage] = at
        elif stage not in entries:  # a second checkpoint or dispatch keeps the first time
            entries[stage] = at
    return entries
