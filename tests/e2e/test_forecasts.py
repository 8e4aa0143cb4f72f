"""Demand forecasts end to end, on SQLite and PostgreSQL: a small order history seeded in
the hub over several days, fitted through the API (scoped) and read back with intervals;
a history file imported through the CLI (a bad file refused with its row and field,
returns and duplicated days noted), fitted, shown, the model table, drift flagged with a
ForecastDrifted event. Few series, a one-week horizon: seconds, not minutes."""

from __future__ import annotations

import json
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import text
from typer.testing import CliRunner

from orderhub.bootstrap import Hub
from orderhub.cli.app import app
from orderhub.services.intake.submit import submit_orders
from tests.api import api_client
from tests.conftest import Clock
from tests.factories import BEIJING, SHANGHAI, T, draft, seed_network

runner = CliRunner()


def cli(*args: str, db: str) -> tuple[int, str]:
    result = runner.invoke(app, [*args], env={"ORDERHUB_DATABASE_URL": db, "COLUMNS": "200"})
    return result.exit_code, result.output


def _seed_history(hub: Hub, clock: Clock, days: int) -> None:
    seed_network(hub, {("A", "SH"): 5000, ("A", "BJ"): 5000, ("B", "BJ"): 5000})
    start = clock.now
    for d in range(days):
        clock.now = start + timedelta(days=d)
        drafts = [draft(f"F-{d}-{i}", [("A", 1 + (d + i) % 3)], address=SHANGHAI)
                  for i in range(2 + (d % 7 == 5))]
        if d % 2 == 0:
            drafts.append(draft(f"F-{d}-B", [("B", 2)], address=BEIJING))
        submit_orders(hub.uow, T, drafts, strategy=hub.strategy, now=clock.now,  # type: ignore[arg-type]
                      actor="test", presale_lock=hub.presale_lock)


def test_fit_from_the_hubs_orders_and_read_forecasts_with_intervals(hub: Hub,
                                                                     clock: Clock) -> None:
    _seed_history(hub, clock, 36)
    analyst = api_client(hub, role="analyst")
    assert analyst.get("/v1/forecasts").status_code == 404  # no run yet
    refused = analyst.post("/v1/forecasts/fit", json={})
    assert refused.status_code == 403 and "forecasts:write" in refused.text
    assert api_client(hub, role="carrier_integration").get("/v1/forecasts").status_code == 403

    ops = api_client(hub, role="operations")
    rows = [{"sku": "A", "warehouse": "SH", "date": "2025-01-01", "quantity": 3},
            {"sku": "A", "warehouse": "SH", "date": "2025-02-30", "quantity": 1},
            {"sku": "A", "region": "上海", "date": "2025-01-02", "quantity": "-1"}]
    assert analyst.post("/v1/forecasts/history", json={"dataset": "x", "rows": rows}
                        ).status_code == 403
    imported = ops.post("/v1/forecasts/history", json={"dataset": "api-set", "rows": rows})
    assert imported.status_code == 201, imported.text
    assert imported.json()["stored"] == 2 and imported.json()["refused"] == 1
    assert {(p["row"], p["field"], p["refused"]) for p in imported.json()["problems"]} == {
        (3, "date", True), (4, "quantity", False)}
    refused = ops.post("/v1/forecasts/history", json={"dataset": "api-set", "rows": rows[1:2]})
    assert refused.status_code == 422 and "row 2.date" in refused.text
    assert ops.post("/v1/forecasts/history", json={"dataset": "hub", "rows": rows}
                    ).status_code == 422
    assert ops.post("/v1/forecasts/fit", json={"horizon": 0}).status_code == 422
    assert ops.post("/v1/forecasts/fit", json={"by": "planet"}).status_code == 422
    bad = ops.post("/v1/forecasts/fit", json={"source": "nowhere"})
    assert bad.status_code == 422 and "nowhere" in bad.text
    resp = ops.post("/v1/forecasts/fit", json={"horizon": 7, "windows": 2})
    assert resp.status_code == 201, resp.text
    fitted = resp.json()
    assert fitted["series"] >= 2 and sum(fitted["models"].values()) == fitted["series"]

    got = analyst.get("/v1/forecasts", params={"sku": "A", "warehouse": "SH"})
    assert got.status_code == 200, got.text
    items = got.json()["items"]
    assert [(i["level"], i["location"]) for i in items] == [("sku_location", "SH")]
    series = items[0]
    assert series["model"] and len(series["points"]) == 7
    assert (series["fallback_reason"] is None) == (series["model"] not in
                                                   ("seasonal_naive", "naive", "historic_mean"))
    for p in series["points"]:
        lo80, hi80 = p["interval_80"]
        lo95, hi95 = p["interval_95"]
        assert 0 <= lo95 <= lo80 <= hi80 <= hi95 and lo80 <= p["mean"] <= hi80
    first = date.fromisoformat(series["points"][0]["date"])
    window = analyst.get("/v1/forecasts", params={
        "sku": "A", "from": str(first + timedelta(days=2)), "to": str(first + timedelta(days=3))})
    levels = {(i["level"], len(i["points"])) for i in window.json()["items"]}
    assert levels == {("sku_location", 2), ("sku", 2)}  # the SKU's reconciled total too
    total = analyst.get("/v1/forecasts", params={"sku": "all"}).json()["items"]
    sku_a = analyst.get("/v1/forecasts", params={"sku": "A"}).json()["items"]
    sku_b = analyst.get("/v1/forecasts", params={"sku": "B"}).json()["items"]
    sums = [a["mean"] + b["mean"] for a, b in zip(
        next(i for i in sku_a if i["level"] == "sku")["points"],
        next(i for i in sku_b if i["level"] == "sku")["points"], strict=True)]
    assert [round(p["mean"], 2) for p in total[0]["points"]] == [round(s, 2) for s in sums]

    models = analyst.get("/v1/forecasts/models").json()["items"]
    assert any(m["role"] == "champion" for m in models)
    assert {m["model"] for m in models} >= {"seasonal_naive", "naive", "historic_mean"}
    assert analyst.get("/v1/forecasts/runs").json()["items"][0]["run_id"] == fitted["run_id"]
    by_region = ops.post("/v1/forecasts/fit", json={"horizon": 7, "windows": 1,
                                                    "by": "region"})
    assert by_region.status_code == 201, by_region.text
    regions = analyst.get("/v1/forecasts", params={"sku": "B", "warehouse": "北京市"}).json()
    assert [(i["location_kind"], i["location"]) for i in regions["items"]] == [
        ("region", "北京市")]
    with hub.engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM outbox WHERE type = 'ForecastFitted'")
                            ).scalar_one() == 2


