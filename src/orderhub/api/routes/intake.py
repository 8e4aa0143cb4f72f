"""Channel webhooks, the SKU crosswalk, held-order actions and validation rules."""

from __future__ import annotations

import logging
from dataclasses import asdict
from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from orderhub.adapters.channels.base import PayloadError, SignatureError, check_fresh
from orderhub.adapters.channels.registry import ADAPTERS
from orderhub.api import metering
from orderhub.api.auth import principal_of
from orderhub.api.deps import ActorDep, HubDep, PiiDep, TenantDep
from orderhub.api.problems import problem
from orderhub.api.schemas import Flag, JsonObject, Line, OrderOut, Text
from orderhub.domain.access import Scope
from orderhub.domain.errors import FieldError, Forbidden, InvalidInput
from orderhub.services.intake import sku_mapping
from orderhub.services.intake.receivers import decryptor_for, reveal_receivers
from orderhub.services.intake.submit import ingest_channel_orders
from orderhub.services.orders import holds, views
from orderhub.services.rules import validation_rules

log = logging.getLogger(__name__)
router = APIRouter(tags=["channels"])
_TAKEN = {"created", "updated", "cancelled"}  # channel outcomes metered as orders taken in


class IngestOut(BaseModel):
    outcome: str = Field(description="created | updated | cancelled | unchanged | rejected")
    external_id: str
    order_id: str | None
    status: str | None
    message: str


@router.post("/v1/channels/{channel}/webhook", response_model=list[IngestOut],
             responses={400: {"description": "Payload is not an order of this channel"},
                        401: {"description": "Signature missing or wrong, or no such "
                              "tenant or channel (the answer does not say which)"},
                        403: {"description": "A bearer credential without channels:ingest"}})
async def channel_webhook(
    channel: str, request: Request, hub: HubDep,
    tenant_param: Annotated[str | None, Query(alias="tenant", max_length=64,
                                              description="The tenant, for platforms that "
                                              "cannot send headers")] = None,
    x_tenant_id: Annotated[str | None, Header(max_length=64)] = None,
) -> Any:
    """An order (new, updated or cancelled) in the channel's own format, signed as the
    channel signs it: the signature with the tenant's channel secret authenticates it (the
    tenant named by `X-Tenant-ID` or `?tenant=`), or a bearer key with `channels:ingest`
    (its tenant). Nothing is stored unless the signature and the payload are good; an
    order that parses is stored even when it breaks a rule (it is held)."""
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
    if found is None:  # no such tenant or channel: the same answer as a bad signature
        return problem(401, "Bad signature", "the signature does not verify for this tenant "
                       "and channel", kind="bad-signature", instance=request.url.path)
    adapter = ADAPTERS.get(found.adapter)
    if adapter is None:
        raise InvalidInput([FieldError("channel", f"channel '{channel}' has no adapter; set one "
                                       f"of {', '.join(sorted(ADAPTERS))}")])
    try:
        adapter.verify(body, request.headers, found.secret)
        if hub.settings.channel_push_max_skew_minutes:
            check_fresh(adapter, request.headers, hub.clock(),
                        timedelta(minutes=hub.settings.channel_push_max_skew_minutes))
        parsed = adapter.parse(body)
    except SignatureError as exc:
        log.warning("channel %s webhook refused: %s", channel, exc)  # the reason: in the log
        return problem(401, "Bad signature", "the signature does not verify for this tenant "
                       "and channel", kind="bad-signature", instance=request.url.path)
    except PayloadError as exc:
        log.warning("channel %s webhook unreadable: %s", channel, exc)
        return problem(400, "Unreadable payload", str(exc), kind="bad-payload",
                       instance=request.url.path,
                       errors=[{"field": exc.field, "message": str(exc)}])
    decryptor, unavailable = decryptor_for(hub.settings.channel_decryptors, tenant, channel,
                                           found.secret)
    [parsed] = reveal_receivers([parsed], decryptor, unavailable)
    results = ingest_channel_orders(hub.uow, tenant, channel, [parsed], strategy=hub.strategy,
                                    now=hub.clock(), actor=f"channel:{channel}",
                                    presale_lock=hub.presale_lock)
    metering.count(request, orders=sum(r.outcome in _TAKEN for r in results),
                   caller=(tenant, f"channel:{channel}"))
    return [asdict(r) for r in results]


class MappingIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    channel: Line = Field(min_length=1, max_length=64)
    key_type: Line = Field("sku", description="sku | barcode | title")
    channel_key: Line = Field(min_length=1, max_length=500)
    master_sku: Line = Field(min_length=1, max_length=64)


