"""/v1/rules/sets: rule sets (routing rules, checks, approval tiers) through draft → tested →
canary → active → retired."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Path
from pydantic import BaseModel, ConfigDict, Field

from orderhub.api.deps import ActorDep, HubDep, TenantDep
from orderhub.api.schemas import Flag, Int, JsonObject, Text
from orderhub.services.rules import rollout, rule_sets, sandbox

router = APIRouter(prefix="/v1/rules/sets", tags=["rules"])
SetId = Annotated[int, Path(ge=1, le=2**53)]


class DraftIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    rules: list[JsonObject] | None = Field(
        None, max_length=5000, description="Routing rules (the whole list), validation "
                                           "checks (those it changes) and the exception "
                                           "desk's approval tiers (tier rules: the whole "
                                           "tier section), as in /v1/routing/rules/export; "
                                           "omitted: a copy of the live rules")
    reason: Text = Field(min_length=1, max_length=500)


class SimulateIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    since_days: Int = Field(7, ge=1, le=365, description="Replay orders of the last N days")
    limit: Int = Field(100_000, ge=1, le=1_000_000)
    hold_threshold: float = Field(sandbox.DEFAULT_HOLD_THRESHOLD, ge=0, le=1,
                                  description="Fail if the set holds more than this share")
    draw_down: Flag = Field(False, description="Replay in order time with stock running "
                                               "down (each side its own copy), not each "
                                               "order on its own")


class CanaryIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    slice: JsonObject = Field(description='{"percent": 10} (stable by order id), '
                                              '{"channels": [...]}, {"regions": [...]}, '
                                              '{"stores": [...]} (orders collected there)')
    reason: Text = Field(min_length=1, max_length=500)


class ReasonIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: Text = Field(min_length=1, max_length=500)


@router.post("", status_code=201)
def create(body: DraftIn, hub: HubDep, tenant: TenantDep, actor: ActorDep) -> Any:
    """A draft. Invalid rules are 422 with the field; contradictions are kept as warnings
    and keep the set from passing its sandbox run."""
    return rule_sets.create_draft(hub.uow, tenant, body.rules, actor=actor, reason=body.reason,
                                  now=hub.clock())


@router.get("")
def list_sets(hub: HubDep, tenant: TenantDep) -> Any:
    return rule_sets.list_sets(hub.read_uow, tenant)


@router.get("/{set_id}")
def get_set(set_id: SetId, hub: HubDep, tenant: TenantDep) -> Any:
    return rule_sets.get_set(hub.read_uow, tenant, set_id)


@router.post("/{set_id}/simulate")
def simulate(set_id: SetId, body: SimulateIn, hub: HubDep, tenant: TenantDep,
             actor: ActorDep) -> Any:
    """Sandbox: replay past orders through the set beside the live rules (nothing live
    changes), then through stress scenarios. A pass marks the set tested."""
    return sandbox.simulate(hub.uow, hub.read_uow, tenant, set_id,
                            since=timedelta(days=body.since_days), now=hub.clock(),
                            actor=actor, strategy=hub.strategy, limit=body.limit,
                            hold_threshold=body.hold_threshold, draw_down=body.draw_down)


@router.post("/{set_id}/canary")
def canary(set_id: SetId, body: CanaryIn, hub: HubDep, tenant: TenantDep,
           actor: ActorDep) -> Any:
    """Route a slice of new orders by this set (needs a passing sandbox run)."""
    return rollout.start_canary(hub.uow, tenant, set_id, body.slice, actor=actor,
                                reason=body.reason, now=hub.clock(), strategy=hub.strategy)


@router.get("/{set_id}/compare")
def compare(set_id: SetId, hub: HubDep, tenant: TenantDep) -> Any:
    """The canary's orders beside the others': cost, on time, hold rate, interventions."""
    return rollout.compare(hub.read_uow, tenant, set_id)


@router.post("/{set_id}/activate")
def activate(set_id: SetId, body: ReasonIn, hub: HubDep, tenant: TenantDep,
             actor: ActorDep) -> Any:
    return rollout.activate(hub.uow, tenant, set_id, actor=actor, reason=body.reason,
                            now=hub.clock(), strategy=hub.strategy)


@router.post("/{set_id}/rollback")
def rollback(set_id: SetId, body: ReasonIn, hub: HubDep, tenant: TenantDep,
             actor: ActorDep) -> Any:
    """Stop a canary, or put back the rules live before an active set; new orders at once."""
    return rollout.rollback(hub.uow, tenant, set_id, actor=actor, reason=body.reason,
                            now=hub.clock(), strategy=hub.strategy)
