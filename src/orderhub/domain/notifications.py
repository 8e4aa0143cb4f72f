# ruff: noqa: E501  (the shipped templates below are one message a line, Chinese at double width)
"""Customer notifications (issue 19 item 1), pure: what an event tells the buyer, in which
language and medium, the shipped default templates, the placeholders a template may use,
a tenant's quiet hours and the delivery states of a message. No I/O: time comes in.

The template catalogue is keyed by event type *name* (a string), so an event type that is
not declared in this hub yet (the returns events `ReturnReceived`, `RefundRequested`,
`RefundCompleted`) has its templates already: a message goes out once such an event is
published. A carrier checkpoint is qualified by its kind: `ShipmentCheckpointRecorded.
out_for_delivery` is one key, other checkpoint kinds have none (nothing to tell).

    key (event, sales channel, language, medium) -> Template(subject, body, urgent, enabled)

Lookup: the tenant's own template before the shipped one; the order's sales channel
before `default`; the medium before `*` (any medium).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from orderhub.domain.errors import FieldError, InvalidInput

# ----- media, languages, states -------------------------------------------------------------
EMAIL = "email"
SMS = "sms"
WECHAT = "wechat"
MEDIA = (EMAIL, SMS, WECHAT)
ANY_MEDIUM = "*"
LANGUAGES = ("zh", "en")
DEFAULT_CHANNEL = "default"

QUEUED = "queued"  # due now
DEFERRED = "deferred"  # quiet hours: due when they end
FAILED = "failed"  # the provider failed; retried after a back-off
SENT = "sent"  # handed to the provider, which accepted it
DEAD_LETTERED = "dead_lettered"  # failed max_attempts times, or refused for good
SUPPRESSED = "suppressed"  # not sent: opted out, no recipient
DUE_STATES = (QUEUED, DEFERRED, FAILED)
STATES = (QUEUED, DEFERRED, FAILED, SENT, DEAD_LETTERED, SUPPRESSED)

# Why a message was suppressed.
OPTED_OUT = "opted_out"
NO_RECIPIENT = "no_recipient"

CHECKPOINT_EVENT = "ShipmentCheckpointRecorded"

# ----- placeholders -------------------------------------------------------------------------
PLACEHOLDERS: dict[str, str] = {
    "order_id": "the hub's order id",
    "external_id": "the order number in the sales channel",
    "channel": "the sales channel (tmall, shopify, ...)",
    "status": "the order's status after the change",
    "carrier": "the carrier's code (SF, ZTO, ...)",
    "waybill": "the tracking number (电子面单号)",
    "tracking_link": "the link to follow the parcel",
    "promised_date": "the promised delivery date (YYYY-MM-DD), or empty",
    "buyer_name": "the buyer's name, masked (张*)",
    "checkpoint": "the carrier checkpoint's kind (out_for_delivery, ...)",
    "location": "where the checkpoint happened",
    "amount": "the refund's amount",
    "currency": "the order's currency",
    "unsubscribe_link": "the link that opts the recipient out (email)",
}

_EVENT_NAME = re.compile(r"^[A-Z][A-Za-z0-9]{2,63}(\.[a-z_]{2,32})?$")
_CHANNEL = re.compile(r"^[a-z0-9_-]{1,32}$")


@dataclass(frozen=True, slots=True)
class TemplateKey:
    event: str
    channel: str = DEFAULT_CHANNEL
    language: str = "zh"
    medium: str = ANY_MEDIUM


@dataclass(frozen=True, slots=True)
class Template:
    key: TemplateKey
    body: str
    subject: str = ""
    urgent: bool = False  # sent during quiet hours too
    enabled: bool = True  # a tenant switches an event off with a disabled template
    builtin: bool = False


def check_key(event: str, channel: str, language: str, medium: str) -> TemplateKey:
    """The key of a template a tenant saves, or InvalidInput naming the bad field."""
    errors = []
    if not _EVENT_NAME.match(event):
        errors.append(FieldError("event", "an event type name such as OrderAllocated or "
                                 "ShipmentCheckpointRecorded.out_for_delivery"))
    if not _CHANNEL.match(channel):
        errors.append(FieldError("channel", "a sales channel code (lower case), or default"))
    if language not in LANGUAGES:
        errors.append(FieldError("language", f"one of {', '.join(LANGUAGES)}"))
    if medium not in (*MEDIA, ANY_MEDIUM):
        errors.append(FieldError("medium", f"one of {', '.join((*MEDIA, ANY_MEDIUM))}"))
    if errors:
        raise InvalidInput(errors)
    return TemplateKey(event, channel, language, medium)


def topic(event_type: str, data: dict[str, Any]) -> str:
    """The catalogue key an event is looked up under."""
    if event_type == CHECKPOINT_EVENT:
        return f"{event_type}.{data.get('checkpoint', '')}"
    return event_type


def candidates(event: str, channel: str, language: str, medium: str) -> list[TemplateKey]:
    """The keys to look a template up under, most specific first."""
    out = [TemplateKey(event, channel, language, medium),
           TemplateKey(event, channel, language, ANY_MEDIUM)]
    if channel != DEFAULT_CHANNEL:
        out += [TemplateKey(event, DEFAULT_CHANNEL, language, medium),
                TemplateKey(event, DEFAULT_CHANNEL, language, ANY_MEDIUM)]
    return out


def choose(keys: list[TemplateKey], own: dict[TemplateKey, Template]) -> Template | None:
    """The tenant's template, else the shipped one, for the first key that has either."""
    for k in keys:
        t = own.get(k) or DEFAULTS.get(k)
        if t is not None:
            return t
    return None


