"""/v1/orders: intake (single and batch), queries, timeline and lifecycle steps."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Request, Response
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from orderhub.api import metering
from orderhub.api.bodies import json_body, json_body_doc
from orderhub.api.deps import ActorDep, HubDep, PiiDep, PrincipalDep, TenantDep
from orderhub.api.schemas import (
    BatchOut,
    CancelIn,
    ExpiryOut,
    Moment,
    OrderBatchIn,
    OrderIn,
    OrderOut,
    OrderPage,
    ReasonIn,
    ShipIn,
    TimelineEntryOut,
)
from orderhub.domain.errors import InvalidInput
from orderhub.domain.lifecycle import OrderStatus
from orderhub.domain.order import HoldCode, Order
from orderhub.services import cutover
from orderhub.services.intake.drafts import check_draft
from orderhub.services.intake.shadow import SHADOW
from orderhub.services.intake.submit import Outcome, submit_orders
from orderhub.services.orders import fulfilment, views

router = APIRouter(prefix="/v1/orders", tags=["orders"])

IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        max_length=200,
        description="Optional client key: a retried request with the same key and body returns "
        "the original orders; the same key with another body is a 409",
    ),
]


@router.post(
    "",
    response_model=OrderOut,
    status_code=201,
    responses={
        200: {"description": "The same order was already submitted"},
        202: {"description": "Its channel is in shadow mode: validated and routed, kept as a "
              "shadow record, nothing reserved (docs/channels.md)"},
        409: {
            "description": "Same channel + external id (or Idempotency-Key) "
            "with a different payload"
        },
        422: {"description": "Invalid fields; nothing stored"},
    },
)
async def create_order(
    body: OrderIn,
    hub: HubDep,
    tenant: TenantDep, pii: PiiDep, principal: PrincipalDep,
    actor: ActorDep,
    response: Response,
    request: Request,
    idempotency_key: IdempotencyKey = None,
) -> Any:
    """Submit one order. It is validated, allocated and its stock reserved at once; an order
    that cannot be served is stored on hold with the reason, never dropped."""
    # Async: a grouped request waits for its group's commit without holding a thread
    # (services/intake/group_commit.py); blocking work goes to the thread pool.
    draft = body.to_draft()
    committer = hub.intake_committer
    order: Order | None = None
    if committer is None or idempotency_key:
        # Ungrouped: a request with an Idempotency-Key stores its key with its own answer.
        [result] = await run_in_threadpool(
            submit_orders,
            hub.uow,
            tenant,
            [draft],
            strategy=hub.strategy,
            now=hub.clock(),
            actor=actor,
            idempotency_key=idempotency_key,
            presale_lock=hub.presale_lock,
            batch=False,
        )
    else:
        # Field errors are this request's own 422, before it joins a group.
        errors = check_draft(draft)
        if errors:
            raise InvalidInput(errors)
        placed = await committer.place_async(tenant, actor, draft)
        result, order = placed.result, placed.order
    assert result.order_id is not None
    metering.count(request, orders=int(result.outcome == Outcome.CREATED))
    if result.status == SHADOW:  # its channel is in shadow mode: a record, not an order
        return JSONResponse(await run_in_threadpool(
            cutover.shadow_order, hub.read_uow, tenant, draft.channel, draft.external_id),
            status_code=202 if result.outcome == Outcome.CREATED else 200)
    response.headers["Location"] = f"/v1/orders/{result.order_id}"
    if result.outcome != Outcome.CREATED:
        response.status_code = 200
    if order is not None:  # committed in this group: answered from memory, not read back
        return _as_stored(views.order_view(order, pii), hub.engine.dialect.name)
    return await run_in_threadpool(views.get_order, hub.read_uow, tenant, result.order_id,
                                   pii=pii)


_STORED_SCALE = Decimal("0.000001")


def _as_stored(view: dict[str, Any], dialect: str) -> dict[str, Any]:
    """The answer exactly as a read-back would show it: PostgreSQL keeps line amounts at
    the money column's scale (10.00 reads back as 10.000000); SQLite keeps the text sent."""
    if dialect != "sqlite":
        for line in view["lines"]:
            for k in ("unit_price", "discount", "tax"):
                line[k] = str(Decimal(line[k]).quantize(_STORED_SCALE, ROUND_HALF_UP))
    return view


