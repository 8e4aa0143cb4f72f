"""The exception desk's approval tiers as rules of a rule set, through the API (SQLite and
PostgreSQL): the L3 safety refusal, the sandbox replay of recent exceptions, a canary's
tiers for its slice only, activation into the tier policy and rollback, each audited."""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import yaml
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from orderhub.bootstrap import Hub
from orderhub.cli.app import app as cli
from tests.api import api_client
from tests.conftest import Clock
from tests.e2e.test_exception_desk import (
    by_kind,
    exception_of,
    post_order,
    receive,
)
from tests.factories import ADDRESS_JSON, seed_network

FRAUD_L3 = {"code": "fraud-l3", "when": {"exception_kind": ["anomaly"]},
            "then": {"tier": "L3"}}
BIG_L3 = {"code": "big-l3", "when": {"order_value_above": "10000"}, "then": {"tier": "L3"}}


def switch_l1(max_cost: str, max_days: int = 0) -> dict[str, Any]:
    return {"code": "switch-l1", "description": "cheap warehouse switches are automatic",
            "when": {"remedy_kind": ["switch_warehouse"], "max_cost_delta": max_cost,
                     "max_delay_days": max_days},
            "then": {"tier": "L1"}}


def post_on(client: TestClient, ext: str, channel: str) -> dict[str, Any]:
    r = client.post("/v1/orders", json={
        "external_id": ext, "channel": channel, "currency": "CNY",
        "shipping_address": ADDRESS_JSON,
        "lines": [{"sku": "B", "quantity": 1, "unit_price": "10.00"}]})
    assert r.status_code == 201 and r.json()["status"] == "on_hold", r.text
    return dict(r.json())


