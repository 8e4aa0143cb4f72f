"""`orderhub exceptions ...` as an operator types it: the queue as JSON, a remedy shown,
proposed by one person and approved at the command line by another (the CLI's actor), a
substitution and the tier policy maintained."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from typer.testing import CliRunner

from orderhub.bootstrap import Hub
from orderhub.cli.app import app as cli
from tests.api import api_client
from tests.conftest import Clock
from tests.factories import ADDRESS_JSON, seed_network


def run(database_url: str, *args: str) -> str:
    out = CliRunner().invoke(cli, list(args), env={"ORDERHUB_DATABASE_URL": database_url,
                                                   "COLUMNS": "200"})
    assert out.exit_code == 0, out.output
    return out.output


def test_exceptions_cli(hub: Hub, database_url: str, tmp_path: Path, clock: Clock) -> None:
    clock.now = datetime.now(UTC)  # the CLI runs on the real clock: proposals must not lapse
    seed_network(hub, {("C", "GZ"): 5})
    with api_client(hub) as client:
        r = client.post("/v1/orders", json={
            "external_id": "CLI-EX", "channel": "web", "currency": "CNY",
            "shipping_address": ADDRESS_JSON,
            "lines": [{"sku": "B", "quantity": 2, "unit_price": "10.00"}]})
        oid = r.json()["id"]
        assert r.json()["status"] == "on_hold"
    policy = tmp_path / "policy.yaml"
    policy.write_text("l1:\n  remedies: []\n", encoding="utf-8")
    doc = json.loads(run(database_url, "exceptions", "policy", "--set", str(policy),
                         "--reason", "all by hand"))
    assert doc["version"] == 1 and doc["l1"]["remedies"] == []
    out = json.loads(run(database_url, "exceptions", "substitutions", "set", "B", "C",
                         "--ratio", "1"))
    assert out == {"sku": "B", "substitute": "C", "ratio": "1"}

    page = json.loads(run(database_url, "exceptions", "list", "--json", "--order", oid))
    [item] = page["items"]
    assert item["kind"] == "held" and item["state"] == "open"
    shown = json.loads(run(database_url, "exceptions", "show", item["id"], "--json"))
    sub = next(r for r in shown["remedies"] if r["kind"] == "substitute_sku")
    assert sub["plan"]["lines"] == [{"line_no": 1, "sku": "C", "quantity": 2}]
    assert "remedies (best first)" in run(database_url, "exceptions", "show", item["id"])

    with api_client(hub, role="operations") as ops:
        r = ops.post(f"/v1/exceptions/{item['id']}/remedies/{sub['n']}/apply", json={})
        assert r.status_code == 202, r.text
    assert "已批准" in run(database_url, "exceptions", "approve", item["id"], str(sub["n"]),
                           "--reason", "same product, other brand")
    bad = CliRunner().invoke(cli, ["exceptions", "approve", item["id"], str(sub["n"])],
                             env={"ORDERHUB_DATABASE_URL": database_url})
    assert bad.exit_code == 1 and "already approved" in bad.output
    with api_client(hub) as admin:
        r = admin.post(f"/v1/exceptions/{item['id']}/remedies/{sub['n']}/approve", json={})
        assert r.status_code == 200 and r.json()["outcome"] == "applied", r.text
        order = admin.get(f"/v1/orders/{oid}").json()
        assert order["status"] == "allocated"
        assert [(ln["sku"], ln["quantity"]) for ln in order["lines"]] == [("C", 2)]
        assert order["shipments"][0]["warehouse"] == "GZ"
    resolved = json.loads(run(database_url, "exceptions", "list", "--json", "--state",
                              "resolved"))
    assert [i["id"] for i in resolved["items"]] == [item["id"]]
    bad = CliRunner().invoke(cli, ["exceptions", "list", "--kind", "nope"],
                             env={"ORDERHUB_DATABASE_URL": database_url})
    assert bad.exit_code == 2 and "unknown kind" in bad.output
