"""The twin at the command line: `order twin`, `sla set|calendar|versions`, `alerts`."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from typer.testing import CliRunner

from orderhub.bootstrap import Hub
from orderhub.cli.app import app as cli
from orderhub.domain.lifecycle import OrderStatus
from orderhub.services.intake.submit import submit_orders
from orderhub.services.orders import fulfilment
from tests.conftest import Clock
from tests.factories import T, draft, seed_network

runner = CliRunner()


@pytest.fixture
def database_url(sqlite_template: Path, tmp_path: Path) -> str:
    import shutil

    target = tmp_path / "orderhub.db"
    shutil.copy(sqlite_template, target)
    return f"sqlite:///{target}"


def run(url: str, *args: str) -> str:
    r = runner.invoke(cli, [*args, "--database-url", url])
    assert r.exit_code == 0, r.output
    return r.output


def test_twin_sla_and_alerts_from_the_cli(hub: Hub, clock: Clock, database_url: str,
                                          tmp_path: Path) -> None:
    seed_network(hub)
    [result] = submit_orders(hub.uow, T, [draft("CLI-1")], strategy=hub.strategy,
                             now=hub.clock(), actor="test", presale_lock=hub.presale_lock)
    oid = str(result.order_id)
    old = clock.now - timedelta(hours=5)  # released five hours ago: picking is overdue
    fulfilment.advance_order(hub.uow, T, oid, OrderStatus.RELEASED, now=old,
                             actor="wms")
    twin = json.loads(run(database_url, "order", "twin", oid, "--json"))
    assert twin["current_stage"] == "released" and twin["next_stage"] == "picked"
    assert twin["health"] < 100 and twin["reasons"][0]["code"] == "step_overdue"
    assert "拣货落后" in run(database_url, "order", "twin", oid, "--lang", "zh")

    assert "stalled: 1" in run(database_url, "alerts", "sweep")
    page = json.loads(run(database_url, "alerts", "list", "--json"))
    assert page["open"] == {"stalled": 1, "at_risk": 1}  # twelve days late by now
    page = json.loads(run(database_url, "alerts", "list", "--kind", "stalled", "--json"))
    [alert] = page["items"]
    assert alert["order_id"] == oid and alert["kind"] == "stalled"
    assert "acknowledged" in run(database_url, "alerts", "ack", alert["id"], "--note", "on it")
    bad = runner.invoke(cli, ["alerts", "ack", alert["id"], "--database-url", database_url])
    assert bad.exit_code == 1 and "not open" in bad.output

    policy = tmp_path / "sla.yaml"
    policy.write_text("targets:\n  - name: quick pick\n    when: {warehouse: SH}\n"
                      "    stages: {picked: {within: 45m}}\n", encoding="utf-8")
    assert "version 1" in run(database_url, "sla", "set", str(policy), "--reason", "peak")
    cal = tmp_path / "cal.json"
    cal.write_text(json.dumps({"shifts": {"mon-fri": ["09:00-18:00"]},
                               "holidays": ["2027-02-05..2027-02-11"]}), encoding="utf-8")
    assert "version 2" in run(database_url, "sla", "calendar", "SH", str(cal), "--reason",
                              "春节")
    shown = json.loads(run(database_url, "sla", "show"))
    assert shown["version"] == 2 and "SH" in shown["document"]["calendars"]
    versions = json.loads(run(database_url, "sla", "versions", "--json"))
    assert [v["version"] for v in versions] == [2, 1]
    policy.write_text("targets: [{stages: {picked: {within: soon}}}]\n", encoding="utf-8")
    bad = runner.invoke(cli, ["sla", "set", str(policy), "--reason", "x",
                              "--database-url", database_url])
    assert bad.exit_code == 2 and "targets.0.stages.picked" in bad.output
