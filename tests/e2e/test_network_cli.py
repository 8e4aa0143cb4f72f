"""The network and routing commands: what an operator types during an incident."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient
from typer.testing import CliRunner

from orderhub.bootstrap import Hub
from orderhub.cli.app import app as cli
from tests.api import api_client
from tests.conftest import Clock
from tests.factories import ADDRESS_JSON, seed_network


def run(database_url: str, *args: str) -> tuple[int, str]:
    out = CliRunner().invoke(cli, list(args), env={"ORDERHUB_DATABASE_URL": database_url,
                                                   "COLUMNS": "200"})
    return out.exit_code, out.output


def post(client: TestClient, ext: str, sku: str = "A",
         address: dict[str, str] | None = None) -> str:
    r = client.post("/v1/orders", json={
        "external_id": ext, "channel": "web", "currency": "CNY",
        "shipping_address": address or ADDRESS_JSON,
        "lines": [{"sku": sku, "quantity": 1, "unit_price": "10.00"}]})
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


def test_incident_from_the_command_line(hub: Hub, database_url: str) -> None:
    seed_network(hub, {("A", "SH"): 10, ("A", "BJ"): 10})
    with api_client(hub) as client:
        oid = post(client, "CLI-N1")

    code, out = run(database_url, "warehouse", "list")
    assert code == 0 and "SH" in out and "unlimited" in out

    code, out = run(database_url, "carrier", "degraded", "ZTO:standard", "--days", "2",
                    "--reason", "hub backlog")
    assert code == 0 and "ZTO:standard marked degraded (+2 days)" in out
    code, out = run(database_url, "carrier", "list")
    assert "degraded +2d" in out
    code, out = run(database_url, "carrier", "down", "NOPE:x", "--reason", "x")
    assert code == 1 and "carrier service 'NOPE:x' not found" in out

    code, out = run(database_url, "routing", "block", "上海市", "--direction", "outbound",
                    "--reason", "typhoon")
    assert code == 0, out
    assert "block 1: 上海 (outbound)" in out and f"{oid} -> BJ" in out
    code, out = run(database_url, "routing", "blocks")
    assert "1: 上海 (outbound)" in out and "typhoon" in out
    code, out = run(database_url, "routing", "block", "Atlantis", "--reason", "x")
    assert code == 1 and "unknown province or region" in out
    code, out = run(database_url, "routing", "unblock", "1", "--reason", "clear")
    assert code == 0 and "lifted" in out

    code, out = run(database_url, "warehouse", "capacity", "BJ", "0", "--reason", "x")
    assert code == 0 and "capacity 0/day" in out
    code, out = run(database_url, "routing", "wave", "--dry-run")
    assert code == 0 and "orders in the wave" in out


def test_rule_files_round_trip(hub: Hub, database_url: str, tmp_path: Path) -> None:
    seed_network(hub)
    rules = tmp_path / "rules.yaml"
    rules.write_text(
        "rules:\n"
        "  - code: dr-plan-sh\n"
        "    description: if SH is out, Tmall orders go to BJ first\n"
        "    when: {channel: [tmall]}\n"
        "    then: {prefer_sites: [BJ], bonus: '5'}\n", encoding="utf-8")
    code, out = run(database_url, "routing", "rules", "import", str(rules), "--reason", "DR")
    assert code == 0 and "dr-plan-sh: v1" in out
    code, out = run(database_url, "routing", "rules", "import", str(rules), "--reason", "DR")
    assert "dr-plan-sh: v1 (unchanged)" in out
    code, out = run(database_url, "routing", "rules", "disable", "dr-plan-sh", "--reason", "off")
    assert code == 0 and "v2, disabled" in out
    code, out = run(database_url, "routing", "rules", "history", "dr-plan-sh")
    assert "v1" in out and "v2" in out and "off" in out
    exported = tmp_path / "out.json"
    code, out = run(database_url, "routing", "rules", "export", str(exported))
    assert code == 0 and '"dr-plan-sh"' in exported.read_text(encoding="utf-8")

    broken = tmp_path / "broken.yaml"
    broken.write_text("rules:\n  - code: x\n    then: {exclude_sites: [NOWHERE]}\n",
                      encoding="utf-8")
    code, out = run(database_url, "routing", "rules", "import", str(broken), "--reason", "x")
    assert code == 1 and "rules.0.then.exclude_sites: unknown site: NOWHERE" in out
    garbage = tmp_path / "garbage.yaml"
    garbage.write_text("rules: [unclosed", encoding="utf-8")
    code, out = run(database_url, "routing", "rules", "import", str(garbage), "--reason", "x")
    assert code == 2 and "not valid JSON/YAML" in out
    code, out = run(database_url, "routing", "rules", "import", str(tmp_path / "none.yaml"),
                    "--reason", "x")
    assert code == 2 and "cannot read" in out


def test_recoveries_from_the_command_line_count_what_happened(hub: Hub, database_url: str,
                                                              clock: Clock) -> None:
    # The commands run on the real clock: the orders were promised three days later than
    # anything the CLI can promise now, so each order routed again keeps its date.
    clock.now = datetime.now(UTC) + timedelta(days=3)
    seed_network(hub, {("A", "SH"): 10})  # B is stocked nowhere
    guangzhou = {**ADDRESS_JSON, "province": "广东省", "city": "广州市", "district": "天河区"}
    with api_client(hub) as client:
        oid = post(client, "REC-1")
        no_b = post(client, "REC-2", "B")  # held: backorder
        client.post("/v1/warehouses/SH/close", json={"reason": "fire"})
    code, out = run(database_url, "warehouse", "reopen", "SH", "--reason", "fire out")
    assert code == 0, out
    assert ("warehouse SH reopened: fire out: 1 order(s) re-routed (1 kept their promised "
            "date, 0 promised later), 0 held, 1 still held, 0 already released and flagged "
            "for a decision; 2 order(s) looked at") in out
    assert f"{oid} -> SH" in out and f"{no_b} still held" in out

    with api_client(hub) as client:
        to_gz = post(client, "REC-3", address=guangzhou)
        client.post("/v1/routing/blocks", json={"area": "广东", "direction": "inbound",
                                                "reason": "floods"})
        east = client.post("/v1/routing/blocks", json={
            "area": "east", "direction": "outbound", "reason": "typhoon"}).json()
    code, out = run(database_url, "routing", "unblock", str(east["id"]), "--reason", "clear")
    assert code == 0, out
    assert ("1 order(s) re-routed (1 kept their promised date, 0 promised later), 0 held, "
            "1 still held, 0 already released and flagged for a decision; 2 order(s) looked "
            "at") in out
    assert f"{to_gz} still held" in out

    with api_client(hub) as client:
        for service in ("ZTO:standard", "SF:express", "JD:b2b_freight"):
            client.patch(f"/v1/carriers/{service}", json={"state": "down", "reason": "strike"})
        assert client.get(f"/v1/orders/{oid}").json()["status"] == "on_hold"
    code, out = run(database_url, "carrier", "up", "SF:express", "--reason", "back",
                    "--json")
    assert code == 0, out
    change: dict[str, Any] = json.loads(out)
    assert change["state"] == "up"
    assert change["reroute"]["counts"]["promise_kept"] == 1
    assert change["reroute"]["rerouted"] == {oid: ["SH"]}
