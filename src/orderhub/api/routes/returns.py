"""/v1/returns and /v1/orders/{id}/returns: returns (RMA, 退货/换货) with reason codes,
approval by the policy or a person, the return waybill, receipt with inspection grades
(resellable units back to ATP), refunds for finance, exchanges as linked orders, the
tenant's return policy and return rates; /v1/channels/{channel}/returns: a channel's own
signed refund notification (Shopify refunds/create, Taobao/Tmall refunds)."""

from __future__ import annotations

import logging
from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Request
from pydantic import Field

from orderhub.adapters.carriers.base import CarrierError
from orderhub.adapters.channels.base import PayloadError, SignatureError
from orderhub.adapters.channels.registry import ADAPTERS
from orderhub.adapters.channels.returns import RETURN_PARSERS
from orderhub.api.auth import principal_of
from orderhub.api.deps import ActorDep, HubDep, PrincipalDep, TenantDep
from orderhub.api.problems import problem
from orderhub.api.schemas import Flag, JsonObject, Line, Strict
from orderhub.domain.access import Scope
from orderhub.domain.errors import FieldError, Forbidden, InvalidInput
from orderhub.domain.returns import ReturnRequest
from orderhub.services.orders import views as order_views
from orderhub.services.returns import channel as channel_returns
from orderhub.services.returns import policy, views
from orderhub.services.returns.desk import Receipt

log = logging.getLogger(__name__)
router = APIRouter(tags=["returns"])


class ReturnLineIn(Strict):
    line_no: int = Field(ge=1, le=100_000)
    quantity: int = Field(ge=1, le=1_000_000)


class ReplacementIn(Strict):
    sku: Line = Field(min_length=1, max_length=64)
    quantity: int = Field(ge=1, le=1_000_000)


class ReturnIn(Strict):
    lines: list[ReturnLineIn] = Field(min_length=1, max_length=500)
    reason: Line = Field(max_length=32, description="damaged | wrong_item | not_as_described "
                         "| size | changed_mind | late | other")
    kind: Line = Field("refund", max_length=16, description="refund | exchange")
    note: Line = Field("", max_length=500)
    opened: Flag = Field(False, description="the item was opened (categories returnable only "
                         "unopened, such as infant formula, refuse it)")
    replacement: list[ReplacementIn] = Field(default_factory=list, max_length=500,
                                             description="an exchange's items (default: the "
                                             "returned SKUs and units)")


class DecisionIn(Strict):
    reason: Line = Field("", max_length=500)


class ReceiptLineIn(Strict):
    line_no: int = Field(ge=1, le=100_000)
    quantity: int = Field(ge=1, le=1_000_000)
    grade: Line = Field(max_length=16, description="resell | refurbish | scrap")


class ReceiptIn(Strict):
    warehouse: Line = Field(min_length=1, max_length=64)
    lines: list[ReceiptLineIn] = Field(min_length=1, max_length=500)


class RefundCompleteIn(Strict):
    reference: Line = Field(min_length=1, max_length=200)


def _out(r: ReturnRequest) -> dict[str, Any]:
    return views.return_view(r)


@router.post("/v1/orders/{order_id}/returns", status_code=201,
             responses={404: {"description": "No such order"},
                        409: {"description": "The order has shipped nothing"},
                        422: {"description": "A line not shipped, more units than shipped "
                              "less already returned, not returnable, or past the window"}})
def request_return(order_id: str, body: ReturnIn, hub: HubDep, tenant: TenantDep,
                   actor: ActorDep, principal: PrincipalDep) -> Any:
    """Ask for a return of shipped units: approved at once when the tenant's return policy
    allows it (then the return waybill is booked), else it waits for a person."""
    order_views.ensure_visible(hub.read_uow, tenant, order_id, principal.warehouses)
    rma = hub.returns.request(
        tenant, order_id, [(x.line_no, x.quantity) for x in body.lines], body.reason,
        actor=actor, kind=body.kind, note=body.note, opened=body.opened,
        replacement=[(x.sku, x.quantity) for x in body.replacement])
    return _out(rma)


@router.get("/v1/orders/{order_id}/returns")
def returns_of_order(order_id: str, hub: HubDep, tenant: TenantDep,
                     principal: PrincipalDep) -> Any:
    """The order's returns, and the order an exchange order replaces (the link both ways)."""
    order_views.ensure_visible(hub.read_uow, tenant, order_id, principal.warehouses)
    return views.order_returns(hub.read_uow, tenant, order_id)


