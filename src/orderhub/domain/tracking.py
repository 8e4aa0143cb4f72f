"""Carrier tracking checkpoints (物流轨迹): what a carrier reports about a parcel on its way.

Carriers push checkpoints late, twice and out of order. Each kind has a progress rank; a
shipment's current tracking state is the most advanced checkpoint it has, by (rank, time,
event id), whatever order they arrived in, so a checkpoint that arrives after a more
advanced one is kept in the history but never moves the shipment backwards. `delivered`
ranks highest: once delivered, nothing moves it. Pure: no I/O, times are given.

    rank  kind                                   中文
     0    info_received     label printed          已下单
    10    picked_up         collected              已揽收
    20    arrived_at_hub    in the network         到达转运中心
    20    departed_hub        (ordered by time)    离开转运中心
    20    customs                                  清关中
    30    out_for_delivery  last mile              派送中
    30    failed_attempt      (ordered by time)    派送失败
    40    returned          back to the sender     已退回
    50    delivered         final                  已签收
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any


class CheckpointKind(StrEnum):
    INFO_RECEIVED = "info_received"
    PICKED_UP = "picked_up"
    ARRIVED_AT_HUB = "arrived_at_hub"
    DEPARTED_HUB = "departed_hub"
    CUSTOMS = "customs"
    OUT_FOR_DELIVERY = "out_for_delivery"
    FAILED_ATTEMPT = "failed_attempt"
    RETURNED = "returned"
    DELIVERED = "delivered"

    @property
    def rank(self) -> int:
        """Progress: a higher rank is further along; equal ranks are ordered by time."""
        return RANK[self]

    @property
    def label_zh(self) -> str:
        return LABELS_ZH[self]

    @property
    def final(self) -> bool:
        """Nothing moves a shipment on from here."""
        return self is CheckpointKind.DELIVERED


K = CheckpointKind
RANK: dict[CheckpointKind, int] = {
    K.INFO_RECEIVED: 0,
    K.PICKED_UP: 10,
    K.ARRIVED_AT_HUB: 20,
    K.DEPARTED_HUB: 20,
    K.CUSTOMS: 20,
    K.OUT_FOR_DELIVERY: 30,
    K.FAILED_ATTEMPT: 30,
    K.RETURNED: 40,
    K.DELIVERED: 50,
}
LABELS_ZH: dict[CheckpointKind, str] = {
    K.INFO_RECEIVED: "已下单",
    K.PICKED_UP: "已揽收",
    K.ARRIVED_AT_HUB: "到达转运中心",
    K.DEPARTED_HUB: "离开转运中心",
    K.CUSTOMS: "清关中",
    K.OUT_FOR_DELIVERY: "派送中",
    K.FAILED_ATTEMPT: "派送失败",
    K.RETURNED: "已退回",
    K.DELIVERED: "已签收",
}


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """One carrier report about one parcel; `event_id` is the carrier's own id for it (the
    same id pushed twice is the same checkpoint). `at` is tz-aware UTC."""

    carrier: str
    waybill: str
    event_id: str
    kind: CheckpointKind
    at: datetime
    location: str = ""
    description: str = ""

    def __post_init__(self) -> None:
        if self.at.tzinfo is None:
            raise ValueError("a checkpoint's time must be timezone-aware")

    @property
    def progress(self) -> tuple[int, datetime, str]:
        """The order of progress: rank, then time, then the event id (ties broken stably)."""
        return (self.kind.rank, self.at, self.event_id)

    def as_dict(self) -> dict[str, Any]:
        return {
            "carrier": self.carrier,
            "waybill": self.waybill,
            "event_id": self.event_id,
            "kind": self.kind.value,
            "label_zh": self.kind.label_zh,
            "at": self.at.isoformat(),
            "location": self.location,
            "description": self.description,
        }


def advances(current: Checkpoint | None, new: Checkpoint) -> bool:
    """Whether `new` moves a shipment on from `current` (its most advanced checkpoint)."""
    return current is None or new.progress > current.progress


def current_checkpoint(checkpoints: Iterable[Checkpoint]) -> Checkpoint | None:
    """The most advanced checkpoint: the shipment's tracking state, whatever the order the
    checkpoints arrived in (None without any)."""
    best: Checkpoint | None = None
    for c in checkpoints:
        if advances(best, c):
            best = c
    return best


def history(checkpoints: Iterable[Checkpoint]) -> list[Checkpoint]:
    """Checkpoints as they happened (by the carrier's time), for showing."""
    return sorted(checkpoints, key=lambda c: (c.at, c.kind.rank, c.event_id))


def carrier_of(service: str) -> str:
    """The carrier of a carrier service code ("ZTO:standard" -> "ZTO")."""
    return service.split(":", 1)[0]
