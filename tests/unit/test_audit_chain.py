"""The keyed audit chain and its signed checkpoints, as pure functions."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

from orderhub.domain.audit import GENESIS, KEYED, LEGACY, AuditEntry, AuditKey, Checkpoint, verify

AT = datetime(2026, 12, 6, 20, 0, tzinfo=UTC)
KEY = AuditKey(bytes(range(32)))


def _chain(key: AuditKey, n: int) -> list[AuditEntry]:
    out, prev = [], GENESIS
    for seq in range(1, n + 1):
        at = AT + timedelta(seconds=seq)
        h = key.entry_hash(prev, seq, at, "alice", "stock_change", f"stock/{seq}", {"n": seq})
        out.append(AuditEntry(seq, at, "alice", "stock_change", f"stock/{seq}", {"n": seq},
                              prev, h, KEYED))
        prev = h
    return out


def _checkpoint(key: AuditKey, e: AuditEntry, tenant: str = "t") -> Checkpoint:
    return Checkpoint(tenant, e.seq, e.hash, AT, key.sign(tenant, e.seq, e.hash, AT),
                      key.public_key)


def test_a_chain_checks_out_only_under_its_key() -> None:
    chain = _chain(KEY, 3)
    assert verify(chain, KEY).ok
    other = AuditKey(bytes(32))
    v = verify(chain, other)
    assert not v.ok and v.first_broken == 1 and "keyed hash" in v.problem
    assert other.public_key != KEY.public_key
    assert "AuditKey(public_key=" in repr(KEY) and bytes(range(32)).hex() not in repr(KEY)


def test_the_signing_key_is_derived_from_the_audit_key() -> None:
    assert AuditKey(bytes(range(32))).public_key == KEY.public_key  # deterministic
    assert len(bytes.fromhex(KEY.public_key)) == 32


def test_checkpoints_check_with_the_public_key_alone() -> None:
    chain = _chain(KEY, 2)
    cp = _checkpoint(KEY, chain[-1])
    assert cp.signed_by(KEY.public_key)
    assert not replace(cp, seq=1).signed_by(KEY.public_key)
    assert not replace(cp, tenant_id="u").signed_by(KEY.public_key)
    assert not replace(cp, at=AT + timedelta(seconds=1)).signed_by(KEY.public_key)
    assert not cp.signed_by(AuditKey(bytes(32)).public_key)
    assert not replace(cp, signature="zz").signed_by(KEY.public_key)


def test_anchors_catch_truncation_and_a_lost_log() -> None:
    chain = _chain(KEY, 4)
    cp = _checkpoint(KEY, chain[3])
    assert verify(chain, KEY, [cp]).anchored_seq == 4
    v = verify(chain[:2], KEY, [cp])
    assert not v.ok and v.first_broken == 3 and "truncated" in v.problem
    v = verify([], KEY, [cp])
    assert not v.ok and "the audit log is gone" in v.problem
    forged = replace(cp, hash="f" * 64)
    assert "forged" in verify(chain, KEY, [forged]).problem


def test_legacy_entries_only_as_the_prefix() -> None:
    from orderhub.domain.audit import entry_hash

    h1 = entry_hash(GENESIS, 1, AT, "old", "rule_change", "r", {})
    legacy = AuditEntry(1, AT, "old", "rule_change", "r", {}, GENESIS, h1, LEGACY)
    h2 = KEY.entry_hash(h1, 2, AT, "new", "rule_change", "r", {})
    keyed = AuditEntry(2, AT, "new", "rule_change", "r", {}, h1, h2, KEYED)
    v = verify([legacy, keyed], KEY)
    assert v.ok and v.legacy == 1
    h3 = entry_hash(h2, 3, AT, "x", "rule_change", "r", {})
    after = AuditEntry(3, AT, "x", "rule_change", "r", {}, h2, h3, LEGACY)
    v = verify([legacy, keyed, after], KEY)
    assert not v.ok and v.first_broken == 3 and "unkeyed" in v.problem
    v = verify([keyed], KEY, after=(1, h1))
    assert v.ok and v.checked == 2