def test_tier_rules_through_the_rule_set_lifecycle(hub: Hub, clock: Clock) -> None:
    seed_network(hub, {})
    with api_client(hub) as admin:
        # The live default policy: L1 only up to 1 CNY, so a 4 CNY switch waits for people.
        r = admin.put("/v1/exceptions/policy", json={
            "policy": {"l1": {"max_cost_delta": "1.00"}}, "reason": "tight L1"})
        assert r.status_code == 200 and r.json()["tiers"]["from"] == "default policy"
        held = post_order(admin, "TR-1", [("C", 2)])
        receive(admin, "C", "BJ", 2, "r-bj")
        exc = exception_of(admin, held["id"])
        switch = by_kind(exc)["switch_warehouse"]
        assert (exc["state"], switch["tier"], switch["cost_delta"]) == ("open", "L2", "4.00")

        # Tier rules are not live rules, and only tier rules read the desk.
        rule = switch_l1("5")
        r = admin.put("/v1/routing/rules/switch-l1", json={
            "when": rule["when"], "then": rule["then"], "reason": "x"})
        assert r.status_code == 422, r.text
        assert r.json()["errors"][0]["field"].endswith("then.tier")
        r = admin.post("/v1/rules/sets", json={"reason": "x", "rules": [
            {"code": "odd", "when": {"remedy_kind": ["switch_warehouse"]},
             "then": {"exclude_sites": ["SH"]}}]})
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "rules.0.when.remedy_kind"
        # A set that would take anomalies below L3 is refused unless it says so.
        r = admin.post("/v1/rules/sets", json={"rules": [BIG_L3, switch_l1("5")],
                                               "reason": "forgot fraud"})
        assert r.status_code == 422, r.text
        assert any("anomaly exceptions are L3" in e["message"] for e in r.json()["errors"])
        ok = admin.post("/v1/rules/sets", json={"reason": "flagged", "rules": [
            BIG_L3, switch_l1("5"), {"code": "fraud-l2", "when": {"exception_kind": ["anomaly"]},
                                     "then": {"tier": "L2", "override_l3": True}}]})
        assert ok.status_code == 201, ok.text

        # Draft: switches up to 5 CNY automatic. The sandbox replays the exception above.
        r = admin.post("/v1/rules/sets", json={"rules": [FRAUD_L3, BIG_L3, switch_l1("5")],
                                               "reason": "cheap switches automatic"})
        assert r.status_code == 201, r.text
        rs = r.json()
        assert rs["changes_from_live"]["added"] == ["big-l3", "fraud-l3", "switch-l1"]
        report = admin.post(f"/v1/rules/sets/{rs['id']}/simulate", json={}).json()
        tiers = report["tiers"]
        assert report["passed"] is True, report["failures"]
        assert tiers["exceptions"] == 1 and tiers["live_tiers_from"] == "default policy"
        assert tiers["live"]["best_remedy_by_tier"]["L1"] == 0
        assert tiers["draft"]["auto_applied"] == 1
        assert tiers["draft"]["auto_applied_cost"] == "4.00"
        assert tiers["delta"] == {"auto_applied": 1, "auto_applied_cost": "4.00"}
        assert tiers["l3_loosened"] == 0
        [ex] = [e for e in tiers["examples"] if e["remedy"] == "switch_warehouse"]
        assert (ex["live"], ex["draft"]) == ("L2", "L1")
        assert report["orders_changed"] == 0  # routing is the live rules'

        # Canary for Tmall orders: their cheap switches are automatic, others' are not.
        clock.now += timedelta(minutes=1)
        r = admin.post(f"/v1/rules/sets/{rs['id']}/canary",
                       json={"slice": {"channels": ["tmall"]}, "reason": "Tmall first"})
        assert r.status_code == 200 and r.json()["state"] == "canary", r.text
        inside = post_on(admin, "TR-2", "tmall")
        outside = post_on(admin, "TR-3", "web")
        receive(admin, "B", "BJ", 5, "r-bj-b")
        won = exception_of(admin, inside["id"])
        assert won["state"] == "resolved", won["remedies"]
        assert won["details"]["applied"][0]["automatic"] is True
        left = exception_of(admin, outside["id"])
        assert left["state"] == "open" and by_kind(left)["switch_warehouse"]["tier"] == "L2"
        sw_out = Decimal(by_kind(left)["switch_warehouse"]["cost_delta"])
        assert Decimal(1) < sw_out <= Decimal(5)  # would be L1 under the canary's tiers
        applied = [e for e in admin.get("/v1/audit", params={"kind": "exception_remedy"}).json()
                   if e["detail"]["action"] == "applied"]
        assert applied[-1]["detail"]["tiers"] == f"canary v{rs['version']}"
        ab = admin.get(f"/v1/rules/sets/{rs['id']}/compare").json()
        assert ab["desk"][f"canary v{rs['version']}"]["applied_automatically"] == 1

        # Activation: the desk's tiers are the set's, for every order.
        r = admin.post(f"/v1/rules/sets/{rs['id']}/activate", json={"reason": "good"})
        assert r.status_code == 200, r.text
        policy = admin.get("/v1/exceptions/policy").json()
        assert policy["tiers"]["from"] == f"rule set v{rs['version']}"
        assert [x["code"] for x in policy["tiers"]["rules"]] == ["fraud-l3", "big-l3",
                                                                 "switch-l1"]
        assert admin.get("/v1/routing/rules").json() == []  # no routing rules came with it
        r = admin.post(f"/v1/exceptions/{left['id']}/remedies/refresh", json={})
        assert r.status_code == 200, r.text
        assert by_kind(exception_of(admin, outside["id"]))["switch_warehouse"]["tier"] == "L1"
        # The default policy is still edited by PUT; tier rules are kept, not set there.
        r = admin.put("/v1/exceptions/policy", json={
            "policy": {"proposal_ttl_hours": 12}, "reason": "shorter"})
        assert r.status_code == 200 and len(r.json()["tiers"]["rules"]) == 3
        r = admin.put("/v1/exceptions/policy", json={
            "policy": {"tiers": {"rules": []}}, "reason": "sneaky"})
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "tiers"

        # Rollback: the tiers before it (none: the thresholds decide again).
        r = admin.post(f"/v1/rules/sets/{rs['id']}/rollback", json={"reason": "undo"})
        assert r.status_code == 200 and r.json()["state"] == "retired"
        policy = admin.get("/v1/exceptions/policy").json()
        assert policy["tiers"] == {"from": "default policy", "rule_set": None, "rules": []}
        assert policy["proposal_ttl_hours"] == 12  # the thresholds as last PUT
        entries = admin.get("/v1/audit", params={"kind": "exception_policy"}).json()
        reasons = [e["detail"]["reason"] for e in entries]
        assert any("activated" in x for x in reasons) and any("rolled back" in x
                                                               for x in reasons)
        changes = [e["detail"]["change"] for e in
                   admin.get("/v1/audit", params={"kind": "rule_change"}).json()
                   if e["subject"] == f"rule-set/{rs['version']}"]
        assert {"created", "tested", "canary", "activated", "rolled_back"} <= set(changes)


