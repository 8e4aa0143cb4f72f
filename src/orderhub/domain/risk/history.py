"""Labelled snapshots from the hub's own history: what the risk model learns from when it
is trained on a hub's stored events instead of the simulated month.

An order's history is its stored events in sequence (type, status, occurred_at, data).
A snapshot at a moment `at` is built from the events that occurred no later than `at`
only: the stages entered on the order's path by then (`entries_from_events`, the twin's own
fold), the promise and shipping site and carrier of its last allocation by then, and the
world as the hub saw it then, from every order's events up to `at`: the site's open
shipments (allocated and not yet dispatched, cancelled or moved elsewhere), the carrier
service's declared state (its `CarrierStatusChanged` events) and its measured delay into
the destination region over the 48 hours before (deliveries completed by then), the
calendar's holidays. `snapshot_at(history, at)` equals `snapshot_at(history cut at at,
at)`: nothing later than `at` can change a snapshot (tests/integration/test_risk_hub.py).

A carrier service's state is read from its `CarrierStatusChanged` events alone (up before
the first one).

The label is the order's outcome as known when the history is read: delivered after the
promised date's end (in the shipping site's calendar, as the twin reads it), or not
delivered, not cancelled and the promise already passed (late whatever happens next).
Orders still in flight with their promise ahead, cancelled orders and orders never
allocated have no label.
"""

from __future__ import annotations

import random
from bisect import bisect_right
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from orderhub.domain.inventory import Warehouse
from orderhub.domain.risk.snapshot import (
    CHINA_TZ,
    STAGE_INDEX,
    STAGES,
    LabelledSnapshot,
    OrderSnapshot,
)
from orderhub.domain.routing.lanes import province_key, region_of
from orderhub.domain.routing.network import CarrierService
from orderhub.domain.twin.calendar import WorkingCalendar
from orderhub.domain.twin.stages import Stage, entries_from_events

# (type, status, occurred_at, data): one stored event of an order
EventRow = tuple[str, str, datetime, dict[str, Any]]

SHIFT_HOURS = 14.0  # a site's daily capacity is picked over about 14 hours (as the twin)
DELAY_WINDOW = timedelta(hours=48)
MIN_DELIVERIES = 3  # a measured carrier delay needs at least this many deliveries
_ALLOCATED = STAGE_INDEX["allocated"]
_IN_TRANSIT = STAGE_INDEX["in_transit"]


@dataclass(frozen=True, slots=True)
class OrderHistory:
    """One order as stored: what never changes after intake, and its events in sequence."""

    order_id: str
    channel: str
    service_level: str
    province: str  # the destination's
    created_at: datetime
    events: tuple[EventRow, ...]


@dataclass(frozen=True, slots=True)
class CarrierChange:
    at: datetime
    service: str
    state: str  # up, degraded, down
    delay_days: int


@dataclass(frozen=True)
class HubHistory:
    """Every order's history and the network around them. `sites` and `services` are the
    network's current settings (capacity, region, lane tables); what changed in time (a
    carrier's declared state) comes from the events only."""

    orders: Sequence[OrderHistory]
    sites: Mapping[str, Warehouse]
    services: Mapping[str, CarrierService]
    carrier_changes: Sequence[CarrierChange]
    calendar: Callable[[str], WorkingCalendar]  # site code ("" for none) -> its calendar
    _world: _World | None = field(default=None, compare=False, repr=False)

    def cut(self, at: datetime) -> HubHistory:
        """The history as it stood at `at`: every event later than it left out."""
        return HubHistory(
            [OrderHistory(o.order_id, o.channel, o.service_level, o.province, o.created_at,
                          tuple(e for e in o.events if e[2] <= at))
             for o in self.orders if o.created_at <= at],
            self.sites, self.services, [c for c in self.carrier_changes if c.at <= at],
            self.calendar)

    @property
    def world(self) -> _World:
        if self._world is None:
            object.__setattr__(self, "_world", _World.of(self))
        assert self._world is not None
        return self._world


@dataclass(frozen=True, slots=True)
class _Allocation:
    at: datetime
    site: str
    service: str
    promised: date | None


def _allocations(events: Sequence[EventRow]) -> list[_Allocation]:
    out = []
    for event_type, _, at, data in events:
        if event_type == "OrderAllocated":
            ships = list(data.get("shipments") or [])
            first = ships[0] if ships else {}
            promised = data.get("promised_delivery")
            out.append(_Allocation(at, str(first.get("warehouse", "")),
                                   str(first.get("carrier_service", "")),
                                   date.fromisoformat(promised) if promised else None))
    return out


