"""A tamper-evident log: each entry's hash covers its content and the previous entry's hash,
so changing, removing or reordering any entry breaks every hash after it.

    entry.hash = HMAC-SHA256(audit key, prev_hash | seq | at | actor | kind | subject | JSON)

The audit key lives outside the database, so whoever holds only the database cannot
recompute a chain that checks out. Entries written before the key existed (migration 0015)
keep their plain `sha256` scheme; they are accepted only as the chain's prefix (a plain
entry after a keyed one, or after a checkpoint, is a break), and the first keyed entry
links to the last of them, so they cannot be changed either once a keyed entry follows.
Until a first checkpoint is signed, a chain of only plain entries could be rewritten
whole: `orderhub audit checkpoint` right after upgrading closes that window.

The chain's head is also anchored outside its table: a `Checkpoint` (tenant, seq, hash,
time) signed with an Ed25519 key derived from the audit key (HKDF), kept in a table and
appended to an export file. `verify` checks entries, links and those anchors, so an edited
entry, a recomputed chain, a truncated tail with its head rolled back and a deleted log are
each found and the entry named.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

GENESIS = "0" * 64
LEGACY = "sha256"  # before migration 0015: a plain hash anyone can recompute
KEYED = "hmac-sha256"  # HMAC under the audit key
SCHEMES = (LEGACY, KEYED)

# Every kind of entry, in one place (docs name them; GET /v1/audit filters on them).
AUDITED_KINDS: dict[str, str] = {
    "rule_change": "a routing or validation rule, or a rule set, created or changed",
    "rule_decision": "what the routing and validation rules decided for an order",
    "warehouse_change": "a warehouse created, opened, closed, its capacity or costs changed",
    "stock_change": "stock received or adjusted, a safety stock set",
    "sku_change": "a SKU created, made sellable or not",
    "fx_rate_change": "an exchange rate loaded, changed or removed; the base currency or "
                      "the staleness limit changed",
    "carrier_change": "a carrier service's state or lanes changed",
    "routing_block": "a region blocked or a block lifted",
    "webhook_change": "a webhook endpoint created, updated, deleted, its secret rotated",
    "channel_change": "a sales channel created or updated",
    "tenant_change": "a tenant created or its settings changed",
    "key_change": "an API key issued or revoked",
    "user_change": "a user added, changed or removed",
    "sla_change": "an SLA policy or a working calendar changed (a new policy version)",
    "alert_change": "an alert on an order acknowledged by a person",
    "risk_model_change": "a late-delivery risk model trained, or made the champion",
    "exception_remedy": "a remedy proposed, approved, rejected or applied on the exception desk",
    "exception_policy": "the exception desk's tier policy changed (a new version)",
    "substitution_change": "an SKU substitution added or removed",
    "anomaly_settings": "a tenant's anomaly detection settings changed (on/off, thresholds)",
    "forecast_change": "demand history imported, or a demand forecast run fitted",
    "label_layout_change": "a carrier's label layout saved (a new version)",
    "label_print": "shipping documents printed or reprinted (who, which shipments, format)",
    "reconciliation_change": "a settlement file imported, a reconciliation run, or a "
                             "reconciled period closed",
    "planning_change": "pre-allocation settings changed, or suggested transfers accepted",
    "return_policy_change": "a tenant's return policy changed (a new version)",
    "notification_change": "a customer-notification template or the notification settings "
                           "changed; a customer opted out or back in",
    "chat_change": "a chat channel (DingTalk, WeCom, Slack) added, enabled or disabled; a "
                   "chat user mapped to a hub user or unmapped",
    "pool_change": "the group-buy pooling policy changed (a new version), or a person "
                   "closed a pool early",
    "bid_provider_change": "a bidding provider added or changed, its secret rotated; the "
                           "bidding policy changed",
    "bid_decision": "a bid received (accepted, late or malformed) or an offer decided "
                    "(awarded, or fallen back to routing)",
}

_SIGNING_INFO = b"orderhub audit checkpoint signing key v1"


def _message(prev_hash: str, seq: int, at: datetime, actor: str, kind: str, subject: str,
             detail: Mapping[str, Any]) -> bytes:
    body = orjson.dumps(detail, option=orjson.OPT_SORT_KEYS)
    return f"{prev_hash}|{seq}|{at.isoformat()}|{actor}|{kind}|{subject}|".encode() + body


def entry_hash(prev_hash: str, seq: int, at: datetime, actor: str, kind: str, subject: str,
               detail: Mapping[str, Any]) -> str:
    """The legacy (unkeyed) hash: kept to check entries written before migration 0015."""
    return hashlib.sha256(_message(prev_hash, seq, at, actor, kind, subject,
                                   detail)).hexdigest()


class AuditKey:
    """The audit secret (32 bytes, from outside the database) and what derives from it: the
    HMAC of entries and the Ed25519 key that signs checkpoints (one secret to keep)."""

    def __init__(self, secret: bytes) -> None:
        if len(secret) < 32:
            raise ValueError("the audit key must be at least 32 bytes")
        self._mac = hmac.new(secret, digestmod=hashlib.sha256)
        seed = HKDF(algorithm=hashes.SHA256(), length=32, salt=None,
                    info=_SIGNING_INFO).derive(secret)
        self._signer = Ed25519PrivateKey.from_private_bytes(seed)
        self.public_key = public_key_hex(self._signer.public_key())

    def __repr__(self) -> str:  # never the secret
        return f"AuditKey(public_key={self.public_key[:16]}...)"

    def entry_hash(self, prev_hash: str, seq: int, at: datetime, actor: str, kind: str,
                   subject: str, detail: Mapping[str, Any]) -> str:
        mac = self._mac.copy()  # the key schedule done once, not per entry
        mac.update(_message(prev_hash, seq, at, actor, kind, subject, detail))
        return mac.hexdigest()

    def sign(self, tenant_id: str, seq: int, head_hash: str, at: datetime) -> str:
        return self._signer.sign(checkpoint_message(tenant_id, seq, head_hash, at)).hex()


def public_key_hex(key: Ed25519PublicKey) -> str:
    return key.public_bytes(Encoding.Raw, PublicFormat.Raw).hex()


def checkpoint_message(tenant_id: str, seq: int, head_hash: str, at: datetime) -> bytes:
    """What a checkpoint's signature covers (an outsider rebuilds it from the export)."""
    return orjson.dumps({"tenant": tenant_id, "seq": seq, "hash": head_hash,
                         "at": at.isoformat()}, option=orjson.OPT_SORT_KEYS)


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """A chain head (seq, hash) signed at a time: an anchor kept outside the log's table."""

    tenant_id: str
    seq: int
    hash: str
    at: datetime
    signature: str  # hex Ed25519 signature of checkpoint_message
    public_key: str = ""  # hex raw Ed25519 public key (in exports)

    def signed_by(self, public_key: str) -> bool:
        try:
            key = Ed25519PublicKey.from_public_bytes(bytes.fromhex(public_key))
            key.verify(bytes.fromhex(self.signature),
                       checkpoint_message(self.tenant_id, self.seq, self.hash, self.at))
        except (InvalidSignature, ValueError):
            return False
        return True

    def as_dict(self) -> dict[str, Any]:
        return {"tenant": self.tenant_id, "seq": self.seq, "hash": self.hash,
                "at": self.at.isoformat(), "signature": self.signature,
                "public_key": self.public_key}


