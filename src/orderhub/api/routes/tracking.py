"""Carrier tracking: checkpoints pushed by carriers (bulk, signed, idempotent), the carrier's
signing secret, and an order's tracking (shipments with their checkpoint history)."""

from __future__ import annotations

import logging
from typing import Annotated, Any

import anyio
from fastapi import APIRouter, Header, Request
from pydantic import BaseModel, ConfigDict, Field, model_validator

from orderhub.adapters.carriers.tracking_signing import HEADER, TrackingSignatureError
from orderhub.api import metering
from orderhub.api.bodies import json_body_doc, json_list_body
from orderhub.api.deps import ActorDep, HubDep, PrincipalDep, TenantDep
from orderhub.api.problems import problem
from orderhub.api.schemas import Flag, Line, Moment, Text
from orderhub.domain.tracking import Checkpoint, CheckpointKind
from orderhub.services.tracking import checkpoints as tracking
from orderhub.services.tracking import views

log = logging.getLogger(__name__)
router = APIRouter(tags=["tracking"])


class CheckpointIn(BaseModel):
    """One checkpoint as the carrier reports it."""

    model_config = ConfigDict(extra="forbid")
    event_id: Line = Field(min_length=1, max_length=128,
                           description="The carrier's id of this checkpoint: the same id "
                           "pushed again is stored once")
    waybill: Line = Field(min_length=1, max_length=64, description="Tracking number (电子面单)")
    kind: CheckpointKind = Field(description="picked_up, arrived_at_hub, departed_hub, "
                                 "customs, out_for_delivery, failed_attempt, delivered, "
                                 "returned, info_received")
    at: Moment = Field(description="When it happened (ISO 8601 with a UTC offset)")
    location: Line = Field("", max_length=200)
    description: Text = Field("", max_length=500)


class PushOut(BaseModel):
    received: int
    new: int = Field(description="Stored now")
    duplicates: int = Field(description="Already stored (the same event id): nothing changed")
    matched: int = Field(description="New ones recorded on a shipment")
    orphaned: int = Field(description="New ones for a waybill no shipment has yet: kept, and "
                          "matched when the waybill is booked")
    delivered: int = Field(description="Shipments a delivered checkpoint delivered")


class SecretIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    secret: Line | None = Field(None, min_length=24, max_length=200,
                                description="The secret agreed with the carrier")
    generate: Flag = Field(False, description="Make a new random secret instead")

    @model_validator(mode="after")
    def _one(self) -> SecretIn:
        if (self.secret is None) == (not self.generate):
            raise ValueError("give either secret or generate=true")
        return self


@router.post(
    "/v1/carriers/{code}/tracking", response_model=PushOut,
    openapi_extra=json_body_doc(Annotated[list[CheckpointIn],
                                          Field(max_length=tracking.MAX_PUSH)]),
    responses={401: {"description": f"The body is not signed with the carrier's secret "
                                    f"({HEADER}: sha256=<hex HMAC-SHA256 of the raw body>)"}})
async def push_tracking(
    code: str, request: Request, hub: HubDep, tenant: TenantDep,
    signature: Annotated[str | None, Header(alias=HEADER, max_length=200,
                                            description="sha256=<hex HMAC-SHA256 of the raw "
                                            "body, keyed with the carrier's secret>")] = None,
    body: list[CheckpointIn] = json_list_body(CheckpointIn, tracking.MAX_PUSH),
) -> Any:
    """Up to 1,000 checkpoints of carrier `code` (ZTO, SF, ...), signed with the secret set
    for it (`PUT /v1/carriers/{code}/tracking/secret`): `X-Tracking-Signature:
    sha256=<hex HMAC-SHA256 of the raw body>`. Idempotent by the carrier's event id. A
    checkpoint for a waybill no shipment has yet is kept as an orphan and matched when the
    waybill is booked; a late one never moves a shipment backwards; `delivered` delivers a
    dispatched shipment. One transaction with the order events."""
    raw = await request.body()
    try:
        carrier = await anyio.to_thread.run_sync(
            tracking.verify_push, hub.read_uow, tenant, code, raw, signature)
    except TrackingSignatureError as exc:
        log.warning("tracking push for carrier %s refused: %s", code, exc)
        return problem(401, "Bad signature", "the signature does not verify for this tenant "
                       "and carrier", kind="bad-signature", instance=request.url.path)
    items = [Checkpoint(carrier=carrier, waybill=b.waybill, event_id=b.event_id, kind=b.kind,
                        at=b.at, location=b.location, description=b.description)
             for b in body]

    def run() -> tracking.PushResult:
        return tracking.push(hub.uow, tenant, carrier, items, now=hub.clock())

    result = await anyio.to_thread.run_sync(run)
    metering.count(request, rows=len(items))
    return result.as_dict()


@router.put("/v1/carriers/{code}/tracking/secret")
def set_tracking_secret(code: str, body: SecretIn, hub: HubDep, tenant: TenantDep,
                        actor: ActorDep) -> Any:
    """Set or rotate the secret carrier `code` signs its tracking pushes with (stored
    encrypted; shown only in this answer). The old secret stops working at once."""
    return tracking.set_secret(hub.uow, tenant, code, body.secret, now=hub.clock(),
                               actor=actor)


@router.get("/v1/orders/{order_id}/tracking", tags=["orders"])
def order_tracking(order_id: str, hub: HubDep, tenant: TenantDep,
                   principal: PrincipalDep) -> Any:
    """The order's shipments, each with its carrier checkpoints (by the carrier's time) and
    its current tracking state: the most advanced checkpoint, never moved back by one that
    arrived late."""
    return views.order_tracking(hub.read_uow, tenant, order_id,
                                warehouses=principal.warehouses)
