"""Features: what an order's facts and the recent sightings of its keys say, as numbers
(the model's input) with the evidence the reason codes quote.

`Recent` holds the sightings read for a batch (one query) and is added to as the batch is
assessed, order by order, so a burst inside one batch counts as much as one across batches.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from orderhub.domain.anomaly.facts import (
    ACCOUNT,
    ADDRESS,
    BASKET,
    PHONE,
    PRICE,
    Facts,
    Sighting,
    hour_of,
)
from orderhub.domain.anomaly.settings import AnomalySettings
from orderhub.domain.fast_init import fast_init

FEATURE_NAMES = (
    "phone_orders", "phone_accounts", "phone_burst", "phone_burst_accounts",
    "address_orders", "address_accounts", "address_burst", "address_burst_accounts",
    "account_orders", "account_max_qty", "known_days",
    "value", "log_value", "value_ratio", "max_qty", "qty_ratio", "units", "b2b", "lines",
    "account_age_days", "geo_mismatch", "cross_channel_dups", "same_channel_dups",
    "price_deviation", "price_seen",
)


def windows(s: AnomalySettings) -> dict[str, timedelta]:
    """How far back each kind of sighting is read (and kept)."""
    velocity = timedelta(hours=max(s.velocity_hours, s.burst_hours))
    return {PHONE: velocity, ADDRESS: velocity, BASKET: timedelta(hours=s.duplicate_hours),
            ACCOUNT: timedelta(days=s.account_days), PRICE: timedelta(days=s.price_days)}


@dataclass(frozen=True, slots=True)
class Cutoffs:
    """The start of each window at one moment: worked out once per batch, not per order."""

    velocity: datetime
    burst: datetime
    account: datetime
    basket: datetime
    price: datetime

    @classmethod
    def at(cls, now: datetime, s: AnomalySettings) -> Cutoffs:
        w = windows(s)
        return cls(now - timedelta(hours=s.velocity_hours), now - timedelta(hours=s.burst_hours),
                   now - w[ACCOUNT], now - w[BASKET], price_start(now, w[PRICE]))


def price_start(now: datetime, window: timedelta) -> datetime:
    """Where the price window starts: the start of the UTC hour `now - window` falls in.
    Prices are kept summed per hour (the price summary), so the window is whole hours: up
    to an hour longer than `price_days`, and the read is bounded by hours, not orders."""
    return hour_of(now - window)


_NONE: tuple[Sighting, ...] = ()


@dataclass(slots=True)
class Recent:
    """Sightings by (kind, key), oldest first."""

    by_key: dict[tuple[str, str], list[Sighting]] = field(default_factory=dict)

    @classmethod
    def of(cls, rows: list[Sighting]) -> Recent:
        r = cls()
        for s in sorted(rows, key=lambda x: x.at):
            r.add(s)
        return r

    def add(self, s: Sighting) -> None:
        self.by_key.setdefault((s.kind, s.key), []).append(s)

    def since(self, kind: str, key: str, start: datetime) -> list[Sighting]:
        if not key:
            return []
        rows = self.by_key.get((kind, key), _NONE)
        if not rows:
            return []
        if rows[0].at >= start:  # oldest first: the common case, all of them
            return list(rows)
        return [s for s in rows if s.at >= start]


@fast_init
@dataclass(frozen=True, slots=True)
class Features:
    phone_orders: int = 0  # earlier orders with the phone (velocity window)
    phone_accounts: int = 0  # other accounts among them
    phone_burst: int = 0  # earlier orders with the phone (burst window)
    phone_burst_accounts: int = 0  # accounts among them and this order's (0: none known)
    address_orders: int = 0
    address_accounts: int = 0
    address_burst: int = 0
    address_burst_accounts: int = 0
    account_orders: int = 0  # the account's earlier orders (account window)
    account_max_qty: int = 0  # the largest line quantity among them
    known_days: float = -1.0  # days since the hub first saw the account (-1: never)
    value: float = 0.0
    log_value: float = 0.0
    value_ratio: float = 1.0  # value vs the account's mean before (1 without history)
    max_qty: int = 0
    qty_ratio: float = 1.0  # max_qty vs the account's largest before (1 without history)
    units: int = 0
    b2b: int = 0
    lines: int = 0
    account_age_days: float = -1.0  # from the channel (-1: not sent)
    geo_mismatch: int = 0  # the IP's or phone's province is not the ship-to's
    cross_channel_dups: int = 0  # the same basket to the same person in another channel
    same_channel_dups: int = 0
    # the largest |price - reference| / reference; the reference is the median price of
    # the other channels' lines (one mispriced order does not move it)
    price_deviation: float = 0.0
    price_seen: int = 0  # lines priced in other channels that the median stands on
    price_sku: str = ""  # evidence: the SKU with the largest deviation
    price_reference: float = 0.0  # ... and the other channels' median
    geo_source: str = ""  # evidence: which province disagreed (ip or phone)
    other_channels: tuple[str, ...] = ()  # evidence: where the duplicates came from

    def vector(self) -> list[float]:
        return [float(getattr(self, n)) for n in FEATURE_NAMES]


def _weighted_median(pairs: list[tuple[float, int]]) -> float:
    ordered = sorted(pairs)
    total = sum(w for _, w in ordered)
    run = 0
    for v, w in ordered:
        run += w
        if run * 2 >= total:
            return v
    return 0.0


def _others(rows: list[Sighting], account: str) -> int:
    return len({s.account for s in rows if s.account and s.account != account})


def _burst_accounts(rows: list[Sighting], start: datetime, account: str) -> int:
    return len({s.account for s in rows if s.account and s.at >= start} | (
        {account} if account else set()))


def extract(f: Facts, recent: Recent, now: datetime, s: AnomalySettings,
            cut: Cutoffs | None = None) -> Features:
    """The order's features against what was seen before it (pure); `cut`: the windows'
    starts at `now` (`Cutoffs.at(now, s)`), when the caller worked them out already."""
    c = cut if cut is not None else Cutoffs.at(now, s)
    burst = c.burst
    phone = recent.since(PHONE, f.phone, c.velocity)
    address = recent.since(ADDRESS, f.address, c.velocity)
    account = recent.since(ACCOUNT, f.account, c.account)
    basket = recent.since(BASKET, f.basket, c.basket)
    if account:
        max_before = max(x.quantity for x in account)
        orders_before = sum(x.count for x in account)
        mean_value = (sum(x.value * x.count for x in account) / orders_before
                      if orders_before else 0.0)
        known = (now - min(x.at for x in account)).total_seconds() / 86400
    else:  # most orders: an account not seen in the window
        max_before, orders_before, mean_value, known = 0, 0, 0.0, -1.0

    deviation, seen, worst_sku, reference = 0.0, 0, "", 0.0
    for sku, price in f.prices:
        rows = [x for x in recent.since(PRICE, sku, c.price) if x.channel != f.channel]
        n = sum(x.quantity for x in rows)
        if n < s.price_min_seen:
            continue
        ref = _weighted_median([(x.value, x.quantity) for x in rows])
        if ref <= 0:
            continue
        d = abs(price - ref) / ref
        if d > deviation:
            deviation, seen, worst_sku, reference = d, n, sku, ref

    geo, source = 0, ""
    if f.ship_province:
        for name, province in (("ip", f.ip_province), ("phone", f.phone_province)):
            if province and province != f.ship_province:
                geo, source = 1, name
                break

    alone = 1 if f.account else 0  # burst accounts with no earlier order: this one's
    if basket:
        others = tuple(sorted({x.channel for x in basket if x.channel != f.channel}))
        cross = sum(1 for x in basket if x.channel != f.channel)
        same = len(basket) - cross
    else:
        others, cross, same = (), 0, 0
    return Features(
        phone_orders=len(phone),
        phone_accounts=_others(phone, f.account) if phone else 0,
        phone_burst=sum(1 for x in phone if x.at >= burst) if phone else 0,
        phone_burst_accounts=_burst_accounts(phone, burst, f.account) if phone else alone,
        address_orders=len(address),
        address_accounts=_others(address, f.account) if address else 0,
        address_burst=sum(1 for x in address if x.at >= burst) if address else 0,
        address_burst_accounts=(_burst_accounts(address, burst, f.account) if address
                                else alone),
        account_orders=orders_before, account_max_qty=max_before, known_days=known,
        value=f.value, log_value=math.log1p(max(f.value, 0.0)),
        value_ratio=f.value / mean_value if mean_value > 0 else 1.0,
        max_qty=f.max_qty, qty_ratio=f.max_qty / max_before if max_before else 1.0,
        units=f.units, b2b=int(f.b2b), lines=f.lines,
        account_age_days=-1.0 if f.account_age_days is None else f.account_age_days,
        geo_mismatch=geo,
        cross_channel_dups=cross, same_channel_dups=same,
        price_deviation=round(deviation, 4), price_seen=seen, price_sku=worst_sku,
        price_reference=reference, geo_source=source, other_channels=others,
    )
