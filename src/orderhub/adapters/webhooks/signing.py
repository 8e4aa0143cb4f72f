"""Standard Webhooks signatures (https://www.standardwebhooks.com/).

A request carries three headers:

    webhook-id:        the message id (orderhub uses the event id, so receivers de-duplicate)
    webhook-timestamp: unix seconds when it was signed
    webhook-signature: space-separated "v1,<base64 HMAC-SHA256>" signatures

The signed content is f"{webhook-id}.{webhook-timestamp}." followed by the raw body, keyed
with the base64-decoded part of the secret after "whsec_". Receivers accept the message if
any v1 signature matches and the timestamp is within the tolerance (replay protection).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets
from collections.abc import Iterable, Mapping
from datetime import datetime

SECRET_PREFIX = "whsec_"
SECRET_BYTES = 24
DEFAULT_TOLERANCE_SECONDS = 300

HEADER_ID = "webhook-id"
HEADER_TIMESTAMP = "webhook-timestamp"
HEADER_SIGNATURE = "webhook-signature"


class WebhookVerificationError(Exception):
    """The message is not authentic or not fresh; the receiver must reject it."""


def generate_secret() -> str:
    """A new signing secret: "whsec_" + base64 of 24 random bytes (the spec asks for 24..64)."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def is_valid_secret(secret: str) -> bool:
    """Whether `secret` is "whsec_" + base64 of 24..64 bytes, as the spec requires."""
    try:
        key = _key(secret)
    except WebhookVerificationError:
        return False
    return secret.startswith(SECRET_PREFIX) and 24 <= len(key) <= 64


def _key(secret: str) -> bytes:
    raw = secret[len(SECRET_PREFIX) :] if secret.startswith(SECRET_PREFIX) else secret
    try:
        return base64.b64decode(raw, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise WebhookVerificationError("the secret is not valid base64 after 'whsec_'") from exc


def _digest(key: bytes, msg_id: str, timestamp: int, body: bytes) -> bytes:
    signed = f"{msg_id}.{timestamp}.".encode() + body
    return hmac.new(key, signed, hashlib.sha256).digest()


def sign(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    """The v1 signature of one message: "v1,<base64 HMAC-SHA256>"."""
    digest = _digest(_key(secret), msg_id, timestamp, body)
    return "v1," + base64.b64encode(digest).decode()


def signature_headers(secret: str, msg_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    """The three Standard Webhooks headers for one request."""
    return {
        HEADER_ID: msg_id,
        HEADER_TIMESTAMP: str(timestamp),
        HEADER_SIGNATURE: sign(secret, msg_id, timestamp, body),
    }


def _lower(headers: Mapping[str, str] | Iterable[tuple[str, str]]) -> dict[str, str]:
    items = headers.items() if isinstance(headers, Mapping) else headers
    return {str(k).lower(): str(v) for k, v in items}


def verify(
    secret: str,
    headers: Mapping[str, str] | Iterable[tuple[str, str]],
    body: bytes,
    *,
    now: datetime | float,
    tolerance_seconds: int = DEFAULT_TOLERANCE_SECONDS,
) -> None:
    """Check a received message; raise WebhookVerificationError saying why it is rejected.

    `headers` may be any mapping (names are matched case-insensitively) or (name, value)
    pairs; `now` is the receiver's current time (a datetime or unix seconds).
    """
    found = _lower(headers)
    missing = [h for h in (HEADER_ID, HEADER_TIMESTAMP, HEADER_SIGNATURE) if not found.get(h)]
    if missing:
        raise WebhookVerificationError(f"missing required header(s): {', '.join(missing)}")
    msg_id = found[HEADER_ID]
    try:
        timestamp = int(found[HEADER_TIMESTAMP])
    except ValueError as exc:
        raise WebhookVerificationError(
            f"{HEADER_TIMESTAMP} is not an integer: {found[HEADER_TIMESTAMP]!r}"
        ) from exc
    current = now.timestamp() if isinstance(now, datetime) else float(now)
    if timestamp < current - tolerance_seconds:
        raise WebhookVerificationError(
            f"message timestamp {timestamp} is too old (tolerance {tolerance_seconds}s)"
        )
    if timestamp > current + tolerance_seconds:
        raise WebhookVerificationError(
            f"message timestamp {timestamp} is too far in the future "
            f"(tolerance {tolerance_seconds}s)"
        )
    expected = _digest(_key(secret), msg_id, timestamp, body)
    for candidate in found[HEADER_SIGNATURE].split():
        version, _, encoded = candidate.partition(",")
        if version != "v1":
            continue  # other schemes (v1a, future versions) are not ours to check
        try:
            given = base64.b64decode(encoded, validate=True)
        except (binascii.Error, ValueError):
            continue
        if hmac.compare_digest(given, expected):
            return
    raise WebhookVerificationError("no matching v1 signature in webhook-signature")
