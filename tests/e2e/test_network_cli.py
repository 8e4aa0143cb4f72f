"""The network and routing commands: what an operator types during an incident."""

from __future__ import annotations

from pathlib import Path

from fastapi.testclient import TestClient
from typer.testing import CliRunner

from orderhub.api.app import create_app
from orderhub.bootstrap import Hub
from orderhub.cli.app import app as cli
from tests.factories import ADDRESS_JSON, seed_network


def run(database_url: str, *args: str) -> tuple[int, str]:
    out = CliRunner().invoke(cli, list(args), env={"ORDERHUB_DATABASE_URL": database_url,
                                                   "COLUMNS": "200"})
    return out.exit_code, out.output


def post(client: TestClient, ext: str) -> str:
    r = client.post("/v1/orders", json={
        "external_id": ext, "channel": "web", "currency": "CNY",
        "shipping_address": ADDRESS_JSON,
        "lines": [{"sku": "A", "quantity": 1, "unit_price": "10.00"}]})
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


def test_incident_from_the_command_line(hub: Hub, database_url: str) -> None:
    seed_network(hub, {("A", "SH"): 10, ("A", "BJ"): 10})
    with TestClient(create_app(hub)) as client:
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