@router.post(
    "/batch",
    response_model=BatchOut,
    responses={422: {"description": "Some order is invalid; nothing stored"}},
    openapi_extra=json_body_doc(OrderBatchIn),
)
def create_orders(
    hub: HubDep,
    tenant: TenantDep,
    actor: ActorDep,
    request: Request,
    idempotency_key: IdempotencyKey = None,
    body: OrderBatchIn = json_body(OrderBatchIn, items="orders"),
) -> Any:
    """Submit up to 5,000 orders in one transaction. Each result says whether the order was
    created, already existed, or conflicts with a stored order of the same external id."""
    results = submit_orders(
        hub.uow,
        tenant,
        [o.to_draft() for o in body.orders],
        strategy=hub.strategy,
        now=hub.clock(),
        actor=actor,
        idempotency_key=idempotency_key,
        presale_lock=hub.presale_lock,
    )
    counts = {o: sum(1 for r in results if r.outcome == o) for o in Outcome}
    metering.count(request, orders=counts[Outcome.CREATED])
    return {
        "created": counts[Outcome.CREATED],
        "existing": counts[Outcome.EXISTING],
        "conflicts": counts[Outcome.CONFLICT],
        "results": [
            {
                "outcome": r.outcome.value,
                "order_id": r.order_id,
                "channel": r.channel,
                "external_id": r.external_id,
                "status": r.status,
                "message": r.message,
            }
            for r in results
        ],
    }


