"""What the detector reads from an order: `Facts`, and what each order leaves behind for
later orders to be compared with: `Sighting`s (one per identity key, one per priced line).

Identity keys (phone, ship-to address, customer account, basket) are plain here, straight
from the order; the repository replaces them with keyed digests (`blind`) before they are
compared with stored sightings or stored, so no personal data is kept in clear.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from functools import lru_cache

from orderhub.domain.fast_init import fast_init
from orderhub.domain.order import Order, OrderType

# Sighting kinds: identities whose recent use is counted, and channel prices per SKU.
PHONE, ADDRESS, ACCOUNT, BASKET, PRICE = "phone", "address", "account", "basket", "price"
IDENTITY_KINDS = (PHONE, ADDRESS, ACCOUNT, BASKET)
KINDS = (*IDENTITY_KINDS, PRICE)

# Order attributes a channel may send (all optional): the buyer account's age, and the
# provinces its IP address and its phone number resolve to.
ATTR_ACCOUNT_AGE = "account_age_days"
ATTR_IP_PROVINCE = "ip_province"
ATTR_PHONE_PROVINCE = "phone_province"

_SPACE = re.compile(r"[\s,，.。·\-_/#]+")
_PROVINCE_SUFFIX = re.compile(r"(省|市|自治区|壮族自治区|回族自治区|维吾尔自治区|特别行政区)$")


def normalise_text(text: str) -> str:
    """NFKC (full-width digits and letters to half-width), lower case, no spaces or
    punctuation: `1号楼 302` and `１号楼302` are one key."""
    return _SPACE.sub("", unicodedata.normalize("NFKC", text)).lower()


@lru_cache(maxsize=4096)
def province_key(name: str) -> str:
    """`广东省`, `广东` and ` 广东 ` compare equal. Cached: there are few provinces and
    every order names up to three."""
    return _PROVINCE_SUFFIX.sub("", normalise_text(name)) if name else ""


def digits(phone: str) -> str:
    """The phone's digits, without a mainland country code (masked numbers give '')."""
    if "*" in phone:
        return ""
    d = re.sub(r"\D", "", phone)
    if d.startswith("0086"):
        d = d[4:]
    elif d.startswith("86") and len(d) == 13:
        d = d[2:]
    return d


@fast_init
@dataclass(frozen=True, slots=True)
class Facts:
    """One order as the detector sees it. `phone`, `address`, `account` and `basket` are
    identity keys ('' when the order has none): plain from `order_facts`, opaque digests
    once the repository has keyed them."""

    order_id: str
    channel: str
    at: datetime
    account: str
    phone: str
    address: str
    basket: str
    value: float  # grand total
    units: int
    max_qty: int  # the largest line quantity
    b2b: bool
    lines: int
    prices: tuple[tuple[str, float], ...]  # (SKU, net unit price) per line
    ship_province: str
    ip_province: str = ""
    phone_province: str = ""
    account_age_days: float | None = None

    def keyed(self, keys: dict[tuple[str, str], str]) -> Facts:
        """The same facts with identity keys replaced by their digests (built directly:
        `dataclasses.replace` costs several times as much, per order of every batch)."""
        return Facts(
            self.order_id, self.channel, self.at,
            keys.get((ACCOUNT, self.account), "") if self.account else "",
            keys.get((PHONE, self.phone), "") if self.phone else "",
            keys.get((ADDRESS, self.address), "") if self.address else "",
            keys.get((BASKET, self.basket), "") if self.basket else "",
            self.value, self.units, self.max_qty, self.b2b, self.lines, self.prices,
            self.ship_province, self.ip_province, self.phone_province,
            self.account_age_days,
        )

    def identities(self) -> list[tuple[str, str]]:
        """(kind, key) of each identity the order has."""
        return [(k, v) for k, v in ((PHONE, self.phone), (ADDRESS, self.address),
                                    (ACCOUNT, self.account), (BASKET, self.basket)) if v]


