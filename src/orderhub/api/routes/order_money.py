"""/v1/orders/{id}/balance and /cancel-lines: the order's money line by line, and units
cancelled before release (docs/money.md). Translate, call services/orders/money, shape."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter
from pydantic import Field

from orderhub.api.deps import ActorDep, HubDep, PrincipalDep, TenantDep
from orderhub.api.schemas import Int, Strict, Text
from orderhub.domain.errors import FieldError, InvalidInput
from orderhub.services.orders import money, views

router = APIRouter(prefix="/v1/orders", tags=["orders"])


@router.get("/{order_id}/balance")
def get_balance(order_id: str, hub: HubDep, tenant: TenantDep, principal: PrincipalDep) -> Any:
    """The order's balance line by line: ordered, shipped and cancelled units; ordered,
    invoiced (shipped units), cancelled (not to capture), paid, credited, refunded and
    outstanding money (negative: owed back); the totals, `consistent` (every column's lines
    add up to the ledger entries' totals) and the entries themselves. Allocation rules:
    docs/money.md."""
    return money.balance_view(hub.read_uow, tenant, order_id, warehouses=principal.warehouses)


class CancelLineIn(Strict):
    line_no: Int = Field(ge=1, le=100_000)
    quantity: Int = Field(ge=1, le=1_000_000, description="Units of the line to cancel")


class CancelLinesIn(Strict):
    lines: Annotated[list[CancelLineIn], Field(min_length=1, max_length=1000)]
    reason: Text = Field(min_length=1, max_length=500, description="Why the units are cancelled")


@router.post("/{order_id}/cancel-lines",
             responses={409: {"description": "The order is past release, or cancelled"},
                        422: {"description": "Unknown line, or more units than it has"}})
def cancel_lines(order_id: str, body: CancelLinesIn, hub: HubDep, tenant: TenantDep,
                 actor: ActorDep, principal: PrincipalDep) -> Any:
    """Cancel some units of some lines before release: their stock goes back, their money
    is booked as not to capture (refunded if it was paid); cancelling every unit cancels
    the order. Answers the balance after it."""
    units: dict[int, int] = {}
    for i, ln in enumerate(body.lines):
        if ln.line_no in units:
            raise InvalidInput([FieldError(f"lines.{i}.line_no",
                                           f"line {ln.line_no} named twice")])
        units[ln.line_no] = ln.quantity
    views.ensure_visible(hub.read_uow, tenant, order_id, principal.warehouses)
    money.cancel_units(hub.uow, tenant, order_id, units, body.reason, now=hub.clock(),
                       actor=actor)
    return money.balance_view(hub.read_uow, tenant, order_id)
