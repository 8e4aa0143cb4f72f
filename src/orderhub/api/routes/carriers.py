"""/v1/carriers: the carrier services routing may use, and their state (live events)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field, model_validator

from orderhub.api.deps import ActorDep, HubDep, TenantDep
from orderhub.api.schemas import Flag, Int, Text
from orderhub.domain.routing.network import CarrierState
from orderhub.services.network import carriers, incidents

router = APIRouter(prefix="/v1/carriers", tags=["routing"])


class CarrierStateIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    state: CarrierState | None = Field(
        None, description="up; degraded (still offered, slower by delay_days); down (not "
                          "offered: open orders planned on it are re-routed at once)")
    healthy: Flag | None = Field(None, description="Shorthand: false = down, true = up")
    delay_days: Int = Field(0, ge=0, le=30, description="Extra transit days while degraded")
    reason: Text = Field(min_length=1, max_length=500)

    @model_validator(mode="after")
    def _one_state(self) -> CarrierStateIn:
        if self.state is None and self.healthy is None:
            raise ValueError("give state (up, degraded, down) or healthy")
        if self.state is None:
            self.state = CarrierState.UP if self.healthy else CarrierState.DOWN
        if self.delay_days and self.state != CarrierState.DEGRADED:
            raise ValueError("delay_days applies only to state=degraded")
        return self


class LanesIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    lanes: dict[str, Int] = Field(description="'origin region>destination region': transit "
                                              "days, e.g. {\"east>far_west\": 6}")


@router.put("/{code}/lanes")
def set_lanes(code: str, body: LanesIn, hub: HubDep, tenant: TenantDep,
              actor: ActorDep) -> Any:
    """Replace the service's lane table (regions: east, north, central, south, southwest,
    northwest, northeast, far_west); pairs not listed fall back to the zone table."""
    view = carriers.set_lanes(hub.uow, tenant, code, body.lanes, now=hub.clock(), actor=actor)
    hub.strategy.refresh()
    return view


@router.get("")
def list_carriers(hub: HubDep, tenant: TenantDep) -> Any:
    """Services with zone prices (first kilogram, each further one), transit days by zone
    and by lane (origin region > destination region), state."""
    return carriers.list_carriers(hub.read_uow, tenant)


@router.patch("/{code}")
def set_state(code: str, body: CarrierStateIn, hub: HubDep, tenant: TenantDep,
              actor: ActorDep) -> Any:
    """Mark a carrier service down (timeouts, strike, weather), degraded or up again. Down
    moves new orders to the next best service and re-routes open orders planned on it;
    the response carries the re-routing report."""
    assert body.state is not None
    view, report = incidents.set_carrier_state(
        hub.uow, tenant, code, body.state, delay_days=body.delay_days, reason=body.reason,
        actor=actor, now=hub.clock(), strategy=hub.strategy, presale_lock=hub.presale_lock)
    return {**view, "reroute": report.as_dict() if report else None}
