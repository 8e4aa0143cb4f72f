"""The buyer's tracking page over the API (issue 19): a link to an order's public page,
revoking an order's links, rotating the tenant's link key, customer service's lookup and
its scripts (size guide, return policy, contact per SKU, category or the tenant)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, ConfigDict, Field

from orderhub.api.deps import ActorDep, HubDep, PrincipalDep, TenantDep
from orderhub.api.schemas import Line, Text
from orderhub.domain.errors import Forbidden
from orderhub.domain.privacy import PiiView
from orderhub.domain.tracking_page import parse_ttl
from orderhub.services.tracking import links, story

router = APIRouter(prefix="/v1", tags=["tracking page"])


class LinkIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    ttl: Line | None = Field(None, max_length=16, description="How long the link opens: "
                             "30d (default), 12h, 90m, 2w; at most 366 days")


class LinkOut(BaseModel):
    order_id: str
    external_id: str
    url: str = Field(description="The public page: no sign-in, masked personal data")
    expires_at: datetime


class ScriptIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    target: Line = Field(max_length=80, description="sku:<code>, category:<name> or * (the "
                         "tenant's default)")
    lang: Line = Field(max_length=2, description="en or zh")
    size_guide: Text = Field("", max_length=2000)
    return_policy: Text = Field("", max_length=2000)
    contact: Text = Field("", max_length=2000)


def base_url(hub: Any, request: Request) -> str:
    return str(hub.settings.public_base_url or request.base_url)


@router.post("/orders/{order_id}/tracking-link", response_model=LinkOut, tags=["orders"])
def tracking_link(order_id: str, request: Request, hub: HubDep, tenant: TenantDep,
                  principal: PrincipalDep, body: LinkIn | None = None) -> Any:
    """A signed, expiring link to the order's public tracking page (stages, parcels and
    carrier checkpoints, promise, what to do next; the recipient masked). The page shows
    masked personal data, so a caller that may see none cannot issue one (403)."""
    if principal.pii is PiiView.NONE:
        raise Forbidden("pii:masked", "the tracking page shows masked personal data")
    ttl = parse_ttl(body.ttl if body else None)
    return links.issue_link(hub.uow, tenant, order_id, base_url=base_url(hub, request),
                            now=hub.clock(), ttl=ttl, warehouses=principal.warehouses)


@router.post("/orders/{order_id}/tracking-link/revoke", tags=["orders"])
def revoke_links(order_id: str, hub: HubDep, tenant: TenantDep, actor: ActorDep) -> Any:
    """Every link to this order issued until now stops opening (404); new ones work."""
    return links.revoke_links(hub.uow, tenant, order_id, now=hub.clock(), actor=actor)


@router.post("/tracking-links/rotate")
def rotate_keys(hub: HubDep, tenant: TenantDep, actor: ActorDep) -> Any:
    """A new key for the tenant's tracking links: every link issued before stops opening."""
    return links.rotate_keys(hub.uow, tenant, now=hub.clock(), actor=actor)


@router.get("/service/orders")
def find_orders(
    hub: HubDep, tenant: TenantDep, principal: PrincipalDep,
    phone: Annotated[str, Query(max_length=32)] = "",
    external_id: Annotated[str, Query(max_length=200)] = "",
    waybill: Annotated[str, Query(max_length=64)] = "",
) -> Any:
    """Customer service's lookup: orders by the buyer's phone (blind index, exact), the
    channel's order number or a waybill; newest first, at most 20, shaped for the caller."""
    return story.find_orders(hub.read_uow, tenant, phone=phone, external_id=external_id,
                             waybill=waybill, pii=principal.pii,
                             warehouses=principal.warehouses)


@router.get("/service/orders/{order_id}")
def service_story(order_id: str, hub: HubDep, tenant: TenantDep, principal: PrincipalDep,
                  lang: Annotated[str, Query(pattern="^(en|zh)$")] = "zh") -> Any:
    """The order's story as its tracking page tells it, with the service script for its
    products and the recipient as the caller may see it."""
    return story.service_story(hub.read_uow, tenant, order_id, pii=principal.pii, lang=lang,
                               warehouses=principal.warehouses)


@router.get("/service-scripts")
def list_scripts(hub: HubDep, tenant: TenantDep) -> Any:
    """Customer service's scripts, by target and language."""
    return story.list_scripts(hub.read_uow, tenant)


@router.put("/service-scripts")
def set_script(body: ScriptIn, hub: HubDep, tenant: TenantDep, actor: ActorDep) -> Any:
    """Set the script of one target (a SKU, a category, or * for the tenant) in one
    language; the most specific one answers for an order's products. Audited."""
    return story.set_script(hub.uow, tenant, body.target, body.lang,
                            {"size_guide": body.size_guide,
                             "return_policy": body.return_policy, "contact": body.contact},
                            now=hub.clock(), actor=actor)


@router.delete("/service-scripts")
def delete_script(hub: HubDep, tenant: TenantDep, actor: ActorDep,
                  target: Annotated[str, Query(max_length=80)],
                  lang: Annotated[str | None, Query(pattern="^(en|zh)$")] = None) -> Any:
    """Remove a target's script (one language, or both)."""
    return {"removed": story.delete_script(hub.uow, tenant, target, lang, now=hub.clock(),
                                           actor=actor)}
