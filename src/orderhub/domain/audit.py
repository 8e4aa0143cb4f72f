"""A tamper-evident log: each entry's hash covers its content and the previous entry's hash,
so changing, removing or reordering any entry breaks every hash after it.

    entry.hash = sha256(prev_hash | seq | at | actor | kind | subject | canonical JSON detail)

`verify` walks a tenant's chain and names the first entry that does not check out.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson

GENESIS = "0" * 64


def entry_hash(prev_hash: str, seq: int, at: datetime, actor: str, kind: str, subject: str,
               detail: Mapping[str, Any]) -> str:
    body = orjson.dumps(detail, option=orjson.OPT_SORT_KEYS)
    head = f"{prev_hash}|{seq}|{at.isoformat()}|{actor}|{kind}|{subject}|".encode()
    return hashlib.sha256(head + body).hexdigest()


@dataclass(frozen=True, slots=True)
class AuditEntry:
    seq: int
    at: datetime
    actor: str
    kind: str  # rule_change, rule_decision
    subject: str  # a rule code, an order id
    detail: Mapping[str, Any]
    prev_hash: str
    hash: str


@dataclass(frozen=True, slots=True)
class Verdict:
    ok: bool
    checked: int
    first_broken: int | None = None  # seq of the first entry that fails
    problem: str = ""


def verify(entries: Iterable[AuditEntry]) -> Verdict:
    """Check a chain in sequence order from its first entry."""
    prev, expected_seq, n = GENESIS, 1, 0
    for e in entries:
        n += 1
        if e.seq != expected_seq:
            return Verdict(False, n, e.seq, f"entry {expected_seq} is missing (next is {e.seq})")
        if e.prev_hash != prev:
            return Verdict(False, n, e.seq, "its link to the previous entry does not match")
        if entry_hash(e.prev_hash, e.seq, e.at, e.actor, e.kind, e.subject,
                      e.detail) != e.hash:
            return Verdict(False, n, e.seq, "its content does not match its hash (changed)")
        prev, expected_seq = e.hash, e.seq + 1
    return Verdict(True, n)
