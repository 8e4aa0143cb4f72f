"""The master key: it only wraps and unwraps tenants' data keys, never personal data itself.

`MasterKeyProvider` is the seam a KMS or Vault provider plugs into later; the local provider
holds the key from ORDERHUB_MASTER_KEY or `<key_dir>/master.key` (and, during a rotation,
the previous key from `<key_dir>/master.previous.key`, so wrapped keys not yet re-wrapped
still open).
"""

from __future__ import annotations

import hashlib
import os
from pathlib import Path
from typing import Protocol

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from orderhub.adapters.secrets import SecretError, decode_secret, load_secret, secret_path

NONCE_BYTES = 12


class CryptoError(Exception):
    """Personal data or a key cannot be opened; the message says why (never the data)."""


class WrongMasterKey(CryptoError):
    """A data key does not open: the master key is not the one that wrapped it."""


def key_id(key: bytes) -> str:
    """A fingerprint that names a master key in the database without revealing it."""
    return hashlib.sha256(b"orderhub master key id\x00" + key).hexdigest()[:16]


class MasterKeyProvider(Protocol):
    """Wraps data keys under the current master key; unwraps under whichever key id wrapped
    them (a KMS provider would call its service here)."""

    @property
    def key_id(self) -> str: ...

    def wrap(self, data_key: bytes, context: bytes) -> bytes: ...

    def unwrap(self, wrapped: bytes, wrapped_by: str, context: bytes) -> bytes: ...


class LocalMasterKey:
    """AES-256-GCM key wrapping with a key held in memory (`context` is the AAD: tenant,
    purpose and version, so a wrapped key cannot be moved to another tenant or slot)."""

    def __init__(self, key: bytes, previous: bytes | None = None) -> None:
        self._keys = {key_id(key): AESGCM(key)}
        self._id = key_id(key)
        if previous is not None and key_id(previous) != self._id:
            self._keys[key_id(previous)] = AESGCM(previous)

    @property
    def key_id(self) -> str:
        return self._id

    @property
    def known_ids(self) -> frozenset[str]:
        return frozenset(self._keys)

    def wrap(self, data_key: bytes, context: bytes) -> bytes:
        nonce = os.urandom(NONCE_BYTES)
        return nonce + self._keys[self._id].encrypt(nonce, data_key, context)

    def unwrap(self, wrapped: bytes, wrapped_by: str, context: bytes) -> bytes:
        aead = self._keys.get(wrapped_by)
        if aead is None:
            raise WrongMasterKey(
                f"data keys were wrapped by master key {wrapped_by}; the configured master "
                f"key is {self._id}: set the right ORDERHUB_MASTER_KEY / master.key")
        try:
            return aead.decrypt(wrapped[:NONCE_BYTES], wrapped[NONCE_BYTES:], context)
        except InvalidTag as exc:
            raise WrongMasterKey(f"a data key does not open under master key {wrapped_by}: "
                                 "the stored key is damaged or the master key is wrong") from exc


def previous_path(key_dir: str) -> Path:
    return Path(key_dir) / "master.previous.key"


def load_local_master(value: str | None, key_dir: str) -> LocalMasterKey:
    """The configured master key (a SecretError, with its clear message, when it is missing
    or malformed) and the previous one if a rotation left it beside the current file."""
    key = load_secret(value, key_dir, "master")
    prev_file = previous_path(key_dir)
    previous = decode_secret(prev_file.read_text(), str(prev_file)) if prev_file.exists() else None
    return LocalMasterKey(key, previous)


def install_new_master(key_dir: str, new_key_text: str) -> tuple[Path, Path]:
    """After a re-wrap: the current file becomes the previous one, the new key the current
    one (both 0600). Returns (current, previous) paths."""
    current = secret_path(key_dir, "master")
    prev = previous_path(key_dir)
    if current.exists():
        os.replace(current, prev)
    fd = os.open(current, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(new_key_text.strip() + "\n")
    return current, prev


__all__ = ["CryptoError", "LocalMasterKey", "MasterKeyProvider", "SecretError", "WrongMasterKey",
           "install_new_master", "key_id", "load_local_master"]
