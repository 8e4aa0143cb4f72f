"""A month of order history with realistic delays, in memory: `orderhub simulate --days 30`.

Seeded and fast (no database): orders placed hour by hour (weekends, an evening peak,
Double 11-like peak days, public holidays), each taken through the 11 stages with the
mechanics that make orders late in practice:

- release waves every 30 min in the warehouse's shift (07:00-23:00 China time);
- picking is a first-come queue per warehouse with an hourly capacity (a night shift at a
  quarter, holidays at 60%, a planned uplift on peak days, and unannounced disruptions:
  staff shortages at one site for a day or two), so backlogs build up on peak days;
- carrier pick-ups at noon and at the site's cut-off; a share missed on peak days;
- transit from the carriers' lane tables (domain/routing/lanes.py) with each carrier's
  speed and spread, deliveries between 09:00 and 20:00, failed attempts;
- carrier incidents (a carrier degraded into a region for days; most declared, some not),
  weather in a region (slower transit into and out of it, with alerts 12 h ahead) and
  network congestion after peak days.

Each order's promise is made when it is placed, from its service level and lane (a day
longer on announced peak days), so it knows nothing of what will go wrong. `Month.world`
keeps the hourly state the hub could observe (backlog per site, each carrier's measured
delay per destination region over the last 48 h, declared incidents, weather alerts), and
`Month.snapshots` cuts orders at random moments in flight into `OrderSnapshot`s that hold
only what was known then, labelled with whether the order was in the end delivered late.
"""

from __future__ import annotations

import json
import math
import random
from bisect import bisect_right
from collections import Counter
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np

from orderhub.domain.risk.snapshot import (
    CHINA_TZ,
    STAGE_INDEX,
    STAGES,
    LabelledSnapshot,
    OrderSnapshot,
)
from orderhub.domain.routing.lanes import economy_lanes, express_lanes, region_of
from orderhub.tools.demo import WAREHOUSES
from orderhub.tools.simulation import CHANNEL_WEIGHTS, DESTINATIONS

if TYPE_CHECKING:
    from orderhub.bootstrap import Hub

HOUR = timedelta(hours=1)

# Public holidays in China (observed days off) and known peak days: volume factor.
HOLIDAYS: frozenset[date] = frozenset(
    [date(2026, 10, d) for d in range(1, 8)] + [date(2027, 1, 1)]
    + [date(2027, 2, d) for d in range(6, 13)]  # Spring Festival 2027
    + [date(2027, 4, 5)] + [date(2027, 5, d) for d in range(1, 6)])
PEAKS: dict[tuple[int, int], float] = {
    (11, 1): 1.8, (11, 10): 1.6, (11, 11): 4.0, (11, 12): 2.0,  # Double 11 and its waves
    (12, 12): 2.2, (6, 17): 1.5, (6, 18): 2.5,  # Double 12, 618
}

# Carrier: speed factor on quoted transit, spread (lognormal sigma), lane table.
CARRIERS: dict[str, tuple[float, float, str]] = {
    "SF": (0.90, 0.10, "express"), "JD": (0.95, 0.12, "express"),
    "ZTO": (1.00, 0.18, "economy"), "YTO": (1.00, 0.20, "economy"),
    "STO": (1.05, 0.24, "economy"), "YD": (1.05, 0.24, "economy"),
    "EMS": (1.10, 0.28, "economy"),
}
CARRIER_MIX: dict[str, list[tuple[str, int]]] = {
    "same_day": [("SF", 80), ("JD", 20)], "next_day": [("SF", 80), ("JD", 20)],
    "express": [("SF", 60), ("JD", 40)],
    "standard": [("ZTO", 30), ("YTO", 25), ("STO", 15), ("YD", 15), ("EMS", 10), ("JD", 5)],
    "economy": [("YD", 40), ("STO", 30), ("EMS", 30)],
}
SERVICE_MIX = [("standard", 70), ("express", 15), ("next_day", 8), ("same_day", 2),
               ("economy", 5)]
HOURLY_WEIGHTS = [2, 1, 1, 0.5, 0.5, 0.5, 1, 2, 3, 4, 4, 4, 4, 4, 4, 4, 4, 4, 5, 6, 8, 9, 8, 5]
SHIFT = (7, 23)  # day shift, China time; the night shift picks at a quarter of the rate


@dataclass(frozen=True)
class MonthConfig:
    days: int = 30
    start: date = date(2026, 11, 1)
    orders_per_day: int = 1500
    seed: int = 42
    snapshots_per_order: int = 2
    train_days: int = 23  # days 1..train_days train; the rest are held out


