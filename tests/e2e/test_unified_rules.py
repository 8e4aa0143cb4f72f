"""One rule model: validation checks, routing rules, notifications and CEL expressions travel
together through rule sets (sandbox, canary, activation, rollback), export and import."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from typer.testing import CliRunner

from orderhub.bootstrap import Hub
from orderhub.cli.app import app as cli
from tests.api import api_client
from tests.conftest import Clock
from tests.factories import ADDRESS_JSON, seed_network


def post(client: TestClient, ext: str, channel: str = "web", price: str = "7.00",
         quantity: int = 1) -> dict[str, Any]:
    r = client.post("/v1/orders", json={
        "external_id": ext, "channel": channel, "currency": "CNY",
        "shipping_address": ADDRESS_JSON,
        "lines": [{"sku": "A", "quantity": quantity, "unit_price": price}]})
    assert r.status_code == 201, r.text
    body: dict[str, Any] = r.json()
    return body


TMALL_FLOOR = {"code": "C6-tmall-floor", "description": "Tmall sells at 80% of list or more",
               "when": {"channel": ["tmall"]},
               "then": {"check": "price_floor", "params": {"min_ratio_of_list": "0.8"}}}
BIG_WEB = {"code": "big-web", "description": "ops hear of web orders above 60 yuan",
           "when": {"expression": "order.value > 60.0 && order.channel == 'web'"},
           "then": {"notify": "large web order", "notify_to": ["ops"]}}


def codes(order: dict[str, Any]) -> list[str]:
    return sorted(r["code"] for r in order.get("hold_reasons", []))


def test_checks_and_notifications_through_the_lifecycle(hub: Hub, clock: Clock) -> None:
    seed_network(hub, {("A", "SH"): 500})
    with api_client(hub) as client:
        for i in range(5):  # 7.00 against a list price of 10.00: above the live 50% floor
            assert post(client, f"W-{i}")["status"] == "allocated"
            assert post(client, f"T-{i}", "tmall")["status"] == "allocated"
        rs = client.post("/v1/rules/sets", json={"rules": [TMALL_FLOOR, BIG_WEB],
                                                 "reason": "Tmall price policy"}).json()
        assert rs["warnings"] == []
        assert rs["changes_from_live"] == {"added": ["C6-tmall-floor", "big-web"],
                                           "switched_off": [], "changed": {}}
        assert rs["rules"][0]["then"]["level"] == "compliance"  # the check's own level

        report = client.post(f"/v1/rules/sets/{rs['id']}/simulate",
                             json={"hold_threshold": 0.6}).json()
        assert report["validation_changed"] == 5, report
        assert report["validation_differs_from_what_happened"] == 5  # all passed at intake
        assert report["draft"]["held_by_checks"] == 5 and report["live"]["held_by_checks"] == 0
        assert report["delta"]["hold_rate"] == 0.5
        assert report["rule_hits"]["C6-tmall-floor"] == 5
        example = next(e for e in report["examples"] if e["stage"] == "validation")
        assert example["draft"] == {"held": ["price_below_floor"]}
        assert report["passed"] is True, report["failures"]
        strict = client.post(f"/v1/rules/sets/{rs['id']}/simulate", json={}).json()
        assert strict["passed"] is False and "holds 50.0%" in strict["failures"][0]
        client.post(f"/v1/rules/sets/{rs['id']}/simulate", json={"hold_threshold": 0.6})

        r = client.post(f"/v1/rules/sets/{rs['id']}/canary",
                        json={"slice": {"channels": ["tmall"]}, "reason": "Tmall first"})
        assert r.status_code == 200, r.text
        held = post(client, "T-10", "tmall")
        assert held["status"] == "on_hold" and codes(held) == ["price_below_floor"]
        assert post(client, "W-10")["status"] == "allocated"  # not in the slice
        wave = client.post("/v1/routing/waves", json={"dry_run": True}).json()
        assert (wave["considered"], wave["canary_kept"]) == (6, 5)  # canary orders kept
        arms = client.get(f"/v1/rules/sets/{rs['id']}/compare").json()["arms"]
        assert arms[f"canary v{rs['version']}"]["hold_rate"] == 1.0
        assert arms["live"]["hold_rate"] == 0.0
        trail = client.get("/v1/audit", params={"subject": held["id"]}).json()
        assert any(e["detail"].get("rule_set") == f"canary v{rs['version']}"
                   for e in trail)

        r = client.post(f"/v1/rules/sets/{rs['id']}/activate", json={"reason": "good"})
        assert r.status_code == 200, r.text
        checks = {c["code"]: c for c in client.get("/v1/validation/rules").json()}
        assert checks["C6-tmall-floor"]["when"] == {"channel": ["tmall"]}
        assert checks["C6-tmall-floor"]["enabled"] is True
        assert checks["C5-price-floor"]["params"] == {"min_ratio_of_list": "0.5"}  # untouched
        assert codes(post(client, "T-11", "tmall")) == ["price_below_floor"]
        big = post(client, "W-11", price="70.00")
        assert big["status"] == "allocated"
        timeline = client.get(f"/v1/orders/{big['id']}/timeline").json()
        note = next(e for e in timeline if e["type"] == "RuleNotification")
        assert note["data"]["message"] == "large web order" and note["data"]["to"] == ["ops"]
        small = post(client, "W-12")
        assert not any(e["type"] == "RuleNotification"
                       for e in client.get(f"/v1/orders/{small['id']}/timeline").json())

        exported = client.get("/v1/routing/rules/export").json()["rules"]
        assert {"big-web", "C6-tmall-floor", "F1-required"} <= {d["code"] for d in exported}

        r = client.post(f"/v1/rules/sets/{rs['id']}/rollback", json={"reason": "too strict"})
        assert r.status_code == 200, r.text
        checks = {c["code"]: c for c in client.get("/v1/validation/rules").json()}
        assert checks["C6-tmall-floor"]["enabled"] is False
        assert post(client, "T-12", "tmall")["status"] == "allocated"
        history = client.get("/v1/validation/rules/C6-tmall-floor/history").json()
        assert [h["version"] for h in history] == [1, 2]
        assert client.get("/v1/audit/verify").json()["ok"] is True


def test_bad_rules_get_field_errors(hub: Hub) -> None:
    seed_network(hub, {("A", "SH"): 5})
    cases = [
        ({"when": {"expression": "order.value >"}}, "when.expression", "not valid CEL"),
        ({"when": {"expression": "order.valeu > 1.0"}}, "when.expression",
         "order.valeu is not a field"),
        ({"when": {"expression": "shop.value > 1.0"}}, "when.expression", "unknown name"),
        ({"when": {"expression": "order.value + 'a' == 1"}}, "when.expression",
         "cannot be evaluated"),
        ({"when": {"expression": "order.units"}}, "when.expression", "true or false"),
        ({"then": {"check": "price_flor"}}, "then.check", "unknown check"),
        ({"then": {"check": "price_floor", "params": {"min_ratio_of_list": "2"}}},
         "then.params.min_ratio_of_list", "a ratio 0..1"),
        ({"then": {"check": "price_floor", "exclude_sites": ["SH"]}}, "then.exclude_sites",
         "a check runs at intake"),
        ({"when": {"site_closed": ["SH"]}, "then": {"check": "price_floor"}},
         "when.site_closed", "known only when routing"),
        ({"then": {"notify_to": ["ops"]}}, "then.notify", "needs the message"),
        ({"then": {"params": {"x": 1}, "hold": "x"}}, "then.params", "only with a check"),
    ]
    with api_client(hub) as client:
        for body, loc, message in cases:
            doc = {"when": {}, "then": {"notify": "x"}, "reason": "x"}
            doc.update(body)
            r = client.put("/v1/routing/rules/bad", json=doc)
            assert r.status_code == 422, (body, r.text)
            errors = {e["field"]: e["message"] for e in r.json()["errors"]}
            assert any(k.endswith(loc) and message in v for k, v in errors.items()), errors
        assert client.get("/v1/routing/rules").json() == []


def test_expression_rules_route_and_round_trip_through_files(
        hub: Hub, database_url: str, tmp_path: Path) -> None:
    seed_network(hub, {("A", "SH"): 50, ("A", "BJ"): 50})
    env = {"ORDERHUB_DATABASE_URL": database_url}
    with api_client(hub) as client:
        r = client.put("/v1/routing/rules/bulk-to-bj", json={
            "when": {"expression": "order.lines.exists(l, l.sku == 'A' && l.quantity >= 5)"},
            "then": {"only_sites": ["BJ"]}, "reason": "bulk from BJ"})
        assert r.status_code == 200, r.text
        assert post(client, "E-1", quantity=5)["shipments"][0]["warehouse"] == "BJ"
        assert post(client, "E-2", quantity=1)["shipments"][0]["warehouse"] == "SH"
    runner = CliRunner()
    path = tmp_path / "rules.json"
    out = runner.invoke(cli, ["routing", "rules", "export", str(path)], env=env)
    assert out.exit_code == 0, out.output
    doc = json.loads(path.read_text())
    rules = {d["code"]: d for d in doc["rules"]}
    assert rules["bulk-to-bj"]["when"]["expression"].startswith("order.lines.exists")
    rules["C3-quantity"]["then"]["params"]["window_days"] = 7
    path.write_text(json.dumps(doc))
    out = runner.invoke(cli, ["routing", "rules", "import", str(path), "--reason", "from git"],
                        env=env)
    assert out.exit_code == 0, out.output
    assert "C3-quantity: v2" in out.output and "bulk-to-bj: v1 (unchanged)" in out.output
    with api_client(hub) as client:
        checks = {c["code"]: c for c in client.get("/v1/validation/rules").json()}
        assert checks["C3-quantity"]["params"]["window_days"] == 7
    # A set copied from the live rules, written to a file, drafted again: no change.
    out = runner.invoke(cli, ["rules", "draft", "--reason", "copy"], env=env)
    assert "1 routing rule(s), 13 validation check(s)" in out.output, out.output
    assert "no change from the live rules" in out.output
    kept = tmp_path / "set.yaml"
    out = runner.invoke(cli, ["rules", "show", "1", "--export", str(kept)], env=env)
    assert out.exit_code == 0 and "14 rule(s) written" in out.output, out.output
    text = kept.read_text().replace("window_days: 7", "window_days: 14")
    kept.write_text(text)
    out = runner.invoke(cli, ["rules", "draft", str(kept), "--reason", "longer window"],
                        env=env)
    assert out.exit_code == 0, out.output
    assert 'changed C3-quantity.then: {"check": "quantity_limit"' in out.output


def test_sandbox_can_draw_stock_down_in_order_time(hub: Hub) -> None:
    seed_network(hub, {("A", "SH"): 3})
    with api_client(hub) as client:
        statuses = [post(client, f"D-{i}")["status"] for i in range(5)]
        assert statuses.count("allocated") == 3  # the other two wait for stock
        harmless = {"code": "prefer-sh", "when": {"channel": ["web"]},
                    "then": {"prefer_sites": ["SH"], "bonus": "1"}}
        rs = client.post("/v1/rules/sets", json={"rules": [harmless], "reason": "x"}).json()
        alone = client.post(f"/v1/rules/sets/{rs['id']}/simulate", json={}).json()
        assert alone["live"]["routed"] == 5 and alone["draw_down"] is False
        run = client.post(f"/v1/rules/sets/{rs['id']}/simulate",
                          json={"draw_down": True, "hold_threshold": 1}).json()
        assert (run["live"]["routed"], run["live"]["held"]) == (3, 2)
        assert (run["draft"]["routed"], run["draft"]["held"]) == (3, 2)


def test_rules_on_carrier_state_and_store_slices(hub: Hub) -> None:
    seed_network(hub, {("A", "SH"): 50, ("A", "BJ"): 50})
    with api_client(hub) as client:
        r = client.post("/v1/routing/rules/from-text", json={
            "text": "当中通停运时，通知运营并只从BJ发货", "code": "zto-down"})
        assert r.status_code == 200, r.text
        rule = r.json()["rule"]
        assert rule["when"] == {"carrier_down": ["ZTO"]}
        rule.pop("code")
        r = client.put("/v1/routing/rules/zto-down", json={**rule, "reason": "DR plan"})
        assert r.status_code == 200, r.text
        first = post(client, "Z-1")
        assert first["shipments"][0]["warehouse"] == "SH"  # ZTO is up: the rule sleeps
        client.patch("/v1/carriers/ZTO:standard", json={"state": "down", "reason": "outage"})
        second = post(client, "Z-2")
        assert second["shipments"][0]["warehouse"] == "BJ"
        assert any(e["type"] == "RuleNotification" for e in
                   client.get(f"/v1/orders/{second['id']}/timeline").json())
        bad = client.put("/v1/routing/rules/x", json={
            "when": {"carrier_down": ["ZT0"]}, "then": {"notify": "x"}, "reason": "x"})
        assert bad.status_code == 422 and "unknown carrier: ZT0" in bad.text

        rs = client.post("/v1/rules/sets", json={"reason": "copy"}).json()
        client.post(f"/v1/rules/sets/{rs['id']}/simulate", json={"hold_threshold": 1})
        bad = client.post(f"/v1/rules/sets/{rs['id']}/canary",
                          json={"slice": {"stores": ["NOPE"]}, "reason": "x"})
        assert bad.status_code == 422 and "unknown store: NOPE" in bad.text


def test_decision_tables_stand_for_one_rule_per_row(hub: Hub, database_url: str,
                                                    tmp_path: Path) -> None:
    seed_network(hub, {("A", "SH"): 50, ("A", "BJ"): 50})
    table = {"table": "by-channel", "description": "where each channel ships from",
             "when": ["channel", "customer_tier"], "then": ["only_sites", "notify"],
             "rows": [[["tmall"], None, ["BJ"], None],
                      [["web"], ["VIP"], None, "VIP web order"]]}
    path = tmp_path / "table.yaml"
    import yaml
    path.write_text(yaml.safe_dump({"rules": [table]}, allow_unicode=True))
    env = {"ORDERHUB_DATABASE_URL": database_url}
    out = CliRunner().invoke(cli, ["routing", "rules", "import", str(path), "--reason", "t"],
                             env=env)
    assert out.exit_code == 0, out.output
    assert "by-channel.1: v1" in out.output and "by-channel.2: v1" in out.output
    hub.strategy.refresh()
    with api_client(hub) as client:
        assert post(client, "TB-1", "tmall")["shipments"][0]["warehouse"] == "BJ"
        assert post(client, "TB-2")["shipments"][0]["warehouse"] == "SH"
        rules = {r["code"]: r for r in client.get("/v1/routing/rules").json()}
        assert rules["by-channel.2"]["when"] == {"customer_tier": ["VIP"], "channel": ["web"]}
        for rows, field, message in (
                ([[["tmall"], None, ["BJ"]]], "rules.0.rows.0", "4 cells"),
                ([[["tmall"], None, ["BJ"], None], [["nope"], None, ["BJ"], None]],
                 "rules.0.rows.1.when.channel", "unknown channel: nope")):
            r = client.post("/v1/rules/sets", json={"rules": [{**table, "rows": rows}],
                                                     "reason": "x"})
            assert r.status_code == 422
            errors = {e["field"]: e["message"] for e in r.json()["errors"]}
            assert message in errors[field], errors
        r = client.post("/v1/rules/sets", json={"rules": [{**table, "when": ["chanel"]}],
                                                 "reason": "x"})
        assert r.status_code == 422 and "unknown column 'chanel'" in r.text


def _live(client: TestClient, rules: list[dict[str, Any]],
          slice_: dict[str, Any] | None = None) -> dict[str, Any]:
    """A set through sandbox and canary to active."""
    rs = client.post("/v1/rules/sets", json={"rules": rules, "reason": "r"})
    assert rs.status_code == 201, rs.text
    body: dict[str, Any] = rs.json()
    report = client.post(f"/v1/rules/sets/{body['id']}/simulate",
                         json={"hold_threshold": 1, "since_days": 365}).json()
    assert report["passed"], report["failures"]
    r = client.post(f"/v1/rules/sets/{body['id']}/canary",
                    json={"slice": slice_ or {"channels": ["tmall"]}, "reason": "r"})
    assert r.status_code == 200, r.text
    return body


def test_review_regressions_of_the_one_rule_model(hub: Hub, clock: Clock) -> None:
    seed_network(hub, {("A", "SH"): 500})
    with api_client(hub) as client:
        post(client, "R-0")
        # Rolling back a set activated on a tenant without routing rules switches its
        # routing rules off again.
        rs = _live(client, [{"code": "web-note", "when": {"channel": ["web"]},
                             "then": {"notify": "web order"}}])
        client.post(f"/v1/rules/sets/{rs['id']}/activate", json={"reason": "r"})
        client.post(f"/v1/rules/sets/{rs['id']}/rollback", json={"reason": "undo"})
        assert [(r["code"], r["enabled"]) for r in client.get("/v1/routing/rules").json()] \
            == [("web-note", False)]
        # Codes are unique across routing rules and checks.
        r = client.put("/v1/routing/rules/C5-price-floor", json={
            "when": {}, "then": {"exclude_sites": ["GZ"]}, "reason": "x"})
        assert r.status_code == 422 and "a validation check has this code" in r.text
        r = client.post("/v1/rules/sets", json={"reason": "x", "rules": [
            {"code": "web-note", "then": {"check": "sku_known"}}]})
        assert r.status_code == 422 and "a routing rule has this code" in r.text
        # Bad shapes are field errors, never 500s.
        for then in ({"check": ["price_floor"]}, {"check": "sku_known", "level": {}},
                     {"require_capability": ["cold_chain"]}):
            r = client.put("/v1/routing/rules/odd", json={"then": then, "reason": "x"})
            assert r.status_code == 422, (then, r.text)
        r = client.put("/v1/routing/rules/odd", json={
            "priority": 5, "then": {"check": "sku_known"}, "reason": "x"})
        assert r.status_code == 422 and "checks run by level" in r.text
        for expr, message in (("order.lines[1].quantity > 0", "cannot be evaluated"),
                              ("10 / (order.units - 1) > 0", "cannot be evaluated"),
                              ("order['value'] > 1.0", "not order[...]"),
                              ("order.lines.exists(l, l.skuu == 'A')", "l.skuu is not a field")):
            r = client.put("/v1/routing/rules/odd", json={
                "when": {"expression": expr}, "then": {"notify": "x"}, "reason": "x"})
            assert r.status_code == 422 and message in r.text, (expr, r.text)
        r = client.put("/v1/routing/rules/odd", json={
            "when": {"expression": "'SH' in network.closed"},
            "then": {"check": "sku_known"}, "reason": "x"})
        assert r.status_code == 422 and "known only when routing" in r.text
        # An expression that fails on a real order does not stop intake: a routing rule
        # does not match it, a check's scope does (the check runs).
        r = client.put("/v1/routing/rules/second-line", json={
            "when": {"expression": "order.units > 1 && order.lines[1].quantity > 0"},
            "then": {"notify": "x"}, "reason": "x"})
        assert r.status_code == 200, r.text
        r = client.put("/v1/routing/rules/overflow-floor", json={
            "when": {"expression": "order.value_fen * 100000000000000 > 0"},
            "then": {"check": "price_floor", "params": {"min_ratio_of_list": "0.8"}},
            "reason": "x"})
        assert r.status_code == 200, r.text
        held = post(client, "R-1", quantity=2, price="500.00")  # above the floor
        assert held["status"] == "allocated"
        cheap = post(client, "R-2", quantity=2)  # 7.00 < 8.00: the check ran
        assert codes(cheap) == ["price_below_floor"]


def test_each_quantity_limit_counts_over_its_own_window(hub: Hub, clock: Clock) -> None:
    seed_network(hub, {("A", "SH"): 500})
    with api_client(hub) as client:
        client.put("/v1/routing/rules/C3-quantity", json={
            "then": {"check": "quantity_limit",
                     "params": {"window_days": 30, "default_max_per_customer": 1}},
            "reason": "one per customer a month"})

        def buy(ext: str, channel: str = "web") -> dict[str, Any]:
            r = client.post("/v1/orders", json={
                "external_id": ext, "channel": channel, "currency": "CNY",
                "customer": {"ref": "cust-1"}, "shipping_address": ADDRESS_JSON,
                "lines": [{"sku": "A", "quantity": 1, "unit_price": "10.00"}]})
            assert r.status_code == 201, r.text
            body: dict[str, Any] = r.json()
            return body

        assert buy("Q-0")["status"] == "allocated"
        assert codes(buy("Q-1")) == ["quantity_limit"]  # within 30 days
        clock.now += timedelta(days=40)
        # A Tmall-only canary lengthens the window to 90 days; web orders keep 30.
        _live(client, [{"code": "C3-quantity", "then": {
            "check": "quantity_limit",
            "params": {"window_days": 90, "default_max_per_customer": 1}}}])
        assert buy("Q-2")["status"] == "allocated"
        assert codes(buy("Q-3", "tmall")) == ["quantity_limit"]


def test_second_review_regressions(hub: Hub, database_url: str) -> None:
    from sqlalchemy import update

    from orderhub.adapters.db import tables as t

    seed_network(hub, {("A", "SH"): 500})
    env = {"ORDERHUB_DATABASE_URL": database_url}
    runner = CliRunner()
    with api_client(hub) as client:
        post(client, "S-0")
        # Big sets: a cap on rules (table rows counted) and on contradictions kept.
        many = {"table": "t", "when": ["channel"], "then": ["exclude_sites", "only_sites"],
                "rows": [[["web"], ["GZ"], None] if i % 2 else [["web"], None, ["GZ"]]
                         for i in range(1000)]}
        r = client.post("/v1/rules/sets", json={"rules": [many, {**many, "table": "u"},
                                                          {**many, "table": "v"}],
                                                "reason": "x"})
        assert r.status_code == 422 and "at most 2,000 rules" in r.text
        r = client.post("/v1/rules/sets", json={"rules": [many], "reason": "x"})
        assert r.status_code == 201
        warnings = r.json()["warnings"]
        assert len(warnings) == 101 and warnings[-1].startswith("more contradictions")
        r = client.post("/v1/rules/sets", json={"rules": [{**many, "description": "x" * 481}],
                                                "reason": "x"})
        assert r.status_code == 422 and "480 characters" in r.text
        # A disabled live rule that a set switches on is a change, not an addition.
        client.put("/v1/routing/rules/off-rule", json={
            "when": {"channel": ["web"]}, "then": {"exclude_sites": ["GZ"]}, "enabled": False,
            "reason": "x"})
        rs = client.post("/v1/rules/sets", json={"reason": "x", "rules": [
            {"code": "off-rule", "when": {"channel": ["web"]},
             "then": {"exclude_sites": ["GZ"]}}]}).json()
        assert rs["changes_from_live"]["added"] == []
        assert rs["changes_from_live"]["changed"]["off-rule"] == {
            "enabled": {"before": False, "after": True}}
        # User text with markup in it does not break the CLI.
        markup = {"description": "[bold]odd[/x]", "when": {"channel": ["web"]},
                  "then": {"hold": "check [/x] now"}}
        odd = client.post("/v1/rules/sets", json={
            "reason": "x", "rules": [{"code": "markup", **markup}]}).json()
    out = runner.invoke(cli, ["rules", "simulate", str(odd["id"]), "--hold-threshold", "1",
                              "--since", "3650d"],
                        env=env)
    assert out.exception is None or isinstance(out.exception, SystemExit), out.output
    assert "check [/x] now" in " ".join(out.output.split()), out.output  # wrapped at 80
    with api_client(hub) as client:
        client.put("/v1/routing/rules/markup", json={**markup, "reason": "x"})
    out = runner.invoke(cli, ["routing", "rules", "list"], env=env)
    assert out.exit_code == 0 and "[bold]odd[/x]" in out.output, out.output
    # A live check stored before its parameters were checked blocks nothing.
    with api_client(hub) as client:
        client.patch("/v1/validation/rules/F3-phone", json={"enabled": True, "reason": "seed"})
        rs = _live(client, [{"code": "no-gz", "when": {}, "then": {"exclude_sites": ["GZ"]}}])
        client.post(f"/v1/rules/sets/{rs['id']}/activate", json={"reason": "r"})
        with hub.uow() as uow:
            uow.conn.execute(update(t.validation_rules).where(
                t.validation_rules.c.code == "F3-phone").values(params={"legacy": True}))
            uow.commit()
        assert client.get(f"/v1/rules/sets/{rs['id']}").status_code == 200
        copy = client.post("/v1/rules/sets", json={"reason": "copy"})
        assert copy.status_code == 201 and "F3-phone" in copy.json()["left_out"][0]
        r = client.post(f"/v1/rules/sets/{rs['id']}/rollback", json={"reason": "undo"})
        assert r.status_code == 200 and r.json()["state"] == "retired", r.text