@router.get("", response_model=OrderPage)
def list_orders(
    hub: HubDep,
    tenant: TenantDep, pii: PiiDep, principal: PrincipalDep,
    request: Request,
    status: OrderStatus | None = None,
    channel: Annotated[str | None, Query(max_length=64)] = None,
    external_id: Annotated[str | None, Query(max_length=200)] = None,
    sku: Annotated[str | None, Query(max_length=64)] = None,
    created_from: Moment | None = None,
    created_to: Moment | None = None,
    phone: Annotated[str | None, Query(
        max_length=40, description="Recipient's or customer's phone, exact (any format: "
        "+86 138 0013 8000 and 13800138000 match)")] = None,
    email: Annotated[str | None, Query(
        max_length=320, description="Customer's email, exact, case-insensitive")] = None,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> Any:
    """Orders newest first, with filters; pass `next_cursor` back as `cursor` for more.
    Phone and email are looked up through keyed blind indexes (stored data stays
    encrypted); personal fields are shown as the caller's role allows."""
    page = views.list_orders(
        hub.read_uow,
        tenant,
        status=status,
        channel=channel,
        external_id=external_id,
        sku=sku,
        created_from=created_from,
        created_to=created_to,
        phone=phone,
        email=email,
        cursor=cursor,
        limit=limit,
        pii=pii,
        warehouses=principal.warehouses,
    )
    metering.count(request, rows=len(page["items"]))
    return page


@router.get("/held", response_model=OrderPage)
def list_held(
    hub: HubDep,
    tenant: TenantDep, pii: PiiDep, principal: PrincipalDep,
    code: Annotated[HoldCode | None, Query(description="Only orders held for this reason")] = None,
    channel: Annotated[str | None, Query(max_length=64)] = None,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> Any:
    """Orders on hold, each with its reasons (and SKU suggestions for unmapped lines)."""
    return views.list_orders(hub.read_uow, tenant, status=OrderStatus.ON_HOLD,
                             hold_code=code.value if code else None, channel=channel,
                             cursor=cursor, limit=limit, pii=pii,
                             warehouses=principal.warehouses)


@router.post("/expire-reservations", response_model=ExpiryOut, tags=["inventory"])
def expire_now(hub: HubDep, tenant: TenantDep) -> Any:
    """Run the reservation-expiry sweep for your orders now (it also runs in the
    background)."""
    return {"orders_released": fulfilment.expire_reservations(hub.uow, now=hub.clock(),
                                                              tenant_id=tenant)}


@router.get("/{order_id}", response_model=OrderOut)
def get_order(order_id: str, hub: HubDep, tenant: TenantDep, pii: PiiDep,
              principal: PrincipalDep, response: Response) -> Any:
    """The order; its `version` is also the ETag (send it as If-Match to edit it)."""
    out = views.get_order(hub.read_uow, tenant, order_id, pii=pii,
                          warehouses=principal.warehouses)
    response.headers["ETag"] = f'"{out["version"]}"'
    return out


@router.get("/{order_id}/timeline", response_model=list[TimelineEntryOut])
def get_timeline(order_id: str, hub: HubDep, tenant: TenantDep,
                 principal: PrincipalDep) -> Any:
    """Every step of the order in sequence: time, actor, reason and details."""
    return views.get_timeline(hub.read_uow, tenant, order_id, warehouses=principal.warehouses)


@router.get("/{order_id}/routing")
def get_routing(order_id: str, hub: HubDep, tenant: TenantDep,
                principal: PrincipalDep) -> Any:
    """Every routing decision for the order: the plans considered with their shipping,
    handling, split and lateness costs and promise dates, the chosen one, and the sites
    excluded with the reason. Recorded by the `routing` allocation strategy."""
    return views.get_routing(hub.read_uow, tenant, order_id, warehouses=principal.warehouses)


@router.post("/{order_id}/cancel", response_model=OrderOut)
def cancel(order_id: str, body: CancelIn, hub: HubDep, tenant: TenantDep, pii: PiiDep,
           actor: ActorDep) -> Any:
    """Cancel before dispatch; reserved stock is released in the same transaction."""
    fulfilment.cancel_order(hub.uow, tenant, order_id, body.reason, now=hub.clock(), actor=actor)
    return views.get_order(hub.read_uow, tenant, order_id, pii=pii)


@router.post("/{order_id}/ship", response_model=OrderOut)
def ship(
    order_id: str, hub: HubDep, tenant: TenantDep, pii: PiiDep, actor: ActorDep,
    body: ShipIn | None = None,
) -> Any:
    """Dispatch all or some shipments (a partial dispatch leaves it partially_shipped);
    their stock leaves on-hand."""
    fulfilment.ship_order(
        hub.uow, tenant, order_id, body.shipment_ids if body else None, now=hub.clock(), actor=actor
    )
    return views.get_order(hub.read_uow, tenant, order_id, pii=pii)


@router.post("/{order_id}/resume", response_model=OrderOut)
def resume(order_id: str, hub: HubDep, tenant: TenantDep, pii: PiiDep,
           actor: ActorDep) -> Any:
    """Re-validate and re-allocate a held order; it stays held if it still cannot be served."""
    fulfilment.resume_order(
        hub.uow,
        tenant,
        order_id,
        now=hub.clock(),
        actor=actor,
        strategy=hub.strategy,
        presale_lock=hub.presale_lock,
    )
    return views.get_order(hub.read_uow, tenant, order_id, pii=pii)


def _step(action: str, target: OrderStatus, doc: str) -> None:
    def endpoint(
        order_id: str, hub: HubDep, tenant: TenantDep, pii: PiiDep, actor: ActorDep,
        body: ReasonIn | None = None,
    ) -> Any:
        fulfilment.advance_order(
            hub.uow,
            tenant,
            order_id,
            target,
            now=hub.clock(),
            actor=actor,
            reason=body.reason if body else "",
        )
        return views.get_order(hub.read_uow, tenant, order_id, pii=pii)

    endpoint.__doc__ = doc
    router.add_api_route(
        f"/{{order_id}}/{action}",
        endpoint,
        methods=["POST"],
        response_model=OrderOut,
        name=f"{action}_order",
        responses={409: {"description": "Illegal transition"}},
    )


@router.post("/{order_id}/release", response_model=OrderOut, name="release_order",
             responses={409: {"description": "Illegal transition"},
                        503: {"description": "No carrier could book a waybill; retry later"}})
def release_order(order_id: str, hub: HubDep, tenant: TenantDep, pii: PiiDep,
                  actor: ActorDep) -> Any:
    """Release an allocated order to its warehouse(s): a waybill is booked with each
    shipment's carrier first; a carrier that fails or is circuit-broken is replaced by the
    next usable service for that parcel. If none can book, 503 and the order stays
    allocated (an exception is raised on it)."""
    hub.waybills.release(tenant, order_id, actor=actor)
    return views.get_order(hub.read_uow, tenant, order_id, pii=pii)


_step("pick", OrderStatus.PICKED, "Record that the order was picked.")
_step("pack", OrderStatus.PACKED, "Record that the order was packed.")
_step("deliver", OrderStatus.DELIVERED, "Record delivery to the customer.")
_step("invoice", OrderStatus.INVOICED, "Record that the order was invoiced.")
_step("pay", OrderStatus.PAID, "Record that payment was received.")
