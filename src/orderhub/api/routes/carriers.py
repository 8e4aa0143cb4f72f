"""/v1/carriers: the carrier services routing may use, and their health (live events)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from orderhub.api.deps import ActorDep, HubDep, TenantDep
from orderhub.services import carriers

router = APIRouter(prefix="/v1/carriers", tags=["routing"])


class HealthIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    healthy: bool = Field(description="false: stop offering this service to new orders")
    reason: str = Field(min_length=1, max_length=500)


@router.get("")
def list_carriers(hub: HubDep, tenant: TenantDep) -> Any:
    """Services with zone prices (first kilogram, each further one), transit days, health."""
    return carriers.list_carriers(hub.read_uow, tenant)


@router.patch("/{code}")
def set_health(code: str, body: HealthIn, hub: HubDep, tenant: TenantDep,
               actor: ActorDep) -> Any:
    """Mark a carrier service down (timeouts, strike, weather) or up again; the router
    moves new orders' volume to the next best healthy service."""
    view = carriers.set_health(hub.uow, tenant, code, body.healthy, reason=body.reason,
                               actor=actor, now=hub.clock())
    refresh = getattr(hub.strategy, "refresh", None)
    if refresh is not None:
        refresh()
    return view
