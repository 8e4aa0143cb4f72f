"""The buyer's tracking page (issue 19, 物流查询页), pure: what a tracking link claims, how
long a link lives, the stages a buyer is shown (never a hold code), how personal data is
masked for someone who proved only a link or the last four digits of a phone, and which
service script (size guide, return policy) answers for an order's products.

A link's claims are packed into a few bytes (adapters/crypto/link_tokens.py seals them):

    version (2 bytes) | issued (4 bytes, epoch s) | expires (4 bytes) | order id (utf-8)

The tenant is not in the claims: it is the associated data of the seal, so a link of one
tenant never opens under another's key (and names no internal id in clear).
"""

from __future__ import annotations

import re
import struct
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from orderhub.domain.errors import FieldError, InvalidInput
from orderhub.domain.lifecycle import OrderStatus

DEFAULT_TTL = timedelta(days=30)
MAX_TTL = timedelta(days=366)
FORM_TTL = timedelta(hours=1)  # the link a buyer gets after the number + phone check
_HEAD = struct.Struct(">HII")
_TTL = re.compile(r"^\s*(\d{1,6})\s*([smhdw]?)\s*$")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400, "": 86400}


@dataclass(frozen=True, slots=True)
class LinkClaims:
    """What a tracking link says: which order, under which key version, until when."""

    order_id: str
    version: int
    issued_at: datetime
    expires_at: datetime

    def pack(self) -> bytes:
        return _HEAD.pack(self.version, int(self.issued_at.timestamp()),
                          int(self.expires_at.timestamp())) + self.order_id.encode()

    @staticmethod
    def unpack(raw: bytes) -> LinkClaims | None:
        """The claims, or None for bytes that are not claims."""
        if len(raw) <= _HEAD.size:
            return None
        version, issued, expires = _HEAD.unpack_from(raw)
        try:
            order_id = raw[_HEAD.size:].decode()
        except UnicodeDecodeError:
            return None
        return LinkClaims(order_id, version, datetime.fromtimestamp(issued, UTC),
                          datetime.fromtimestamp(expires, UTC))

    def live(self, now: datetime) -> bool:
        return self.issued_at <= now + timedelta(minutes=5) and now < self.expires_at


def parse_ttl(text: str | None) -> timedelta:
    """"30d", "12h", "90m", "2w" or a number of days; at most a year, at least a minute."""
    if text is None or not text.strip():
        return DEFAULT_TTL
    m = _TTL.match(text.lower())
    if m is None:
        raise InvalidInput([FieldError("ttl", "a duration such as 30d, 12h or 90m")])
    ttl = timedelta(seconds=int(m.group(1)) * _UNITS[m.group(2)])
    if ttl < timedelta(minutes=1) or ttl > MAX_TTL:
        raise InvalidInput([FieldError("ttl", "between 1 minute and 366 days")])
    return ttl


# ----- stages a buyer sees ------------------------------------------------------------------
STAGES = ("created", "allocated", "shipped", "delivered")
_REACHED: dict[OrderStatus, int] = {
    OrderStatus.CREATED: 0, OrderStatus.VALIDATED: 0, OrderStatus.RESERVED: 0,
    OrderStatus.ON_HOLD: 0, OrderStatus.CANCELLED: 0,
    OrderStatus.ALLOCATED: 1, OrderStatus.RELEASED: 1, OrderStatus.PICKED: 1,
    OrderStatus.PACKED: 1, OrderStatus.PARTIALLY_SHIPPED: 2, OrderStatus.SHIPPED: 2,
    OrderStatus.DELIVERED: 3, OrderStatus.INVOICED: 3, OrderStatus.PAID: 3,
}


def buyer_state(status: OrderStatus) -> str:
    """One word for where the order is, for a buyer: created, allocated (being prepared),
    partially_shipped, shipped, delivered, held (we are checking something), cancelled.
    Hold codes never leave the hub: a held order is just "held"."""
    if status is OrderStatus.ON_HOLD:
        return "held"
    if status is OrderStatus.CANCELLED:
        return "cancelled"
    if status is OrderStatus.PARTIALLY_SHIPPED:
        return "partially_shipped"
    return STAGES[_REACHED[status]]


def buyer_stages(status: OrderStatus, reached_before_hold: int = 0) -> list[dict[str, Any]]:
    """The four stages with `done` / `current` flags. A held or cancelled order shows the
    stages it had reached (`reached_before_hold`, from its history) with none current."""
    if status in (OrderStatus.ON_HOLD, OrderStatus.CANCELLED):
        reached, current = reached_before_hold, -1
    else:
        reached = current = _REACHED[status]
    return [{"key": key, "done": i <= reached, "current": i == current}
            for i, key in enumerate(STAGES)]