@router.post("/v1/sku-mappings", tags=["crosswalk"])
def confirm_mapping(body: MappingIn, hub: HubDep, tenant: TenantDep, actor: ActorDep) -> Any:
    """Store (channel, code) -> master SKU and re-validate every order held for it."""
    return sku_mapping.confirm_mapping(hub.uow, tenant, body.channel, body.key_type,
                                       body.channel_key, body.master_sku, actor=actor,
                                       now=hub.clock(), strategy=hub.strategy,
                                       presale_lock=hub.presale_lock)


@router.get("/v1/sku-mappings", tags=["crosswalk"])
def list_mappings(hub: HubDep, tenant: TenantDep,
                  channel: Annotated[str | None, Query(max_length=64)] = None) -> Any:
    return sku_mapping.list_mappings(hub.read_uow, tenant, channel)


class AddressFixIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: Text = Field(min_length=1, max_length=500)
    province: Line | None = Field(None, max_length=64)
    city: Line | None = Field(None, max_length=64)
    district: Line | None = Field(None, max_length=64)
    line1: Line | None = Field(None, max_length=300)
    postal_code: Line | None = Field(None, max_length=20)
    name: Line | None = Field(None, max_length=200)
    phone: Line | None = Field(None, max_length=40)


@router.patch("/v1/orders/{order_id}/shipping-address", response_model=OrderOut,
              tags=["orders"])
def fix_address(order_id: str, body: AddressFixIn, hub: HubDep, tenant: TenantDep, pii: PiiDep,
                actor: ActorDep) -> Any:
    """Correct the address of an order not yet released (then `resume` a held one)."""
    changes = body.model_dump(exclude_none=True)
    reason = changes.pop("reason")
    holds.correct_address(hub.uow, tenant, order_id, changes, reason=reason,
                                actor=actor, now=hub.clock())
    return views.get_order(hub.read_uow, tenant, order_id, pii=pii)


class SuggestionAcceptIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: Text = Field("", max_length=500, description="Why (audited); by default the "
                         "suggestion's confidence and source")


@router.post("/v1/orders/{order_id}/address-suggestion/accept", response_model=OrderOut,
             tags=["orders"], responses={409: {"description": "The order has no address "
                                               "suggestion, or is already released"}})
def accept_address_suggestion(order_id: str, hub: HubDep, tenant: TenantDep, pii: PiiDep,
                              actor: ActorDep, body: SuggestionAcceptIn | None = None) -> Any:
    """Accept the suggested province/city/district for a held order's incomplete address:
    the blank fields are filled and the order goes through its checks and allocation
    again (as a corrected and resumed order does), in one call."""
    holds.accept_address_suggestion(hub.uow, tenant, order_id,
                                    reason=body.reason if body else "", actor=actor,
                                    now=hub.clock(), strategy=hub.strategy,
                                    presale_lock=hub.presale_lock)
    return views.get_order(hub.read_uow, tenant, order_id, pii=pii)


class OverrideIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    codes: list[Line] = Field(min_length=1, description="Hold reason codes to accept")
    reason: Text = Field(min_length=1, max_length=500, description="Why (audited)")


@router.post("/v1/orders/{order_id}/override", response_model=OrderOut, tags=["orders"])
def override(order_id: str, body: OverrideIn, hub: HubDep, tenant: TenantDep, pii: PiiDep,
             actor: ActorDep) -> Any:
    """Accept named hold reasons on purpose and release the order into its lifecycle."""
    holds.override_and_release(hub.uow, tenant, order_id, body.codes,
                                     reason=body.reason, actor=actor, now=hub.clock(),
                                     strategy=hub.strategy, presale_lock=hub.presale_lock)
    return views.get_order(hub.read_uow, tenant, order_id, pii=pii)


@router.get("/v1/validation/rules", tags=["validation"])
def list_rules(hub: HubDep, tenant: TenantDep) -> Any:
    """The tenant's three-level validation rules, with parameters and versions."""
    return validation_rules.list_rules(hub.read_uow, tenant)


class RulePatch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    params: JsonObject | None = None
    enabled: Flag | None = None
    reason: Text = Field(min_length=1, max_length=500)


@router.patch("/v1/validation/rules/{code}", tags=["validation"])
def patch_rule(code: str, body: RulePatch, hub: HubDep, tenant: TenantDep,
               actor: ActorDep) -> Any:
    """Change a rule's parameters or switch it; a new version, audited with the reason."""
    return validation_rules.update_rule(hub.uow, tenant, code, params=body.params,
                                        enabled=body.enabled, reason=body.reason,
                                        actor=actor, now=hub.clock())


@router.get("/v1/validation/rules/{code}/history", tags=["validation"])
def rule_history(code: str, hub: HubDep, tenant: TenantDep) -> Any:
    return validation_rules.rule_history(hub.read_uow, tenant, code)