@router.get("/v1/returns")
def list_returns(hub: HubDep, tenant: TenantDep, principal: PrincipalDep,
                 status: Annotated[str | None, Query(max_length=16)] = None,
                 order_id: Annotated[str | None, Query(max_length=40)] = None,
                 channel: Annotated[str | None, Query(max_length=64)] = None,
                 sku: Annotated[str | None, Query(max_length=64)] = None,
                 limit: Annotated[int, Query(ge=1, le=500)] = 100) -> Any:
    """Returns, newest first (filter by status: requested, approved, received, ...; by
    channel; by SKU: returns with a line of it)."""
    return views.list_returns(hub.read_uow, tenant, status=status, order_id=order_id,
                              limit=limit, warehouses=principal.warehouses, channel=channel,
                              sku=sku)


@router.get("/v1/returns/stats")
def return_stats(hub: HubDep, tenant: TenantDep, principal: PrincipalDep) -> Any:
    """Return rates: units in returns (not rejected or cancelled) / units shipped, per SKU,
    per channel and per SKU x channel."""
    return views.return_stats(hub.read_uow, tenant, warehouses=principal.warehouses)


@router.get("/v1/returns/returned-units")
def returned_units(hub: HubDep, tenant: TenantDep, principal: PrincipalDep,
                   from_: Annotated[date, Query(alias="from")],
                   to: Annotated[date, Query()]) -> Any:
    """Units received back per SKU x warehouse x day (and how many were restocked): what
    demand forecasting can read of returns."""
    if to < from_:
        raise InvalidInput([FieldError("to", "must not be before from")])
    return [{"sku": r.sku, "warehouse": r.warehouse, "day": r.day.isoformat(),
             "received": r.received, "restocked": r.restocked}
            for r in views.returned_quantities(hub.read_uow, tenant, from_, to,
                                                    warehouses=principal.warehouses)]


@router.get("/v1/returns/policy")
def get_policy(hub: HubDep, tenant: TenantDep) -> Any:
    """The tenant's return policy (the defaults, version 0, until one is set)."""
    return policy.get_policy(hub.read_uow, tenant)


@router.put("/v1/returns/policy", responses={409: {"description": "A stale version"},
                                             422: {"description": "Every bad field"}})
def put_policy(body: JsonObject, hub: HubDep, tenant: TenantDep, actor: ActorDep) -> Any:
    """Replace the return policy (fields left out take their defaults): window_days,
    window_days_by_channel, window_days_by_category, non_returnable_skus,
    non_returnable_categories, unopened_only_categories, seller_pays_reasons,
    buyer_return_shipping, restocking_fee_percent, restocking_fee_reasons,
    auto_approve_reasons, auto_approve_max_refund; `version`, when given, must be the
    stored one."""
    return policy.set_policy(hub.uow, tenant, body, now=hub.clock(), actor=actor)


@router.get("/v1/returns/{return_id}")
def get_return(return_id: str, hub: HubDep, tenant: TenantDep,
               principal: PrincipalDep) -> Any:
    return views.get_return(hub.read_uow, tenant, return_id,
                            warehouses=principal.warehouses)


@router.post("/v1/returns/{return_id}/approve",
             responses={409: {"description": "Not waiting for a decision"}})
def approve(return_id: str, hub: HubDep, tenant: TenantDep, actor: ActorDep,
            principal: PrincipalDep, body: DecisionIn | None = None) -> Any:
    """A person approves the return (an exchange's replacement order is created and
    reserved now); the return waybill is booked."""
    views.ensure_visible(hub.read_uow, tenant, return_id, principal.warehouses)
    return _out(hub.returns.approve(tenant, return_id, actor=actor,
                                    reason=body.reason if body else ""))


@router.post("/v1/returns/{return_id}/reject",
             responses={409: {"description": "Not waiting for a decision"}})
def reject(return_id: str, body: DecisionIn, hub: HubDep, tenant: TenantDep,
           actor: ActorDep, principal: PrincipalDep) -> Any:
    views.ensure_visible(hub.read_uow, tenant, return_id, principal.warehouses)
    return _out(hub.returns.reject(tenant, return_id, actor=actor, reason=body.reason))


@router.post("/v1/returns/{return_id}/cancel",
             responses={409: {"description": "Goods received already"}})
def cancel(return_id: str, hub: HubDep, tenant: TenantDep, actor: ActorDep,
           principal: PrincipalDep, body: DecisionIn | None = None) -> Any:
    views.ensure_visible(hub.read_uow, tenant, return_id, principal.warehouses)
    return _out(hub.returns.cancel(tenant, return_id, actor=actor,
                                   reason=body.reason if body else ""))


