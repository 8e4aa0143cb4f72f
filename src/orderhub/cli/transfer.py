"""`orderhub transfer`: transfer orders (调拨单) made from accepted pre-allocation
suggestions: list, show, ship (on hand at the source falls; in transit), receive (on hand
at the destination rises), cancel (a transfer not shipped; its reservation released)."""

from __future__ import annotations

from typing import Annotated

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
)
from orderhub.cli.i18n import t
from orderhub.domain.errors import DomainError

app = typer.Typer(help="Transfer orders (调拨单): list, show, ship, receive, cancel.",
                  no_args_is_help=True)

TransferArg = Annotated[str, typer.Argument(help="The transfer's id")]


def _step(step: str, transfer_id: str, tenant: str, as_json: bool,
          database_url: str | None) -> None:
    from orderhub.services.planning import transfers

    fn = {"ship": transfers.ship, "receive": transfers.receive,
          "cancel": transfers.cancel}[step]
    try:
        with open_hub(database_url) as hub:
            upgrade_schema(hub)
            tr = fn(hub.uow, tenant, transfer_id, actor=cli_actor(), now=hub.clock())
            hub.relay.drain()
    except DomainError as exc:
        raise fail(describe(exc)) from None
    if not emit(tr.as_dict(), as_json):
        console.print(t("transfer {id}: {quantity} × {sku} {origin} → {destination}, now "
                        "{status}").format(id=tr.id, quantity=tr.quantity, sku=tr.sku,
                                           origin=tr.origin, destination=tr.destination,
                                           status=tr.status.value))


@app.command("ship")
def ship(transfer_id: TransferArg, tenant: TenantOption = "default",
         as_json: JsonOption = False, database_url: DbOption = None) -> None:
    """The transfer leaves its source: on hand there falls; the units are in transit."""
    _step("ship", transfer_id, tenant, as_json, database_url)


@app.command("receive")
def receive(transfer_id: TransferArg, tenant: TenantOption = "default",
            as_json: JsonOption = False, database_url: DbOption = None) -> None:
    """The transfer arrives: on hand (and ATP) at the destination rises."""
    _step("receive", transfer_id, tenant, as_json, database_url)


@app.command("cancel")
def cancel(transfer_id: TransferArg, tenant: TenantOption = "default",
           as_json: JsonOption = False, database_url: DbOption = None) -> None:
    """Cancel a transfer not shipped yet; its reservation at the source is released."""
    _step("cancel", transfer_id, tenant, as_json, database_url)


@app.command("list")
def list_(
    status: Annotated[str | None, typer.Option(
        "--status", help="created, shipped, received or cancelled")] = None,
    tenant: TenantOption = "default",
    as_json: JsonOption = False,
    database_url: DbOption = None,
) -> None:
    """Transfer orders, newest first."""
    from orderhub.services.planning import views

    if status not in (None, "created", "shipped", "received", "cancelled"):
        raise fail(t("--status: '{value}' is not created, shipped, received or cancelled")
                   .format(value=status), 2)
    try:
        with open_hub(database_url) as hub:
            upgrade_schema(hub)
            doc = views.transfers(hub.read_uow, tenant, status)
    except DomainError as exc:
        raise fail(describe(exc)) from None
    if emit(doc, as_json):
        return
    table = Table()
    for col in ("transfer", "SKU", "from 调出", "to 调入", "qty", "status 状态"):
        table.add_column(col)
    for tr in doc["items"]:
        table.add_row(tr["id"], tr["sku"], tr["from"], tr["to"], str(tr["quantity"]),
                      tr["status"])
    console.print(table)


@app.command("show")
def show(transfer_id: TransferArg, tenant: TenantOption = "default",
         as_json: JsonOption = False, database_url: DbOption = None) -> None:
    """One transfer order with its times."""
    from orderhub.services.planning import views

    try:
        with open_hub(database_url) as hub:
            upgrade_schema(hub)
            doc = views.transfer(hub.read_uow, tenant, transfer_id)
    except DomainError as exc:
        raise fail(describe(exc)) from None
    if emit(doc, as_json):
        return
    for k, v in doc.items():
        console.print(f"{k}: {v}")
