"""/v1/preallocation: pre-allocation plans 72 hours ahead (suggested transfers with their
expected benefit, cost and why), their acceptance, transfer orders (ship, receive,
cancel) and the tenant's planning settings (service level, costs, the auto-accept rule)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel, ConfigDict, Field

from orderhub.api.deps import ActorDep, HubDep, TenantDep
from orderhub.api.schemas import Amount, Day, Flag, Float, Int, Line
from orderhub.services.planning import preallocation, transfers, views
from orderhub.services.planning import settings as planning_settings

router = APIRouter(tags=["preallocation"])

Code = Annotated[Line, Field(min_length=1, max_length=64)]


class PlanIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    horizon_hours: Int = Field(72, ge=24, le=preallocation.MAX_HORIZON_HOURS,
                               description="How far ahead (hours)")
    auto_accept: Flag = Field(False, description="Accept the suggestions that pass the "
                              "tenant's rule (net benefit ≥ auto_accept_min_benefit, not "
                              "flagged) at once")
    skus: list[Code] | None = Field(None, max_length=10_000, description="Only these SKUs")
    sites: list[Code] | None = Field(None, max_length=200, description="Only these sites")
    start: Day | None = Field(None, description="First day of the horizon (default today, "
                              "or the forecast's first day after it)")


@router.post("/v1/preallocation/plans", status_code=201)
def create_plan(body: PlanIn, hub: HubDep, tenant: TenantDep, actor: ActorDep) -> Any:
    """Compute a plan from the latest forecasts (a linear program, HiGHS) and store it:
    suggested transfers (from, to, SKU, quantity, expected benefit, cost, why); those that
    would leave a source below safety stock are `flagged`."""
    result = preallocation.preallocate(
        hub.uow, hub.read_uow, preallocation.default_solver(), tenant,
        horizon_hours=body.horizon_hours, auto_accept=body.auto_accept, skus=body.skus,
        sites=body.sites, start=body.start, actor=actor, now=hub.clock())
    return {**result.as_dict(), "plan": views.plan(hub.read_uow, tenant, result.plan.id)}


@router.get("/v1/preallocation/plans")
def list_plans(hub: HubDep, tenant: TenantDep) -> Any:
    """Recent plans, newest first."""
    return views.plans(hub.read_uow, tenant)


@router.get("/v1/preallocation/plans/{plan_id}")
def get_plan(plan_id: str, hub: HubDep, tenant: TenantDep) -> Any:
    """A plan with its suggestions and their status (suggested, flagged, accepted,
    rejected)."""
    return views.plan(hub.read_uow, tenant, plan_id)


class AcceptIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    only: list[Int] | None = Field(None, max_length=10_000, description="Suggestion "
                                   "numbers; default every suggestion still suggested")
    quantities: dict[str, Int] | None = Field(None, description="Suggestion number -> a "
                                              "smaller quantity")
    allow_below_safety: Flag = Field(False, description="Also accept flagged suggestions "
                                     "(the source goes below its safety stock)")


def _quantities(raw: dict[str, int] | None) -> dict[int, int]:
    from orderhub.domain.errors import FieldError, InvalidInput

    out: dict[int, int] = {}
    for k, v in (raw or {}).items():
        if not k.isdigit():
            raise InvalidInput([FieldError(f"quantities.{k}", "a suggestion number")])
        out[int(k)] = v
    return out


@router.post("/v1/preallocation/plans/{plan_id}/accept")
def accept_plan(plan_id: str, body: AcceptIn, hub: HubDep, tenant: TenantDep,
                actor: ActorDep) -> Any:
    """Accept suggestions: each becomes a transfer order reserving its units at the
    source; flagged ones are skipped (with the reason) unless `allow_below_safety`."""
    return transfers.accept(hub.uow, tenant, plan_id, body.only,
                            quantities=_quantities(body.quantities),
                            allow_below_safety=body.allow_below_safety, actor=actor,
                            now=hub.clock()).as_dict()


class RejectIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    only: list[Int] = Field(min_length=1, max_length=10_000)


@router.post("/v1/preallocation/plans/{plan_id}/reject")
def reject_plan(plan_id: str, body: RejectIn, hub: HubDep, tenant: TenantDep,
                actor: ActorDep) -> Any:
    """Reject suggestions (they are kept, marked rejected)."""
    return {"rejected": transfers.reject(hub.uow, tenant, plan_id, body.only, actor=actor,
                                         now=hub.clock())}


@router.get("/v1/preallocation/transfers")
def list_transfers(
    hub: HubDep, tenant: TenantDep,
    status: Annotated[Literal["created", "shipped", "received", "cancelled"] | None,
                      Query()] = None,
) -> Any:
    """Transfer orders, newest first."""
    return views.transfers(hub.read_uow, tenant, status)


@router.get("/v1/preallocation/transfers/{transfer_id}")
def get_transfer(transfer_id: str, hub: HubDep, tenant: TenantDep) -> Any:
    return views.transfer(hub.read_uow, tenant, transfer_id)


@router.post("/v1/preallocation/transfers/{transfer_id}/{step}")
def step_transfer(transfer_id: str, step: Literal["ship", "receive", "cancel"], hub: HubDep,
                  tenant: TenantDep, actor: ActorDep) -> Any:
    """ship: leaves the source (in transit); receive: on hand at the destination;
    cancel: a transfer not shipped yet, its reservation released."""
    fn = {"ship": transfers.ship, "receive": transfers.receive,
          "cancel": transfers.cancel}[step]
    return fn(hub.uow, tenant, transfer_id, actor=actor, now=hub.clock()).as_dict()


@router.get("/v1/preallocation/settings")
def get_settings(hub: HubDep, tenant: TenantDep) -> Any:
    return planning_settings.show(hub.read_uow, tenant)


class SettingsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    service_level: Float | None = Field(None, description="Target cycle service level, "
                                        "0.5 to <1 (safety stock = z × σ × √lead time)")
    lost_sale_margin: Amount | None = None
    lost_sale_cost: Amount | None = None
    holding_cost_per_unit_day: Amount | None = None
    transfer_base_cost: Amount | None = None
    transfer_cost_per_km: Amount | None = None
    km_per_day: Float | None = None
    auto_accept: Flag | None = None
    auto_accept_min_benefit: Amount | None = None
    routing_sellout_penalty: Amount | None = Field(None, description="Routing: cost of "
                                                   "reserving the last units a forecast "
                                                   "says will sell out (0 = off)")


@router.patch("/v1/preallocation/settings")
def change_settings(body: SettingsIn, hub: HubDep, tenant: TenantDep,
                    actor: ActorDep) -> Any:
    changes = {k: v for k, v in body.model_dump().items() if v is not None}
    return planning_settings.change(hub.uow, tenant, changes, actor=actor, now=hub.clock())