@dataclass(frozen=True)
class CarrierIncident:
    carrier: str
    region: str
    start: datetime
    end: datetime
    severity: int  # 1 or 2
    declared: bool  # announced by the carrier (the hub marks it degraded)


@dataclass(frozen=True)
class WeatherEvent:
    region: str
    start: datetime
    end: datetime
    severity: int  # 1 warning, 2 severe


@dataclass(frozen=True)
class SiteDisruption:
    warehouse: str
    start: datetime
    end: datetime
    capacity: float  # share of the usual picking rate


@dataclass
class SimOrder:
    order_id: str
    day: int
    channel: str
    service_level: str
    warehouse: str
    carrier: str
    origin_region: str
    dest_region: str
    lane_days: float
    promised_by: datetime
    stages: dict[str, datetime] = field(default_factory=dict)

    @property
    def late(self) -> bool:
        return self.stages["delivered"] > self.promised_by


def local_midnight(d: date) -> datetime:
    return datetime.combine(d, time(0), CHINA_TZ)


def peak_factor(d: date) -> float:
    return PEAKS.get((d.month, d.day), 1.0)


@dataclass
class World:
    """What the hub can observe, hour by hour (hour 0 = midnight China time, day 1)."""

    t0: datetime
    hours: int
    backlog: dict[str, np.ndarray]  # site -> picking work queued at the hour's start, h
    depth: dict[str, np.ndarray]  # site -> orders released and not yet picked
    delay: dict[tuple[str, str], np.ndarray]  # (carrier, region) -> 48 h mean delay, h
    incidents: list[CarrierIncident]
    weather: list[WeatherEvent]
    disruptions: list[SiteDisruption]

    def hour_of(self, at: datetime) -> int:
        return max(0, min(self.hours - 1, int((at - self.t0) / HOUR)))

    def declared(self, carrier: str, region: str, at: datetime) -> bool:
        return any(i.declared and i.carrier == carrier and i.region == region
                   and i.start <= at < i.end for i in self.incidents)

    def alert(self, region: str, at: datetime) -> int:
        """Weather alerts are issued 12 h before the weather and last until it ends."""
        return max((w.severity for w in self.weather
                    if w.region == region and w.start - 12 * HOUR <= at < w.end), default=0)


@dataclass
class Month:
    config: MonthConfig
    orders: list[SimOrder]
    world: World

    def snapshot(self, order: SimOrder, at: datetime) -> OrderSnapshot:
        """The order as the hub sees it at `at` (stages entered by then, the world then)."""
        stages = {s: t for s, t in order.stages.items() if t <= at}
        reached = max(STAGE_INDEX[s] for s in stages)
        sited = reached >= STAGE_INDEX["reserved"]  # the site is chosen with the stock
        routed = reached >= STAGE_INDEX["allocated"]  # the carrier with the route
        h = self.world.hour_of(at)
        local = at.astimezone(CHINA_TZ).date()
        carrier = order.carrier if routed else ""
        return OrderSnapshot(
            order_id=order.order_id, at=at, stages=stages, promised_by=order.promised_by,
            service_level=order.service_level, channel=order.channel,
            warehouse=order.warehouse if sited else "", carrier=carrier,
            origin_region=order.origin_region if sited else "",
            dest_region=order.dest_region, lane_days=order.lane_days,
            backlog_hours=float(self.world.backlog[order.warehouse][h]) if sited else 0.0,
            queue_depth=int(self.world.depth[order.warehouse][h]) if sited else 0,
            carrier_degraded=routed and self.world.declared(carrier, order.dest_region, at),
            carrier_delay_hours=(float(self.world.delay[(carrier, order.dest_region)][h])
                                 if routed else 0.0),
            weather_alert=self.world.alert(order.dest_region, at),
            holiday=local in HOLIDAYS, peak=peak_factor(local))

    def snapshots(self, *, seed: int | None = None,
                  per_order: int | None = None) -> list[LabelledSnapshot]:
        """Each order cut at `per_order` random moments before delivery: a stage drawn
        uniformly from created..in_transit, then a moment uniformly within it."""
        rng = random.Random(self.config.seed + 17 if seed is None else seed)
        k = self.config.snapshots_per_order if per_order is None else per_order
        out = []
        last = STAGE_INDEX["in_transit"]
        for o in self.orders:
            for _ in range(k):
                i = rng.randint(0, last)
                begin, end = o.stages[STAGES[i]], o.stages[STAGES[i + 1]]
                at = begin + (end - begin) * (rng.random() * 0.999)
                out.append(LabelledSnapshot(self.snapshot(o, at), o.late, o.day))
        return out

    def summary(self) -> dict[str, Any]:
        late_by_day: Counter[int] = Counter(o.day for o in self.orders if o.late)
        by_day: Counter[int] = Counter(o.day for o in self.orders)
        return {
            "orders": len(self.orders),
            "late": sum(late_by_day.values()),
            "late_share": (sum(late_by_day.values()) / len(self.orders)) if self.orders else 0,
            "days": [{"day": d, "date": (self.config.start + timedelta(days=d - 1)).isoformat(),
                      "orders": by_day[d], "late": late_by_day[d]}
                     for d in range(1, self.config.days + 1)],
            "incidents": [_event_doc(i) for i in self.world.incidents],
            "weather": [_event_doc(w) for w in self.world.weather],
            "disruptions": [_event_doc(d) for d in self.world.disruptions],
        }


