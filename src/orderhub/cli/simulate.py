"""`orderhub simulate`: a realistic order stream through the hub, and what happened."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from orderhub.cli.common import (
    DbOption,
    TenantOption,
    console,
    fail,
    open_hub,
    progress,
    upgrade_schema,
)
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
) -> None:
    """Push a realistic order stream through the hub and report what happened."""
    from orderhub.tools.simulation import simulate as run

    with open_hub(database_url) as hub:
        upgrade_schema(hub)
        with progress() as bar:
            task = bar.add_task("orders", total=orders)
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
        table.add_row("events published", str(hub.relay.published))
        console.print(table)
