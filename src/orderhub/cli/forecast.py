"""`orderhub forecast`: demand forecasts (需求预测) per SKU × warehouse × day with 80% and
95% prediction intervals (预测区间): fit them from the hub's orders or imported history,
show them, list runs and the champion/challenger table, backtest them beside the
baselines, check drift, simulate a year of demand (docs/forecasting.md)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from orderhub.cli.common import (
    DbOption,
    JsonOption,
    TenantOption,
    cli_actor,
    console,
    describe,
    emit,
    fail,
    open_hub,
    upgrade_schema,
    working,
)
from orderhub.cli.i18n import t
from orderhub.domain.errors import DomainError

app = typer.Typer(help="Demand forecasts (需求预测): fit, import history, show, models, "
                  "backtest, drift.", no_args_is_help=True)

FromOption = Annotated[str | None, typer.Option("--from", help="First day of history "
                                                "(YYYY-MM-DD)")]
ToOption = Annotated[str | None, typer.Option("--to", help="Last day of history "
                                              "(YYYY-MM-DD)")]
HorizonOption = Annotated[int, typer.Option("--horizon", min=1, max=366,
                                            help="Days to forecast")]
WindowsOption = Annotated[int, typer.Option("--windows", min=1, max=6,
                                            help="Backtest windows (rolling origins)")]
JobsOption = Annotated[int, typer.Option("--jobs", min=1, max=64,
                                         help="Series fitted in parallel (processes)")]
RunOption = Annotated[str | None, typer.Option("--run", help="A run id; default the latest")]


def _date(value: str | None, option: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise fail(f"{option}: '{value}' is not a date (YYYY-MM-DD)", 2) from None


@app.command("fit")
def fit(
    tenant: TenantOption = "default",
    source: Annotated[str, typer.Option(
        "--source", help="hub (this hub's orders) or the name of an imported data set")] = "hub",
    by: Annotated[str, typer.Option(
        "--by", help="With --source hub: warehouse (ship-from) or region (destination)")
    ] = "warehouse",
    from_: FromOption = None,
    to: ToOption = None,
    horizon: HorizonOption = 28,
    windows: WindowsOption = 2,
    jobs: JobsOption = 1,
    train_days: Annotated[int | None, typer.Option(
        "--train-days", min=28, max=3660, help="Fit the models on the last N days only "
        "(faster; default all the history)")] = None,
    as_json: JsonOption = False,
    database_url: DbOption = None,
) -> None:
    """Fit daily demand per SKU × warehouse, choose a model per series by backtest, store
    the run (a new version)."""
    from orderhub.services.forecasting import fitting

    since, until = _date(from_, "--from"), _date(to, "--to")
    try:
        with open_hub(database_url) as hub:
            upgrade_schema(hub)
            with working(t("fitting demand forecasts")):
                result = fitting.fit_and_store(
                    hub.uow, tenant, fitting.default_engine(jobs), source=source, kind=by,
                    since=since, until=until, horizon=horizon, windows=windows,
                    actor=cli_actor(), now=hub.clock(), train_days=train_days)
            hub.relay.drain()
    except DomainError as exc:
        raise fail(describe(exc)) from None
    doc = result.as_dict()
    if emit(doc, as_json):
        return
    console.print(t("run {run_id}: {series} series in {seconds} s; {fallbacks} fell back "
                    "to a baseline").format(**doc))
    table = Table(title=t("serving models"))
    table.add_column("model 模型")
    table.add_column("series", justify="right")
    for model, n in result.models.items():
        table.add_row(model, str(n))
    console.print(table)


@app.command("import")
def import_(
    file: Annotated[Path, typer.Argument(help="CSV or XLSX: sku, warehouse or region, date, "
                                         "quantity")],
    tenant: TenantOption = "default",
    dataset: Annotated[str | None, typer.Option(
        "--dataset", help="Name of the data set (default: the file's name); importing it "
        "again replaces it")] = None,
    as_json: JsonOption = False,
    database_url: DbOption = None,
) -> None:
    """Load external demand history; bad rows are reported with their row and field."""
    from orderhub.services.forecasting import history

    if not file.is_file():
        raise fail(t("no such file: {path}").format(path=file), 2)
    name = dataset or file.stem
    try:
        with open_hub(database_url) as hub:
            upgrade_schema(hub)
            result = history.import_history(hub.uow, tenant, file.name, file.read_bytes(),
                                            dataset=name, actor=cli_actor(), now=hub.clock())
    except DomainError as exc:
        raise fail(describe(exc)) from None
    if emit(result.as_dict(), as_json):
        return
    console.print(t("data set {dataset}: {stored} rows stored, {refused} refused").format(
        dataset=result.dataset, stored=result.stored, refused=result.refused))
    for p in result.problems[:50]:
        what = t("refused") if p.refused else t("note")
        console.print(f"  row {p.row} {p.field}: {p.message} ({what})")


@app.command("show")
def show(
    sku: Annotated[str, typer.Argument(help="The SKU")],
    warehouse: Annotated[str | None, typer.Option(
        "--warehouse", help="One warehouse (or region); default every location and the "
        "SKU's total")] = None,
    from_: Annotated[str | None, typer.Option("--from", help="First day (YYYY-MM-DD)")] = None,
    to: Annotated[str | None, typer.Option("--to", help="Last day (YYYY-MM-DD)")] = None,
    run: RunOption = None,
    tenant: TenantOption = "default",
    as_json: JsonOption = False,
    database_url: DbOption = None,
) -> None:
    """Daily demand of a SKU with its 80% and 95% prediction intervals."""
    from orderhub.services.forecasting import views

    since, until = _date(from_, "--from"), _date(to, "--to")
    try:
        with open_hub(database_url) as hub:
            upgrade_schema(hub)
            doc = views.forecasts(hub.read_uow, tenant, sku=sku, warehouse=warehouse,
                                  since=since, until=until, run_id=run)
    except DomainError as exc:
        raise fail(describe(exc)) from None
    if emit(doc, as_json):
        return
    if not doc["items"]:
        raise fail(t("no forecast for {sku} in run {run_id}").format(
            sku=sku, run_id=doc["run"]["run_id"]))
    for item in doc["items"]:
        where = item["location"] if item["level"] == "sku_location" else t("all locations")
        title = f"{item['sku']} @ {where}: {item['model']}"
        table = Table(title=title, caption=item["fallback_reason"] or None)
        for col in ("date", "mean", "80%", "95%"):
            table.add_column(col, justify="left" if col == "date" else "right")
        for p in item["points"]:
            table.add_row(str(p["date"]), f"{p['mean']:.2f}",
                          f"{p['interval_80'][0]:.1f} – {p['interval_80'][1]:.1f}",
                          f"{p['interval_95'][0]:.1f} – {p['interval_95'][1]:.1f}")
        console.print(table)


@app.command("models")
def models(
    run: RunOption = None,
    tenant: TenantOption = "default",
    as_json: JsonOption = False,
    database_url: DbOption = None,
) -> None:
    """Champion/challenger per segment: which model serves, its backtest WAPE, baselines."""
    from orderhub.services.forecasting import views

    try:
        with open_hub(database_url) as hub:
            upgrade_schema(hub)
            doc = views.champion_challenger(hub.read_uow, tenant, run)
    except DomainError as exc:
        raise fail(describe(exc)) from None
    if emit(doc, as_json):
        return
    table = Table(title=t("run {run_id}").format(run_id=doc["run"]["run_id"]))
    for col in ("segment", "model 模型", "role", "serves", "backtest WAPE"):
        table.add_column(col, justify="right" if col in ("serves", "backtest WAPE")
                         else "left")
    for row in doc["items"]:
        wape = "" if row["backtest_wape"] is None else f"{row['backtest_wape']:.3f}"
        table.add_row(row["segment"], row["model"], row["role"], str(row["serves"]), wape)
    console.print(table)


@app.command("runs")
def runs(
    tenant: TenantOption = "default",
    as_json: JsonOption = False,
    database_url: DbOption = None,
) -> None:
    """Forecast runs (versions), newest first."""
    from orderhub.services.forecasting import views

    with open_hub(database_url) as hub:
        upgrade_schema(hub)
        doc = views.runs(hub.read_uow, tenant)
    if emit(doc, as_json):
        return
    table = Table()
    for col in ("run", "created", "source", "series", "horizon", "history"):
        table.add_column(col)
    for r in doc["items"]:
        table.add_row(r["run_id"], str(r["created_at"])[:19], r["source"],
                      str(r["summary"].get("series")), str(r["horizon"]),
                      f"{r['history_from']} – {r['history_to']}")
    console.print(table)


@app.command("drift")
def drift(
    run: RunOption = None,
    tenant: TenantOption = "default",
    as_json: JsonOption = False,
    database_url: DbOption = None,
) -> None:
    """Live error since the fit against each series' backtest band; flags drifted series."""
    from orderhub.services.forecasting import drift as drift_check

    try:
        with open_hub(database_url) as hub:
            upgrade_schema(hub)
            run_id, rows = drift_check.check(hub.uow, tenant, run_id=run, actor=cli_actor(),
                                             now=hub.clock())
            hub.relay.drain()
    except DomainError as exc:
        raise fail(describe(exc)) from None
    doc = {"run_id": run_id, "items": [r.as_dict() for r in rows]}
    if emit(doc, as_json):
        return
    table = Table(title=t("run {run_id}").format(run_id=run_id))
    for col in ("sku", "location", "model 模型", "days", "live WAPE", "band", "drifted"):
        table.add_column(col)
    for r in rows:
        live = "" if r.live_wape is None else f"{r.live_wape:.3f}"
        table.add_row(r.sku, r.location, r.model, str(r.days), live, f"{r.band:.3f}",
                      t("yes") if r.drifted else "")
    console.print(table)
    drifted = sum(1 for r in rows if r.drifted)
    console.print(t("{drifted} of {total} series drifted").format(drifted=drifted,
                                                                  total=len(rows)))