def _event_doc(e: CarrierIncident | WeatherEvent | SiteDisruption) -> dict[str, Any]:
    return {k: (v.isoformat() if isinstance(v, datetime) else v) for k, v in asdict(e).items()}


# ---- the simulation -------------------------------------------------------------------

_SITES = {w[0]: (w[4], w[7], w[8]) for w in WAREHOUSES}  # code -> region, capacity, cut-off
_ECONOMY = economy_lanes()
_EXPRESS = express_lanes()


def _lane_days(carrier: str, level: str, origin: str, dest: str) -> float:
    if level == "same_day":
        return 0.4
    table = _EXPRESS if CARRIERS[carrier][2] == "express" else _ECONOMY
    days = float(table[(origin, dest)])
    return min(days, 1.0) if level == "next_day" and origin == dest else days


def _promise(created: datetime, level: str, origin: str, dest: str) -> datetime:
    local = created.astimezone(CHINA_TZ)
    if level == "same_day":
        days = 0 if local.hour < 12 else 1
    elif level == "next_day":
        days = 1 if local.hour < 20 else 2
    else:
        lane = _EXPRESS[(origin, dest)] if level == "express" else _ECONOMY[(origin, dest)]
        days = lane + (1 if level == "standard" else 2 if level == "economy" else 0)
        days += 1 if local.hour >= 16 else 0  # after the cut-off: a day later
    if peak_factor(local.date()) >= 1.5:
        days += 1  # announced peak: promises are a day longer
    return local_midnight(local.date() + timedelta(days=days + 1)) - timedelta(seconds=1)


def _nearest_sites() -> dict[str, list[str]]:
    """Destination region -> sites ordered by economy transit days (then capacity)."""
    out = {}
    for dest in {r for r, _, _ in _SITES.values()} | {"far_west"}:
        out[dest] = sorted((c for c in _SITES if c != "HZ-QT"),
                           key=lambda c: (_ECONOMY[(_SITES[c][0], dest)], -_SITES[c][1]))
    return out


