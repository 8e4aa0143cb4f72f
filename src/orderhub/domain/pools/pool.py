"""A pool: orders of one channel collected for one pickup point, open until its threshold
is reached or its window ends (or a person closes it). Membership is by channel and the
great-circle distance from the order's location to the pool's pickup point."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from orderhub.domain.errors import Conflict
from orderhub.domain.geo import haversine_km
from orderhub.domain.ids import new_id
from orderhub.domain.pools.policy import ChannelPooling


class PoolStatus(StrEnum):
    OPEN = "open"
    CLOSED = "closed"


class CloseReason(StrEnum):
    THRESHOLD = "threshold"  # the pool reached its channel's threshold of orders
    WINDOW = "window"  # its window ended before that
    MANUAL = "manual"  # a person closed it early


@dataclass(frozen=True, slots=True)
class PickupPoint:
    """A site with the `pickup` capability: where a pool's delivery goes."""

    code: str
    lat: float
    lon: float


def choose_pickup(location: tuple[float, float] | None, pickup_store: str,
                  points: Sequence[PickupPoint], rule: ChannelPooling
                  ) -> tuple[PickupPoint, float] | None:
    """The pickup point an order's pool delivers to, with the order's distance to it: the
    store the buyer chose when it is a pickup point within the radius, else the nearest
    pickup point within the radius; None (the order is routed alone) when the order has
    no location or no pickup point is near enough."""
    if location is None:
        return None
    candidates = [p for p in points if p.code == pickup_store] if pickup_store else list(points)
    best: tuple[PickupPoint, float] | None = None
    for p in candidates:
        km = haversine_km(location, (p.lat, p.lon))
        if km <= rule.radius_km and (best is None or (km, p.code) < (best[1], best[0].code)):
            best = (p, km)
    return best


@dataclass(slots=True)
class Pool:
    id: str
    tenant_id: str
    channel: str
    pickup_site: str
    lat: float
    lon: float
    radius_km: float
    threshold: int
    opened_at: datetime
    closes_at: datetime
    policy_version: int
    status: PoolStatus = PoolStatus.OPEN
    member_count: int = 0
    close_reason: str = ""
    closed_at: datetime | None = None
    closed_by: str = ""
    deliveries: list[dict[str, Any]] = field(default_factory=list)
    last_position: int = 0  # the last member's position (members who left keep theirs)

    @classmethod
    def open(cls, tenant_id: str, rule: ChannelPooling, point: PickupPoint, now: datetime,
             policy_version: int) -> Pool:
        return cls(new_id("pool"), tenant_id, rule.channel, point.code, point.lat, point.lon,
                   rule.radius_km, rule.threshold, now, now + rule.window, policy_version)

    def window_ended(self, now: datetime) -> bool:
        return now >= self.closes_at

    def accepts(self, channel: str, location: tuple[float, float], now: datetime) -> bool:
        """Whether an order of `channel` at `location` may join now."""
        return (self.status == PoolStatus.OPEN and channel == self.channel
                and not self.window_ended(now) and self.member_count < self.threshold
                and self.distance_km(location) <= self.radius_km)

    def distance_km(self, location: tuple[float, float]) -> float:
        return haversine_km(location, (self.lat, self.lon))

    def add_member(self) -> bool:
        """One more order; True when that reaches the threshold (the pool closes)."""
        if self.status != PoolStatus.OPEN:
            raise Conflict(f"pool {self.id} is closed")
        self.member_count += 1
        self.last_position = max(self.last_position, self.member_count - 1) + 1
        return self.member_count >= self.threshold

    def due_reason(self, now: datetime) -> CloseReason | None:
        """Why the pool must close now, if it must."""
        if self.status != PoolStatus.OPEN:
            return None
        if self.member_count >= self.threshold:
            return CloseReason.THRESHOLD
        if self.window_ended(now):
            return CloseReason.WINDOW
        return None

    def close(self, reason: CloseReason, now: datetime, actor: str) -> None:
        if self.status != PoolStatus.OPEN:
            raise Conflict(f"pool {self.id} is already closed ({self.close_reason})")
        self.status = PoolStatus.CLOSED
        self.close_reason = reason.value
        self.closed_at = now
        self.closed_by = actor