@router.post("/v1/returns/{return_id}/waybill",
             responses={503: {"description": "No carrier booked the return waybill"}})
def book_waybill(return_id: str, request: Request, hub: HubDep, tenant: TenantDep,
                 actor: ActorDep, principal: PrincipalDep) -> Any:
    """Book the return waybill (again, after a carrier failure); an existing one is kept."""
    views.ensure_visible(hub.read_uow, tenant, return_id, principal.warehouses)
    try:
        return _out(hub.returns.book_waybill(tenant, return_id, actor=actor))
    except CarrierError as exc:
        return problem(503, "No carrier available", str(exc), kind="no-carrier-available",
                       instance=request.url.path)


@router.post("/v1/returns/{return_id}/receive",
             responses={409: {"description": "Not approved, or received already"},
                        422: {"description": "Unknown warehouse, line or grade; more units "
                              "than the return names"}})
def receive(return_id: str, body: ReceiptIn, hub: HubDep, tenant: TenantDep,
            actor: ActorDep, principal: PrincipalDep) -> Any:
    """The goods arrived and were graded: resell units are back in ATP at once; a refund
    return asks finance for its refund (RefundRequested)."""
    views.ensure_visible(hub.read_uow, tenant, return_id, principal.warehouses)
    if principal.warehouses and body.warehouse not in principal.warehouses:
        raise InvalidInput([FieldError("warehouse", "this credential receives at "
                                       + ", ".join(sorted(principal.warehouses)) + " only")])
    return _out(hub.returns.receive(
        tenant, return_id, body.warehouse,
        [Receipt(x.line_no, x.quantity, x.grade) for x in body.lines], actor=actor))


@router.post("/v1/returns/{return_id}/refund-complete",
             responses={409: {"description": "No refund requested, or completed already"}})
def refund_complete(return_id: str, body: RefundCompleteIn, hub: HubDep, tenant: TenantDep,
                    actor: ActorDep, principal: PrincipalDep) -> Any:
    """Finance (or the channel) paid the refund: RefundCompleted with its reference."""
    views.ensure_visible(hub.read_uow, tenant, return_id, principal.warehouses)
    return _out(hub.returns.complete_refund(tenant, return_id, body.reference, actor=actor))


@router.post("/v1/channels/{channel}/returns",
             responses={400: {"description": "Not a refund notification of this channel"},
                        401: {"description": "Signature missing or wrong, or no such tenant "
                              "or channel"},
                        403: {"description": "A bearer credential without channels:ingest"}})
async def channel_return(
    channel: str, request: Request, hub: HubDep,
    tenant_param: Annotated[str | None, Query(alias="tenant", max_length=64)] = None,
    x_tenant_id: Annotated[str | None, Header(max_length=64)] = None,
) -> Any:
    """A refund or return notification in the channel's own format, signed as its orders
    are (or sent with a bearer key with channels:ingest): a new return, a withdrawn one
    cancelled, or the channel's refund recorded as the refund's completion."""
    body = await request.body()
    principal = principal_of(request)
    if principal is not None:
        if not principal.allows(Scope.CHANNELS_INGEST):
            raise Forbidden(Scope.CHANNELS_INGEST.value)
        tenant = principal.tenant_id
    else:
        tenant = x_tenant_id or tenant_param or ""
    with hub.read_uow() as uow:
        found = {c.code: c for c in uow.catalog.channels(tenant)}.get(channel)
    bad = problem(401, "Bad signature", "the signature does not verify for this tenant and "
                  "channel", kind="bad-signature", instance=request.url.path)
    if found is None:
        return bad
    adapter = ADAPTERS.get(found.adapter)
    parse = RETURN_PARSERS.get(found.adapter)
    if adapter is None or parse is None:
        raise InvalidInput([FieldError("channel", f"channel '{channel}' has no refund "
                                       "notifications; adapters with them: "
                                       + ", ".join(sorted(RETURN_PARSERS)))])
    try:
        adapter.verify(body, request.headers, found.secret)
        notice = parse(body)
    except SignatureError as exc:
        log.warning("channel %s return notice refused: %s", channel, exc)
        return bad
    except PayloadError as exc:
        return problem(400, "Unreadable payload", str(exc), kind="bad-payload",
                       instance=request.url.path,
                       errors=[{"field": exc.field, "message": str(exc)}])
    result = channel_returns.ingest_notice(hub.returns, tenant, channel, notice,
                                           actor=f"channel:{channel}")
    return result.as_dict()