def _events(cfg: MonthConfig, t0: datetime, rng: random.Random) -> tuple[
        list[CarrierIncident], list[WeatherEvent], list[SiteDisruption]]:
    regions = sorted({region_of(p) for p, _, _, _ in DESTINATIONS})
    incidents, weather, disruptions = [], [], []
    span = cfg.days * 24
    for week in range(math.ceil(cfg.days / 7)):  # two carrier incidents and a storm a week
        base = week * 7 * 24
        for _ in range(2):
            start = t0 + HOUR * rng.randint(base, min(span, base + 7 * 24) - 1)
            incidents.append(CarrierIncident(
                rng.choice(["ZTO", "YTO", "STO", "YD", "EMS", "JD", "SF"]),
                rng.choice(regions), start, start + HOUR * rng.randint(24, 96),
                rng.choice([1, 1, 2]), rng.random() < 0.6))
        start = t0 + HOUR * rng.randint(base, min(span, base + 7 * 24) - 1)
        weather.append(WeatherEvent(rng.choice(regions), start,
                                    start + HOUR * rng.randint(18, 72), rng.choice([1, 2])))
    for _ in range(max(1, cfg.days // 10)):  # unannounced staff shortages
        start = t0 + HOUR * rng.randint(0, span - 1)
        disruptions.append(SiteDisruption(rng.choice(sorted(_SITES)), start,
                                          start + HOUR * rng.randint(12, 48),
                                          rng.uniform(0.35, 0.6)))
    return incidents, weather, disruptions


def simulate_month(cfg: MonthConfig) -> Month:
    """The whole month: orders with stage times and outcomes, and the observable world."""
    rng = random.Random(cfg.seed)
    ev_rng = random.Random(cfg.seed + 1)
    t0 = local_midnight(cfg.start).astimezone(CHINA_TZ)
    hours = (cfg.days + 20) * 24
    incidents, weather, disruptions = _events(cfg, t0, ev_rng)
    nearest = _nearest_sites()
    dests = [(region_of(p), w) for p, _, _, w in DESTINATIONS]
    channels, ch_w = zip(*CHANNEL_WEIGHTS, strict=True)
    levels, lv_w = zip(*SERVICE_MIX, strict=True)
    dest_regions, dest_w = zip(*dests, strict=True)
    orders: list[SimOrder] = []
    day_factors = []
    for d in range(cfg.days):
        when = cfg.start + timedelta(days=d)
        factor = peak_factor(when) * (1.15 if when.weekday() >= 5 else 1.0)
        factor *= 0.85 if when in HOLIDAYS else 1.0
        day_factors.append(factor)
        weights = list(HOURLY_WEIGHTS)
        if peak_factor(when) >= 3:  # the midnight rush of a big sales day
            weights[0] *= 8
            weights[1] *= 4
        n = int(cfg.orders_per_day * factor * rng.uniform(0.95, 1.05))
        total_w = sum(weights)
        for hour, w in enumerate(weights):
            for _ in range(round(n * w / total_w)):
                created = (local_midnight(when) + HOUR * (hour + rng.random())).astimezone(
                    CHINA_TZ)
                dest = rng.choices(dest_regions, dest_w)[0]
                level = rng.choices(levels, lv_w)[0]
                if dest == "east" and rng.random() < 0.3:
                    site = "HZ-QT"
                elif rng.random() < 0.75:
                    site = nearest[dest][0]
                else:
                    site = rng.choice(nearest[dest][1:4])
                origin = _SITES[site][0]
                if level == "same_day" and origin != dest:
                    level = "next_day"
                carrier = rng.choices(*zip(*CARRIER_MIX[level], strict=True))[0]
                o = SimOrder(f"M{cfg.seed}-{len(orders) + 1:07d}", d + 1,
                             rng.choices(channels, ch_w)[0], level, site, carrier, origin,
                             dest, _lane_days(carrier, level, origin, dest),
                             _promise(created, level, origin, dest))
                o.stages["created"] = created
                orders.append(o)
    _front_stages(orders, rng)
    backlog, depth = _picking(cfg, orders, t0, hours, day_factors, disruptions, rng)
    _outbound(orders, incidents, weather, rng)
    delay = _carrier_delays(orders, t0, hours)
    for o in orders:  # back to UTC, as the hub stores times
        o.stages = {s: t.astimezone(UTC) for s, t in o.stages.items()}
        o.promised_by = o.promised_by.astimezone(UTC)
    world = World(t0.astimezone(UTC), hours, backlog, depth, delay, incidents, weather,
                  disruptions)
    return Month(cfg, orders, world)


def _front_stages(orders: list[SimOrder], rng: random.Random) -> None:
    """created -> validated -> reserved -> allocated -> released."""
    for o in orders:
        t = o.stages["created"] + timedelta(seconds=rng.uniform(20, 120))
        if rng.random() < 0.04:  # an address or fraud check held it
            t += timedelta(minutes=rng.uniform(10, 180))
        o.stages["validated"] = t
        t += timedelta(seconds=rng.uniform(1, 10))
        o.stages["reserved"] = t
        if rng.random() < 0.015:  # waited for stock to arrive
            t += timedelta(hours=rng.uniform(2, 30))
        t += timedelta(seconds=rng.uniform(1, 10))
        o.stages["allocated"] = t
        o.stages["released"] = _next_wave(t)


def _next_wave(t: datetime) -> datetime:
    """Release waves every 30 min in the day shift; at night the orders wait for 07:00."""
    local = t.astimezone(CHINA_TZ)
    slot = local.replace(minute=0, second=0, microsecond=0) + timedelta(
        minutes=30 if local.minute < 30 else 60)
    if SHIFT[0] <= slot.hour < SHIFT[1] or (slot.hour == SHIFT[1] and slot.minute == 0):
        return slot
    day = slot.date() if slot.hour < SHIFT[0] else slot.date() + timedelta(days=1)
    return datetime.combine(day, time(SHIFT[0]), CHINA_TZ)


def _picking(cfg: MonthConfig, orders: list[SimOrder], t0: datetime, hours: int,
             day_factors: list[float], disruptions: list[SiteDisruption],
             rng: random.Random) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray]]:
    """A first-come queue per site; records the backlog at each hour's start."""
    backlog: dict[str, np.ndarray] = {}
    depth: dict[str, np.ndarray] = {}
    by_site: dict[str, list[SimOrder]] = {c: [] for c in _SITES}
    for o in orders:
        by_site[o.warehouse].append(o)
    volume_days = sum(day_factors) or 1.0
    for site, queue in by_site.items():
        queue.sort(key=lambda o: o.stages["released"])
        # Staffed for 30% above an ordinary day's volume, spread over the 16 h day shift.
        base = max(1.0, len(queue) / volume_days * 1.3 / (SHIFT[1] - SHIFT[0]))
        rate = np.empty(hours)
        for h in range(hours):
            at = t0 + HOUR * h
            local = at.astimezone(CHINA_TZ)
            r = base if SHIFT[0] <= local.hour < SHIFT[1] else base * 0.25
            day = local.date()
            if day in HOLIDAYS:
                r *= 0.6
            if max(peak_factor(day - timedelta(days=k)) for k in range(3)) >= 1.5:
                r *= 1.8  # planned peak staffing, that day and the two after
            for d in disruptions:
                if d.warehouse == site and d.start <= at < d.end:
                    r *= d.capacity
            rate[h] = r
        ptr = t0
        picked_times: list[datetime] = []
        releases = [o.stages["released"] for o in queue]
        for o in queue:
            start = max(ptr, o.stages["released"])
            h = min(hours - 1, int((start - t0) / HOUR))
            ptr = start + HOUR / rate[h]
            o.stages["picked"] = ptr + timedelta(minutes=rng.uniform(3, 15))
            picked_times.append(o.stages["picked"])
        # The backlog at an hour's start: the work queued by the orders released before it.
        work = np.zeros(hours)
        count = np.zeros(hours)
        picked_sorted = sorted(picked_times)
        # Replay the queue pointer at each hour boundary (orders released before it only).
        ptr = t0
        i = 0
        for h in range(hours):
            boundary = t0 + HOUR * h
            while i < len(queue) and releases[i] < boundary:
                start = max(ptr, releases[i])
                hh = min(hours - 1, int((start - t0) / HOUR))
                ptr = start + HOUR / rate[hh]
                i += 1
            work[h] = max(0.0, (ptr - boundary) / HOUR)
            count[h] = i - bisect_right(picked_sorted, boundary)
        backlog[site] = work
        depth[site] = count
    return backlog, depth


