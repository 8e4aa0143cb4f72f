"""`orderhub demo-data`: the deterministic demo network."""

from __future__ import annotations

from typing import Annotated

import typer

from orderhub.cli.common import (
    DbOption,
    TenantOption,
    console,
    fail,
    open_hub,
    upgrade_schema,
    working,
)

app = typer.Typer()


@app.command("demo-data")
def demo_data(
    database_url: DbOption = None,
    tenant: TenantOption = "default",
    skus: Annotated[int, typer.Option(min=1, max=200_000)] = 2000,
    seed: int = 7,
) -> None:
    """Load the deterministic demo set: 8 warehouses in Chinese cities, SKUs, channels, stock."""
    from orderhub.tools.demo import build_demo

    with open_hub(database_url) as hub:
        upgrade_schema(hub)
        try:
            with working("loading the demo data"):
                s = build_demo(hub, tenant, skus=skus, seed=seed)
        except ValueError as exc:
            raise fail(str(exc)) from None
        console.print(
            f"loaded {s.warehouses} warehouses, {s.skus} SKUs, {s.channels} channels, "
            f"{s.stock_rows} stock rows, {s.fx_rates} exchange rates into tenant '{tenant}'"
        )
