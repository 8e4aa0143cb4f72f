"""PATCH /v1/orders/{id}: edit an order after placement (services/orders/editing.py)."""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Header, Response
from pydantic import Field

from orderhub.api.deps import ActorDep, HubDep, PiiDep, PrincipalDep, TenantDep
from orderhub.api.schemas import Amount, Day, Int, Line, OrderOut, Strict, Text
from orderhub.domain.errors import FieldError, InvalidInput
from orderhub.domain.order import KEEP, Keep
from orderhub.services.orders import editing, views

router = APIRouter(prefix="/v1/orders", tags=["orders"])


class EditLineIn(Strict):
    line_no: Int = Field(description="The line to change (see the order's lines)")
    quantity: Int = Field(description="Its new quantity, 1 or more (remove a line with "
                          "remove_lines)")


class AddLineIn(Strict):
    sku: Line = Field(min_length=1, max_length=64)
    quantity: Int
    unit_price: Amount | None = Field(None, description="Default: the SKU's list price, "
                                      "when it is in the order's currency")


class AddressEditIn(Strict):
    country: Line | None = Field(None, min_length=2, max_length=2)
    province: Line | None = Field(None, max_length=64)
    city: Line | None = Field(None, max_length=64)
    district: Line | None = Field(None, max_length=64)
    line1: Line | None = Field(None, max_length=300)
    postal_code: Line | None = Field(None, max_length=20)
    name: Line | None = Field(None, max_length=200)
    phone: Line | None = Field(None, max_length=40)


class OrderEditIn(Strict):
    reason: Text = Field(max_length=500, description="Why (on the timeline, audited)")
    expected_version: Int | None = Field(
        None, description="The order version the edit was made from (or the If-Match "
        "header); a stale one is a 409 with the current version")
    lines: list[EditLineIn] = Field(default_factory=list, max_length=1000)
    add_lines: list[AddLineIn] = Field(default_factory=list, max_length=1000)
    remove_lines: list[Int] = Field(default_factory=list, max_length=1000)
    shipping_address: AddressEditIn | None = Field(
        None, description="Only the fields given change")
    requested_delivery: Day | None = Field(None, description="null clears it")
    service_level: Line | None = Field(
        None, description="same_day, next_day, express, standard, economy")


class EditOut(Strict):
    outcome: str = Field(description="in_place (only the difference reserved), rerouted, "
                         "replaced (cancel and replace after release), held")
    version: int
    money_difference: str = Field(description="new grand total minus old: positive to "
                                  "collect, negative to refund")
    currency: str


class OrderEditedOut(OrderOut):
    edit: EditOut


_ETAG = re.compile(r'^\s*(?:W/)?"?(\d{1,18})"?\s*$')


def parse_if_match(value: str | None) -> int | None:
    if value is None:
        return None
    found = _ETAG.match(value)
    if not found:
        raise InvalidInput([FieldError("If-Match", 'the order\'s version as an ETag, such '
                                       'as "3"')])
    return int(found.group(1))


def to_request(body: OrderEditIn, if_match: int | None) -> editing.EditRequest:
    version = body.expected_version
    if if_match is not None and version is not None and if_match != version:
        raise InvalidInput([FieldError("expected_version", f"{version} differs from the "
                                       f"If-Match version {if_match}")])
    delivery: date | Keep | None = KEEP
    if "requested_delivery" in body.model_fields_set:
        delivery = body.requested_delivery
    address = (None if body.shipping_address is None
               else body.shipping_address.model_dump(exclude_none=True))
    return editing.EditRequest(
        reason=body.reason,
        quantities=tuple(editing.LineQuantity(q.line_no, q.quantity) for q in body.lines),
        add=tuple(editing.NewLine(a.sku, a.quantity, a.unit_price) for a in body.add_lines),
        remove=tuple(body.remove_lines),
        address=address,
        requested_delivery=delivery,
        service_level=body.service_level,
        expected_version=if_match if if_match is not None else version)


@router.patch(
    "/{order_id}",
    response_model=OrderEditedOut,
    responses={
        409: {"description": "A stale version (`current_version` says the stored one), or "
              "an order that can no longer be edited (packed, shipped, delivered, invoiced, "
              "paid, cancelled)"},
        422: {"description": "Invalid fields (quantity, unknown line or SKU...); nothing "
              "changed"},
    },
)
def edit_order(
    order_id: str, body: OrderEditIn, hub: HubDep, tenant: TenantDep, pii: PiiDep,
    actor: ActorDep, principal: PrincipalDep, response: Response,
    if_match: Annotated[str | None, Header(alias="If-Match", max_length=40)] = None,
) -> Any:
    """Edit an order after placement: line quantities, lines added or removed, the ship-to
    address, the requested delivery date, the service level, with a reason. Before release
    it is checked again and only the difference is reserved (re-routed when the sites it
    ships from cannot give what was added, or when the destination changes; held when it
    can no longer be filled); released or picked, its shipments are cancelled and
    replaced; packed or later, refused. One `OrderEdited` event with the diff and the money
    difference."""
    req = to_request(body, parse_if_match(if_match))
    views.ensure_visible(hub.uow, tenant, order_id, principal.warehouses)
    result = editing.change_order(hub.uow, tenant, order_id, req, now=hub.clock(),
                                  actor=actor, strategy=hub.strategy,
                                  presale_lock=hub.presale_lock)
    out = views.get_order(hub.read_uow, tenant, order_id, pii=pii)
    response.headers["ETag"] = f'"{out["version"]}"'
    return {**out, "edit": {"outcome": result.outcome, "version": out["version"],
                            "money_difference": str(result.money_difference),
                            "currency": result.order.currency}}