@app.command("backtest")
def backtest(
    dataset: Annotated[str, typer.Option(
        "--dataset", help="hub, simulated, electronics, or an imported data set")] = "hub",
    tenant: TenantOption = "default",
    by: Annotated[str, typer.Option("--by", help="With hub: warehouse or region")
    ] = "warehouse",
    horizon: HorizonOption = 28,
    origins: Annotated[int, typer.Option("--origins", min=1, max=12,
                                         help="Held-out periods (rolling origins)")] = 2,
    windows: WindowsOption = 2,
    seed: Annotated[int, typer.Option("--seed", help="With simulated: the seed")] = 11,
    skus: Annotated[int, typer.Option("--skus", min=1, max=5000,
                                      help="With simulated: SKUs")] = 20,
    jobs: JobsOption = 1,
    as_json: JsonOption = False,
    database_url: DbOption = None,
) -> None:
    """WAPE, MASE, bias and interval coverage per level and segment, beside the baselines
    (seasonal-naive, naive, historic mean), on held-out periods."""
    from orderhub.services.forecasting import evaluation, fitting, history

    try:
        rows = _backtest_rows(dataset, tenant, by, seed, skus, database_url, history)
    except DomainError as exc:
        raise fail(describe(exc)) from None
    from orderhub.domain.forecasting.series import shape

    series, _ = shape(rows)
    if not series:
        raise fail(t("no demand history in {dataset}").format(dataset=dataset))
    with working(t("backtesting")):
        result = evaluation.evaluate(series, fitting.default_engine(jobs), horizon=horizon,
                                     origins=origins, windows=windows)
    if emit(result.as_dict(), as_json):
        return
    _print_scores(result)