@dataclass(frozen=True, slots=True)
class AuditEntry:
    seq: int
    at: datetime
    actor: str
    kind: str  # one of AUDITED_KINDS
    subject: str  # a rule code, an order id, warehouse/<code>, ...
    detail: Mapping[str, Any]
    prev_hash: str
    hash: str
    scheme: str = KEYED


@dataclass(frozen=True, slots=True)
class Verdict:
    ok: bool
    checked: int
    first_broken: int | None = None  # seq of the first entry that fails
    problem: str = ""
    anchors: int = 0  # signed checkpoints checked against the chain
    anchored_seq: int = 0  # the highest entry an anchor vouches for
    legacy: int = 0  # entries from before the audit key (plain sha256)


def verify(entries: Iterable[AuditEntry], key: AuditKey,
           anchors: Sequence[Checkpoint] = (), *, after: tuple[int, str] | None = None
           ) -> Verdict:
    """Check a chain in sequence order from its first entry, then the anchors against it.
    Anchors must be the tenant's and signed by `key` (a forged one is a problem too).
    `after` (seq, hash) checks only the entries after a trusted one; they must all be keyed
    (anything after a checkpoint was written with the key)."""
    for a in anchors:
        if not a.signed_by(key.public_key):
            return Verdict(False, 0, a.seq, f"the checkpoint of entry {a.seq} at "
                           f"{a.at.isoformat()} is not signed by the audit key (forged)")
    wanted: dict[int, list[Checkpoint]] = {}
    for a in anchors:
        wanted.setdefault(a.seq, []).append(a)
    top = max(wanted, default=0)
    prev, expected_seq, n, legacy, keyed_seen = GENESIS, 1, 0, 0, False
    if after is not None:
        prev, expected_seq, n, keyed_seen = after[1], after[0] + 1, after[0], True
    for e in entries:
        n += 1
        if e.seq != expected_seq:
            return Verdict(False, n, e.seq, f"entry {expected_seq} is missing (next is {e.seq})")
        if e.prev_hash != prev:
            return Verdict(False, n, e.seq, f"entry {e.seq}: its link to the previous entry "
                           "does not match")
        if e.scheme == KEYED:
            keyed_seen = True
            if key.entry_hash(e.prev_hash, e.seq, e.at, e.actor, e.kind, e.subject,
                              e.detail) != e.hash:
                return Verdict(False, n, e.seq, f"entry {e.seq}: its content does not match "
                               "its keyed hash (edited, or the chain recomputed without the "
                               "audit key)")
        elif e.scheme == LEGACY and not keyed_seen:
            legacy += 1
            if entry_hash(e.prev_hash, e.seq, e.at, e.actor, e.kind, e.subject,
                          e.detail) != e.hash:
                return Verdict(False, n, e.seq, f"entry {e.seq}: its content does not match "
                               "its hash (edited)")
        else:
            return Verdict(False, n, e.seq, f"entry {e.seq}: an unkeyed ({e.scheme}) entry "
                           "after keyed ones (the chain was recomputed without the audit key)")
        for a in wanted.get(e.seq, ()):
            if a.hash != e.hash:
                return Verdict(False, n, e.seq, f"entry {e.seq} differs from the signed "
                               f"checkpoint of {a.at.isoformat()} (the chain was rewritten)")
            keyed_seen = True  # checkpoints came with the key: what follows one is keyed
        prev, expected_seq = e.hash, e.seq + 1
    if n < top:
        a = wanted[top][0]
        if n == 0:
            return Verdict(False, 0, top, f"the audit log is gone: no entries, but the "
                           f"signed checkpoint of {a.at.isoformat()} names entry {top}")
        return Verdict(False, n, n + 1, f"the chain ends at entry {n} but the signed "
                       f"checkpoint of {a.at.isoformat()} names entry {top}: its tail was "
                       "truncated and its head rolled back")
    return Verdict(True, n, anchors=len(anchors), anchored_seq=top, legacy=legacy)
