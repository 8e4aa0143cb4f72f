"""Helpers shared by the JD and Pinduoduo adapters: their md5 request signature, order-level
discounts spread over the lines, and the receiver fields that arrive masked or encrypted."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from decimal import ROUND_FLOOR, Decimal

from orderhub.adapters.channels._payload import (
    ZERO,
    JsonObject,
    compare_signature,
    places,
    price_at,
    quantity_at,
    require_header,
    split_app_secret,
)
from orderhub.adapters.channels.base import PayloadError, SignatureError

FEN = Decimal("0.01")
BEIJING = timezone(timedelta(hours=8))


def md5_sign(app_secret: str, params: Mapping[str, bytes]) -> str:
    """UPPER(hex(md5(secret + k1 + v1 + k2 + v2 ... + secret))), keys in ASCII order: the
    request signature of JD's JOS router and of Pinduoduo's open platform."""
    message = app_secret.encode()
    for key in sorted(params):
        message += key.encode() + params[key]
    return hashlib.md5(message + app_secret.encode()).hexdigest().upper()


@dataclass(frozen=True, slots=True)
class SignedPush:
    """How a JSON-over-HTTP push is signed with a platform's md5 request signature: the
    headers that carry the app key, timestamp and signature, the fixed parameters, and the
    parameter name the raw body is signed under."""

    channel: str
    key_header: str
    time_header: str
    sign_header: str
    key_param: str
    body_param: str
    fixed: Mapping[str, str] = field(default_factory=dict)

    def params(self, app_key: str, timestamp: str, body: bytes) -> dict[str, bytes]:
        params = {k: v.encode() for k, v in self.fixed.items()}
        params.update({self.key_param: app_key.encode(), "timestamp": timestamp.encode(),
                       self.body_param: body})
        return params

    def verify(self, app_key: str, body: bytes, headers: Mapping[str, str], secret: str) -> None:
        key, app_secret = split_app_secret(app_key, secret, self.channel)
        given = require_header(headers, self.sign_header).upper()
        if require_header(headers, self.key_header) != key:
            raise SignatureError(f"{self.key_header} header names another app")
        timestamp = require_header(headers, self.time_header)
        expected = md5_sign(app_secret, self.params(key, timestamp, body))
        compare_signature(given, expected, self.sign_header)

    def sent_at(self, headers: Mapping[str, str]) -> datetime:
        """When the platform signed the push: the signed timestamp header, in epoch seconds
        (Pinduoduo) or "yyyy-MM-dd HH:mm:ss" Beijing time (JD's JOS router)."""
        text = require_header(headers, self.time_header).strip()
        try:
            if text.isdigit():
                return datetime.fromtimestamp(int(text), UTC)
            return datetime.strptime(text, "%Y-%m-%d %H:%M:%S").replace(
                tzinfo=BEIJING).astimezone(UTC)
        except (ValueError, OverflowError, OSError):
            raise SignatureError(f"{self.time_header} header is not a time: {text!r}") from None

    def sign(self, body: bytes, secret: str, now: datetime | None = None) -> dict[str, str]:
        """The headers `verify` accepts. Sent at `now` (a relay passes its send time); without
        it the timestamp is derived from the body, so a render signs the same way every time
        (such a push is refused as a replay by `check_fresh`, not by `verify`)."""
        app_key, sep, app_secret = secret.partition(":")
        if not sep or not app_key or not app_secret:
            raise ValueError("the secret must be 'app_key:app_secret'")
        timestamp = (str(int(now.timestamp())) if now is not None else
                     str(1_700_000_000 + int(hashlib.sha256(body).hexdigest()[:6], 16)))
        return {self.key_header: app_key, self.time_header: timestamp,
                self.sign_header: md5_sign(app_secret, self.params(app_key, timestamp, body))}


def spread_discount(discount: Decimal, grosses: Sequence[Decimal], path: str) -> list[Decimal]:
    """An order-level `discount` over lines pro rata to their gross amounts, to the fen (or
    the amounts' own precision), summing exactly; the remainder goes to the largest lines.
    A discount above the goods' value is a PayloadError."""
    total = sum(grosses, ZERO)
    if discount < 0:
        raise PayloadError(f"the order's discounts are negative ({discount})", path)
    if discount > total:
        raise PayloadError(f"the order's discounts ({discount}) exceed its goods ({total})", path)
    if not discount:
        return [ZERO for _ in grosses]
    step = Decimal(1).scaleb(-max(places(discount), 2))
    shares = [(discount * g / total).quantize(step, ROUND_FLOOR) for g in grosses]
    left = discount - sum(shares, ZERO)
    for i in sorted(range(len(grosses)), key=lambda k: (-grosses[k], k)):
        if left <= 0:
            break
        room = min(grosses[i] - shares[i], left)
        shares[i] += room
        left -= room
    return shares


@dataclass(frozen=True, slots=True)
class Receiver:
    """The receiver's name, phone and street as the address will hold them (clear or masked),
    the ciphertexts to open, and which fields are masked with nothing to open."""

    values: dict[str, str]
    encrypted: dict[str, str]
    masked: list[str]


def receiver(sources: Mapping[str, tuple[str, str]],
             is_ciphertext: Callable[[str], bool]) -> Receiver:
    """`sources`: field -> (the value as sent, the channel's masked value). A ciphertext is
    kept to open, the masked value shown meanwhile; a value with `*` is masked."""
    values: dict[str, str] = {}
    encrypted: dict[str, str] = {}
    masked: list[str] = []
    for name, (sent, mask) in sources.items():
        if sent and is_ciphertext(sent):
            encrypted[name] = sent
            values[name] = mask
        elif sent:
            values[name] = sent
            if "*" in sent:
                masked.append(name)
        else:
            values[name] = mask
            if mask:
                masked.append(name)
    return Receiver(values, encrypted, masked)


def privacy_attributes(found: Receiver) -> dict[str, str]:
    """`receiver_masked` (fields the channel sent masked, nothing to open) and
    `receiver_encrypted` (fields sent as ciphertext), comma-separated."""
    out: dict[str, str] = {}
    if found.masked:
        out["receiver_masked"] = ",".join(found.masked)
    if found.encrypted:
        out["receiver_encrypted"] = ",".join(found.encrypted)
    return out


def line_grosses(items: Sequence[JsonObject], path: str, quantity_key: str, price_key: str
                 ) -> tuple[list[int], list[Decimal]]:
    """Each item's quantity and gross (unit price x quantity), checked field by field: the
    amounts JD's and Pinduoduo's order-level discounts are spread over."""
    quantities: list[int] = []
    grosses: list[Decimal] = []
    for i, item in enumerate(items):
        quantity = quantity_at(item, quantity_key, f"{path}[{i}]")
        quantities.append(quantity)
        grosses.append(price_at(item, price_key, f"{path}[{i}]") * quantity)
    return quantities, grosses
