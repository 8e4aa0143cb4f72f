"""`orderhub risk train|evaluate|models`: the order twin's late-delivery risk model (延误风险
模型): train a version on a simulated month (or a history file from `orderhub simulate
--days`), compare it with the SLA-arithmetic baseline on held-out days, list versions."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.table import Table

from orderhub.cli.common import (
    DbOption,
    TenantOption,
    cli_actor,
    console,
    describe,
    fail,
    open_hub,
    print_json,
    upgrade_schema,
)
from orderhub.domain.errors import DomainError

if TYPE_CHECKING:
    from orderhub.domain.risk.snapshot import LabelledSnapshot

app = typer.Typer(help="Late-delivery risk model (延误风险模型): train, evaluate, list versions.",
                  no_args_is_help=True)

HistoryOption = Annotated[Path | None, typer.Option(
    "--history", help="JSON-lines history from `orderhub simulate --days N --out FILE`; "
    "without it a month is simulated in memory with --seed")]
SeedOption = Annotated[int, typer.Option("--seed", help="Seed of the simulated month")]
DaysOption = Annotated[int, typer.Option("--days", min=2, max=62, help="Days simulated "
                                         "(with --from-hub: days of the hub's history)")]
TrainDaysOption = Annotated[int, typer.Option(
    "--train-days", min=5, max=60, help="Days 1..N train; later days are held out")]
PerDayOption = Annotated[int, typer.Option("--orders-per-day", min=20, max=20_000,
                                           help="Orders on an ordinary day")]
StartOption = Annotated[str, typer.Option("--start", help="First day (YYYY-MM-DD)")]
JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table")]


def _history(history: Path | None, seed: int, days: int, per_day: int,
             start: str) -> tuple[list[LabelledSnapshot], dict[str, Any]]:
    from orderhub.tools.month_simulation import MonthConfig, month_history, read_history

    if history is not None:
        try:
            head, items = read_history(history)
        except (OSError, ValueError, KeyError) as exc:
            raise fail(f"cannot read history {history}: {exc}", 2) from None
        return items, {"source": "history_file", "file": history.name,
                       "config": head.get("config", {})}
    try:
        first = date.fromisoformat(start)
    except ValueError:
        raise fail(f"--start: '{start}' is not a date (YYYY-MM-DD)", 2) from None
    cfg = MonthConfig(days=days, start=first, orders_per_day=per_day, seed=seed)
    return month_history(cfg), {"source": "simulated_month", "days": days,
                                "start": start, "orders_per_day": per_day}


def _metrics_table(title: str, metrics: dict[str, Any]) -> Table:
    table = Table(title=title)
    for col in ("scorer 评分", "AUC", "Brier", "snapshots", "late"):
        table.add_column(col, justify="left" if col.startswith("scorer") else "right")
    for name in ("model", "baseline"):
        if name in metrics:
            m = metrics[name]
            label = "model 模型" if name == "model" else "SLA baseline 基线"
            table.add_row(label, f"{m['auc']:.4f}", f"{m['brier']:.4f}", str(m["n"]),
                          str(m["positives"]))
    return table


@app.command("train")
def train(
    tenant: TenantOption = "default",
    history: HistoryOption = None,
    seed: SeedOption = 42,
    days: DaysOption = 30,
    train_days: TrainDaysOption = 23,
    orders_per_day: PerDayOption = 1000,
    start: StartOption = "2026-11-01",
    promote: Annotated[bool, typer.Option(
        "--promote/--no-promote", help="Make it the champion if it beats the baseline")] = True,
    from_hub: Annotated[bool, typer.Option(
        "--from-hub", help="Learn from this hub's own orders and events (从订单中枢历史学习): "
        "those placed in the last --days days, the last --held-out-days held out")] = False,
    held_out_days: Annotated[int, typer.Option(
        "--held-out-days", min=1, max=30, help="With --from-hub: days held out")] = 7,
    as_json: JsonFlag = False,
    database_url: DbOption = None,
) -> None:
    """Train a version on days 1..train-days, evaluate it and the baseline on the rest."""
    from orderhub.services.risk import hub_history, training

    if not from_hub:
        items, source = _history(history, seed, days, orders_per_day, start)
    try:
        with open_hub(database_url) as hub:
            upgrade_schema(hub)
            if from_hub:
                result, source = hub_history.train_from_hub(
                    hub.uow, tenant, days=days, held_out_days=held_out_days, seed=seed,
                    actor=cli_actor(), now=hub.clock(), promote=promote)
                train_days = result.train_days
            else:
                result = training.train_and_store(
                    hub.uow, tenant, items, train_days=train_days, seed=seed, source=source,
                    actor=cli_actor(), now=hub.clock(), promote=promote)
            hub.relay.drain()
    except DomainError as exc:
        raise fail(describe(exc)) from None
    metrics = result.evaluation.as_dict()
    doc = {"version": result.version, "champion": result.champion, "metrics": metrics,
           "train_rows": result.train_rows, "test_rows": result.test_rows}
    if as_json:
        print_json(doc)
        return
    console.print(_metrics_table(
        f"risk model v{result.version}: held-out days {train_days + 1}+ "
        f"({result.train_rows} training snapshots)", metrics))
    console.print(f"champion 冠军模型: {'yes 是' if result.champion else 'no 否'}")


@app.command("evaluate")
def evaluate(
    tenant: TenantOption = "default",
    version: Annotated[int | None, typer.Option(
        "--version", help="A stored version; default the champion")] = None,
    history: HistoryOption = None,
    seed: SeedOption = 42,
    days: DaysOption = 30,
    train_days: TrainDaysOption = 23,
    orders_per_day: PerDayOption = 1000,
    start: StartOption = "2026-11-01",
    as_json: JsonFlag = False,
    database_url: DbOption = None,
) -> None:
    """AUC and Brier score of a stored model and of the SLA baseline on held-out days."""
    from orderhub.services.risk import training

    items, _ = _history(history, seed, days, orders_per_day, start)
    _, held_out = training.split(items, train_days)
    if not held_out:
        raise fail(f"no held-out days after day {train_days}")
    with open_hub(database_url) as hub:
        upgrade_schema(hub)
        loaded = training.load_version(hub.read_uow, tenant, version)
    if loaded is None and version is not None:
        raise fail(f"no risk model version {version}")
    evaluation = training.evaluate(loaded[1] if loaded else None, held_out)
    metrics = evaluation.as_dict()
    doc = {"version": loaded[0] if loaded else None, "metrics": metrics}
    if as_json:
        print_json(doc)
        return
    label = f"v{loaded[0]}" if loaded else "no model trained: baseline only"
    console.print(_metrics_table(f"risk {label} on held-out days {train_days + 1}-{days}",
                                 metrics))


@app.command("models")
def models(
    tenant: TenantOption = "default",
    as_json: JsonFlag = False,
    database_url: DbOption = None,
) -> None:
    """Stored versions with their held-out metrics; * marks the champion."""
    from orderhub.services.risk import views

    with open_hub(database_url) as hub:
        upgrade_schema(hub)
        doc = views.list_models(hub.read_uow, tenant)
    if as_json:
        print_json(doc)
        return
    table = Table(title=f"risk models of {tenant} (scoring with {doc['scoring']})")
    for col in ("version", "created", "AUC model / baseline", "Brier model / baseline",
                "trained on"):
        table.add_column(col)
    for item in doc["items"]:
        m, b = item["metrics"].get("model", {}), item["metrics"]["baseline"]
        t = item["training"]
        table.add_row(f"{item['version']}{' *' if item['champion'] else ''}",
                      f"{item['created_at']:%Y-%m-%d %H:%M}",
                      f"{m.get('auc', float('nan')):.4f} / {b['auc']:.4f}",
                      f"{m.get('brier', float('nan')):.4f} / {b['brier']:.4f}",
                      f"{t.get('source')} seed {t.get('seed')}, {t.get('train_rows')} rows")
    console.print(table)


@app.command("promote")
def promote(
    version: Annotated[int, typer.Argument(help="The version to score with")],
    reason: Annotated[str, typer.Option("--reason", help="Why (kept in the audit log)")],
    tenant: TenantOption = "default",
    database_url: DbOption = None,
) -> None:
    """Make a stored version the champion by hand (audited)."""
    from orderhub.services.risk import training

    try:
        with open_hub(database_url) as hub:
            upgrade_schema(hub)
            training.promote(hub.uow, tenant, version, actor=cli_actor(), reason=reason,
                             now=hub.clock())
    except DomainError as exc:
        raise fail(describe(exc)) from None
    console.print(f"risk model v{version} is the champion (冠军模型)")
