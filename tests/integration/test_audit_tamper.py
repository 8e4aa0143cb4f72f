"""Someone who holds the database but not the audit key cannot rewrite the audit log
unnoticed: each attack here is done with raw SQL, as that person would, and `audit verify`
(service, API, CLI) names the entry and fails.

  (a) an edited entry              the keyed hash no longer matches
  (b) a recomputed chain           plain hashes, links and head redone without the key
  (c) a truncated tail             entries removed and the head rolled back; a signed
                                   checkpoint outside the table names what is gone
  (d) a deleted log                entries and head gone; the anchors file remains
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import orjson
import pytest
from sqlalchemy import delete, insert, select, update
from typer.testing import CliRunner

from orderhub.adapters import audit_anchors
from orderhub.adapters.db import tables as t
from orderhub.bootstrap import Hub, bootstrap
from orderhub.cli.app import app as cli
from orderhub.config import Settings, get_settings
from orderhub.domain.audit import GENESIS, LEGACY, entry_hash
from orderhub.services import audit
from tests.api import api_client
from tests.conftest import Clock

T = "default"
a = t.audit_log.c


@pytest.fixture
def ahub(database_url: str, clock: Clock, tmp_path: Path) -> Iterator[Hub]:
    h = bootstrap(Settings(database_url=database_url, key_dir=str(tmp_path / "keys")),
                  clock=clock)
    yield h
    h.close()


def _write(hub: Hub, clock: Clock, *subjects: str) -> None:
    with hub.uow() as uow:
        uow.audit.add(T, [audit.Record(clock.now + timedelta(seconds=n), "alice",
                                       "warehouse_change", s, {"capacity": {"after": n}})
                          for n, s in enumerate(subjects)])
        uow.commit()


def _checkpoint(hub: Hub) -> list[dict[str, Any]]:
    return audit.checkpoint(hub.uow, hub.settings.key_dir, hub.clock())


def _verify(hub: Hub, files: list[Path] | None = None) -> audit.Verdict:
    return audit.verify_chain(hub.read_uow, T, key_dir=hub.settings.key_dir,
                              anchor_files=files or [])


def _cli(hub: Hub, database_url: str, *args: str) -> Any:
    get_settings.cache_clear()  # the CLI reads ORDERHUB_KEY_DIR through cached settings
    try:
        return CliRunner().invoke(cli, ["audit", *args], env={
            "ORDERHUB_DATABASE_URL": database_url, "ORDERHUB_KEY_DIR": hub.settings.key_dir})
    finally:
        get_settings.cache_clear()


def _out(run: Any) -> str:
    return " ".join(run.output.split())  # the console wraps long lines


def _rows(hub: Hub) -> list[dict[str, Any]]:
    with hub.engine.connect() as conn:
        return [dict(r) for r in conn.execute(
            select(t.audit_log).where(a.tenant_id == T).order_by(a.seq)).mappings()]


def _recompute(hub: Hub, change: dict[int, dict[str, Any]], *, scheme: str | None = None
               ) -> None:
    """The attacker's rewrite: new details, every plain hash and link after them redone,
    and the head moved to the new last hash (all they can do without the key)."""
    prev, rows = GENESIS, _rows(hub)
    with hub.engine.begin() as conn:
        for r in rows:
            detail = change.get(r["seq"], r["detail"])
            digest = entry_hash(prev, r["seq"], r["at"], r["actor"], r["kind"], r["subject"],
                                detail)
            values: dict[str, Any] = {"detail": detail, "prev_hash": prev, "hash": digest}
            if scheme is not None:
                values["scheme"] = scheme
            conn.execute(update(t.audit_log).where(a.tenant_id == T, a.seq == r["seq"])
                         .values(**values))
            prev = digest
        conn.execute(update(t.audit_heads).where(t.audit_heads.c.tenant_id == T)
                     .values(hash=prev))


def test_an_intact_keyed_chain_verifies_with_its_anchors(ahub: Hub, clock: Clock,
                                                         database_url: str) -> None:
    _write(ahub, clock, "warehouse/SH", "warehouse/BJ")
    [cp] = _checkpoint(ahub)
    assert cp["ok"] and cp["seq"] == 2 and cp["public_key"] == ahub.audit_key.public_key
    assert _checkpoint(ahub) == []  # nothing new: no second checkpoint of the same head
    _write(ahub, clock, "warehouse/GZ")
    v = _verify(ahub)
    assert v.ok and v.checked == 3 and v.anchors == 1 and v.anchored_seq == 2
    [line] = Path(ahub.settings.key_dir, "audit-anchors", "default.jsonl").read_text().split()
    assert orjson.loads(line)["seq"] == 2
    # an outsider checks an exported checkpoint with the public key alone
    cp_ = audit_anchors.read(Path(ahub.settings.key_dir, "audit-anchors", "default.jsonl"))[0]
    assert cp_.signed_by(cp["public_key"])

    run = _cli(ahub, database_url, "verify")
    assert run.exit_code == 0, run.output
    assert "intact: 3 entries; 1 signed checkpoints agree (up to entry 2)" in _out(run)
    with api_client(ahub) as client:
        body = client.get("/v1/audit/verify").json()
        assert body["ok"] is True and body["anchors"] == 1
        cps = client.get("/v1/audit/checkpoints").json()
        assert cps["public_key"] == ahub.audit_key.public_key
        assert [c["seq"] for c in cps["checkpoints"]] == [2]


def test_a_edited_entry_is_named(ahub: Hub, clock: Clock, database_url: str) -> None:
    _write(ahub, clock, "warehouse/SH", "warehouse/BJ", "warehouse/GZ")
    with ahub.engine.begin() as conn:
        conn.execute(update(t.audit_log).where(a.tenant_id == T, a.seq == 2)
                     .values(detail={"capacity": {"after": 999}}))
    v = _verify(ahub)
    assert not v.ok and v.first_broken == 2
    assert "entry 2: its content does not match its keyed hash" in v.problem
    run = _cli(ahub, database_url, "verify")
    assert run.exit_code == 1 and "TAMPERED: entry 2:" in _out(run)
    with api_client(ahub) as client:
        body = client.get("/v1/audit/verify").json()
        assert body["ok"] is False and body["first_broken"] == 2
    # and the checkpoint job refuses to sign it
    [res] = _checkpoint(ahub)
    assert res["ok"] is False and "entry 2" in res["problem"]
    with ahub.read_uow() as uow:
        assert uow.audit.checkpoints(T) == []


def test_b_recomputed_chain_is_found_without_anchors(ahub: Hub, clock: Clock,
                                                     database_url: str) -> None:
    _write(ahub, clock, "warehouse/SH", "warehouse/BJ", "warehouse/GZ")
    _recompute(ahub, {2: {"capacity": {"after": 999}}})
    v = _verify(ahub)
    assert not v.ok and v.first_broken == 1  # entry 1's hash is no HMAC under the key
    assert "recomputed without the audit key" in v.problem
    run = _cli(ahub, database_url, "verify")
    assert run.exit_code == 1 and "TAMPERED: entry 1:" in _out(run)


def test_b_recomputed_chain_passed_off_as_legacy(ahub: Hub, clock: Clock) -> None:
    _write(ahub, clock, "warehouse/SH", "warehouse/BJ", "warehouse/GZ")
    assert _checkpoint(ahub)[0]["ok"]
    _write(ahub, clock, "warehouse/WH")
    # relabel the entries from 2 on as pre-key (plain sha256) ones: after a keyed entry
    rows = _rows(ahub)
    with ahub.engine.begin() as conn:
        conn.execute(update(t.audit_log).where(a.tenant_id == T, a.seq >= 2)
                     .values(scheme=LEGACY))
    prev = rows[0]["hash"]
    with ahub.engine.begin() as conn:
        for r in rows[1:]:
            digest = entry_hash(prev, r["seq"], r["at"], r["actor"], r["kind"], r["subject"],
                                r["detail"])
            conn.execute(update(t.audit_log).where(a.tenant_id == T, a.seq == r["seq"])
                         .values(prev_hash=prev, hash=digest))
            prev = digest
        conn.execute(update(t.audit_heads).values(hash=prev))
    v = _verify(ahub)
    assert not v.ok and v.first_broken == 2 and "unkeyed (sha256) entry after keyed" in v.problem
    # ... or the whole chain as pre-key entries: the signed checkpoint of entry 3 disagrees
    _recompute(ahub, {2: {"capacity": {"after": 999}}}, scheme=LEGACY)
    v = _verify(ahub)
    assert not v.ok and v.first_broken == 3
    assert "entry 3 differs from the signed checkpoint" in v.problem


def test_c_truncated_tail_with_its_head_rolled_back(ahub: Hub, clock: Clock,
                                                    database_url: str, tmp_path: Path) -> None:
    _write(ahub, clock, "warehouse/SH", "warehouse/BJ", "warehouse/GZ", "warehouse/WH")
    assert _checkpoint(ahub)[0]["seq"] == 4
    export = tmp_path / "kept-elsewhere.jsonl"
    assert _cli(ahub, database_url, "export-checkpoints", "--out", str(export)).exit_code == 0
    client = api_client(ahub)  # its key's creation is entry 5, gone with the tail below
    rows = _rows(ahub)
    with ahub.engine.begin() as conn:  # drop entries 3-5, roll the head back, hide anchors
        conn.execute(delete(t.audit_log).where(a.tenant_id == T, a.seq > 2))
        conn.execute(update(t.audit_heads).values(seq=2, hash=rows[1]["hash"]))
        conn.execute(delete(t.audit_checkpoints))
    v = _verify(ahub)  # the anchors file in key_dir still has the checkpoint
    assert not v.ok and v.first_broken == 3
    assert "chain ends at entry 2 but the signed checkpoint" in v.problem
    assert "names entry 4: its tail was truncated and its head rolled back" in v.problem
    with client:
        assert client.get("/v1/audit/verify").json()["first_broken"] == 3
    # nor does the checkpoint job sign the rolled-back head (the file remembers entry 4)
    [res] = _checkpoint(ahub)
    assert res["ok"] is False and "names entry 4: truncated or deleted" in res["problem"]
    # the anchors file gone too (a copy of the key folder restored): the export still tells
    Path(ahub.settings.key_dir, "audit-anchors", "default.jsonl").unlink()
    assert _verify(ahub).ok  # nothing left to compare with: why anchors are exported
    run = _cli(ahub, database_url, "verify", "--anchors", str(export))
    assert run.exit_code == 1 and "TAMPERED: the chain ends at entry 2" in _out(run)
    assert "first broken entry 3" in _out(run)


def test_d_deleted_log(ahub: Hub, clock: Clock, database_url: str) -> None:
    _write(ahub, clock, "warehouse/SH", "warehouse/BJ")
    _checkpoint(ahub)
    with ahub.engine.begin() as conn:
        conn.execute(delete(t.audit_log))
        conn.execute(delete(t.audit_heads))
        conn.execute(delete(t.audit_checkpoints))
    v = _verify(ahub)
    assert not v.ok and v.first_broken == 2
    assert "the audit log is gone: no entries, but the signed checkpoint" in v.problem
    run = _cli(ahub, database_url, "verify")
    assert run.exit_code == 1 and "TAMPERED: the audit log is gone" in _out(run)


def test_a_forged_checkpoint_is_refused(ahub: Hub, clock: Clock) -> None:
    _write(ahub, clock, "warehouse/SH")
    with ahub.engine.begin() as conn:
        conn.execute(insert(t.audit_checkpoints).values(
            tenant_id=T, seq=9, hash="f" * 64, at=clock.now, signature="00" * 64))
    v = _verify(ahub)
    assert not v.ok and v.first_broken == 9 and "not signed by the audit key" in v.problem


def test_legacy_entries_stay_valid_as_the_prefix(ahub: Hub, clock: Clock) -> None:
    """Entries written before migration 0015 (plain sha256) still verify, as the chain's
    first entries; the keyed entries after them pin them."""
    prev = GENESIS
    with ahub.engine.begin() as conn:
        for seq in (1, 2):
            at = clock.now
            digest = entry_hash(prev, seq, at, "old", "rule_change", f"r/{seq}", {"n": seq})
            conn.execute(insert(t.audit_log).values(
                tenant_id=T, seq=seq, at=at, actor="old", kind="rule_change",
                subject=f"r/{seq}", detail={"n": seq}, prev_hash=prev, hash=digest))
            prev = digest
        conn.execute(insert(t.audit_heads).values(tenant_id=T, seq=2, hash=prev))
    _write(ahub, clock, "warehouse/SH")
    with ahub.read_uow() as uow:
        assert [e.scheme for e in uow.audit.chain(T)] == ["sha256", "sha256", "hmac-sha256"]
    v = _verify(ahub)
    assert v.ok and v.checked == 3 and v.legacy == 2
    # changing a legacy entry (and recomputing the legacy hashes) breaks the keyed link
    _recompute(ahub, {1: {"n": 100}})
    assert not _verify(ahub).ok


def test_plain_entries_after_a_checkpoint_are_a_break(ahub: Hub, clock: Clock,
                                                      database_url: str,
                                                      tmp_path: Path) -> None:
    """A legacy chain checkpointed after the upgrade: the keyed entries written since cannot
    be passed off as legacy ones either."""
    prev = GENESIS
    with ahub.engine.begin() as conn:
        digest = entry_hash(prev, 1, clock.now, "old", "rule_change", "r/1", {"n": 1})
        conn.execute(insert(t.audit_log).values(
            tenant_id=T, seq=1, at=clock.now, actor="old", kind="rule_change", subject="r/1",
            detail={"n": 1}, prev_hash=prev, hash=digest))
        conn.execute(insert(t.audit_heads).values(tenant_id=T, seq=1, hash=digest))
    assert _checkpoint(ahub)[0]["seq"] == 1  # signs the legacy head
    _write(ahub, clock, "warehouse/SH", "warehouse/BJ")
    rows = _rows(ahub)
    prev = rows[0]["hash"]
    with ahub.engine.begin() as conn:
        for r in rows[1:]:
            digest = entry_hash(prev, r["seq"], r["at"], r["actor"], r["kind"], r["subject"],
                                {"forged": True})
            conn.execute(update(t.audit_log).where(a.tenant_id == T, a.seq == r["seq"])
                         .values(scheme=LEGACY, detail={"forged": True}, prev_hash=prev,
                                 hash=digest))
            prev = digest
        conn.execute(update(t.audit_heads).values(hash=prev))
    v = _verify(ahub)
    assert not v.ok and v.first_broken == 2 and "unkeyed (sha256) entry" in v.problem


def test_a_damaged_anchors_file_is_reported(ahub: Hub, clock: Clock, database_url: str,
                                            tmp_path: Path) -> None:
    _write(ahub, clock, "warehouse/SH")
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"tenant": "default", "seq": "x"}\n')
    v = _verify(ahub, [bad])
    assert not v.ok and "line 1 is not a checkpoint" in v.problem
    run = _cli(ahub, database_url, "verify", "--anchors", str(bad))
    assert run.exit_code == 1 and "line 1 is not a checkpoint" in _out(run)
    run = _cli(ahub, database_url, "verify", "--anchors", str(tmp_path / "missing.jsonl"))
    assert run.exit_code == 2 and "is not a readable file" in _out(run)


def test_the_checkpoint_job_anchors_every_chain(ahub: Hub, clock: Clock) -> None:
    _write(ahub, clock, "warehouse/SH")
    with ahub.uow() as uow:  # a second tenant's chain
        uow.audit.add("acme", [audit.Record(clock.now, "bob", "tenant_change", "tenant/acme",
                                            {"change": "created"})])
        uow.commit()
    job = {j.name: j for j in ahub.periodic_jobs()}["audit-checkpoints"]
    done = job.run_once(clock.now)
    assert sorted((c["tenant"], c["seq"]) for c in done) == [("acme", 1), ("default", 1)]
    anchors = Path(ahub.settings.key_dir, "audit-anchors")
    assert sorted(p.name for p in anchors.iterdir()) == ["acme.jsonl", "default.jsonl"]
    assert job.run_once(clock.now) == []  # no head moved


def test_upgrading_keeps_the_entries_written_before_the_key(tmp_path: Path,
                                                            clock: Clock) -> None:
    """Migration 0015 on a database with plain-hash entries: they stay valid (scheme
    sha256), new entries are keyed after them."""
    from sqlalchemy import text

    from orderhub.adapters.db.engine import make_engine
    from orderhub.adapters.db.migrate import upgrade

    url = f"sqlite:///{tmp_path / 'old.db'}"
    engine = make_engine(url)
    upgrade(engine, "0014")
    prev = GENESIS
    with engine.begin() as conn:
        for seq in (1, 2):
            digest = entry_hash(prev, seq, clock.now, "old", "rule_change", "r", {"n": seq})
            conn.execute(text(
                "INSERT INTO audit_log (tenant_id, seq, at, actor, kind, subject, detail, "
                "prev_hash, hash) VALUES ('default', :seq, :at, 'old', 'rule_change', 'r', "
                ":detail, :prev, :hash)"), {"seq": seq, "at": clock.now.isoformat(),
                                             "detail": orjson.dumps({"n": seq}).decode(),
                                             "prev": prev, "hash": digest})
            prev = digest
        conn.execute(text("INSERT INTO audit_heads VALUES ('default', 2, :h)"), {"h": prev})
    upgrade(engine, "head")
    engine.dispose()
    h = bootstrap(Settings(database_url=url, key_dir=str(tmp_path / "keys")), clock=clock)
    try:
        v = _verify(h)
        assert v.ok and v.checked == 2 and v.legacy == 2, v
        _write(h, clock, "warehouse/SH")
        v = _verify(h)
        assert v.ok and v.checked == 3 and v.legacy == 2, v
    finally:
        h.close()
