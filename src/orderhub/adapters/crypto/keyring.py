"""Envelope encryption of personal data: per-tenant data keys, wrapped by the master key,
cached unwrapped in-process (every intake needs them), and the field cipher repositories use.

Ciphertext is text: `p1.<data key version>.<base64url(nonce + AES-256-GCM ciphertext)>`.
`p1` is the format; the version names the tenant's data key, so a rotation can start a new
key for new writes while every older version still decrypts. The AAD is
`orderhub|p1|<tenant>|<field>|<version>`: a value cannot be moved to another tenant, another
field or another record (repositories put the record id in the field name).

Blind indexes: `b1.<HMAC-SHA256(index key, kind + value)>` of a normalised phone (digits,
country code for mainland mobiles) or lower-cased email; equal values give equal digests
within a tenant, so orders are found without decrypting, and nothing else is revealed.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import re
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import orjson
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from sqlalchemy import Connection, Engine, create_engine, inspect, select
from sqlalchemy.dialects import postgresql
from sqlalchemy.exc import IntegrityError
from sqlalchemy.pool import NullPool

from orderhub.adapters.crypto.master import CryptoError, MasterKeyProvider
from orderhub.adapters.db.tables import pii_keys

FORMAT = "p1"
INDEX_FORMAT = "b1"
DATA, INDEX = "data", "index"
NONCE_BYTES = 12
_PREFIX = re.compile(r"p1\.(\d+)\.")


class Undecryptable(CryptoError):
    """A ciphertext that is not this tenant's, not this field's, or damaged."""


def wrap_context(tenant_id: str, purpose: str, version: int) -> bytes:
    return f"orderhub|wrap|{tenant_id}|{purpose}|{version}".encode()


def _aad(tenant_id: str, field_name: str, version: int) -> bytes:
    return f"orderhub|{FORMAT}|{tenant_id}|{field_name}|{version}".encode()


def token_version(token: str) -> int | None:
    m = _PREFIX.match(token)
    return int(m.group(1)) if m else None


def normalise_phone(raw: str) -> str | None:
    """Digits in international form: `+86 138-0013-8000`, `0086...` and a bare mainland
    mobile `13800138000` all give 8613800138000. Masked numbers (`138****8000`) give None."""
    text = raw.strip()
    if not text or "*" in text:
        return None
    digits = re.sub(r"\D", "", text)
    if not digits:
        return None
    if text.startswith("+"):
        return digits
    if digits.startswith("00"):
        return digits[2:]
    if len(digits) == 11 and digits.startswith("1"):
        return "86" + digits  # a mainland mobile without its country code
    return digits


def normalise_email(raw: str) -> str | None:
    text = raw.strip().lower()
    return text or None


@dataclass
class TenantKeys:
    """A tenant's unwrapped keys: data keys by version (the newest encrypts) and the
    blind-index key."""

    data: dict[int, AESGCM]
    index: bytes | None
    loaded_at: float = field(default_factory=time.monotonic)

    @property
    def current(self) -> int:
        return max(self.data)


def _unwrap_rows(provider: MasterKeyProvider, tenant_id: str,
                 rows: list[Any]) -> TenantKeys | None:
    data: dict[int, AESGCM] = {}
    index: bytes | None = None
    for purpose, version, wrapped, by in rows:
        raw = provider.unwrap(base64.b64decode(wrapped), by,
                              wrap_context(tenant_id, purpose, version))
        if purpose == DATA:
            data[version] = AESGCM(raw)
        elif purpose == INDEX:
            index = raw
    if not data:
        return None
    return TenantKeys(data, index)


class Keyring:
    """The process's unwrapped data keys, by tenant. Entries are re-read after `ttl`
    seconds (so a data-key rotation done by another process is picked up for new writes)
    and at once when a ciphertext names a version not yet seen."""

    def __init__(self, provider: MasterKeyProvider, *, ttl: float = 60.0) -> None:
        self.provider = provider
        self.ttl = ttl
        self._cache: dict[str, TenantKeys] = {}
        self._side_engines: dict[Engine, Engine] = {}
        self._lock = threading.Lock()

    def session(self, conn: Connection) -> PiiCipher:
        return PiiCipher(self, conn)

    def side_engine(self, engine: Engine) -> Engine:
        """An engine without a pool for the rare short transactions that must commit on
        their own (a tenant's first keys): taken from the caller's pool, a burst of first
        intakes could each hold one connection while waiting for a second."""
        with self._lock:
            side = self._side_engines.get(engine)
            if side is None:
                side = create_engine(engine.url, poolclass=NullPool)
                self._side_engines[engine] = side
            return side

    def cached(self, tenant_id: str) -> TenantKeys | None:
        keys = self._cache.get(tenant_id)
        if keys is not None and time.monotonic() - keys.loaded_at < self.ttl:
            return keys
        return None

    def remember(self, tenant_id: str, keys: TenantKeys) -> None:
        with self._lock:
            self._cache[tenant_id] = keys

    def forget(self, tenant_id: str | None = None) -> None:
        with self._lock:
            if tenant_id is None:
                self._cache.clear()
            else:
                self._cache.pop(tenant_id, None)

    def verify(self, engine: Engine) -> int:
        """Start-up check: one wrapped key per (master key id) in the store must open under
        the configured key(s). Raises WrongMasterKey with a clear message; returns the
        number of tenants with keys. A database not yet migrated has nothing to check."""
        with engine.connect() as conn:
            if not inspect(conn).has_table("pii_keys"):
                return 0
            k = pii_keys.c
            rows = conn.execute(select(k.tenant_id, k.purpose, k.version, k.wrapped,
                                       k.master_key_id)).all()
        seen: set[str] = set()
        for tenant, purpose, version, wrapped, by in rows:
            if by in seen:
                continue
            self.provider.unwrap(base64.b64decode(wrapped), by,
                                 wrap_context(tenant, purpose, version))
            seen.add(by)
        return len({r[0] for r in rows})


class PiiCipher:
    """Encrypts, decrypts and blind-indexes one unit of work's personal data, on its
    connection. Keys created here (a tenant's first write) stay private to this session
    until `committed()`: a rolled-back transaction never leaves a cached key whose row was
    not stored."""

    def __init__(self, keyring: Keyring, conn: Connection) -> None:
        self.keyring = keyring
        self.conn = conn
        self._pending: dict[str, TenantKeys] = {}
        self._local: dict[str, TenantKeys] = {}

    # ----- keys -------------------------------------------------------------------------
    def _load(self, tenant_id: str) -> TenantKeys | None:
        k = pii_keys.c
        rows = self.conn.execute(
            select(k.purpose, k.version, k.wrapped, k.master_key_id)
            .where(k.tenant_id == tenant_id)).all()
        return _unwrap_rows(self.keyring.provider, tenant_id, list(rows))

    def keys(self, tenant_id: str, *, create: bool, refresh: bool = False) -> TenantKeys | None:
        if not refresh:
            found = (self._pending.get(tenant_id) or self._local.get(tenant_id)
                     or self.keyring.cached(tenant_id))
            if found is not None:
                return found
        keys = self._load(tenant_id)
        if keys is not None:
            self._local[tenant_id] = keys
            if tenant_id not in self._pending:
                self.keyring.remember(tenant_id, keys)
            return keys
        if not create:
            return None
        return self._create(tenant_id)

    def _key_row(self, tenant_id: str, purpose: str, version: int,
                 raw: bytes) -> dict[str, Any]:
        p = self.keyring.provider
        wrapped = p.wrap(raw, wrap_context(tenant_id, purpose, version))
        return {"tenant_id": tenant_id, "purpose": purpose, "version": version,
                "wrapped": base64.b64encode(wrapped).decode(), "master_key_id": p.key_id,
                "created_at": datetime.now(UTC)}

    def _insert_key(self, tenant_id: str, purpose: str, version: int, raw: bytes) -> None:
        self.conn.execute(pii_keys.insert().values(
            **self._key_row(tenant_id, purpose, version, raw)))

    def _create(self, tenant_id: str) -> TenantKeys:
        """The tenant's first data key and index key; if a concurrent transaction created
        them first, theirs.

        On PostgreSQL they are committed at once on a connection of their own (outside the
        pool: see `Keyring.side_engine`): inserted in the caller's transaction, a second
        intake would wait on that row while holding stock locks the first may need (a
        deadlock). SQLite runs one writer at a time, so they go in the caller's transaction
        and count only once it commits."""
        data_key, index_key = os.urandom(32), os.urandom(32)
        if self.conn.dialect.name == "postgresql":
            rows = [self._key_row(tenant_id, DATA, 1, data_key),
                    self._key_row(tenant_id, INDEX, 1, index_key)]
            with self.keyring.side_engine(self.conn.engine).begin() as own:
                own.execute(postgresql.insert(pii_keys).on_conflict_do_nothing(), rows)
            keys = self._load(tenant_id)  # ours, or a concurrent writer's (read committed)
            assert keys is not None
            self.keyring.remember(tenant_id, keys)
            return keys
        try:
            with self.conn.begin_nested():
                self._insert_key(tenant_id, DATA, 1, data_key)
                self._insert_key(tenant_id, INDEX, 1, index_key)
        except IntegrityError:
            keys = self._load(tenant_id)
            if keys is None:
                raise
            return keys
        keys = TenantKeys({1: AESGCM(data_key)}, index_key)
        self._pending[tenant_id] = keys
        return keys

    def new_data_version(self, tenant_id: str) -> int:
        """Start a new data key version for the tenant's new writes (rotation)."""
        keys = self.keys(tenant_id, create=True, refresh=True)
        assert keys is not None
        version = keys.current + 1
        raw = os.urandom(32)
        self._insert_key(tenant_id, DATA, version, raw)
        keys = TenantKeys({**keys.data, version: AESGCM(raw)}, keys.index)
        self._pending[tenant_id] = keys
        return version

    def committed(self) -> None:
        """The transaction committed: keys it created may now serve other sessions."""
        for tenant_id, keys in self._pending.items():
            self.keyring.remember(tenant_id, keys)
        self._pending.clear()

    # ----- values -----------------------------------------------------------------------
    def current_version(self, tenant_id: str) -> int:
        keys = self.keys(tenant_id, create=True)
        assert keys is not None
        return keys.current

    def encrypt(self, tenant_id: str, field_name: str, plaintext: bytes) -> str:
        keys = self.keys(tenant_id, create=True)
        assert keys is not None
        version = keys.current
        nonce = os.urandom(NONCE_BYTES)
        sealed = keys.data[version].encrypt(nonce, plaintext,
                                            _aad(tenant_id, field_name, version))
        return f"{FORMAT}.{version}.{base64.urlsafe_b64encode(nonce + sealed).decode()}"

    def decrypt(self, tenant_id: str, field_name: str, token: str) -> bytes:
        m = _PREFIX.match(token)
        if m is None:
            raise Undecryptable(f"{field_name}: not a {FORMAT} ciphertext")
        version = int(m.group(1))
        keys = self.keys(tenant_id, create=False)
        if keys is None or version not in keys.data:
            keys = self.keys(tenant_id, create=False, refresh=True)
        if keys is None or version not in keys.data:
            raise Undecryptable(f"{field_name}: tenant {tenant_id} has no data key "
                                f"version {version}")
        try:
            raw = base64.urlsafe_b64decode(token[m.end():])
        except (binascii.Error, ValueError) as exc:
            raise Undecryptable(f"{field_name}: damaged ciphertext") from exc
        try:
            return keys.data[version].decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:],
                                              _aad(tenant_id, field_name, version))
        except InvalidTag as exc:
            raise Undecryptable(f"{field_name}: the ciphertext is not this tenant's or "
                                "this field's, or it was altered") from exc

    def encrypt_text(self, tenant_id: str, field_name: str, text: str) -> str:
        return self.encrypt(tenant_id, field_name, text.encode())

    def decrypt_text(self, tenant_id: str, field_name: str, token: str) -> str:
        return self.decrypt(tenant_id, field_name, token).decode()

    def encrypt_doc(self, tenant_id: str, field_name: str, doc: dict[str, Any]) -> str:
        return self.encrypt(tenant_id, field_name, orjson.dumps(doc))

    def decrypt_doc(self, tenant_id: str, field_name: str, token: str) -> dict[str, Any]:
        out: dict[str, Any] = orjson.loads(self.decrypt(tenant_id, field_name, token))
        return out

    def is_current(self, tenant_id: str, token: str) -> bool:
        return token_version(token) == self.current_version(tenant_id)

    # ----- blind indexes ----------------------------------------------------------------
    def blind(self, tenant_id: str, kind: str, normalised: str | None, *,
              create: bool = True) -> str | None:
        """The keyed digest of an already normalised value (None for no value, or when
        the tenant has no index key yet and `create` is false: nothing can match)."""
        if not normalised:
            return None
        keys = self.keys(tenant_id, create=create)
        if keys is None or keys.index is None:
            return None
        digest = hmac.new(keys.index, f"{kind}\x00{normalised}".encode(),
                          hashlib.sha256).hexdigest()
        return f"{INDEX_FORMAT}.{digest}"

    def blind_many(self, tenant_id: str, kind: str, values: list[str], *,
                   create: bool = True) -> list[str | None]:
        """`blind` of each already normalised value, the keyed hash set up once (intake
        blinds thousands per batch). A subclass that redefines `blind` keeps its meaning."""
        if type(self).blind is not PiiCipher.blind:
            return [self.blind(tenant_id, kind, v, create=create) for v in values]
        keys = self.keys(tenant_id, create=create) if any(values) else None
        if keys is None or keys.index is None:
            return [None] * len(values)
        base = hmac.new(keys.index, f"{kind}\x00".encode(), hashlib.sha256)
        out: list[str | None] = []
        for v in values:
            if not v:
                out.append(None)
                continue
            h = base.copy()
            h.update(v.encode())
            out.append(f"{INDEX_FORMAT}.{h.hexdigest()}")
        return out

    def blind_phone(self, tenant_id: str, phone: str, *, create: bool = True) -> str | None:
        return self.blind(tenant_id, "phone", normalise_phone(phone), create=create)

    def blind_email(self, tenant_id: str, email: str, *, create: bool = True) -> str | None:
        return self.blind(tenant_id, "email", normalise_email(email), create=create)
