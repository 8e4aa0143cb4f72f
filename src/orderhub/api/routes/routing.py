"""/v1/routing: rules as data, region blocks (live events) and waves (batch optimisation)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any

from fastapi import APIRouter, Path
from pydantic import BaseModel, ConfigDict, Field

from orderhub.api.deps import ActorDep, HubDep, TenantDep
from orderhub.api.schemas import Flag, Float, Int, JsonObject, Line, Text
from orderhub.domain.routing.network import BlockDirection
from orderhub.services.network import incidents, waves
from orderhub.services.rules import routing_rules

router = APIRouter(prefix="/v1/routing", tags=["routing"])


class RuleIn(BaseModel):
    """A routing rule (see docs/routing.md for every condition and action)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{
        "description": "never ship cold-chain SKUs from WH-DX",
        "when": {"sku_attribute": "cold_chain"}, "then": {"exclude_sites": ["WH-DX"]},
        "reason": "no chiller at Wuhan"}]})
    description: Text = Field("", max_length=500)
    when: JsonObject = Field(default_factory=dict, description="Conditions, ANDed: "
                                 "customer_tier, channel, order_type, destination, "
                                 "sku_attribute, sku_category, min_order_value, min_units, sla, "
                                 "slack_below_hours (promise slack under the SLA)")
    then: JsonObject = Field(description="Actions: exclude_sites, only_sites, "
                                 "require_capability, require_same_day, prefer_sites + bonus, "
                                 "exclude_carriers, only_carriers, waive_if_empty")
    enabled: Flag = True
    priority: Int = Field(100, ge=0, le=10000)
    reason: Text = Field(min_length=1, max_length=500, description="Why (kept in the history)")


class RuleSetIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    rules: list[JsonObject] = Field(min_length=1, max_length=1000)
    reason: Text = Field(min_length=1, max_length=500)


class EnableIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    enabled: Flag
    reason: Text = Field(min_length=1, max_length=500)


class BlockIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    area: Line = Field(min_length=1, max_length=32,
                      description="A province (福建, 福建省) or a lane region (east, south, ...)")
    direction: BlockDirection = Field(
        BlockDirection.BOTH, description="outbound: its sites stop shipping; inbound: no "
                                         "deliveries into it; both")
    reason: Text = Field(min_length=1, max_length=500)


class LiftIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    reason: Text = Field(min_length=1, max_length=500)


class WaveIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    limit: Int = Field(2000, ge=1, le=20000, description="Most orders in the wave (oldest)")
    time_limit_seconds: Float | None = Field(None, gt=0, le=600)
    dry_run: Flag = Field(False, description="Report what would change, change nothing")


@router.get("/network")
def network(hub: HubDep, tenant: TenantDep) -> Any:
    """The network as the router sees it now (sites with queues, carriers, blocks, rules)."""
    from orderhub.services.network.views import network_view

    return network_view(hub.read_uow, tenant)


@router.get("/rules")
def list_rules(hub: HubDep, tenant: TenantDep) -> Any:
    """Every routing rule, enabled or not, with its current version."""
    return routing_rules.list_rules(hub.read_uow, tenant)


@router.get("/rules/export")
def export_rules(hub: HubDep, tenant: TenantDep) -> Any:
    """Every live rule (routing rules and validation checks) as one document, to keep in
    git and import elsewhere."""
    return {"rules": routing_rules.export_rules(hub.read_uow, tenant)}


@router.post("/rules/import")
def import_rules(body: RuleSetIn, hub: HubDep, tenant: TenantDep, actor: ActorDep) -> Any:
    """A whole rule set in one transaction: every rule valid, or nothing changes."""
    out = routing_rules.import_rules(hub.uow, tenant, body.rules, actor=actor,
                                     reason=body.reason, now=hub.clock())
    hub.strategy.refresh()
    return out


class TextIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [
        {"text": "当订单金额大于10000且客户等级为VIP时，转人工复核"},
        {"text": "when stock of SKU-00001 in SH-JD is below 150, route to BJ-DX",
         "code": "sh-low-stock"}]})
    text: str = Field(min_length=3, max_length=500)
    code: str | None = Field(None, pattern=r"^[A-Za-z0-9_.:-]{1,64}$")


