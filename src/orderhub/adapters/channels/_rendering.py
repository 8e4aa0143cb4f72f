"""Value helpers shared by the channel renderers (`<channel>/render.py`): the inverse of the
reading helpers in `_payload.py`. Amounts as decimal strings or integer fen, times cut to the
second, ids derived from the order's external id (so rendering is deterministic), names
split as the adapters join them, and the secret split the ByteDance channels sign with.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from decimal import ROUND_FLOOR, Decimal

from orderhub.adapters.channels._payload import (
    CHINA_TZ,
    CROSS_BORDER_KEY,
    DECLARED_VALUE_KEY,
    HS_CODE_KEY,
    ORIGIN_COUNTRY_KEY,
    ZERO,
    person_name,
    places,
)
from orderhub.adapters.channels.base import ChannelLine, ChannelOrder
from orderhub.domain.order import Address

_CJK = re.compile(r"[\u3400-\u9fff]")
_DIGITS = re.compile(r"[1-9][0-9]*|0")
_MAX_JSON_INT = 2**63 - 1


def second(moment: datetime) -> datetime:
    """Aware UTC, cut to the second (a naive time is taken as UTC)."""
    aware = moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)
    return aware.astimezone(UTC).replace(microsecond=0)


def iso(moment: datetime) -> str:
    return second(moment).isoformat()


def naive_utc(moment: datetime) -> str:
    return second(moment).replace(tzinfo=None).isoformat()


def china_time(moment: datetime) -> str:
    return second(moment).astimezone(CHINA_TZ).strftime("%Y-%m-%d %H:%M:%S")


def unix(moment: datetime) -> int:
    return int(second(moment).timestamp())


def money(amount: Decimal) -> str:
    """A decimal string with at least two places and no exponent ("5" -> "5.00")."""
    if places(amount) < 2:
        amount = amount.quantize(Decimal("0.01"))
    return format(amount, "f")


def plain(amount: Decimal) -> str:
    """An amount as written, without an exponent."""
    return format(amount, "f")


def to_fen(amount: Decimal, what: str) -> int:
    """Yuan as integer fen; ValueError when the amount is finer than a fen."""
    fen = amount * 100
    if fen != fen.to_integral_value():
        raise ValueError(f"{what} {amount} is not a whole number of fen")
    return int(fen)


def int_id(value: str) -> int | str:
    """An id the platform documents as an integer; other ids stay strings (adapters read both)."""
    if _DIGITS.fullmatch(value) and int(value) <= _MAX_JSON_INT:
        return int(value)
    return value


def derived_id(*parts: object) -> int:
    """A stable 16-digit id for something the order does not name (a line id, a SKU id)."""
    digest = hashlib.sha256(":".join(str(p) for p in parts).encode()).hexdigest()
    return 10**15 + int(digest[:12], 16) % (9 * 10**15)


def split_name(name: str) -> tuple[str, str]:
    """(first_name, last_name) that the adapters join back into `name`."""
    if _CJK.search(name) and len(name) > 1:
        first, last = name[1:], name[:1]  # family name first: 王伟 = 王 + 伟
    else:
        head, _, tail = name.rpartition(" ")
        first, last = (head, tail) if head else (name, "")
    if person_name(first.strip(), last.strip()) != name.strip():
        return name, ""
    return first, last


def spread(amount: Decimal, parts: int) -> list[Decimal]:
    """`amount` in `parts` shares at its own precision (at least cents), summing exactly."""
    step = Decimal(1).scaleb(-max(places(amount), 2))
    base = (amount / parts).quantize(step, ROUND_FLOOR)
    extra = int((amount - base * parts) / step)
    return [base + step if i < extra else base for i in range(parts)]


def line_gross(line: ChannelLine) -> Decimal:
    return line.unit_price * line.quantity


def line_net(line: ChannelLine) -> Decimal:
    return line_gross(line) - line.discount


def sum_lines(lines: Iterable[ChannelLine], amount: Callable[[ChannelLine], Decimal]) -> Decimal:
    return sum((amount(line) for line in lines), ZERO)


def computed_total(order: ChannelOrder) -> Decimal:
    return (sum_lines(order.lines, lambda ln: line_net(ln) + ln.tax) + order.shipping_fee
            + charged(order))


def charged(order: ChannelOrder, *kinds: str) -> Decimal:
    """The order's components of these kinds (all without `kinds`), summed (signed)."""
    return sum((c.amount for c in order.charges if not kinds or c.kind in kinds), ZERO)


def spread_by(amount: Decimal, weights: list[Decimal]) -> list[Decimal]:
    """`amount` over `weights` in proportion (to its precision, the last takes the rest);
    evenly when the weights are all zero."""
    base = sum(weights, ZERO)
    if not weights:
        return []
    if base <= 0:
        return spread(amount, len(weights))
    step = Decimal(1).scaleb(-max(places(amount), 2))
    shares = [(amount * w / base).quantize(step, ROUND_FLOOR) for w in weights[:-1]]
    return [*shares, amount - sum(shares, ZERO)]


def native_values(
    order: ChannelOrder, names: Iterable[str], defaults: Mapping[str, str] | None = None
) -> dict[str, str]:
    """The attributes a format carries in fields of their own (`names`), with the value
    written when the order has none (`defaults`, else "")."""
    defaults = defaults or {}
    return {key: order.attributes.get(key, defaults.get(key, "")) for key in names}


def declared_pairs(order: ChannelOrder, native: Iterable[str] = ()) -> list[tuple[str, str]]:
    """(name, value) for a name/value list: attributes (but those the format carries in
    fields of their own, `native`), then cross_border and declared_value."""
    own = set(native)
    pairs = [
        (key, value)
        for key, value in order.attributes.items()
        if key not in own and key not in (CROSS_BORDER_KEY, DECLARED_VALUE_KEY)
    ]
    if order.cross_border:
        pairs.append((CROSS_BORDER_KEY, "true"))
    if order.declared_value is not None:
        pairs.append((DECLARED_VALUE_KEY, plain(order.declared_value)))
    return pairs


def customs_pairs(line: ChannelLine) -> list[tuple[str, str]]:
    pairs = [(HS_CODE_KEY, line.hs_code), (ORIGIN_COUNTRY_KEY, line.origin_country)]
    return [(key, value) for key, value in pairs if value]


def has_address(address: Address) -> bool:
    return any(
        (address.country, address.province, address.city, address.district, address.line1,
         address.postal_code, address.name, address.phone)
    )  # fmt: skip


def only_cny(channel: str, order: ChannelOrder) -> None:
    if order.currency != "CNY":
        raise ValueError(f"{channel} orders are in CNY only, not {order.currency}")


def split_signing_secret(secret: str) -> tuple[str, str]:
    """(app_key, app_secret) from "app_key:app_secret", as TikTok Shop and Douyin sign."""
    app_key, sep, app_secret = secret.partition(":")
    if not sep or not app_key or not app_secret:
        raise ValueError("the secret must be 'app_key:app_secret'")
    return app_key, app_secret