def _outbound(orders: list[SimOrder], incidents: list[CarrierIncident],
              weather: list[WeatherEvent], rng: random.Random) -> None:
    """picked -> packed -> shipped -> in_transit -> delivered -> invoiced."""
    for o in orders:
        packed = o.stages["picked"] + timedelta(minutes=rng.lognormvariate(math.log(20), 0.4))
        o.stages["packed"] = packed
        cutoff = _SITES[o.warehouse][2]
        shipped = _next_pickup(packed + timedelta(minutes=10), cutoff)
        local_day = shipped.astimezone(CHINA_TZ).date()
        peak = max(peak_factor(local_day - timedelta(days=k)) for k in range(2))
        if rng.random() < min(0.5, (peak - 1) * 0.12):  # the truck was full
            shipped = _next_pickup(shipped + timedelta(minutes=10), cutoff)
        o.stages["shipped"] = shipped
        o.stages["in_transit"] = shipped + timedelta(hours=rng.uniform(1, 4))
        speed, spread, _ = CARRIERS[o.carrier]
        nominal = max(3.0, o.lane_days * 24 * speed - 6)
        transit = nominal * rng.lognormvariate(0, spread)
        eta = shipped + timedelta(hours=nominal)
        for inc in incidents:
            if (inc.carrier == o.carrier and inc.region == o.dest_region
                    and inc.start < eta and shipped < inc.end):
                transit += inc.severity * rng.uniform(12, 36)
        for w in weather:
            if w.region == o.dest_region and w.start < eta and shipped < w.end:
                transit += w.severity * rng.uniform(6, 20)
            elif w.region == o.origin_region and w.start <= shipped < w.end:
                transit += w.severity * rng.uniform(0, 8)
        congestion = max(peak_factor(local_day - timedelta(days=k)) for k in range(4))
        if congestion > 1.2:
            transit += (congestion - 1) * rng.uniform(3, 10)
        if rng.random() < 0.04:  # nobody home: delivered the next day
            transit += 24
        o.stages["delivered"] = _delivery_window(o.stages["in_transit"]
                                                 + timedelta(hours=transit), rng)
        o.stages["invoiced"] = o.stages["delivered"] + timedelta(hours=rng.uniform(0.5, 6))


