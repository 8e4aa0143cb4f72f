"""Compensation sagas: a warehouse refusing a released order starts one; the exception
desk lists them (those that need a human above all) and retries one."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import Field

from orderhub.api.deps import ActorDep, HubDep, PrincipalDep, TenantDep
from orderhub.api.schemas import Line, Strict, Text
from orderhub.services.sagas import compensation, views

router = APIRouter(tags=["sagas"])


class ReleaseRejectedIn(Strict):
    reason: Text = Field(min_length=1, max_length=500,
                         description="Why the warehouse refuses the order")
    warehouse: Line | None = Field(None, max_length=64, description="The refusing site "
                                   "(default: every site the order was released to, or "
                                   "the caller's own for a warehouse-bound key)")


@router.post("/v1/orders/{order_id}/release-rejected", status_code=201,
             responses={409: {"description": "The order is not released (or was picked)"}})
def release_rejected(order_id: str, body: ReleaseRejectedIn, hub: HubDep, tenant: TenantDep,
                     principal: PrincipalDep, actor: ActorDep) -> Any:
    """The warehouse refuses an order released to it. A compensation saga (persisted,
    resumed after a crash, each step once) recalls it (its stock there released, its
    shipments cancelled, held as `release_rejected`), voids its waybills with the
    carriers, routes it again away from that site (or leaves it held with the reason) and
    tells the channel (OrderCompensated). Answers the saga as it was left."""
    saga = compensation.reject_release(hub.compensator, tenant, order_id, body.reason,
                                       actor=actor, warehouse=body.warehouse,
                                       bound_to=principal.warehouses)
    return saga.as_dict()


class PaymentFailedIn(Strict):
    reason: Text = Field(min_length=1, max_length=500,
                         description="Why capturing the payment failed (the PSP's answer)")


@router.post("/v1/orders/{order_id}/payment-failed", status_code=201,
             responses={409: {"description": "The order is cancelled or paid"}})
def payment_failed(order_id: str, body: PaymentFailedIn, hub: HubDep, tenant: TenantDep,
                   actor: ActorDep) -> Any:
    """Capturing the order's payment failed. A compensation saga cancels it while the
    goods are still in the warehouse (stock released, waybills voided); once they left it
    needs a human at once (CompensationNeedsHuman); the channel is told
    (OrderCompensated). Answers the saga as it was left."""
    return compensation.payment_failed(hub.compensator, tenant, order_id, body.reason,
                                       actor=actor).as_dict()


@router.get("/v1/sagas")
def list_sagas(hub: HubDep, tenant: TenantDep, principal: PrincipalDep,
               state: Annotated[str | None, Query(max_length=16)] = None,
               order_id: Annotated[str | None, Query(alias="order", max_length=40)] = None,
               kind: Annotated[str | None, Query(max_length=32)] = None,
               limit: Annotated[int, Query(ge=1, le=500)] = 50,
               cursor: Annotated[str | None, Query(max_length=40)] = None) -> Any:
    """Compensation sagas, newest first; `state` running, done or needs_human (the ones
    a person must decide), `order` one order's. A key bound to warehouses sees the
    sagas of its own warehouses' refusals."""
    return views.list_sagas(hub.read_uow, tenant, state=state, order_id=order_id, kind=kind,
                            limit=limit, cursor=cursor, bound_to=principal.warehouses)


@router.get("/v1/sagas/{saga_id}")
def get_saga(saga_id: str, hub: HubDep, tenant: TenantDep, principal: PrincipalDep) -> Any:
    """One saga: its steps (pending, done, failed) with attempts and the last error."""
    return views.get_saga(hub.read_uow, tenant, saga_id, bound_to=principal.warehouses)


@router.post("/v1/sagas/{saga_id}/retry",
             responses={409: {"description": "The saga does not need a human"}})
def retry_saga(saga_id: str, hub: HubDep, tenant: TenantDep, actor: ActorDep,
               principal: PrincipalDep) -> Any:
    """Try a saga that needed a human again, from its failed step."""
    return views.retry_saga(hub.compensator, tenant, saga_id, actor=actor,
                            bound_to=principal.warehouses)
