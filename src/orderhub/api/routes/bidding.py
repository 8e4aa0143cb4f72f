"""3PL bidding (docs/bidding.md): a provider's bid (`POST /v1/bids/{offer_id}`, signed with
the provider's secret: that signature is its credential), the providers and the policy
(`bids:manage`), offers and an order's bidding with its explanation (`orders:read`)."""

from __future__ import annotations

import functools
import logging
from typing import Annotated, Any, Literal

import anyio
from fastapi import APIRouter, Header, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from orderhub.api.deps import ActorDep, HubDep, PrincipalDep, TenantDep
from orderhub.api.problems import problem
from orderhub.api.schemas import Flag, Line
from orderhub.services.bidding import auctions, providers, views

log = logging.getLogger(__name__)
router = APIRouter(tags=["bidding"])

Code = Annotated[Line, Field(min_length=1, max_length=32)]


class BidIn(BaseModel):
    """A provider's bid (documentation only: the body is read as signed bytes, and a
    malformed bid is answered 202 with status `malformed`, stored and ignored)."""

    price: str = Field(description="Decimal amount above 0, at most 2 decimals")
    currency: str = Field("CNY", description="The offer's currency")
    promised_by: str = Field(description="Promised delivery, ISO 8601 with a UTC offset")
    note: str = Field("", max_length=200)


@router.post(
    "/v1/bids/{offer_id}", status_code=202,
    openapi_extra={"requestBody": {"required": True, "content": {"application/json": {
        "schema": BidIn.model_json_schema()}}}},
    responses={401: {"description": "Not signed with the provider's secret (or no such "
                     "tenant or provider: the answer does not say which)"},
               404: {"description": "No such offer for this tenant"}})
async def submit_bid(
    offer_id: str, request: Request, hub: HubDep,
    x_tenant_id: Annotated[str | None, Header(max_length=64)] = None,
    x_provider: Annotated[str | None, Header(max_length=32,
                                             description="The provider's code")] = None,
) -> Any:
    """A provider's bid on an offer: `{price, currency, promised_by}`, signed as a
    Standard Webhook (`webhook-id`, `webhook-timestamp` within 5 minutes,
    `webhook-signature: v1,<base64 HMAC-SHA256 of "id.timestamp.body">`) with the
    provider's secret, the tenant in `X-Tenant-ID`, the provider in `X-Provider`. Taken
    while the offer is open (`accepted`); after its window `late`; a body that does not
    read as a bid `malformed`: both stored, logged and ignored by the award."""
    body = await request.body()
    tenant, code = x_tenant_id or "", x_provider or ""
    now = hub.clock()
    try:
        await anyio.to_thread.run_sync(auctions.verify, hub.read_uow, tenant, code,
                                       dict(request.headers), body, now)
    except auctions.BidSignatureError as exc:
        log.warning("bid for offer %s refused: %s", offer_id, exc)
        return problem(401, "Bad signature", "the signature does not verify for this tenant "
                       "and provider", kind="bad-signature", instance=request.url.path)
    return await anyio.to_thread.run_sync(functools.partial(
        auctions.submit, hub.uow, tenant, code, offer_id, body, now,
        message_id=request.headers.get("webhook-id")))


class ProviderIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    code: Code = Field(description="The provider's code (letters, digits, _ . -)")
    name: Line = Field(min_length=1, max_length=200)
    kind: Literal["warehouse", "3pl"] = "3pl"
    sites: list[Code] = Field(default_factory=list, max_length=200,
                              description="Reserved sites it fulfils from (empty: any)")
    endpoint: Line = Field("", max_length=500,
                           description="https:// URL bid requests are POSTed to (signed)")
    active: Flag = True
    secret: Line | None = Field(None, max_length=200, description="whsec_... (a new one is "
                                "made for a new provider when not given)")


@router.get("/v1/bid-providers")
def list_providers(hub: HubDep, tenant: TenantDep) -> Any:
    """The providers that may bid (never their secrets)."""
    return providers.list_providers(hub.read_uow, tenant)


@router.post("/v1/bid-providers")
def save_provider(body: ProviderIn, hub: HubDep, tenant: TenantDep, actor: ActorDep) -> Any:
    """Add or update a provider. Its signing secret is shown only in this answer."""
    doc = body.model_dump(exclude={"secret"})
    return providers.save_provider(hub.uow, tenant, doc, secret=body.secret,
                                   now=hub.clock(), actor=actor)


@router.post("/v1/bid-providers/{code}/secret")
def rotate_secret(code: str, hub: HubDep, tenant: TenantDep, actor: ActorDep) -> Any:
    """A new signing secret for the provider (shown only here); the old one stops at once."""
    return providers.rotate_secret(hub.uow, tenant, code, now=hub.clock(), actor=actor)


@router.get("/v1/bid-policy")
def get_policy(hub: HubDep, tenant: TenantDep) -> Any:
    """The bidding policy (null: no order is offered)."""
    return providers.get_policy(hub.read_uow, tenant)


@router.put("/v1/bid-policy")
def put_policy(request_body: dict[str, Any], hub: HubDep, tenant: TenantDep,
               actor: ActorDep) -> Any:
    """Set the policy: `when` (a routing rule's conditions), `window_seconds` (default 3),
    `cost_weight` (0..1; the rest weighs the promise), `enabled`."""
    return providers.set_policy(hub.uow, tenant, request_body, now=hub.clock(), actor=actor)


@router.get("/v1/bid-offers")
def list_offers(hub: HubDep, tenant: TenantDep,
                status: Annotated[Literal["open", "awarded", "fallback"] | None,
                                  Query()] = None,
                limit: Annotated[int, Query(ge=1, le=500)] = 50) -> Any:
    """Recent offers with their bids and decisions, newest first."""
    return views.list_offers(hub.read_uow, tenant, status=status, limit=limit)


@router.get("/v1/orders/{order_id}/bidding", tags=["orders"])
def order_bidding(order_id: str, hub: HubDep, tenant: TenantDep, principal: PrincipalDep,
                  lang: Annotated[Literal["en", "zh"], Query()] = "en") -> Any:
    """The order's offers: who was invited, every bid (accepted, late, malformed), the
    award or the fallback to routing, and `explanation` in plain words (as `order why`)."""
    return views.order_bidding(hub.read_uow, tenant, order_id,
                               warehouses=principal.warehouses, zh=lang == "zh")