def _next_pickup(t: datetime, cutoff: time) -> datetime:
    local = t.astimezone(CHINA_TZ)
    for days in range(3):
        day = local.date() + timedelta(days=days)
        for slot in (time(12), cutoff):
            when = datetime.combine(day, slot, CHINA_TZ)
            if when >= local:
                return when
    raise AssertionError("unreachable")


def _delivery_window(t: datetime, rng: random.Random) -> datetime:
    local = t.astimezone(CHINA_TZ)
    if 9 <= local.hour < 20:
        return local
    day = local.date() if local.hour < 9 else local.date() + timedelta(days=1)
    return datetime.combine(day, time(9), CHINA_TZ) + timedelta(hours=rng.uniform(0, 4))


def _carrier_delays(orders: list[SimOrder], t0: datetime,
                    hours: int) -> dict[tuple[str, str], np.ndarray]:
    """Each carrier's mean delay (actual - quoted transit, hours) on deliveries into a
    region completed in the 48 h before each hour's start (0 with fewer than 3)."""
    sums: dict[tuple[str, str], np.ndarray] = {}
    counts: dict[tuple[str, str], np.ndarray] = {}
    regions = {o.dest_region for o in orders}
    for c in CARRIERS:
        for r in regions:
            sums[(c, r)] = np.zeros(hours + 1)
            counts[(c, r)] = np.zeros(hours + 1)
    for o in orders:
        h = int((o.stages["delivered"] - t0) / HOUR) + 1  # counted from the next hour on
        if h > hours:
            continue
        actual = (o.stages["delivered"] - o.stages["shipped"]) / HOUR
        key = (o.carrier, o.dest_region)
        sums[key][h] += actual - o.lane_days * 24
        counts[key][h] += 1
    out = {}
    for key in sums:
        s = np.cumsum(sums[key])[:hours]
        n = np.cumsum(counts[key])[:hours]
        s48 = s - np.concatenate([np.zeros(48), s[:-48]])
        n48 = n - np.concatenate([np.zeros(48), n[:-48]])
        out[key] = np.where(n48 >= 3, s48 / np.maximum(n48, 1), 0.0).clip(min=0.0)
    return out


# ---- history files (JSON lines) -------------------------------------------------------

def snapshot_doc(item: LabelledSnapshot) -> dict[str, Any]:
    s = item.snapshot
    return {
        "kind": "snapshot", "day": item.day, "late": item.late, "order_id": s.order_id,
        "at": s.at.isoformat(), "stages": {k: v.isoformat() for k, v in s.stages.items()},
        "promised_by": s.promised_by.isoformat(), "service_level": s.service_level,
        "channel": s.channel, "warehouse": s.warehouse, "carrier": s.carrier,
        "origin_region": s.origin_region, "dest_region": s.dest_region,
        "lane_days": s.lane_days, "backlog_hours": round(s.backlog_hours, 3),
        "queue_depth": s.queue_depth, "carrier_degraded": s.carrier_degraded,
        "carrier_delay_hours": round(s.carrier_delay_hours, 3),
        "weather_alert": s.weather_alert, "holiday": s.holiday, "peak": s.peak}


def snapshot_from_doc(doc: dict[str, Any]) -> LabelledSnapshot:
    snap = OrderSnapshot(
        order_id=doc["order_id"], at=datetime.fromisoformat(doc["at"]),
        stages={k: datetime.fromisoformat(v) for k, v in doc["stages"].items()},
        promised_by=datetime.fromisoformat(doc["promised_by"]),
        service_level=doc["service_level"], channel=doc["channel"],
        warehouse=doc["warehouse"], carrier=doc["carrier"],
        origin_region=doc["origin_region"], dest_region=doc["dest_region"],
        lane_days=float(doc["lane_days"]), backlog_hours=float(doc["backlog_hours"]),
        queue_depth=int(doc["queue_depth"]), carrier_degraded=bool(doc["carrier_degraded"]),
        carrier_delay_hours=float(doc["carrier_delay_hours"]),
        weather_alert=int(doc["weather_alert"]), holiday=bool(doc["holiday"]),
        peak=float(doc["peak"]))
    return LabelledSnapshot(snap, bool(doc["late"]), int(doc["day"]))


