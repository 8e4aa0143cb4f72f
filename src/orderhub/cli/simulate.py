"""`orderhub simulate`: a realistic order stream through the hub, and what happened."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from orderhub.cli.common import (
    DbOption,
    JsonOption,
    TenantOption,
    console,
    emit,
    fail,
    open_hub,
    print_json,
    progress,
    upgrade_schema,
    working,
)
from orderhub.cli.i18n import t
from orderhub.domain.errors import DomainError

app = typer.Typer()


@app.command()
def simulate(
    database_url: DbOption = None,
    tenant: TenantOption = "default",
    orders: Annotated[int, typer.Option(min=1, max=10_000_000)] = 2000,
    seed: int = 42,
    batch_size: Annotated[int, typer.Option(min=1, max=5000)] = 200,
    fulfil_share: Annotated[float, typer.Option(min=0, max=1)] = 0.1,
    days: Annotated[int | None, typer.Option(
        "--days", min=1, max=62, help="Simulate a month of history in memory instead (no "
        "database): stage times, backlogs, carrier incidents, weather, outcomes")] = None,
    orders_per_day: Annotated[int, typer.Option(
        "--orders-per-day", min=1, max=50_000, help="With --days: orders on an ordinary "
        "day (peak days have more)")] = 1000,
    start: Annotated[str, typer.Option("--start", help="With --days: first day "
                                       "(YYYY-MM-DD)")] = "2026-11-01",
    out: Annotated[Path | None, typer.Option(
        "--out", help="With --days: write the history as JSON lines (orders and labelled "
        "snapshots) for `orderhub risk train --history`")] = None,
    drive: Annotated[int, typer.Option(
        "--drive", min=0, max=10_000, help="With --days: also push this many of the month's "
        "orders through the hub's real services, each step at its simulated time (needs "
        "demo-data)")] = 0,
    as_json: JsonOption = False,
) -> None:
    """Push a realistic order stream through the hub and report what happened; with
    --days, simulate a month of order history with realistic delays (模拟一个月的订单履约)."""
    if days is not None:
        _month(days, orders_per_day, seed, start, out, drive, database_url, tenant, as_json)
        return
    from orderhub.services.events.status import outbox_counts
    from orderhub.tools.simulation import simulate as run

    with open_hub(database_url) as hub:
        upgrade_schema(hub)
        before = outbox_counts(hub.engine)
        with progress() as bar:
            task = bar.add_task(t("orders"), total=orders)
            try:
                report = run(
                    hub,
                    tenant,
                    orders=orders,
                    seed=seed,
                    batch_size=batch_size,
                    fulfil_share=fulfil_share,
                    progress=lambda n: bar.advance(task, n),
                )
            except (ValueError, DomainError) as exc:
                raise fail(str(exc)) from None
        hub.relay.drain()
        events = outbox_counts(hub.engine)  # the database's count: every process, restarts
        lat = sorted(report.latencies_ms)
        table = Table(title=f"simulation: {orders} orders, seed {seed}, batches of {batch_size}")
        table.add_column("measure")
        table.add_column("value", justify="right")
        table.add_row("submitted", str(report.submitted))
        table.add_row("created (new)", str(report.created))
        table.add_row("already existed", str(report.existing))
        table.add_row("allocated", str(report.allocated))
        table.add_row("held", str(report.held))
        for code, n in report.hold_reasons.most_common():
            table.add_row(f"  held: {code}", str(n))
        share = report.split / report.allocated if report.allocated else 0.0
        table.add_row("split shipments", f"{report.split} ({share:.1%} of allocated)")
        table.add_row("driven to paid", str(report.fulfilled))
        table.add_row("cancelled", str(report.cancelled))
        table.add_row("intake throughput", f"{report.orders_per_second:,.0f} orders/s")
        if lat:
            table.add_row(
                "batch latency p50 / p99",
                f"{lat[len(lat) // 2]:.1f} / {lat[min(len(lat) - 1, int(len(lat) * 0.99))]:.1f} ms",
            )
        table.add_row("events published (this run)",
                      str(events["published"] - before["published"]))
        table.add_row("events published (all, stored)", str(events["published"]))
        table.add_row("events pending (outbox)", str(events["pending"]))
        for name, lag in events["consumer_lag"].items():
            table.add_row(f"consumer {name} lag", str(lag))
    doc = {"orders": orders, "seed": seed, "batch_size": batch_size, "report": report,
           "events": {**events, "published_this_run": events["published"] - before["published"]}}
    if emit(doc, as_json):
        return
    console.print(table)


def _month(days: int, orders_per_day: int, seed: int, start: str, out: Path | None,
           drive: int, database_url: str | None, tenant: str, as_json: bool) -> None:
    from datetime import date

    from orderhub.tools.month_simulation import (
        MonthConfig,
        drive_sample,
        simulate_month,
        write_history,
    )

    try:
        first = date.fromisoformat(start)
    except ValueError:
        raise fail(f"--start: '{start}' is not a date (YYYY-MM-DD)", 2) from None
    with working("simulating the month"):
        month = simulate_month(MonthConfig(days=days, start=first,
                                           orders_per_day=orders_per_day, seed=seed))
    summary = month.summary()
    if as_json and not (out or drive):
        print_json(summary)
        return
    table = Table(title=f"simulated month: {days} days from {start}, seed {seed} (in memory)")
    for col in ("day", "date", "orders 订单", "late 延误", "late share"):
        table.add_column(col, justify="right")
    for d in summary["days"]:
        share = d["late"] / d["orders"] if d["orders"] else 0.0
        table.add_row(str(d["day"]), d["date"], str(d["orders"]), str(d["late"]),
                      f"{share:.1%}")
    table.add_row("all", "", str(summary["orders"]), str(summary["late"]),
                  f"{summary['late_share']:.1%}")
    if not as_json:
        console.print(table)
    for inc in ([] if as_json else summary["incidents"]):
        console.print(f"carrier incident 承运商异常: {inc['carrier']} into {inc['region']} "
                      f"{inc['start'][:16]} - {inc['end'][:16]} severity {inc['severity']}"
                      f"{' (declared)' if inc['declared'] else ' (not declared)'}")
    for w in ([] if as_json else summary["weather"]):
        console.print(f"weather 天气: {w['region']} {w['start'][:16]} - {w['end'][:16]} "
                      f"severity {w['severity']}")
    for d in ([] if as_json else summary["disruptions"]):
        console.print(f"site disruption 仓库产能下降: {d['warehouse']} {d['start'][:16]} - "
                      f"{d['end'][:16]} at {d['capacity']:.0%} capacity")
    if out is not None:
        snaps = month.snapshots()
        try:
            lines = write_history(month, out, snaps)
        except OSError as exc:
            raise fail(f"cannot write {out}: {exc.strerror}", 2) from None
        summary["written"] = {"file": str(out), "lines": lines, "snapshots": len(snaps)}
        if not as_json:
            console.print(f"wrote {lines} lines to {out} ({len(month.orders)} orders, "
                          f"{len(snaps)} labelled snapshots)")
    if as_json and not drive:
        print_json(summary)
        return
    if drive:
        with open_hub(database_url) as hub:
            upgrade_schema(hub)
            try:
                with working("driving orders through the hub"):
                    driven = drive_sample(hub, tenant, month, drive)
            except (ValueError, DomainError) as exc:
                raise fail(str(exc)) from None
            hub.relay.drain()
        summary["driven"] = driven
        if as_json:
            print_json(summary)
            return
        console.print(f"through the hub's services 经由订单中枢: {driven.submitted} submitted, "
                      f"{driven.allocated} allocated, {driven.held} held, "
                      f"{driven.delivered} delivered at their simulated times "
                      f"({driven.late} late); {driven.checkpoints} first carrier scans, "
                      f"{driven.carrier_changes} carrier state changes")