def test_tier_rules_from_the_cli(hub: Hub, database_url: str, tmp_path: Path) -> None:
    seed_network(hub, {})
    env = {"ORDERHUB_DATABASE_URL": database_url, "COLUMNS": "200"}
    with api_client(hub) as admin:
        admin.put("/v1/exceptions/policy", json={
            "policy": {"l1": {"max_cost_delta": "1.00"}}, "reason": "tight L1"})
        held = post_order(admin, "TC-1", [("C", 2)])
        receive(admin, "C", "BJ", 2, "r-bj")
        assert exception_of(admin, held["id"])["state"] == "open"
    unsafe = tmp_path / "unsafe.yaml"
    unsafe.write_text(yaml.safe_dump({"rules": [BIG_L3, switch_l1("5")]}), encoding="utf-8")
    runner = CliRunner()
    out = runner.invoke(cli, ["rules", "draft", str(unsafe), "--reason", "x"], env=env)
    assert out.exit_code != 0 and "anomaly exceptions are L3" in out.output, out.output
    safe = tmp_path / "tiers.yaml"
    safe.write_text(yaml.safe_dump({"rules": [FRAUD_L3, BIG_L3, switch_l1("5")]},
                                   allow_unicode=True), encoding="utf-8")
    out = runner.invoke(cli, ["rules", "draft", str(safe), "--reason", "cheap switches"],
                        env=env)
    assert out.exit_code == 0 and "3 tier rule(s)" in out.output, out.output
    set_id = re.search(r"rule set (\d+)", out.output)
    assert set_id is not None
    # The CLI's clock is the real one; the test's exceptions are dated 2026-11-24.
    out = runner.invoke(cli, ["rules", "simulate", set_id[1], "--since", "3650d"], env=env)
    assert out.exit_code == 0, out.output
    assert "approval tiers: 1 exceptions replayed" in out.output and "passed" in out.output
    assert re.search(r"applied automatically\s+│\s+0\s+│\s+1", out.output), out.output


def _through_lifecycle(admin: TestClient, rules: list[dict[str, Any]], why: str
                       ) -> dict[str, Any]:
    """Draft, sandbox, canary and activate a set; the activated set."""
    r = admin.post("/v1/rules/sets", json={"rules": rules, "reason": why})
    assert r.status_code == 201, r.text
    rs: dict[str, Any] = r.json()
    report = admin.post(f"/v1/rules/sets/{rs['id']}/simulate", json={}).json()
    assert report["passed"] is True, report["failures"]
    for step, body in (("canary", {"slice": {"channels": ["tmall"]}, "reason": why}),
                       ("activate", {"reason": why})):
        r = admin.post(f"/v1/rules/sets/{rs['id']}/{step}", json=body)
        assert r.status_code == 200, r.text
    return rs