def order_doc(o: SimOrder) -> dict[str, Any]:
    return {"kind": "order", "order_id": o.order_id, "day": o.day, "channel": o.channel,
            "service_level": o.service_level, "warehouse": o.warehouse,
            "carrier": o.carrier, "origin_region": o.origin_region,
            "dest_region": o.dest_region, "lane_days": o.lane_days,
            "promised_by": o.promised_by.isoformat(), "late": o.late,
            "stages": {k: v.isoformat() for k, v in o.stages.items()}}


def write_history(month: Month, path: Path, snapshots: Iterable[LabelledSnapshot]) -> int:
    """A header line (config and events), one line per order, one per labelled snapshot."""
    lines = 0
    with path.open("w", encoding="utf-8") as f:
        head = {"kind": "month", "config": {**asdict(month.config),
                                            "start": month.config.start.isoformat()},
                **{k: v for k, v in month.summary().items() if k != "days"}}
        f.write(json.dumps(head, ensure_ascii=False) + "\n")
        for o in month.orders:
            f.write(json.dumps(order_doc(o), ensure_ascii=False) + "\n")
            lines += 1
        for s in snapshots:
            f.write(json.dumps(snapshot_doc(s), ensure_ascii=False) + "\n")
            lines += 1
    return lines + 1


def read_history(path: Path) -> tuple[dict[str, Any], list[LabelledSnapshot]]:
    """The header and the labelled snapshots of a history file."""
    head: dict[str, Any] = {}
    out = []
    with path.open(encoding="utf-8") as f:
        for line in f:
            doc = json.loads(line)
            if doc.get("kind") == "month":
                head = doc
            elif doc.get("kind") == "snapshot":
                out.append(snapshot_from_doc(doc))
    return head, out


def iter_days(month: Month) -> Iterator[tuple[int, list[SimOrder]]]:
    by_day: dict[int, list[SimOrder]] = {}
    for o in month.orders:
        by_day.setdefault(o.day, []).append(o)
    yield from sorted(by_day.items())


def month_history(cfg: MonthConfig) -> list[LabelledSnapshot]:
    """The labelled snapshots of a simulated month (what `orderhub risk train` learns)."""
    return simulate_month(cfg).snapshots()


# ---- a sample through the hub's real services ------------------------------------------

@dataclass
class DriveReport:
    submitted: int = 0
    allocated: int = 0
    held: int = 0
    delivered: int = 0
    late: int = 0  # of those delivered, late by the simulated promise
    checkpoints: int = 0  # first carrier scans pushed through the tracking service
    carrier_changes: int = 0  # declared incidents applied to the hub's carrier services


