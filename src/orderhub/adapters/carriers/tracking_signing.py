"""Signatures of carrier tracking pushes (`POST /v1/carriers/{code}/tracking`).

A push carries one header:

    X-Tracking-Signature: sha256=<hex HMAC-SHA256 of the raw request body>

keyed with the tenant's secret for that carrier ("trsec_" + base64 of 24 random bytes, set
with `PUT /v1/carriers/{code}/tracking/secret` or `orderhub carrier tracking secret CODE`;
the whole secret string, prefix included, is the HMAC key). Signing the exact bytes sent,
before any parsing, means a body changed on the way fails. The comparison is constant-time.
No timestamp is signed: checkpoints carry the carrier's own event ids and a replayed push
is stored once, so a replay changes nothing.

    body = json.dumps(checkpoints).encode()
    headers = {"X-Tracking-Signature": sign(secret, body)}
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets

HEADER = "X-Tracking-Signature"
SCHEME = "sha256="
SECRET_PREFIX = "trsec_"
SECRET_BYTES = 24
MIN_SECRET_LENGTH = 24


class TrackingSignatureError(Exception):
    """The push is not signed with the carrier's secret; it must be refused (401)."""


def generate_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


def sign(secret: str, body: bytes) -> str:
    """The header value for `body`: "sha256=" + hex HMAC-SHA256."""
    return SCHEME + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def verify(secret: str, header: str | None, body: bytes) -> None:
    """Raise TrackingSignatureError unless `header` is the signature of `body`."""
    if not secret:
        raise TrackingSignatureError("no tracking secret is set for this carrier")
    if not header:
        raise TrackingSignatureError(f"missing {HEADER} header")
    if not header.startswith(SCHEME):
        raise TrackingSignatureError(f"{HEADER} must start with '{SCHEME}'")
    if not hmac.compare_digest(header.encode(), sign(secret, body).encode()):
        raise TrackingSignatureError(f"{HEADER} does not match the body")
