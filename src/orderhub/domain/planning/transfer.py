"""Transfer orders (调拨单): an accepted suggestion moving stock between sites. Created (the
units reserved at the source, so no order takes them), shipped (they leave the source's on
hand and are in transit), received (on hand at the destination: only now does its ATP
rise); a created transfer may be cancelled (the reservation released)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from typing import Any

from orderhub.domain.errors import Conflict


class TransferStatus(StrEnum):
    CREATED = "created"
    SHIPPED = "shipped"  # in transit
    RECEIVED = "received"
    CANCELLED = "cancelled"


_NEXT = {TransferStatus.CREATED: {TransferStatus.SHIPPED, TransferStatus.CANCELLED},
         TransferStatus.SHIPPED: {TransferStatus.RECEIVED}}


@dataclass(frozen=True, slots=True)
class TransferOrder:
    id: str
    tenant_id: str
    sku: str
    origin: str
    destination: str
    quantity: int
    status: TransferStatus
    created_at: datetime
    created_by: str
    expected_at: datetime
    plan_id: str = ""
    suggestion_n: int = 0
    below_safety: bool = False  # a person accepted it although it dips into safety stock
    shipped_at: datetime | None = None
    received_at: datetime | None = None

    def move(self, to: TransferStatus, at: datetime) -> TransferOrder:
        if to not in _NEXT.get(self.status, set()):
            allowed = ", ".join(sorted(s.value for s in _NEXT.get(self.status, set())))
            raise Conflict(f"transfer {self.id} is {self.status.value}; it cannot become "
                           f"{to.value} (allowed: {allowed or 'none'})")
        if to is TransferStatus.SHIPPED:
            return replace(self, status=to, shipped_at=at)
        if to is TransferStatus.RECEIVED:
            return replace(self, status=to, received_at=at)
        return replace(self, status=to)

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "sku": self.sku, "from": self.origin, "to": self.destination,
                "quantity": self.quantity, "status": self.status.value,
                "created_at": self.created_at, "created_by": self.created_by,
                "expected_at": self.expected_at, "plan_id": self.plan_id or None,
                "suggestion": self.suggestion_n or None, "below_safety": self.below_safety,
                "shipped_at": self.shipped_at, "received_at": self.received_at}