@dataclass(frozen=True)
class CarrierDelays:
    """The feature `carrier_delay_hours`, for training and serving alike: per carrier
    service and destination region, its deliveries (when, hours late against the lane's
    quoted days) in time order; at a moment, the mean lateness of the deliveries in the 48
    hours before it (at least MIN_DELIVERIES of them, else 0), never below 0. Training
    reads it from the whole history (`HubHistory.world`); the twin from the recent
    deliveries the hub holds (services/risk/carrier_delays.py), so both agree."""

    deliveries: Mapping[tuple[str, str], tuple[list[datetime], list[float]]]

    @classmethod
    def of(cls, orders: Sequence[OrderHistory], sites: Mapping[str, Warehouse],
           services: Mapping[str, CarrierService]) -> CarrierDelays:
        found: dict[tuple[str, str], list[tuple[datetime, float]]] = {}
        for o in orders:
            delivered = _delivery(o)
            if delivered is not None:
                alloc, shipped, at = delivered
                lane = _lane_days_of(sites, services, o, alloc.site, alloc.service, 0)
                late = (at - shipped).total_seconds() / 3600 - lane * 24
                found.setdefault((alloc.service, region_of(o.province)), []).append(
                    (at, late))
        return cls({k: ([a for a, _ in s], [d for _, d in s])
                    for k, s in ((k, sorted(v)) for k, v in found.items())})

    def hours(self, service: str, region: str, at: datetime) -> float:
        times, lates = self.deliveries.get((service, region), ([], []))
        hi = bisect_right(times, at)
        lo = bisect_right(times, at - DELAY_WINDOW)
        if hi - lo < MIN_DELIVERIES:
            return 0.0
        return max(0.0, sum(lates[lo:hi]) / (hi - lo))


@dataclass
class _World:
    """Per site, when its open shipments began and ended; the carriers' measured delays."""

    starts: dict[str, list[datetime]]
    ends: dict[str, list[datetime]]
    delays: CarrierDelays

    @classmethod
    def of(cls, h: HubHistory) -> _World:
        starts: dict[str, list[datetime]] = {}
        ends: dict[str, list[datetime]] = {}
        for o in h.orders:
            _queue_spans(o, starts, ends)
        return cls({k: sorted(v) for k, v in starts.items()},
                   {k: sorted(v) for k, v in ends.items()},
                   CarrierDelays.of(h.orders, h.sites, h.services))

    def queue_depth(self, site: str, at: datetime) -> int:
        return (bisect_right(self.starts.get(site, []), at)
                - bisect_right(self.ends.get(site, []), at))

    def carrier_delay(self, service: str, region: str, at: datetime) -> float:
        return self.delays.hours(service, region, at)


def _queue_spans(o: OrderHistory, starts: dict[str, list[datetime]],
                 ends: dict[str, list[datetime]]) -> None:
    """An order is in its site's queue from its allocation there until dispatch,
    cancellation or an allocation elsewhere (the site's planned shipments, as the twin's
    live read counts them)."""
    site = ""
    for event_type, _, at, data in o.events:
        if event_type == "OrderAllocated":
            new = _allocations([(event_type, "", at, data)])[0].site
            if site and new != site:
                ends[site].append(at)
            if new and new != site:
                starts.setdefault(new, []).append(at)
                ends.setdefault(new, [])
            site = new
        elif site and event_type in ("ShipmentDispatched", "OrderCancelled"):
            ends[site].append(at)
            site = ""


def _delivery(o: OrderHistory) -> tuple[_Allocation, datetime, datetime] | None:
    """(the last allocation, dispatched at, delivered at) of a delivered order."""
    entries = entries_from_events(list(o.events))
    delivered = entries.get(Stage.DELIVERED)
    shipped = entries.get(Stage.SHIPPED)
    allocs = _allocations(o.events)
    if delivered is None or shipped is None or not allocs:
        return None
    return allocs[-1], shipped, delivered


def _lane_days(h: HubHistory, o: OrderHistory, site_code: str, service: str,
               delay_days: int) -> float:
    return _lane_days_of(h.sites, h.services, o, site_code, service, delay_days)


def _lane_days_of(sites: Mapping[str, Warehouse], services: Mapping[str, CarrierService],
                  o: OrderHistory, site_code: str, service: str, delay_days: int) -> float:
    """The carrier's quoted transit days from the site to the destination (as the twin
    reads them), with the delay declared at the time instead of today's."""
    site = sites.get(site_code)
    svc = services.get(service)
    if svc is None or site is None:
        return 2.0
    origin = site.region or region_of(site.province)
    same = province_key(site.province) == province_key(o.province)
    return float(svc.transit(1 if same else 3, origin, region_of(o.province))
                 - svc.delay_days + delay_days)


def _carrier_state(h: HubHistory, service: str, at: datetime) -> tuple[str, int]:
    """The service's declared state at `at`: its last change by then (up before any)."""
    last: CarrierChange | None = None
    for c in h.carrier_changes:
        if c.service == service and c.at <= at:
            last = c
    return (last.state, last.delay_days) if last is not None else ("up", 0)


