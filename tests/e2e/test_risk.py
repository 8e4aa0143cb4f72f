"""The risk model end to end: `orderhub simulate --days`, `orderhub risk
train|evaluate|models|promote` as a user types them, and /v1/risk over HTTP with scopes."""

from __future__ import annotations

import json
import re
from pathlib import Path

from typer.testing import CliRunner

from orderhub.bootstrap import Hub
from orderhub.cli.app import app
from tests.api import api_client

runner = CliRunner()


def run(*args: str, db: str) -> tuple[int, str]:
    result = runner.invoke(app, [*args], env={"ORDERHUB_DATABASE_URL": db, "COLUMNS": "200"})
    return result.exit_code, result.output


def test_simulate_a_month_then_train_evaluate_and_list(database_url: str,
                                                        tmp_path: Path) -> None:
    history = tmp_path / "month.jsonl"
    code, out = run("simulate", "--days", "12", "--orders-per-day", "80", "--seed", "9",
                    "--out", str(history), db=database_url)
    assert code == 0, out
    assert "carrier incident" in out and "weather" in out
    assert re.search(r"all\s+│\s+│\s+\d+\s+│\s+\d+", out)
    lines = [json.loads(line) for line in history.read_text(encoding="utf-8").splitlines()]
    assert lines[0]["kind"] == "month" and lines[0]["config"]["seed"] == 9
    assert {d["kind"] for d in lines[1:]} == {"order", "snapshot"}

    code, out = run("risk", "models", db=database_url)
    assert code == 0 and "scoring with baseline" in out
    code, out = run("risk", "evaluate", "--history", str(history), "--train-days", "9",
                    "--days", "12", db=database_url)
    assert code == 0, out
    assert "SLA baseline" in out and "model 模型" not in out  # nothing trained yet

    code, out = run("risk", "train", "--history", str(history), "--train-days", "9",
                    "--seed", "9", "--json", db=database_url)
    assert code == 0, out
    trained = json.loads(out)
    assert trained["version"] == 1 and trained["test_rows"] > 0
    assert set(trained["metrics"]) == {"model", "baseline"}

    code, out = run("risk", "promote", "1", "--reason", "try it", db=database_url)
    assert code == 0, out
    code, out = run("risk", "evaluate", "--history", str(history), "--train-days", "9",
                    "--days", "12", "--json", db=database_url)
    assert code == 0, out
    evaluated = json.loads(out)
    assert evaluated["version"] == 1
    assert evaluated["metrics"] == trained["metrics"]  # the same held-out snapshots

    code, out = run("risk", "models", "--json", db=database_url)
    doc = json.loads(out)
    assert code == 0 and doc["champion"] == 1 and doc["scoring"] == "model:v1"
    code, out = run("risk", "models", db=database_url)
    assert code == 0 and re.search(r"1 \*", out)
    code, out = run("risk", "promote", "7", "--reason", "x", db=database_url)
    assert code == 1 and "risk model version 7" in out


def test_risk_api_lists_and_trains_with_scopes(hub: Hub) -> None:
    analyst = api_client(hub, role="analyst")
    assert analyst.get("/v1/risk/models").json() == {"items": [], "champion": None,
                                                     "scoring": "baseline"}
    refused = analyst.post("/v1/risk/models/train", json={})
    assert refused.status_code == 403 and "exceptions:approve" in refused.text
    assert api_client(hub, role="carrier_integration").get("/v1/risk/models").status_code == 403

    ops = api_client(hub, role="operations")
    bad = ops.post("/v1/risk/models/train", json={"days": 10, "train_days": 10})
    assert bad.status_code == 422 and "train_days" in bad.text
    assert ops.post("/v1/risk/models/train", json={"surprise": 1}).status_code == 422
    empty = ops.post("/v1/risk/models/train", json={"source": "hub", "days": 10,
                                                    "held_out_days": 3})
    assert empty.status_code == 422 and "too few" in empty.text  # no orders in this hub
    assert ops.post("/v1/risk/models/train", json={"source": "hub", "days": 10,
                                                   "held_out_days": 10}).status_code == 422

    resp = ops.post("/v1/risk/models/train", json={"days": 10, "train_days": 7,
                                                   "orders_per_day": 60, "seed": 4})
    assert resp.status_code == 201, resp.text
    body = resp.json()
    assert body["version"] == 1 and body["train_rows"] > 0
    assert 0 <= body["metrics"]["model"]["brier"] <= 1
    listed = analyst.get("/v1/risk/models").json()
    assert [i["version"] for i in listed["items"]] == [1]
    assert listed["items"][0]["training"]["source"] == "simulated_month"
    assert listed["items"][0]["created_by"]


def test_a_sample_of_the_month_runs_through_the_hub(database_url: str) -> None:
    assert run("demo-data", "--skus", "200", db=database_url)[0] == 0
    code, out = run("simulate", "--days", "8", "--orders-per-day", "40", "--seed", "3",
                    "--drive", "6", db=database_url)
    assert code == 0, out
    found = re.search(r"(\d+) submitted, (\d+) allocated, (\d+) held, (\d+) delivered", out)
    assert found, out
    submitted, allocated, held, delivered = map(int, found.groups())
    assert submitted == 6 and allocated + held == 6 and delivered == allocated > 0
    code, out = run("order", "list", "--status", "paid", db=database_url)
    assert code == 0 and out.count("ord_") == delivered
