"""Group-buy pools (docs/pools.md): the pools and their orders, closing one early, and the
pooling policy (rule data per channel: radius, window, threshold), versioned and audited."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from pydantic import Field

from orderhub.api.deps import ActorDep, HubDep, PrincipalDep, TenantDep
from orderhub.api.schemas import Int, JsonObject, Strict, Text
from orderhub.services.pools import closing, policy, views

router = APIRouter(tags=["pools"])


@router.get("/v1/pools")
def list_pools(hub: HubDep, tenant: TenantDep, principal: PrincipalDep,
               status: Literal["open", "closed"] | None = None,
               channel: Annotated[str | None, Query(max_length=64)] = None,
               limit: Annotated[int, Query(ge=1, le=500)] = 100,
               cursor: Annotated[str | None, Query(max_length=64)] = None) -> Any:
    """Pools, newest first (`cursor`: the last id of the previous page): channel, pickup
    point, members against the threshold, when the window ends, why it closed. A key
    bound to warehouses sees only closed pools with a delivery from them."""
    return views.list_pools(hub.read_uow, tenant, status=status, channel=channel,
                            after=cursor, limit=limit, warehouses=principal.warehouses)


class CloseIn(Strict):
    reason: Text = Field(min_length=1, max_length=500, description="Why it closes early")


@router.post("/v1/pools/{pool_id}/close")
def close_pool(pool_id: str, body: CloseIn, hub: HubDep, tenant: TenantDep,
               actor: ActorDep, principal: PrincipalDep) -> Any:
    """Close an open pool now and route it as one delivery (409 if already closed)."""
    if principal.warehouses:  # a key bound to warehouses: only a pool it can see (404)
        views.get_pool(hub.read_uow, tenant, pool_id, warehouses=principal.warehouses)
    return closing.close_pool(hub.uow, tenant, pool_id, now=hub.clock(), actor=actor,
                              presale_lock=hub.presale_lock, reason=body.reason)


@router.get("/v1/pools/policy")
def get_policy(hub: HubDep, tenant: TenantDep,
               version: Annotated[int | None, Query(ge=1, le=2**31 - 1)] = None) -> Any:
    """The pooling policy in force (version 0: none, nothing is pooled), or `version`."""
    return policy.get_policy(hub.read_uow, tenant, version)


@router.get("/v1/pools/policy/versions")
def policy_versions(hub: HubDep, tenant: TenantDep) -> Any:
    """Every version of the pooling policy, newest first: who, when and why."""
    return policy.list_versions(hub.read_uow, tenant)


class PolicyIn(Strict):
    document: JsonObject = Field(description="{\"channels\": {code: {radius_km, "
                                             "window_minutes, threshold, enabled}}}")
    reason: Text = Field(min_length=1, max_length=500)
    expected_version: Int | None = Field(None, ge=0, le=2**31 - 1,
                                         description="The version you read: a "
                                         "concurrent change is then a 409")


@router.put("/v1/pools/policy")
def put_policy(body: PolicyIn, hub: HubDep, tenant: TenantDep, actor: ActorDep) -> Any:
    """A new version of the pooling policy (audited); problems come back per field path."""
    return policy.set_policy(hub.uow, tenant, body.document, reason=body.reason,
                             now=hub.clock(), actor=actor,
                             expected_version=body.expected_version)


@router.get("/v1/pools/{pool_id}")
def get_pool(pool_id: str, hub: HubDep, tenant: TenantDep, principal: PrincipalDep) -> Any:
    """One pool: its deliveries (warehouse → pickup point) and its orders, each with its
    own current status."""
    return views.get_pool(hub.read_uow, tenant, pool_id, warehouses=principal.warehouses)