def stage_times(entries: Mapping[Stage, datetime]) -> dict[str, datetime]:
    """The twin's stage entries as a snapshot's: a stage passed through without its own
    event (no carrier scan before delivery) takes the time of the one after it."""
    reached = max(s.rank for s in entries)
    stages: dict[str, datetime] = {}
    for i in range(reached, -1, -1):
        name = STAGES[i]
        when = entries.get(Stage(name)) or stages[STAGES[i + 1]]
        stages[name] = min(when, stages[STAGES[i + 1]]) if i < reached else when
    return stages


def snapshot_at(h: HubHistory, o: OrderHistory, at: datetime) -> OrderSnapshot | None:
    """The order at `at` from what had happened by then; None before its allocation (no
    promise yet) or once delivered (nothing left to predict)."""
    known = [e for e in o.events if e[2] <= at]
    allocs = _allocations(known)
    if not allocs or allocs[-1].promised is None:
        return None
    entries = entries_from_events(known)
    if Stage.CREATED not in entries or Stage.DELIVERED in entries:
        return None
    alloc = allocs[-1]
    assert alloc.promised is not None
    stages = stage_times(entries)
    if STAGE_INDEX[max(stages, key=STAGE_INDEX.__getitem__)] < _ALLOCATED:
        return None  # re-validated after a hold: no site now
    state, delay_days = _carrier_state(h, alloc.service, at)
    site = h.sites.get(alloc.site)
    depth = h.world.queue_depth(alloc.site, at)
    per_hour = site.daily_capacity / SHIFT_HOURS if site and site.daily_capacity else 0.0
    calendar = h.calendar(alloc.site)
    dest = region_of(o.province)
    return OrderSnapshot(
        order_id=o.order_id, at=at, stages=stages,
        promised_by=calendar.end_of_day(alloc.promised),
        service_level=o.service_level, channel=o.channel, warehouse=alloc.site,
        carrier=alloc.service,
        origin_region=(site.region or region_of(site.province)) if site else "",
        dest_region=dest, lane_days=_lane_days(h, o, alloc.site, alloc.service, delay_days),
        backlog_hours=depth / per_hour if per_hour else 0.0, queue_depth=depth,
        carrier_degraded=state != "up",
        carrier_delay_hours=h.world.carrier_delay(alloc.service, dest, at),
        holiday=at.astimezone(calendar.tz).date() in calendar.holidays)


def outcome(h: HubHistory, o: OrderHistory, now: datetime) -> tuple[bool, datetime] | None:
    """(late, when it became known) as known at `now`, or None while unknown."""
    allocs = _allocations(o.events)
    if not allocs or allocs[-1].promised is None:
        return None
    if any(e[0] == "OrderCancelled" for e in o.events):
        return None
    promise = h.calendar(allocs[-1].site).end_of_day(allocs[-1].promised)
    delivered = entries_from_events(list(o.events)).get(Stage.DELIVERED)
    if delivered is not None:
        return delivered > promise, delivered
    if promise < now:
        return True, now
    return None


def labelled_snapshots(h: HubHistory, now: datetime, *, first_day: date, per_order: int = 2,
                       seed: int = 0) -> list[LabelledSnapshot]:
    """Each order with a known outcome cut at `per_order` moments between its allocation
    and its delivery (or `now`): a stage it went through drawn uniformly from allocated..
    in_transit, then a moment uniformly within it. `day` counts local (China) days from
    `first_day` (day 1)."""
    rng = random.Random(seed)
    out: list[LabelledSnapshot] = []
    for o in sorted(h.orders, key=lambda o: (o.created_at, o.order_id)):
        known = outcome(h, o, now)
        if known is None:
            continue
        late, end = known
        entries = entries_from_events(list(o.events))
        spans = _spans(entries, end)
        if not spans:
            continue
        day = (o.created_at.astimezone(CHINA_TZ).date() - first_day).days + 1
        for _ in range(per_order):
            begin, finish = spans[rng.randrange(len(spans))]
            at = begin + (finish - begin) * (rng.random() * 0.999)
            snap = snapshot_at(h, o, at)
            if snap is not None:
                out.append(LabelledSnapshot(snap, late, day))
    return out


def _spans(entries: Mapping[Stage, datetime], end: datetime) -> list[tuple[datetime,
                                                                            datetime]]:
    """The time spent in each stage from allocated to in_transit (those with any time)."""
    ordered = sorted(entries.items(), key=lambda kv: kv[0].rank)
    out = []
    for i, (stage, begin) in enumerate(ordered):
        if not _ALLOCATED <= stage.rank <= _IN_TRANSIT:
            continue
        finish = ordered[i + 1][1] if i + 1 < len(ordered) else end
        finish = min(finish, end)
        if finish > begin:
            out.append((begin, finish))
    return out