def _backtest_rows(dataset: str, tenant: str, by: str, seed: int, skus: int,
                   database_url: str | None, history: Any) -> list[Any]:
    if dataset == "simulated":
        from orderhub.tools.demand_simulation import DemandYearConfig, demand_year

        return demand_year(DemandYearConfig(seed=seed, skus=skus))
    if dataset == "electronics":
        from orderhub.adapters.forecasting.electronics import electronics_history

        return electronics_history()
    with open_hub(database_url) as hub:
        upgrade_schema(hub)
        rows: list[Any] = history.load(hub.read_uow, tenant, source=dataset, kind=by,
                                       since=None, until=None)
        return rows


def _print_scores(result: Any) -> None:
    def f(v: float | None) -> str:
        return "" if v is None else f"{v:.3f}"

    table = Table(title=t("held-out accuracy: {series} series fits, {fallbacks} fell back")
                  .format(series=result.series, fallbacks=result.fallbacks))
    for col in ("level", "segment", "forecaster", "WAPE", "MASE", "bias", "80% cov",
                "95% cov"):
        table.add_column(col, justify="left" if col in ("level", "segment", "forecaster")
                         else "right")
    order = {lv: i for i, lv in enumerate(("sku_location_day", "sku_day", "total_day",
                                           "sku_week"))}
    for s in sorted(result.scores, key=lambda s: (order[s.level], s.segment != "all",
                                                  s.segment)):
        table.add_row(s.level, s.segment, s.label, f(s.wape), f(s.mase), f(s.bias),
                      f(s.coverage80), f(s.coverage95))
    console.print(table)


@app.command("simulate")
def simulate(
    out: Annotated[Path, typer.Option("--out", help="CSV file to write")],
    seed: Annotated[int, typer.Option("--seed", help="Seed")] = 1,
    skus: Annotated[int, typer.Option("--skus", min=1, max=5000, help="SKUs")] = 40,
    start: Annotated[str, typer.Option("--start", help="First day (YYYY-MM-DD)")
    ] = "2025-01-01",
    days: Annotated[int, typer.Option("--days", min=28, max=1100, help="Days")] = 365,
) -> None:
    """Write a simulated year of daily demand per SKU × warehouse (weekly seasonality, 618,
    Double 11, Spring Festival, intermittent slow movers) for `forecast import`."""
    import csv

    from orderhub.tools.demand_simulation import DemandYearConfig, demand_year

    first = _date(start, "--start")
    assert first is not None
    rows = demand_year(DemandYearConfig(seed=seed, skus=skus, start=first, days=days))
    with out.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["sku", "warehouse", "date", "quantity"])
        for r in rows:
            writer.writerow([r.sku, r.location, r.day.isoformat(), int(r.quantity)])
    console.print(t("{rows} rows written to {path}").format(rows=len(rows), path=out))