@fast_init
@dataclass(frozen=True, slots=True)
class Sighting:
    """A key seen at a time: by which account, in which channel, with which value
    (order total; for PRICE: the net unit price) and quantity (the largest line quantity;
    for PRICE: how many lines the price stands for).

    Read back, ACCOUNT and PRICE sightings come folded (the repository sums them in the
    query, so a busy account or SKU is a row or a few): an ACCOUNT row stands for `count`
    orders, `at` the first, `value` their mean total, `quantity` their largest line; a
    PRICE row for one channel's lines at one price (to the cent), `quantity` the lines,
    `at` the start of the latest hour they were seen in (prices are kept per hour).
    Features use only such sums, so folded and single rows give the same result."""

    kind: str
    key: str
    at: datetime
    account: str
    channel: str
    value: float
    quantity: int
    count: int = 1


def _age(raw: str | None) -> float | None:
    if raw is None or raw == "":
        return None
    try:
        age = float(raw)
    except ValueError:
        return None
    return age if age >= 0 else None


def order_facts(order: Order) -> Facts:
    """Pure: the order's facts with plain identity keys."""
    a = order.shipping_address
    address = normalise_text("|".join((a.country, a.province, a.city, a.district, a.line1)))
    has_street = bool(normalise_text(a.line1))
    phone = digits(a.phone or order.customer.phone)
    prices: list[tuple[str, float]] = []
    for ln in order.lines:
        if ln.sku and ln.quantity > 0:
            net = (ln.unit_price * ln.quantity - ln.discount) / ln.quantity
            prices.append((ln.sku, float(net)))
    basket = ""
    if phone or has_street:
        items = ",".join(f"{ln.sku or ln.channel_sku}x{ln.quantity}"
                         for ln in sorted(order.lines, key=lambda x: (x.sku, x.channel_sku)))
        basket = f"{phone}|{address}|{items}"
    total: Decimal = order.grand_total
    attrs = order.attributes
    return Facts(
        order_id=order.id,
        channel=order.channel,
        at=order.placed_at or order.created_at,
        account=order.customer.ref.strip(),
        phone=phone,
        address=address if has_street else "",
        basket=basket,
        value=float(total),
        units=sum(ln.quantity for ln in order.lines),
        max_qty=max((ln.quantity for ln in order.lines), default=0),
        b2b=order.order_type == OrderType.B2B,
        lines=len(order.lines),
        prices=tuple(prices),
        ship_province=province_key(a.province),
        ip_province=province_key(attrs.get(ATTR_IP_PROVINCE, "")),
        phone_province=province_key(attrs.get(ATTR_PHONE_PROVINCE, "")),
        account_age_days=_age(attrs.get(ATTR_ACCOUNT_AGE)),
    )


def sightings(f: Facts, now: datetime) -> list[Sighting]:
    """What the order leaves behind: one row per identity, one per priced line."""
    out = [Sighting(kind, key, now, f.account, f.channel, f.value, f.max_qty)
           for kind, key in f.identities()]
    out += [Sighting(PRICE, sku, now, f.account, f.channel, price, 1)
            for sku, price in f.prices]
    return out


def hour_of(at: datetime) -> datetime:
    """The start of the UTC hour `at` falls in: the price summary's bucket, and where the
    price window starts (so a bucket is wholly in the window or wholly out)."""
    return at.astimezone(UTC).replace(minute=0, second=0, microsecond=0)


@fast_init
@dataclass(frozen=True, slots=True)
class PriceBucket:
    """One row of the price summary: a SKU's lines in one channel at one price (to the
    cent) within one UTC hour."""

    sku: str
    channel: str
    price: float
    hour: datetime
    lines: int


def price_buckets(rows: Sequence[Sighting]) -> list[PriceBucket]:
    """A batch's price sightings summed per (SKU, channel, price to the cent, hour), in
    key order (concurrent upserts then lock rows in the same order)."""
    return [PriceBucket(sku, channel, price, hour, lines)
            for (sku, channel, price, hour), lines in sorted(price_sums(rows).items())]


def price_sums(rows: Sequence[Sighting]) -> dict[tuple[str, str, float, datetime], int]:
    """`price_buckets` as (SKU, channel, price, hour) -> lines, in no particular order
    (for a caller that adds them up further)."""
    sums: dict[tuple[str, str, float, datetime], int] = {}
    hours: dict[datetime, datetime] = {}
    for s in rows:
        if s.kind != PRICE:
            continue
        hour = hours.get(s.at)
        if hour is None:
            hour = hours[s.at] = hour_of(s.at)
        k = (s.key, s.channel, round(s.value, 2), hour)
        sums[k] = sums.get(k, 0) + s.quantity
    return sums