def drive_sample(hub: Hub, tenant_id: str, month: Month, count: int) -> DriveReport:
    """Write `count` of the month's orders (spread over its days) into the hub through its
    real services, every step at its simulated time and all steps of all orders in time
    order: intake (validation, reservation, routing: the hub picks the site and carrier,
    not the simulator), release (waybills booked), pick, pack, ship, the carrier's first
    scan (a tracking push), delivery, invoice and payment; and the month's declared
    carrier incidents as carrier states (every service of that carrier degraded by a day
    from the incident's start to its end). What the hub then stores (orders, events,
    checkpoints) is a history `orderhub risk train --from-hub` learns from. Needs the demo
    catalogue."""
    import heapq
    from dataclasses import replace

    from orderhub.adapters.carriers.simulated import LocalWaybills
    from orderhub.domain.errors import DomainError
    from orderhub.domain.lifecycle import OrderStatus
    from orderhub.domain.order import OrderType
    from orderhub.domain.routing.network import CarrierState
    from orderhub.domain.tracking import Checkpoint, CheckpointKind
    from orderhub.services.intake.submit import submit_orders
    from orderhub.services.network import incidents
    from orderhub.services.network.waybills import WaybillDesk
    from orderhub.services.orders import fulfilment
    from orderhub.services.tracking import checkpoints
    from orderhub.tools.simulation import OrderGenerator, load_prices

    prices = load_prices(hub, tenant_id)
    if not prices:
        raise ValueError("no sellable SKUs: run `orderhub demo-data` first")
    gen = OrderGenerator(seed=month.config.seed, sku_prices=prices,
                         prefix=f"MONTH{datetime.now(UTC):%Y%m%d%H%M%S}")
    clock = [month.world.t0]
    desk = WaybillDesk(LocalWaybills(), hub.uow, hub.strategy, lambda: clock[0],
                       hub.presale_lock)
    total = len(month.orders)
    sample = (month.orders if count >= total
              else [month.orders[k * total // count] for k in range(count)])
    actor = "month-simulator"
    # (time, tie-break, action, order index or incident)
    todo: list[tuple[datetime, int, str, int]] = []
    for i, o in enumerate(sample):
        todo.append((o.stages["created"], len(todo), "submit", i))
    with hub.uow() as uow:
        services = [s.code for s in uow.network.services(tenant_id)]
    declared = [inc for inc in month.world.incidents if inc.declared]
    for k, inc in enumerate(declared):
        todo.append((inc.start, len(todo), "degrade", k))
        todo.append((inc.end, len(todo), "restore", k))
    heapq.heapify(todo)
    report = DriveReport()
    ids: dict[int, str] = {}
    waybills: dict[int, list[tuple[str, str]]] = {}
    degraded: dict[str, int] = {}  # carrier -> incidents in force
    later = {"release": "pick", "pick": "pack", "pack": "ship", "ship": "scan",
             "scan": "deliver", "deliver": "invoice", "invoice": "pay"}
    stage_of = {"release": "released", "pick": "picked", "pack": "packed",
                "ship": "shipped", "scan": "in_transit", "deliver": "delivered",
                "invoice": "invoiced"}
    while todo:
        when, _, action, i = heapq.heappop(todo)
        clock[0] = when
        if action in ("degrade", "restore"):
            carrier = declared[i].carrier
            before = degraded.get(carrier, 0)
            degraded[carrier] = before + (1 if action == "degrade" else -1)
            if (before == 0) != (degraded[carrier] == 0):
                for code in services:
                    if code.split(":")[0] == carrier:
                        incidents.set_carrier_state(
                            hub.uow, tenant_id, code, CarrierState.DEGRADED
                            if degraded[carrier] else CarrierState.UP, delay_days=1,
                            reason=f"simulated incident into {declared[i].region}",
                            actor=actor, now=when, strategy=hub.strategy,
                            presale_lock=hub.presale_lock)
                        report.carrier_changes += 1
            continue
        o = sample[i]
        if action == "submit":
            draft = gen.draft(when)
            while draft.order_type == OrderType.PRE_SALE:  # not releasable in the month
                draft = gen.draft(when)
            draft = replace(draft, channel=o.channel, service_level=o.service_level)
            result = submit_orders(hub.uow, tenant_id, [draft], strategy=hub.strategy,
                                   now=when, actor=actor, presale_lock=hub.presale_lock)[0]
            report.submitted += 1
            if result.status != OrderStatus.ALLOCATED or not result.order_id:
                report.held += result.status == OrderStatus.ON_HOLD
                continue
            report.allocated += 1
            ids[i] = result.order_id
            heapq.heappush(todo, (o.stages["released"], len(todo) + 10 * i, "release", i))
            continue
        oid = ids[i]
        try:
            if action == "release":
                released = desk.release(tenant_id, oid, actor=actor)
                waybills[i] = [(sh.carrier_service.split(":")[0], sh.waybill)
                               for sh in released.shipments if sh.waybill]
            elif action in ("pick", "pack"):
                fulfilment.advance_order(hub.uow, tenant_id, oid, OrderStatus(
                    stage_of[action]), now=when, actor=actor)
            elif action == "ship":
                fulfilment.ship_order(hub.uow, tenant_id, oid, None, now=when, actor=actor)
            elif action == "scan":  # the carrier's first scan, pushed as a carrier does
                for carrier, waybill in waybills.get(i, []):
                    checkpoints.push(hub.uow, tenant_id, carrier, [Checkpoint(
                        carrier=carrier, waybill=waybill, event_id=f"{waybill}-1",
                        kind=CheckpointKind.PICKED_UP, at=when, description="已揽收")],
                        now=when)
                    report.checkpoints += 1
            elif action == "deliver":
                fulfilment.advance_order(hub.uow, tenant_id, oid, OrderStatus.DELIVERED,
                                         now=when, actor=actor,
                                         reason="late" if o.late else "")
                report.delivered += 1
                report.late += o.late
            elif action in ("invoice", "pay"):
                fulfilment.advance_order(hub.uow, tenant_id, oid, OrderStatus.INVOICED
                                         if action == "invoice" else OrderStatus.PAID,
                                         now=when, actor=actor)
        except DomainError:
            continue  # re-routed or held by a carrier change: the order stops here
        nxt = later.get(action)
        if nxt is not None:
            at = (o.stages[stage_of[nxt]] if nxt != "pay"
                  else o.stages["invoiced"] + timedelta(minutes=5))
            heapq.heappush(todo, (at, len(todo) + 10 * i, nxt, i))
    return report

