"""`orderhub scenario closure`: replay an incident on a scratch copy of the demo network."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.markup import escape
from rich.table import Table

from orderhub.cli.common import (
    JsonOption,
    console,
    emit,
    fail,
    working,
)
from orderhub.cli.i18n import t

app = typer.Typer(help="Replay scenarios on a scratch copy of the demo network.",
                  no_args_is_help=True)


@app.command("closure")
def scenario_closure(orders: Annotated[int, typer.Option(min=2, max=200_000)] = 4000,
                     close: Annotated[str, typer.Option(help="Warehouse to close")] = "SH-JD",
                     release_share: Annotated[float, typer.Option(min=0.0, max=1.0)] = 0.3,
                     seed: int = 3, as_json: JsonOption = False) -> None:
    """A warehouse closes mid-stream: orders re-routed, promises kept, held, flagged."""
    from orderhub.tools.scenarios import closure

    try:
        with working(t("closing {warehouse} mid-stream", warehouse=close)):
            r = closure(orders=orders, close=close, release_share=release_share, seed=seed)
    except ValueError as exc:
        raise fail(str(exc), 2) from None
    if emit(r, as_json):
        return
    console.print(f"closure of {r.warehouse} after {r.orders // 2} of {r.orders} orders "
                  f"({r.released_before} released to warehouses beforehand)")
    table = Table(show_header=False)
    for label, value in (
            (f"open orders at {r.warehouse}", r.open_at_closure),
            ("re-routed at once", f"{r.rerouted} in {r.seconds:.2f} s"),
            ("  promise kept or earlier", r.promises_kept),
            ("  promise later", r.promises_later),
            ("held (no stock elsewhere)", r.held),
            ("released there, flagged for a person", r.flagged),
            (f"later orders routed to {r.warehouse}", r.later_orders_to_closed)):
        table.add_row(label, str(value))
    console.print(table)
    for w in r.warnings:
        console.print(f"[yellow]warning:[/yellow] {escape(w)}")
