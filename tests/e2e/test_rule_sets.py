"""Rule sets through their lifecycle: draft, sandbox replay, canary for a slice with both
arms compared, rollback at once, activation and its rollback; the gates between them."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient
from typer.testing import CliRunner

from orderhub.bootstrap import Hub
from orderhub.cli.app import app as cli
from tests.api import api_client
from tests.conftest import Clock
from tests.factories import ADDRESS_JSON, seed_network


def post(client: TestClient, ext: str, channel: str = "web") -> dict[str, Any]:
    r = client.post("/v1/orders", json={
        "external_id": ext, "channel": channel, "currency": "CNY",
        "shipping_address": ADDRESS_JSON,
        "lines": [{"sku": "A", "quantity": 1, "unit_price": "10.00"}]})
    assert r.status_code == 201, r.text
    body: dict[str, Any] = r.json()
    return body


def arm(client: TestClient, oid: str) -> str:
    return str(client.get(f"/v1/orders/{oid}/routing").json()[-1]["rule_set"])


NO_SH = {"code": "no-sh-web", "description": "web orders not from SH",
         "when": {"channel": ["web"]}, "then": {"exclude_sites": ["SH"]}}


def test_draft_sandbox_canary_rollback(hub: Hub, database_url: str, clock: Clock) -> None:
    seed_network(hub, {("A", "SH"): 500, ("A", "BJ"): 500})
    with api_client(hub) as client:
        for i in range(30):
            post(client, f"P-{i}", "web" if i % 3 else "tmall")
        r = client.post("/v1/rules/sets", json={"rules": [NO_SH], "reason": "SH for Tmall"})
        assert r.status_code == 201, r.text
        rs = r.json()
        assert (rs["state"], rs["version"], rs["warnings"]) == ("draft", 1, [])
        early = client.post(f"/v1/rules/sets/{rs['id']}/canary",
                            json={"slice": {"percent": 50}, "reason": "try"})
        assert early.status_code == 409 and "passing sandbox run" in early.json()["detail"]

        report = client.post(f"/v1/rules/sets/{rs['id']}/simulate", json={}).json()
        assert report["orders"] == 30 and report["passed"] is True
        assert report["orders_changed"] == 20  # the web orders move from SH to BJ
        assert report["draft"]["cost_per_order"] > report["live"]["cost_per_order"]
        assert report["delta"]["hold_rate"] == 0
        assert report["rule_hits"] == {"no-sh-web": 20} and report["never_matched"] == []
        assert report["examples"][0]["live"]["sites"] == ["SH"]
        assert report["examples"][0]["draft"]["sites"] == ["BJ"]
        assert {s["scenario"] for s in report["scenarios"]} == {
            "as_is", "site_closed", "carrier_down", "demand_doubled"}
        assert client.get(f"/v1/rules/sets/{rs['id']}").json()["state"] == "tested"
        assert client.get("/v1/routing/rules").json() == []  # nothing live changed

        clock.now += timedelta(minutes=5)
        r = client.post(f"/v1/rules/sets/{rs['id']}/canary",
                        json={"slice": {"percent": 50}, "reason": "half of new orders"})
        assert r.status_code == 200 and r.json()["state"] == "canary"
        new = [post(client, f"C-{i}") for i in range(24)]
        arms = {o["id"]: arm(client, o["id"]) for o in new}
        canary = [o for o in new if arms[o["id"]] == "canary v1"]
        assert 4 <= len(canary) <= 20  # a stable hash of the order id picks the slice
        assert all(o["shipments"][0]["warehouse"] == "BJ" for o in canary)
        assert all(o["shipments"][0]["warehouse"] == "SH" for o in new if o not in canary)
        ab = client.get(f"/v1/rules/sets/{rs['id']}/compare").json()
        assert ab["arms"]["canary v1"]["orders"] == len(canary)
        assert ab["arms"]["live"]["orders"] == len(new) - len(canary)
        assert ab["arms"]["canary v1"]["cost_per_order"] > ab["arms"]["live"]["cost_per_order"]

        r = client.post(f"/v1/rules/sets/{rs['id']}/rollback", json={"reason": "too dear"})
        assert r.json()["state"] == "retired"
        assert all(arm(client, post(client, f"R-{i}")["id"]) == "live" for i in range(6))
        assert client.get("/v1/audit/verify").json()["ok"] is True

    out = CliRunner().invoke(cli, ["rules", "sets"], env={"ORDERHUB_DATABASE_URL": database_url,
                                                          "COLUMNS": "200"})
    assert out.exit_code == 0 and "retired" in out.output


def test_gates_refuse_unsafe_sets(hub: Hub, database_url: str) -> None:
    seed_network(hub, {("A", "SH"): 500, ("A", "BJ"): 500})
    with api_client(hub) as client:
        for i in range(10):
            post(client, f"G-{i}")
        hold_all = {"code": "review-all", "when": {"channel": ["web"]},
                    "then": {"hold": "manual review"}}
        rs = client.post("/v1/rules/sets", json={"rules": [hold_all], "reason": "x"}).json()
        report = client.post(f"/v1/rules/sets/{rs['id']}/simulate", json={}).json()
        assert report["passed"] is False
        assert report["failures"] == ["holds 100.0% of the replayed orders that the live "
                                      "rules do not, or by its own rules (threshold 5.0%)"]
        assert report["draft"]["held_by_rules"] == 10
        assert client.get(f"/v1/rules/sets/{rs['id']}").json()["state"] == "draft"

        both = [{"code": "only-sh", "when": {}, "then": {"only_sites": ["SH"]}},
                {"code": "no-sh", "when": {"channel": ["web"]},
                 "then": {"exclude_sites": ["SH"]}}]
        rs = client.post("/v1/rules/sets", json={"rules": both, "reason": "x"}).json()
        assert rs["warnings"] == ["rules only-sh and no-sh can match the same order and one "
                                  "sends it only to SH, which the other excludes"]
        report = client.post(f"/v1/rules/sets/{rs['id']}/simulate", json={}).json()
        assert report["passed"] is False and report["failures"][0].startswith("contradictions")

        bad = client.post("/v1/rules/sets", json={"rules": [{"code": "x", "then": {}}],
                                                  "reason": "x"})
        assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "rules.0.then"
        assert client.post("/v1/rules/sets/999/simulate", json={}).status_code == 404
        assert client.post("/v1/rules/sets", json={"rules": [], "reason": "x"}
                           ).status_code == 422


def test_activate_and_roll_back_an_active_set(hub: Hub, database_url: str) -> None:
    seed_network(hub, {("A", "SH"): 500, ("A", "BJ"): 500})
    env = {"ORDERHUB_DATABASE_URL": database_url, "COLUMNS": "200"}
    with api_client(hub) as client:
        client.put("/v1/routing/rules/old-rule", json={
            "when": {"channel": ["tmall"]}, "then": {"exclude_sites": ["BJ"]}, "reason": "x"})
        for i in range(5):
            post(client, f"A-{i}")
    runner = CliRunner()
    out = runner.invoke(cli, ["rules", "draft", "--reason", "copy"], env=env)
    assert out.exit_code == 0 and "draft, 1 routing rule(s), 13 validation check(s)" in out.output
    with api_client(hub) as client:
        set_id = client.post("/v1/rules/sets", json={"rules": [NO_SH], "reason": "new"}
                             ).json()["id"]
    # The CLI's clock is the real one; the test's orders are dated 2026-11-24.
    out = runner.invoke(cli, ["rules", "simulate", str(set_id), "--since", "3650d"], env=env)
    assert out.exit_code == 0, out.output
    assert "5 orders replayed" in out.output and "passed" in out.output
    out = runner.invoke(cli, ["rules", "canary", str(set_id), "--channel", "web",
                              "--reason", "web first"], env=env)
    assert out.exit_code == 0 and '"channels": ["web"]' in out.output
    out = runner.invoke(cli, ["rules", "activate", str(set_id), "--reason", "looks good"],
                        env=env)
    assert out.exit_code == 0, out.output
    hub.strategy.refresh()  # the CLI is another process: the API sees it within 2 s
    with api_client(hub) as client:
        live = {r["code"]: r["enabled"] for r in client.get("/v1/routing/rules").json()}
        assert live == {"no-sh-web": True, "old-rule": False}
        assert post(client, "A-10")["shipments"][0]["warehouse"] == "BJ"
        r = client.post(f"/v1/rules/sets/{set_id}/rollback", json={"reason": "complaints"})
        assert r.status_code == 200
        live = {r["code"]: r["enabled"] for r in client.get("/v1/routing/rules").json()}
        assert live == {"no-sh-web": False, "old-rule": True}
        assert post(client, "A-11")["shipments"][0]["warehouse"] == "SH"
    out = runner.invoke(cli, ["rules", "simulate", str(set_id), "--since", "soon"], env=env)
    assert out.exit_code == 2 and "write a number of days (up to 3650)" in out.output


def test_review_regressions(hub: Hub, database_url: str, clock: Clock) -> None:
    seed_network(hub, {("A", "SH"): 5, ("B", "BJ"): 5})
    with api_client(hub) as client:
        # A stock rule on B must read B's real stock for an order without B.
        client.put("/v1/routing/rules/low-b", json={
            "when": {"stock_below": {"sku": "B", "site": "BJ", "units": 3}},
            "then": {"hold": "check B"}, "reason": "x"})
        assert post(client, "RG-1")["status"] == "allocated"
        # Replays use stock on hand, so orders that took all of it do not fail every set.
        for i in range(2, 6):
            post(client, f"RG-{i}")
        harmless = {"code": "prefer-sh", "when": {"channel": ["web"]},
                    "then": {"prefer_sites": ["SH"], "bonus": "1"}}
        rs = client.post("/v1/rules/sets", json={"rules": [harmless], "reason": "x"}).json()
        report = client.post(f"/v1/rules/sets/{rs['id']}/simulate", json={}).json()
        assert report["live"]["held"] == 0, report
        assert report["passed"] is True, report["failures"]
        client.post("/v1/inventory/receipts", json={"sku": "A", "warehouse": "SH",
                                                    "quantity": 50})
        # Slices name real places and channels, as rules do.
        bad = client.post(f"/v1/rules/sets/{rs['id']}/canary",
                          json={"slice": {"regions": ["narnia"]}, "reason": "x"})
        assert bad.status_code == 422
        bad = client.post(f"/v1/rules/sets/{rs['id']}/canary",
                          json={"slice": {"channels": ["nope"]}, "reason": "x"})
        assert bad.status_code == 422
        clock.now += timedelta(minutes=1)
        ok = client.post(f"/v1/rules/sets/{rs['id']}/canary",
                         json={"slice": {"regions": ["华东"]}, "reason": "east first"})
        assert ok.json()["slice"] == {"regions": ["east"]}
        assert arm(client, post(client, "RG-9")["id"]) == "canary v1"
        clock.now += timedelta(minutes=1)
        client.post(f"/v1/rules/sets/{rs['id']}/rollback", json={"reason": "done"})
        # A later canary's orders do not count in the first one's comparison.
        rs2 = client.post("/v1/rules/sets", json={"rules": [harmless],
                                                  "reason": "again"}).json()
        client.post(f"/v1/rules/sets/{rs2['id']}/simulate", json={})
        clock.now += timedelta(minutes=1)
        client.post(f"/v1/rules/sets/{rs2['id']}/canary",
                    json={"slice": {"percent": 100}, "reason": "all"})
        post(client, "RG-10")
        first = client.get(f"/v1/rules/sets/{rs['id']}/compare").json()["arms"]
        assert first == {"canary v1": first["canary v1"]} and first["canary v1"]["orders"] == 1
        assert client.post(f"/v1/rules/sets/{rs2['id']}/activate",
                           json={"reason": "   "}).status_code == 422