def reached_by(statuses: Iterable[str]) -> int:
    """How far an order got (stage index), from the statuses its history went through."""
    best = 0
    for s in statuses:
        if s in OrderStatus._value2member_map_:
            best = max(best, _REACHED[OrderStatus(s)])
    return best


def next_steps(state: str) -> list[str]:
    """What the buyer can do now (keys of the page's catalogue)."""
    return {
        "created": ["wait", "contact"],
        "allocated": ["wait", "contact"],
        "partially_shipped": ["track", "contact"],
        "shipped": ["track", "contact"],
        "delivered": ["returns", "contact"],
        "held": ["held", "contact"],
        "cancelled": ["cancelled", "contact"],
    }[state]


# ----- masking for the buyer's page ---------------------------------------------------------
def mask_phone_middle(phone: str) -> str:
    """The first three and the last four digits: `13800138000` -> `138****8000`; short
    numbers keep only their last four."""
    digits = "".join(c for c in phone if c.isdigit())
    if len(digits) >= 11:
        digits = digits[-11:]
        return digits[:3] + "****" + digits[-4:]
    if len(digits) <= 4:
        return "*" * len(digits)
    return "*" * (len(digits) - 4) + digits[-4:]


def mask_person(name: str) -> str:
    """The first character: `张伟` -> `张*`."""
    name = name.strip()
    return name[0] + "*" if name else ""


def district_only(address: Mapping[str, Any]) -> str:
    """The address down to the district (country, province, city, district): never the
    street, the postcode or coordinates."""
    parts: list[str] = []
    for k in ("province", "city", "district"):
        v = str(address.get(k) or "").strip()
        if v and v not in parts:
            parts.append(v)
    if str(address.get("country") or "CN") != "CN":
        parts.insert(0, str(address.get("country")))
    return " ".join(parts)


def last_four(phone: str) -> str:
    digits = "".join(c for c in phone if c.isdigit())
    return digits[-4:] if len(digits) >= 4 else ""


def valid_last_four(text: str) -> bool:
    return len(text) == 4 and text.isascii() and text.isdigit()


# ----- service scripts (size guide, return policy) ------------------------------------------
SCRIPT_FIELDS = ("size_guide", "return_policy", "contact")
MAX_SCRIPT_TEXT = 2000
_TARGET = re.compile(r"^(\*|sku:[^\s]{1,64}|category:[^\s]{1,64})$")


@dataclass(frozen=True, slots=True)
class ServiceScript:
    """What customer service says about a product, in one language: `target` is
    `sku:<code>`, `category:<name>` or `*` (the tenant's default)."""

    target: str
    lang: str
    size_guide: str = ""
    return_policy: str = ""
    contact: str = ""

    def as_dict(self) -> dict[str, str]:
        return {"target": self.target, "lang": self.lang, "size_guide": self.size_guide,
                "return_policy": self.return_policy, "contact": self.contact}


def check_script(target: str, lang: str, texts: Mapping[str, str]) -> None:
    errors = []
    if not _TARGET.match(target):
        errors.append(FieldError("target", "sku:<code>, category:<name> or *"))
    if lang not in ("en", "zh"):
        errors.append(FieldError("lang", "en or zh"))
    for k, v in texts.items():
        if k not in SCRIPT_FIELDS:
            errors.append(FieldError(k, "unknown field"))
        elif len(v) > MAX_SCRIPT_TEXT:
            errors.append(FieldError(k, f"at most {MAX_SCRIPT_TEXT} characters"))
    if errors:
        raise InvalidInput(errors)


def pick_scripts(scripts: Sequence[ServiceScript], lang: str, skus: Sequence[str],
                 categories: Mapping[str, str]) -> dict[str, str]:
    """For each field, a text in `lang` if there is one (else in the other language), the
    most specific first: the SKU's, else its category's, else the tenant's default."""
    order = [f"sku:{s}" for s in skus] + [f"category:{categories[s]}" for s in skus
                                          if categories.get(s)] + ["*"]
    ranked = sorted(scripts, key=lambda s: (
        s.lang != lang, order.index(s.target) if s.target in order else len(order)))
    out: dict[str, str] = {}
    for f in SCRIPT_FIELDS:
        out[f] = next((getattr(s, f) for s in ranked
                       if s.target in order and getattr(s, f)), "")
    return out
