"""`orderhub stock SKU` and `orderhub expire-reservations`: stock levels and lapsed
pre-sale locks."""

from __future__ import annotations

import typer
from rich.table import Table

from orderhub.cli.common import (
    CsvOption,
    DbOption,
    JsonOption,
    TenantOption,
    console,
    emit,
    fail,
    open_hub,
)
from orderhub.domain.errors import DomainError

app = typer.Typer()


@app.command("stock")
def stock(sku: str, database_url: DbOption = None, tenant: TenantOption = "default",
          as_json: JsonOption = False, as_csv: CsvOption = False) -> None:
    """Stock of one SKU per warehouse: on hand, reserved, safety stock, ATP and shortfall
    (safety stock that on hand - reserved does not cover)."""
    from orderhub.services.inventory import stock_control

    with open_hub(database_url) as hub:
        try:
            levels = stock_control.stock_of_sku(hub.read_uow, tenant, sku)
        except DomainError as exc:
            raise fail(str(exc)) from None
        rows = [{"warehouse": lv.warehouse, "on_hand": lv.on_hand, "reserved": lv.reserved,
                 "safety_stock": lv.safety_stock, "atp": lv.atp, "shortfall": lv.shortfall}
                for lv in levels]
        if emit(rows, as_json, as_csv):
            return
        table = Table(title=f"stock of {sku}")
        for col in ("warehouse", "on hand", "reserved", "safety", "ATP", "shortfall"):
            table.add_column(col, justify="right")
        for lv in levels:
            table.add_row(
                lv.warehouse,
                *(str(n) for n in (lv.on_hand, lv.reserved, lv.safety_stock, lv.atp, lv.shortfall)),
            )
        console.print(table)


@app.command("expire-reservations")
def expire(database_url: DbOption = None) -> None:
    """Release lapsed pre-sale locks now (serve also does this in the background)."""
    from orderhub.services.orders.fulfilment import expire_reservations

    with open_hub(database_url) as hub:
        n = expire_reservations(hub.uow, now=hub.clock())
        console.print(f"{n} order(s) had lapsed reservations released and were put on hold")
