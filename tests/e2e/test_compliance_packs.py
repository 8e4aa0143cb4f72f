"""Compliance packs over HTTP and the CLI: listed and shown with their sources, enabled by
a rules author as a draft (activation needs the approver's scope), overridden with
field-level errors for bad input, an unknown country a 404 / a clear CLI error."""

from __future__ import annotations

from fastapi.testclient import TestClient
from typer.testing import CliRunner

from orderhub.bootstrap import Hub
from orderhub.cli.app import app as cli
from tests.api import api_client


def test_packs_over_http(hub: Hub) -> None:
    with api_client(hub) as client:
        packs = client.get("/v1/compliance/packs").json()
        assert {p["country"] for p in packs} >= {"CN", "US", "DE", "GB", "JP", "KR", "AU",
                                                  "SG", "HK"}
        cn = client.get("/v1/compliance/packs/cn").json()
        assert cn["version"] == "2026.12.2" and cn["enabled"] is False
        assert all(r["source"]["url"].startswith("http") for r in cn["rules"])
        us = client.get("/v1/compliance/packs/US").json()
        assert any("2025-08-29" in r["description"] for r in us["rules"])

        r = client.get("/v1/compliance/packs/XX")
        assert r.status_code == 404 and "no compliance pack for country 'XX'" in r.text
        r = client.post("/v1/compliance/packs/ZZ/enable", json={"reason": "x"})
        assert r.status_code == 404

        bad = client.post("/v1/compliance/packs/CN/overrides", json={
            "rule": "pack.CN.single-limit", "params": {"limit": {"amount": "lots"}},
            "reason": "x"})
        assert bad.status_code == 422, bad.text
        assert "params.limit" in bad.text
        bad = client.post("/v1/compliance/packs/CN/overrides", json={
            "rule": "pack.CN.single-limit", "reason": "nothing"})
        assert bad.status_code == 422 and "params" in bad.text
        bad = client.post("/v1/compliance/packs/CN/overrides", json={"rule": "x", "enabled": 1,
                                                                     "reason": "x"})
        assert bad.status_code == 422 and "enabled" in bad.text

    author: TestClient
    with api_client(hub, role="rules_author") as author:
        r = author.post("/v1/compliance/packs/GB/enable", json={"reason": "UK shop",
                                                                "activate": True})
        assert r.status_code == 403 and "rules:approve" in r.text
        r = author.post("/v1/compliance/packs/GB/enable", json={"reason": "UK shop"})
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["enabled"] and body["rule_set"]["state"] == "draft"
        assert body["rule_set"]["changes_from_live"]["added"] == ["pack.GB.prohibited",
                                                                  "pack.GB.vat-135"]
    with api_client(hub, role="analyst") as analyst:
        assert analyst.post("/v1/compliance/packs/GB/disable",
                            json={"reason": "x"}).status_code == 403


def test_packs_from_the_cli(hub: Hub, database_url: str) -> None:
    env = {"ORDERHUB_DATABASE_URL": database_url, "COLUMNS": "200"}
    runner = CliRunner()
    out = runner.invoke(cli, ["compliance", "list"], env=env)
    assert out.exit_code == 0 and "CN" in out.output and "2026.12.2" in out.output
    out = runner.invoke(cli, ["compliance", "show", "KR"], env=env)
    assert out.exit_code == 0 and "개인통관고유부호" in out.output
    out = runner.invoke(cli, ["compliance", "show", "XX"], env=env)
    assert out.exit_code == 3 and "no compliance pack for country 'XX'" in out.output
    out = runner.invoke(cli, ["compliance", "enable", "CN", "--reason", "Tmall Global",
                              "--activate"], env=env)
    assert out.exit_code == 0, out.output
    assert "activated (shortcut: no sandbox, no canary)" in out.output
    out = runner.invoke(cli, ["compliance", "override", "CN", "pack.CN.single-limit",
                              "--param", 'limit={"amount": "3000", "currency": "CNY"}',
                              "--reason", "broker ceiling"], env=env)
    assert out.exit_code == 0 and "drafted" in out.output, out.output
    out = runner.invoke(cli, ["compliance", "override", "CN", "pack.CN.single-limit",
                              "--param", "limit=3000", "--reason", "x"], env=env)
    assert out.exit_code == 1 and "params.limit" in out.output
    out = runner.invoke(cli, ["--lang", "zh", "compliance", "show", "XX"], env=env)
    assert out.exit_code == 3 and "没有国家 'XX' 的合规规则包" in out.output
