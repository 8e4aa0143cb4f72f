"""The audit log: rule changes and rule decisions chained by hash; any edit, removal or
reordering is found, and the first broken entry named."""

from __future__ import annotations

from sqlalchemy import delete, update
from typer.testing import CliRunner

from orderhub.adapters.db import tables as t
from orderhub.bootstrap import Hub
from orderhub.cli.app import app as cli
from tests.api import api_client
from tests.factories import ADDRESS_JSON, seed_network


def test_rule_changes_and_decisions_are_chained(hub: Hub, database_url: str) -> None:
    seed_network(hub, {("A", "SH"): 10, ("A", "BJ"): 10})
    with api_client(hub) as client:
        client.put("/v1/routing/rules/no-sh", json={
            "when": {"channel": ["web"]}, "then": {"exclude_sites": ["SH"]}, "reason": "peak"})
        client.put("/v1/routing/rules/no-sh", json={
            "when": {"channel": ["web", "tmall"]}, "then": {"exclude_sites": ["SH"]},
            "reason": "tmall too"})
        oid = client.post("/v1/orders", json={
            "external_id": "AU-1", "channel": "web", "currency": "CNY",
            "shipping_address": ADDRESS_JSON,
            "lines": [{"sku": "A", "quantity": 1, "unit_price": "10.00"}]}).json()["id"]
        seeded = len(client.get("/v1/audit").json()) - 3  # the seed's warehouses, stock...
        log = [e for e in client.get("/v1/audit").json() if e["kind"].startswith("rule_")]
        assert [e["kind"] for e in log] == ["rule_decision", "rule_change", "rule_change"]
        decision = log[0]
        assert decision["subject"] == oid and decision["detail"]["sites"] == ["BJ"]
        assert decision["detail"]["excluded"]["SH"].startswith("excluded by rule no-sh v2")
        change = log[1]["detail"]
        assert change["version"] == 2 and change["reason"] == "tmall too"
        assert change["diff"] == {"when": {"before": {"channel": ["web"]},
                                           "after": {"channel": ["tmall", "web"]}}}
        total = seeded + 3
        assert client.get("/v1/audit/verify").json() == {
            "ok": True, "checked": total, "first_broken": None, "problem": "", "anchors": 0,
            "anchored_seq": 0, "legacy": 0}

    run = CliRunner().invoke(cli, ["audit", "verify"], env={"ORDERHUB_DATABASE_URL":
                                                            database_url})
    assert run.exit_code == 0 and f"intact: {total} entries" in run.output

    a = t.audit_log.c
    second = total - 1  # the second rule change
    with hub.engine.begin() as conn:  # someone edits the second rule change behind our back
        conn.execute(update(t.audit_log).where(a.seq == second).values(
            detail={"change": "updated", "version": 2, "reason": "nothing to see"}))
    run = CliRunner().invoke(cli, ["audit", "verify"], env={"ORDERHUB_DATABASE_URL":
                                                            database_url})
    assert run.exit_code == 1
    assert f"TAMPERED: entry {second}: its content does not match its keyed hash" in " ".join(
        run.output.split())

    client = api_client(hub)  # its key's creation is entry total + 1
    with hub.engine.begin() as conn:  # ... or removes the last one
        conn.execute(update(t.audit_log).where(a.seq == second).values(detail=change))
        conn.execute(delete(t.audit_log).where(a.seq == total + 1))
    with client:
        v = client.get("/v1/audit/verify").json()
        assert v["ok"] is False and v["first_broken"] == total + 1
        assert "removed from the end" in v["problem"]


def test_the_store_allows_one_canary_per_tenant(hub: Hub) -> None:
    import pytest
    from sqlalchemy.exc import IntegrityError

    from orderhub.services.rules import rule_sets

    seed_network(hub)
    now = hub.clock()
    rule = {"code": "r", "when": {}, "then": {"exclude_sites": ["GZ"]}}
    ids = [rule_sets.create_draft(hub.uow, "default", [rule], actor="t", reason="t",
                                  now=now)["id"] for _ in range(2)]
    s = t.rule_sets.c
    with hub.engine.begin() as conn:
        conn.execute(update(t.rule_sets).where(s.id == ids[0]).values(state="canary"))
    with pytest.raises(IntegrityError), hub.engine.begin() as conn:
        conn.execute(update(t.rule_sets).where(s.id == ids[1]).values(state="canary"))
