"""Secrets kept outside the database: the master key (wraps tenants' data keys) and the
audit key (keys the audit chain). Each is 32 random bytes, given base64-encoded in a
setting (ORDERHUB_MASTER_KEY, ORDERHUB_AUDIT_KEY) or in a file `<key_dir>/<name>.key`.
A missing or malformed secret is an error with a clear message, never a silent default.
"""

from __future__ import annotations

import base64
import binascii
import os
import secrets
from pathlib import Path

SECRET_BYTES = 32


class SecretError(Exception):
    """A secret is missing or malformed: start-up stops with this message."""


def secret_path(key_dir: str, name: str) -> Path:
    return Path(key_dir) / f"{name}.key"


def decode_secret(text: str, source: str) -> bytes:
    try:
        raw = base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise SecretError(f"{source} is not base64") from exc
    if len(raw) != SECRET_BYTES:
        raise SecretError(f"{source} must decode to {SECRET_BYTES} bytes, not {len(raw)}")
    return raw


def load_secret(value: str | None, key_dir: str, name: str) -> bytes:
    """The secret from its setting if given, else from `<key_dir>/<name>.key`."""
    if value:
        return decode_secret(value, f"ORDERHUB_{name.upper()}_KEY")
    path = secret_path(key_dir, name)
    if not path.exists():
        raise SecretError(
            f"no {name} key: set ORDERHUB_{name.upper()}_KEY or create {path} "
            f"with `orderhub keys init` (the README's ./run.sh does)")
    return decode_secret(path.read_text(), str(path))


def init_secret(key_dir: str, name: str) -> tuple[Path, bool]:
    """Create `<key_dir>/<name>.key` (mode 0600) unless it exists; returns (path, created)."""
    path = secret_path(key_dir, name)
    if path.exists():
        return path, False
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode() + "\n")
    return path, True
