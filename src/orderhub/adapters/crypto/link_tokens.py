"""Tracking-link tokens (issue 19): a link's claims sealed with AES-256-GCM under the
tenant's tracking-link key, so a token is unguessable, cannot be altered or forged without
the key, and shows nothing in clear but the key version it was sealed under.

    token = base64url( version (2 bytes) | nonce (12 bytes) | ciphertext+tag )

The associated data binds the tenant and the version: a token sealed for one tenant does
not open under another's key, nor under another version of the same tenant's.
"""

from __future__ import annotations

import base64
import binascii
import os
import struct

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

KEY_BYTES = 32
MAX_TOKEN_CHARS = 400
_VERSION = struct.Struct(">H")


def new_key() -> bytes:
    return os.urandom(KEY_BYTES)


def _aad(tenant_id: str, version: int) -> bytes:
    return f"orderhub tracking link v1|{tenant_id}|{version}".encode()


def seal(key: bytes, tenant_id: str, version: int, claims: bytes) -> str:
    nonce = os.urandom(12)
    sealed = AESGCM(key).encrypt(nonce, claims, _aad(tenant_id, version))
    raw = _VERSION.pack(version) + nonce + sealed
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode(token: str) -> bytes | None:
    if not token or len(token) > MAX_TOKEN_CHARS or not token.isascii():
        return None
    try:
        raw = base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))
    except (binascii.Error, ValueError):
        return None
    return raw if len(raw) > _VERSION.size + 12 + 16 else None


def version_of(token: str) -> int | None:
    """The key version a token names (unverified), None for what is not a token."""
    raw = _decode(token)
    return None if raw is None else int(_VERSION.unpack_from(raw)[0])


def open_token(key: bytes, tenant_id: str, token: str) -> bytes | None:
    """The claims, or None when the token was altered, forged or sealed with another key."""
    raw = _decode(token)
    if raw is None:
        return None
    version = _VERSION.unpack_from(raw)[0]
    nonce, sealed = raw[2:14], raw[14:]
    try:
        return AESGCM(key).decrypt(nonce, sealed, _aad(tenant_id, version))
    except InvalidTag:
        return None
