"""The order twin: one order's stages and health, open orders by health, alerts on
orders, and the SLA policy (with working calendars) they are measured against."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import Field

from orderhub.api.deps import ActorDep, HubDep, PrincipalDep, TenantDep
from orderhub.api.schemas import Int, JsonObject, Strict, Text
from orderhub.services.twin import alerts, policies, views

router = APIRouter(tags=["twin"])


@router.get("/v1/orders/{order_id}/twin")
def get_twin(order_id: str, hub: HubDep, tenant: TenantDep, principal: PrincipalDep) -> Any:
    """The order's 11 stages (created → … → invoiced/paid): when each was entered and left,
    its expected duration and due time under the SLA policy, projections for the stages
    ahead, the slack to the promised delivery, health (0-100) with its reasons, the
    probability of missing the promise, carrier checkpoints and open alerts."""
    return views.order_twin(hub.read_uow, tenant, order_id, now=hub.clock(),
                            warehouses=principal.warehouses)


@router.get("/v1/twins")
def list_twins(hub: HubDep, tenant: TenantDep, principal: PrincipalDep,
               max_health: Annotated[int | None, Query(ge=0, le=100)] = None,
               min_risk: Annotated[float | None, Query(ge=0, le=1)] = None,
               stage: str | None = None, warehouse: str | None = None,
               limit: Annotated[int, Query(ge=1, le=500)] = 50,
               cursor: str | None = None) -> Any:
    """Open orders, least healthy first, with what drives their health."""
    return views.list_twins(hub.read_uow, tenant, max_health=max_health, min_risk=min_risk,
                            stage=stage, warehouse=warehouse, limit=limit, cursor=cursor,
                            warehouses=principal.warehouses)


@router.get("/v1/alerts")
def list_alerts(hub: HubDep, tenant: TenantDep, principal: PrincipalDep,
                state: str | None = None,
                kind: str | None = None, team: str | None = None,
                order_id: str | None = None,
                limit: Annotated[int, Query(ge=1, le=500)] = 50,
                cursor: str | None = None) -> Any:
    """Alerts on orders (stalled steps, promises at risk), newest first; `state` open,
    acknowledged, resolved or unresolved; `open` counts the unresolved ones by kind."""
    return alerts.list_alerts(hub.read_uow, tenant, state=state, kind=kind, team=team,
                              order_id=order_id, limit=limit, cursor=cursor,
                              warehouses=principal.warehouses)


class AcknowledgeIn(Strict):
    note: Text = Field("", max_length=500, description="What is being done about it")


@router.post("/v1/alerts/{alert_id}/acknowledge")
def acknowledge(alert_id: str, hub: HubDep, tenant: TenantDep, actor: ActorDep,
                principal: PrincipalDep, body: AcknowledgeIn | None = None) -> Any:
    """Take an open alert: it stops escalating (it still resolves when the order moves)."""
    return alerts.acknowledge(hub.uow, tenant, alert_id, note_text=body.note if body else "",
                              now=hub.clock(), actor=actor, warehouses=principal.warehouses)


class PolicyIn(Strict):
    document: JsonObject = Field(description="The whole policy: stall_after, escalate_after, "
                                             "at_risk_probability, targets, teams, calendars")
    reason: Text = Field(min_length=1, max_length=500)
    expected_version: Int | None = Field(None, ge=0, description="The version you read: "
                                         "a concurrent change is then a 409")


class CalendarIn(Strict):
    calendar: JsonObject = Field(description="timezone, shifts {days: [HH:MM-HH:MM]}, "
                                             "holidays and workdays (dates or ranges)")
    reason: Text = Field(min_length=1, max_length=500)
    expected_version: Int | None = Field(None, ge=0)


@router.get("/v1/sla/policy")
def get_policy(hub: HubDep, tenant: TenantDep,
               version: Annotated[int | None, Query(ge=0, le=2**31 - 1)] = None) -> Any:
    """The SLA policy in force (version 0: the built-in one), or an older `version`."""
    return policies.get_policy(hub.read_uow, tenant, version)


@router.get("/v1/sla/policy/versions")
def policy_versions(hub: HubDep, tenant: TenantDep) -> Any:
    """Every version of the tenant's SLA policy, newest first: who, when and why."""
    return policies.list_versions(hub.read_uow, tenant)


@router.put("/v1/sla/policy")
def put_policy(body: PolicyIn, hub: HubDep, tenant: TenantDep, actor: ActorDep) -> Any:
    """A new version of the SLA policy (audited); problems come back per field path."""
    return policies.set_policy(hub.uow, tenant, body.document, reason=body.reason,
                               now=hub.clock(), actor=actor,
                               expected_version=body.expected_version)


@router.put("/v1/sla/calendars/{warehouse}")
def put_calendar(warehouse: str, body: CalendarIn, hub: HubDep, tenant: TenantDep,
                 actor: ActorDep) -> Any:
    """One warehouse's working calendar (`*`: the default for all), as a new policy
    version: shifts per weekday, holidays such as Spring Festival, make-up working days."""
    return policies.set_calendar(hub.uow, tenant, warehouse, body.calendar,
                                 reason=body.reason, now=hub.clock(), actor=actor,
                                 expected_version=body.expected_version)