def test_tier_rules_export_import_and_the_rollback_record(hub: Hub, clock: Clock,
                                                          database_url: str,
                                                          tmp_path: Path) -> None:
    """The tier rules in force travel with the rules export and import back unchanged
    (other tier rules are refused there: a rule set puts them live); rolling back a set
    that changed the tiers records which tier rules came back."""
    seed_network(hub, {})
    with api_client(hub) as admin:
        admin.put("/v1/exceptions/policy", json={
            "policy": {"l1": {"max_cost_delta": "1.00"}}, "reason": "tight L1"})
        held = post_order(admin, "TX-1", [("C", 2)])
        receive(admin, "C", "BJ", 2, "r-bj")
        assert exception_of(admin, held["id"])["state"] == "open"
        first = _through_lifecycle(admin, [FRAUD_L3, BIG_L3, switch_l1("5")], "cheap")

        exported = admin.get("/v1/routing/rules/export").json()["rules"]
        tier_codes = [d["code"] for d in exported if "tier" in d["then"]]
        assert tier_codes == ["fraud-l3", "big-l3", "switch-l1"]
        r = admin.post("/v1/routing/rules/import", json={"rules": exported, "reason": "git"})
        assert r.status_code == 200, r.text
        back = {d["code"]: d for d in r.json()}
        assert all(back[c]["changed"] is False for c in tier_codes)
        looser = [d if d["code"] != "switch-l1" else switch_l1("9") for d in exported]
        r = admin.post("/v1/routing/rules/import", json={"rules": looser, "reason": "git"})
        assert r.status_code == 422, r.text
        assert r.json()["errors"][0]["field"].endswith("then.tier")
        assert "rule set" in r.json()["errors"][0]["message"]

        clock.now += timedelta(minutes=1)
        second = _through_lifecycle(admin, [FRAUD_L3, BIG_L3, switch_l1("2")], "cheaper")
        clock.now += timedelta(minutes=1)
        r = admin.post(f"/v1/rules/sets/{second['id']}/rollback", json={"reason": "undo"})
        assert r.status_code == 200, r.text
        restored = r.json()["tiers_restored"]
        assert restored["codes"] == ["fraud-l3", "big-l3", "switch-l1"]
        [switch] = [d for d in restored["rules"] if d["code"] == "switch-l1"]
        assert switch["when"]["max_cost_delta"] == "5"
        entries = [e for e in admin.get("/v1/audit", params={"kind": "rule_change"}).json()
                   if e["subject"] == f"rule-set/{second['version']}"
                   and e["detail"]["change"] == "rolled_back"]
        assert entries[-1]["detail"]["tiers_restored"]["codes"] == restored["codes"]
        policy = [e for e in admin.get("/v1/audit", params={"kind": "exception_policy"}).json()
                  if "rolled back" in e["detail"]["reason"]]
        assert policy[-1]["detail"]["tier_rules"] == restored["codes"]
        assert first["id"] != second["id"]
        assert admin.get("/v1/audit/verify").json()["ok"] is True

    # The CLI: the export file holds the tiers and imports back; a rollback says what
    # came back.
    env = {"ORDERHUB_DATABASE_URL": database_url, "COLUMNS": "200"}
    runner = CliRunner()
    path = tmp_path / "rules.yaml"
    out = runner.invoke(cli, ["routing", "rules", "export", str(path)], env=env)
    assert out.exit_code == 0, out.output
    docs = yaml.safe_load(path.read_text())["rules"]
    assert [d["code"] for d in docs if "tier" in d["then"]] == ["fraud-l3", "big-l3",
                                                                  "switch-l1"]
    out = runner.invoke(cli, ["routing", "rules", "import", str(path), "--reason", "git"],
                        env=env)
    assert out.exit_code == 0 and "switch-l1: v" in out.output, out.output
    assert "(unchanged)" in out.output
    with api_client(hub) as admin:
        clock.now += timedelta(minutes=1)
        third = _through_lifecycle(admin, [FRAUD_L3, switch_l1("3"), BIG_L3], "third")
    out = runner.invoke(cli, ["rules", "rollback", str(third["id"]), "--reason", "undo"],
                        env=env)
    assert out.exit_code == 0, out.output
    assert "approval tiers restored: fraud-l3, big-l3, switch-l1" in out.output
