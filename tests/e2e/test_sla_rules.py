"""SLA facts in rules, through the API (SQLite and PostgreSQL): a routing rule written as a
sentence (English and Chinese) on the promise slack under the SLA policy, a CEL rule on
the SLA ship-by time, and the promise_possible check holding an order whose promise the
SLA can no longer keep (its reason in Chinese too). The tests' clock is Tuesday
2026-11-24 10:00 in Shanghai; under the built-in SLA policy a next-day order has about
8 hours of slack then, a standard one about a day, a same-day one none (-6 h)."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from orderhub.bootstrap import Hub
from tests.api import api_client
from tests.factories import ADDRESS_JSON, seed_network


def post(client: TestClient, ext: str, service_level: str) -> dict[str, Any]:
    r = client.post("/v1/orders", json={
        "external_id": ext, "channel": "web", "currency": "CNY", "service_level": service_level,
        "shipping_address": ADDRESS_JSON,
        "lines": [{"sku": "A", "quantity": 1, "unit_price": "10.00"}]})
    assert r.status_code == 201, r.text
    return dict(r.json())


def decision(client: TestClient, oid: str) -> dict[str, Any]:
    r = client.get(f"/v1/orders/{oid}/routing")
    assert r.status_code == 200, r.text
    return dict(r.json()[-1])


def test_promise_slack_routes_and_holds(hub: Hub) -> None:
    seed_network(hub, {("A", "SH"): 50})
    with api_client(hub) as client:
        en = client.post("/v1/routing/rules/from-text", json={
            "text": "if the promise slack is under 12 hours then use carrier SF",
            "code": "tight-sf"})
        assert en.status_code == 200, en.text
        rule = en.json()["rule"]
        assert rule["when"] == {"slack_below_hours": "12"}
        assert rule["then"] == {"only_carriers": ["SF"]}
        zh = client.post("/v1/routing/rules/from-text", json={
            "text": "当承诺余量少于12小时时，用顺丰", "code": "tight-sf"})
        assert zh.status_code == 200 and zh.json()["language"] == "zh"
        assert (zh.json()["rule"]["when"], zh.json()["rule"]["then"]) == (
            rule["when"], rule["then"])
        bad = client.post("/v1/routing/rules/from-text", json={
            "text": "if the promise slack is under 12 hours then use carrier XX"})
        assert bad.status_code == 422 and "unknown carrier: XX" in bad.text
        r = client.put("/v1/routing/rules/tight-sf", json={
            "when": rule["when"], "then": rule["then"], "reason": "tight promises go by SF"})
        assert r.status_code == 200, r.text

        standard = post(client, "S-1", "standard")  # about a day of slack
        next_day = post(client, "N-1", "next_day")  # about 8 hours
        assert standard["status"] == next_day["status"] == "allocated"
        tight = decision(client, next_day["id"])
        assert "carriers limited to SF by rule tight-sf v1" in tight["notes"]
        assert tight["rules_matched"] == ["rule tight-sf v1"]
        assert [s["service"] for s in tight["chosen"]["shipments"]] == ["SF:express"]
        loose = decision(client, standard["id"])
        assert loose["rules_matched"] == []
        assert [s["service"] for s in loose["chosen"]["shipments"]] == ["ZTO:standard"]

        # A CEL condition on the SLA ship-by time and the service level's target.
        r = client.put("/v1/routing/rules/ship-soon", json={
            "when": {"expression": "order.ship_by_hours < 12.0 && "
                                   "order.delivery_target_hours <= 16.0"},
            "then": {"notify": "ships within 12 h", "notify_to": ["warehouse"]},
            "reason": "heads-up"})
        assert r.status_code == 200, r.text
        hot = post(client, "N-2", "next_day")
        types = [e["type"] for e in client.get(f"/v1/orders/{hot['id']}/timeline").json()]
        assert "RuleNotification" in types
        cool = post(client, "S-2", "economy")
        types = [e["type"] for e in client.get(f"/v1/orders/{cool['id']}/timeline").json()]
        assert "RuleNotification" not in types

        # The sandbox replays the check with each order's SLA facts as intake saw them.
        early = post(client, "D-0", "same_day")
        assert early["status"] == "allocated"  # no check yet
        check = {"code": "promise-check", "then": {"check": "promise_possible"}}
        rs = client.post("/v1/rules/sets", json={"rules": [check], "reason": "try it"}).json()
        report = client.post(f"/v1/rules/sets/{rs['id']}/simulate", json={}).json()
        assert report["validation_changed"] == 1, report["examples"]
        [ex] = [e for e in report["examples"] if e["stage"] == "validation"]
        assert ex["order_id"] == early["id"]
        assert ex["draft"]["held"] == ["promise_impossible"] and ex["live"]["held"] == []

        # Validation: hold what the SLA can no longer deliver on time, said in Chinese too.
        r = client.put("/v1/routing/rules/promise-check", json={
            "description": "hold orders whose promise the SLA cannot keep",
            "then": {"check": "promise_possible"}, "reason": "no broken promises"})
        assert r.status_code == 200, r.text
        checks = {c["code"]: c for c in client.get("/v1/validation/rules").json()}
        assert checks["promise-check"]["level"] == "availability"
        same_day = post(client, "D-1", "same_day")
        assert same_day["status"] == "on_hold"
        [reason] = same_day["hold_reasons"]
        assert reason["code"] == "promise_impossible"
        assert "cannot be kept under the SLA" in reason["message"]
        assert "无法兑现交付承诺" in reason["details"]["message_zh"]
        assert reason["details"]["slack_hours"] < 0
        assert post(client, "S-3", "standard")["status"] == "allocated"
        r = client.put("/v1/routing/rules/promise-check", json={
            "then": {"check": "promise_possible", "params": {"min_slack_hours": "soon"}},
            "reason": "x"})
        assert r.status_code == 422
        assert r.json()["errors"][0]["field"] == "then.params.min_slack_hours"