# ----- the shipped default set --------------------------------------------------------------
def _t(event: str, zh: tuple[str, str], en: tuple[str, str], *, urgent: bool = False
       ) -> list[Template]:
    return [Template(TemplateKey(event, DEFAULT_CHANNEL, lang, ANY_MEDIUM), body=body,
                     subject=subject, urgent=urgent, builtin=True)
            for lang, (subject, body) in (("zh", zh), ("en", en))]


_DEFAULT_LIST: list[Template] = [
    *_t("OrderCreated",
        ("订单已确认 {{ external_id }}", "{{ buyer_name }}，您好！您的订单 {{ external_id }} 已确认，我们正在为您备货。"),
        ("Order {{ external_id }} confirmed", "Hi {{ buyer_name }}, your order {{ external_id }} is confirmed and being prepared.")),
    *_t("OrderAllocated",
        ("订单 {{ external_id }} 已安排发货仓", "您的订单 {{ external_id }} 已分配仓库{% if promised_date %}，预计 {{ promised_date }} 送达{% endif %}。"),
        ("Order {{ external_id }} is being packed", "Your order {{ external_id }} has been assigned to a warehouse{% if promised_date %}; expected by {{ promised_date }}{% endif %}.")),
    *_t("ShipmentDispatched",
        ("订单 {{ external_id }} 已发货", "您的订单 {{ external_id }} 已由 {{ carrier }} 发出，运单号 {{ waybill }}。查看物流：{{ tracking_link }}"),
        ("Order {{ external_id }} shipped", "Your order {{ external_id }} has shipped with {{ carrier }}, tracking number {{ waybill }}. Track it: {{ tracking_link }}")),
    *_t("OrderAtRisk",
        ("订单 {{ external_id }} 可能延迟", "抱歉，您的订单 {{ external_id }} 可能晚于{% if promised_date %} {{ promised_date }} {% else %}预期{% endif %}送达，我们正在处理。"),
        ("Order {{ external_id }} may be late", "Sorry, your order {{ external_id }} may arrive later than {% if promised_date %}{{ promised_date }}{% else %}expected{% endif %}; we are on it.")),
    *_t("ShipmentCheckpointRecorded.out_for_delivery",
        ("订单 {{ external_id }} 正在派送", "您的包裹（{{ carrier }} {{ waybill }}）正在派送中，请保持电话畅通。"),
        ("Order {{ external_id }} out for delivery", "Your parcel ({{ carrier }} {{ waybill }}) is out for delivery today."),
        urgent=True),
    *_t("ShipmentDelivered",
        ("订单 {{ external_id }} 已签收", "您的订单 {{ external_id }} 已签收，感谢您的购买！"),
        ("Order {{ external_id }} delivered", "Your order {{ external_id }} has been delivered. Thank you!")),
    *_t("ReturnReceived",
        ("退货已收到 {{ external_id }}", "我们已收到您订单 {{ external_id }} 的退货，将尽快为您处理退款。"),
        ("Return received for {{ external_id }}", "We have received your return for order {{ external_id }} and will refund you shortly.")),
    *_t("RefundRequested",
        ("退货申请已受理 {{ external_id }}", "您订单 {{ external_id }} 的退货退款申请已受理，我们会尽快处理。"),
        ("Return request received for {{ external_id }}", "We have received your return request for order {{ external_id }} and will process it shortly.")),
    *_t("RefundCompleted",
        ("退款已发放 {{ external_id }}", "您订单 {{ external_id }} 的退款{% if amount %} {{ amount }} {{ currency }}{% endif %}已原路退回。"),
        ("Refund sent for {{ external_id }}", "Your refund{% if amount %} of {{ amount }} {{ currency }}{% endif %} for order {{ external_id }} has been sent.")),
]
DEFAULTS: dict[TemplateKey, Template] = {t.key: t for t in _DEFAULT_LIST}
DEFAULT_EVENTS: tuple[str, ...] = tuple(dict.fromkeys(t.key.event for t in _DEFAULT_LIST))
# The event types the notifications consumer reads (a checkpoint is read, then its kind
# decides).
CONSUMED_TYPES: tuple[str, ...] = tuple(dict.fromkeys(e.split(".")[0] for e in DEFAULT_EVENTS))