@router.post("/rules/from-text")
def rule_from_text(body: TextIn, hub: HubDep, tenant: TenantDep) -> Any:
    """A rule from a controlled sentence in Chinese or English, for review (not saved):
    PUT it to /rules/{code} to save. Parts not understood are 422, each named."""
    return routing_rules.rule_from_text(hub.read_uow, tenant, body.text, body.code)


@router.get("/rules/phrases")
def phrases() -> Any:
    """The conditions and actions the sentence grammar understands (regular expressions)."""
    from orderhub.domain.rules.language import phrases as known

    return known()


@router.get("/rules/{code}")
def get_rule(code: str, hub: HubDep, tenant: TenantDep) -> Any:
    return routing_rules.get_rule(hub.read_uow, tenant, code)


@router.put("/rules/{code}")
def put_rule(code: str, body: RuleIn, hub: HubDep, tenant: TenantDep, actor: ActorDep) -> Any:
    """Create the rule, or make its next version. Unknown conditions, actions, sites or
    carriers are 422 with the field named; the same content again changes nothing."""
    doc = {"code": code, **body.model_dump(exclude={"reason"})}
    out = routing_rules.put_rule(hub.uow, tenant, doc, actor=actor, reason=body.reason,
                                 now=hub.clock())
    hub.strategy.refresh()
    return out


@router.post("/rules/{code}/enabled")
def set_enabled(code: str, body: EnableIn, hub: HubDep, tenant: TenantDep,
                actor: ActorDep) -> Any:
    out = routing_rules.set_enabled(hub.uow, tenant, code, body.enabled, actor=actor,
                                    reason=body.reason, now=hub.clock())
    hub.strategy.refresh()
    return out


@router.get("/rules/{code}/history")
def rule_history(code: str, hub: HubDep, tenant: TenantDep) -> Any:
    """Every version with who changed it, when and why."""
    return routing_rules.history(hub.read_uow, tenant, code)


@router.get("/blocks")
def list_blocks(hub: HubDep, tenant: TenantDep, all: bool = False) -> Any:
    """Active region blocks (all=true: lifted ones too)."""
    return incidents.list_blocks(hub.read_uow, tenant, active_only=not all)


@router.post("/blocks", status_code=201)
def block_region(body: BlockIn, hub: HubDep, tenant: TenantDep, actor: ActorDep) -> Any:
    """Block a province or region now (storm, road closure); the response says which open
    orders were re-routed, held or flagged."""
    block, report = incidents.block_region(
        hub.uow, tenant, body.area, body.direction, reason=body.reason, actor=actor,
        now=hub.clock(), strategy=hub.strategy, presale_lock=hub.presale_lock)
    return {**block, "reroute": report.as_dict()}


@router.post("/blocks/{block_id}/lift")
def lift_block(block_id: Annotated[int, Path(ge=1, le=2**53)], body: LiftIn, hub: HubDep,
               tenant: TenantDep, actor: ActorDep) -> Any:
    """Lift a block; orders held for it are routed again at once."""
    block, report = incidents.lift_block(
        hub.uow, tenant, block_id, reason=body.reason, actor=actor, now=hub.clock(),
        strategy=hub.strategy, presale_lock=hub.presale_lock)
    return {**block, "reroute": report.as_dict()}


@router.post("/waves")
def run_wave(body: WaveIn, hub: HubDep, tenant: TenantDep, actor: ActorDep) -> Any:
    """Re-optimise the allocated, not yet released orders together (HiGHS MIP); only
    orders whose plan improves are re-allocated. Falls back to the current plans if the
    solver fails, with the reason."""
    limit = body.time_limit_seconds or hub.settings.wave_time_limit_seconds
    report = waves.optimise_wave(hub.uow, hub.read_uow, tenant, strategy=hub.strategy,
                                 now=hub.clock(), actor=actor, presale_lock=hub.presale_lock,
                                 limit=body.limit, time_limit=limit, dry_run=body.dry_run)
    return {**asdict(report), "saving": str(report.saving),
            "score_saving": str(report.score_before - report.score_after)}