def _history_csv(path: Path, days: int, jump_after: int | None = None) -> None:
    start = date(2025, 3, 3)
    lines = ["sku,warehouse,date,quantity"]
    for d in range(days):
        day = start + timedelta(days=d)
        scale = 6 if jump_after is not None and d >= jump_after else 1
        lines.append(f"A,SH,{day},{(5 + (d % 7 == 5) * 4) * scale}")
        lines.append(f"B,GZ,{day},{(2 + d % 2) * scale}")
    lines.append(f"A,SH,{start},2")  # a duplicated day
    lines.append(f"A,SH,{start + timedelta(days=3)},-1")  # a return
    lines.append(f"C,SH,{start + timedelta(days=30)},1")  # a SKU with one sale
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def test_import_fit_show_models_and_drift_through_the_cli(database_url: str,
                                                           tmp_path: Path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("sku,warehouse,date,quantity\nA,SH,2025-13-01,3\n,SH,2025-01-01,x\n",
                   encoding="utf-8")
    code, out = cli("forecast", "import", str(bad), db=database_url)
    assert code == 1, out
    assert "row 2.date" in out and "row 3.sku" in out and "Traceback" not in out
    headless = tmp_path / "headless.csv"
    headless.write_text("product,when,units\nA,2025-01-01,1\n", encoding="utf-8")
    code, out = cli("forecast", "import", str(headless), db=database_url)
    assert code == 1 and "missing column" in out
    code, out = cli("forecast", "import", str(tmp_path / "none.csv"), db=database_url)
    assert code == 2
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in (("SKU", "Region", "Date", "Qty"), ("A", "上海", date(2025, 1, 1), 2),
                ("A", "上海", "not a date", 1)):
        sheet.append(row)
    workbook = tmp_path / "regions.xlsx"
    book.save(workbook)
    code, out = cli("forecast", "import", str(workbook), "--json", db=database_url)
    assert code == 0, out
    doc = json.loads(out)
    assert doc["dataset"] == "regions" and doc["stored"] == 1 and doc["refused"] == 1
    assert doc["problems"][0]["row"] == 3 and doc["problems"][0]["field"] == "date"

    good = tmp_path / "history.csv"
    _history_csv(good, 42, jump_after=35)
    code, out = cli("forecast", "import", str(good), "--dataset", "shop", "--json",
                    db=database_url)
    assert code == 0, out
    imported = json.loads(out)
    assert imported["stored"] == 87 and imported["refused"] == 0
    notes = {(p["field"], p["refused"]) for p in imported["problems"]}
    assert notes == {("date", False), ("quantity", False)}  # the duplicate and the return

    code, out = cli("forecast", "fit", "--source", "shop", "--to", "2025-04-06", "--horizon",
                    "7", "--json", db=database_url)
    assert code == 0, out
    fitted = json.loads(out)
    assert fitted["series"] == 3 and fitted["history"]["returns"] == 1
    assert fitted["history"]["duplicate_days"] == 1
    code, out = cli("forecast", "show", "C", "--json", db=database_url)
    assert code == 0, out
    c = next(i for i in json.loads(out)["items"] if i["level"] == "sku_location")
    assert c["model"] == "historic_mean" and "too short" in c["fallback_reason"]
    code, out = cli("forecast", "show", "A", "--warehouse", "SH", db=database_url)
    assert code == 0 and "2025-04-07" in out and "80%" in out, out
    code, out = cli("forecast", "show", "Z", db=database_url)
    assert code == 1 and "no forecast for Z" in out
    code, out = cli("forecast", "models", db=database_url)
    assert code == 0 and "champion" in out and "seasonal_naive" in out, out

    code, out = cli("forecast", "backtest", "--dataset", "shop", "--horizon", "7",
                    "--origins", "1", "--windows", "1", "--json", db=database_url)
    assert code == 0, out
    scores = {(s["level"], s["segment"], s["label"]): s for s in json.loads(out)["scores"]}
    assert {"forecast", "seasonal_naive", "naive", "historic_mean"} == {
        label for _, _, label in scores}
    assert {"sku_location_day", "sku_day", "total_day", "sku_week"} == {
        level for level, _, _ in scores}
    bottom = scores[("sku_location_day", "all", "forecast")]
    assert bottom["wape"] is not None and 0 <= bottom["coverage80"] <= 1
    code, out = cli("forecast", "backtest", "--dataset", "shop", "--horizon", "7",
                    "--origins", "1", "--windows", "1", db=database_url)
    assert code == 0 and "seasonal_naive" in out and "WAPE" in out, out
    code, out = cli("forecast", "backtest", "--dataset", "nowhere", db=database_url)
    assert code == 1 and "nowhere" in out

    code, out = cli("forecast", "drift", "--json", db=database_url)
    assert code == 0, out
    drifted = {i["sku"]: i for i in json.loads(out)["items"]}
    assert drifted["A"]["drifted"] and drifted["A"]["new"] and drifted["A"]["days"] == 7
    assert drifted["B"]["drifted"]
    code, out = cli("forecast", "drift", "--json", db=database_url)
    assert not any(i["new"] for i in json.loads(out)["items"])  # flagged once
    from sqlalchemy import create_engine

    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            assert conn.execute(text("SELECT count(*) FROM outbox WHERE type = "
                                     "'ForecastDrifted'")).scalar_one() == 2
    finally:
        engine.dispose()
    code, out = cli("forecast", "show", "A", "--lang", "zh", "--run", "fc_missing",
                    db=database_url)
    assert code == 1 and "fc_missing" in out


def test_history_dates_out_of_range_are_refused_not_a_500_at_fit(hub: Hub) -> None:
    """Review 16b: a history row dated 0001-01-01 (or 9999-12-31) was stored, and the fit
    then shaped a daily series of millions of days before pandas failed
    (OutOfBoundsDatetime: a 500 after half a minute). Such rows are refused with their row
    and field; the rest of the data set fits."""
    seed_network(hub)
    ops = api_client(hub, role="operations")
    rows = [{"sku": "A", "warehouse": "SH", "date": "2025-01-01", "quantity": 3},
            {"sku": "A", "warehouse": "SH", "date": "0001-01-01", "quantity": 1},
            {"sku": "A", "warehouse": "SH", "date": "9999-12-31", "quantity": 1},
            {"sku": "A", "warehouse": "SH", "date": "2025-01-09", "quantity": 2}]
    imported = ops.post("/v1/forecasts/history", json={"dataset": "odd", "rows": rows})
    assert imported.status_code == 201, imported.text
    assert imported.json()["stored"] == 2, imported.text
    assert {(p["row"], p["field"]) for p in imported.json()["problems"]} == {
        (3, "date"), (4, "date")}
    fitted = ops.post("/v1/forecasts/fit", json={"source": "odd", "horizon": 7,
                                                  "windows": 1})
    assert fitted.status_code == 201, fitted.text
    assert fitted.json()["series"] == 1