# ----- a tenant's settings and quiet hours --------------------------------------------------
@dataclass(frozen=True, slots=True)
class NotificationSettings:
    tenant_id: str
    enabled: bool = True
    media: tuple[str, ...] = (EMAIL, SMS)
    quiet_start: time | None = None  # local time; None: no quiet hours
    quiet_end: time | None = None
    timezone: str = "Asia/Shanghai"
    language: str = "auto"  # auto: zh for Greater China addresses, else en

    def as_dict(self) -> dict[str, Any]:
        return {"enabled": self.enabled, "media": list(self.media),
                "quiet_hours": format_quiet_hours(self.quiet_start, self.quiet_end),
                "timezone": self.timezone, "language": self.language}


def parse_quiet_hours(text: str | None) -> tuple[time | None, time | None]:
    """`22:00-08:00` -> (22:00, 08:00); empty or `off` -> no quiet hours."""
    if text is None or text.strip().lower() in ("", "off", "none"):
        return None, None
    m = re.fullmatch(r"\s*(\d{1,2}):(\d{2})\s*-\s*(\d{1,2}):(\d{2})\s*", text)
    bad = InvalidInput([FieldError("quiet_hours", "HH:MM-HH:MM (for example 22:00-08:00), "
                                   "or off")])
    if not m:
        raise bad
    h1, m1, h2, m2 = (int(g) for g in m.groups())
    if h1 > 23 or h2 > 23 or m1 > 59 or m2 > 59 or (h1, m1) == (h2, m2):
        raise bad
    return time(h1, m1), time(h2, m2)


def format_quiet_hours(start: time | None, end: time | None) -> str:
    if start is None or end is None:
        return "off"
    return f"{start:%H:%M}-{end:%H:%M}"


def check_settings(s: NotificationSettings) -> NotificationSettings:
    errors = []
    try:
        ZoneInfo(s.timezone)
    except (ZoneInfoNotFoundError, ValueError):
        errors.append(FieldError("timezone", f"unknown time zone '{s.timezone}' "
                                 "(an IANA name such as Asia/Shanghai)"))
    bad = [m for m in s.media if m not in MEDIA]
    if bad:
        errors.append(FieldError("media", f"unknown medium {', '.join(bad)}; "
                                 f"known: {', '.join(MEDIA)}"))
    if s.language not in ("auto", *LANGUAGES):
        errors.append(FieldError("language", "auto, zh or en"))
    if errors:
        raise InvalidInput(errors)
    return s


def quiet_until(now: datetime, s: NotificationSettings) -> datetime | None:
    """When the tenant's quiet hours around `now` end (UTC), or None outside them."""
    if s.quiet_start is None or s.quiet_end is None:
        return None
    tz = ZoneInfo(s.timezone)
    local = now.astimezone(tz)
    t = local.time().replace(tzinfo=None)
    start, end = s.quiet_start, s.quiet_end
    inside = (start <= t < end) if start < end else (t >= start or t < end)
    if not inside:
        return None
    day = local.date() if t < end else local.date() + timedelta(days=1)
    return datetime.combine(day, end, tzinfo=tz).astimezone(now.tzinfo)


def language_for(s: NotificationSettings, attributes: dict[str, str], country: str) -> str:
    """The buyer's language: the order's `language` attribute, the tenant's setting, or
    Chinese for mainland, Hong Kong, Macau and Taiwan addresses and English elsewhere."""
    asked = (attributes.get("language") or "").lower()[:2]
    if asked in LANGUAGES:
        return asked
    if s.language in LANGUAGES:
        return s.language
    return "zh" if country.upper() in ("CN", "HK", "MO", "TW") else "en"


# ----- messages -----------------------------------------------------------------------------
@dataclass(slots=True)
class Message:
    """One message to one recipient on one medium, for one event (the idempotency key)."""

    id: str
    tenant_id: str
    order_id: str
    event_id: str
    event_type: str  # the catalogue key (topic)
    medium: str
    recipient: str  # plaintext only in memory; stored encrypted
    recipient_masked: str
    recipient_index: str  # blind index: opt-outs by recipient
    idempotency_key: str
    language: str
    subject: str
    body: str
    status: str
    reason: str
    next_attempt_at: datetime | None
    created_at: datetime
    event_recorded_at: datetime | None
    unsubscribe_token: str
    attempts: int = 0
    extra: dict[str, Any] = field(default_factory=dict)


def idempotency_key(event_id: str, medium: str, recipient_index: str) -> str:
    """One message per change: the event, the recipient (by blind index), the medium."""
    return hashlib.sha256(f"{event_id}\x00{recipient_index}\x00{medium}".encode()).hexdigest()


def backoff_seconds(attempts: int, base: float, cap: float) -> float:
    """The pause after `attempts` failed tries: base * 2**(attempts-1), at most `cap`."""
    return float(min(cap, base * 2 ** min(max(attempts - 1, 0), 40)))
