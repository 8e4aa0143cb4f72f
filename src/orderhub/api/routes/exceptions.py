"""/v1/exceptions: the exception desk's queue, remedies, approvals and tier policy;
/v1/substitutions: the SKU substitution table remedies draw on."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query, Request, Response
from fastapi.responses import JSONResponse
from pydantic import Field

from orderhub.api import metering
from orderhub.api.deps import ActorDep, HubDep, PrincipalDep, TenantDep
from orderhub.api.problems import problem
from orderhub.api.schemas import JsonObject, Strict, Text
from orderhub.domain.exceptions import ExceptionKind, ExceptionState, Tier
from orderhub.services.exceptions import admin, desk, views

router = APIRouter(tags=["exceptions"])

ExceptionId = Annotated[str, Path(max_length=40)]
SkuCode = Annotated[str, Path(min_length=1, max_length=64,
                               pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:/-]*$")]
RemedyN = Annotated[int, Path(ge=1, le=100, description="The remedy's rank (1 = best)")]


class DecisionIn(Strict):
    reason: Text = Field("", max_length=500, description="Why (kept in the audit log)")


class RejectIn(Strict):
    reason: Text = Field(min_length=1, max_length=500, description="Why it is rejected")


class PolicyIn(Strict):
    policy: JsonObject = Field(description="The tier policy document (see GET); sections "
                               "left out keep their defaults")
    reason: Text = Field(min_length=1, max_length=500)


class SubstitutionIn(Strict):
    ratio: Decimal = Field(Decimal(1), gt=0, le=1000,
                           description="Units of the substitute for each unit ordered")


def _stale(request: Request, exc: desk.StaleRemedy) -> JSONResponse:
    return problem(409, "Remedy basis changed", str(exc), kind="stale-remedy",
                   instance=request.url.path, reasons=exc.reasons,
                   exception_id=exc.exception_id,
                   remedies=[r.as_dict() for r in exc.remedies])


@router.get("/v1/exceptions")
def list_exceptions(
    hub: HubDep, tenant: TenantDep, request: Request, principal: PrincipalDep,
    kind: ExceptionKind | None = None, tier: Tier | None = None,
    state: ExceptionState | None = None,
    order_id: Annotated[str | None, Query(max_length=40)] = None,
    cursor: Annotated[str | None, Query(max_length=40)] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> Any:
    """The one queue: held orders (each with its hold reasons), reservation expiries,
    carrier failures, stalled and at-risk orders, ...; newest first, `next_cursor` for
    more. Held orders not yet on the desk are added first."""
    desk.sync_holds(hub.uow, tenant, now=hub.clock())
    page = views.list_exceptions(hub.read_uow, tenant, kind=kind, tier=tier, state=state,
                                 order_id=order_id, cursor=cursor, limit=limit,
                                 warehouses=principal.warehouses)
    metering.count(request, rows=len(page["items"]))
    return page


@router.get("/v1/exceptions/policy")
def get_policy(hub: HubDep, tenant: TenantDep) -> Any:
    """The tier policy in force: the default policy's thresholds for L1 (automatic), L2 (two
    approvers other than the proposer), L3 (a person only); the ranking weights; proposal
    expiry; and under `tiers`, the tier rules of the active rule set when it carries any
    (they decide instead of the thresholds)."""
    return admin.get_policy(hub.read_uow, tenant)


@router.put("/v1/exceptions/policy")
def put_policy(body: PolicyIn, hub: HubDep, tenant: TenantDep, actor: ActorDep) -> Any:
    """A new version of the default tier policy (audited). Tier rules are not set here
    (`tiers` must be left out or unchanged): they go live through a rule set."""
    return admin.set_policy(hub.uow, tenant, body.policy, reason=body.reason, actor=actor,
                            now=hub.clock())


@router.get("/v1/exceptions/{exception_id}")
def get_exception(exception_id: ExceptionId, hub: HubDep, tenant: TenantDep,
                  principal: PrincipalDep) -> Any:
    """One exception with its ranked remedies (cost in CNY, effect on the promise, tier,
    basis) and its proposals."""
    return views.get_exception(hub.read_uow, tenant, exception_id,
                               warehouses=principal.warehouses)


@router.post("/v1/exceptions/{exception_id}/remedies/refresh")
def refresh(exception_id: ExceptionId, hub: HubDep, tenant: TenantDep,
            principal: PrincipalDep) -> Any:
    """Compute the remedies afresh from current stock and network."""
    views.get_exception(hub.read_uow, tenant, exception_id, warehouses=principal.warehouses)
    desk.recompute(hub.uow, tenant, exception_id, now=hub.clock())
    return views.get_exception(hub.read_uow, tenant, exception_id)


@router.post("/v1/exceptions/{exception_id}/remedies/{n}/apply",
             responses={202: {"description": "Proposed: it needs approval (L2, L3)"},
                        409: {"description": "Its basis changed (fresh remedies in the "
                              "answer), or it is already proposed"}})
def apply(exception_id: ExceptionId, n: RemedyN, hub: HubDep, tenant: TenantDep,
          actor: ActorDep, request: Request, response: Response, principal: PrincipalDep,
          body: DecisionIn | None = None) -> Any:
    """Apply remedy `n`: at once if the policy makes it L1, else it becomes a proposal that
    others approve."""
    views.get_exception(hub.read_uow, tenant, exception_id, warehouses=principal.warehouses)
    try:
        out = desk.apply_remedy(hub.uow, tenant, exception_id, n, actor=actor,
                                reason=body.reason if body else "", now=hub.clock(),
                                presale_lock=hub.presale_lock)
    except desk.StaleRemedy as exc:
        return _stale(request, exc)
    desk.void_recalled(hub.compensator, tenant, out)
    if out["outcome"] == "proposed":
        response.status_code = 202
    return {**out, "exception": views.get_exception(hub.read_uow, tenant, exception_id)}


def _decide(approve_it: bool, exception_id: str, n: int, hub: HubDep, tenant: str,
            actor: str, reason: str, request: Request, warehouses: frozenset[str]) -> Any:
    views.get_exception(hub.read_uow, tenant, exception_id, warehouses=warehouses)
    try:
        out = desk.decide(hub.uow, tenant, exception_id, n, approve_it=approve_it,
                          actor=actor, reason=reason, now=hub.clock(),
                          presale_lock=hub.presale_lock)
    except desk.StaleRemedy as exc:
        return _stale(request, exc)
    desk.void_recalled(hub.compensator, tenant, out)
    return {**out, "exception": views.get_exception(hub.read_uow, tenant, exception_id)}


@router.post("/v1/exceptions/{exception_id}/remedies/{n}/approve",
             responses={403: {"description": "The proposer cannot approve"},
                        409: {"description": "Approved twice, expired, already decided, or "
                              "its basis changed"}})
def approve(exception_id: ExceptionId, n: RemedyN, hub: HubDep, tenant: TenantDep,
            actor: ActorDep, request: Request, principal: PrincipalDep,
            body: DecisionIn | None = None) -> Any:
    """Approve a proposed remedy; the last approval its tier needs applies it."""
    return _decide(True, exception_id, n, hub, tenant, actor, body.reason if body else "",
                   request, principal.warehouses)


@router.post("/v1/exceptions/{exception_id}/remedies/{n}/reject")
def reject(exception_id: ExceptionId, n: RemedyN, body: RejectIn, hub: HubDep,
           tenant: TenantDep, actor: ActorDep, request: Request,
           principal: PrincipalDep) -> Any:
    """Reject a proposed remedy, with the reason."""
    return _decide(False, exception_id, n, hub, tenant, actor, body.reason, request,
                   principal.warehouses)


@router.get("/v1/substitutions")
def list_substitutions(hub: HubDep, tenant: TenantDep,
                       sku: Annotated[str | None, Query(max_length=64)] = None) -> Any:
    """SKUs that may replace others (remedy: substitute an equivalent SKU)."""
    return {"items": admin.list_substitutions(hub.read_uow, tenant, sku)}


@router.put("/v1/substitutions/{sku}/{substitute}")
def put_substitution(body: SubstitutionIn, hub: HubDep, tenant: TenantDep, actor: ActorDep,
                     sku: SkuCode, substitute: SkuCode) -> Any:
    return admin.put_substitution(hub.uow, tenant, sku, substitute, body.ratio, actor=actor,
                                  now=hub.clock())


@router.delete("/v1/substitutions/{sku}/{substitute}", status_code=204)
def delete_substitution(hub: HubDep, tenant: TenantDep, actor: ActorDep,
                        sku: SkuCode, substitute: SkuCode) -> None:
    admin.delete_substitution(hub.uow, tenant, sku, substitute, actor=actor, now=hub.clock())
