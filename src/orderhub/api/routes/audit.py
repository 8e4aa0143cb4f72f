"""/v1/audit: the tamper-evident log of rule changes and of the decisions rules made."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query

from orderhub.api.deps import HubDep, TenantDep
from orderhub.services import audit

router = APIRouter(prefix="/v1/audit", tags=["audit"])


@router.get("")
def list_entries(hub: HubDep, tenant: TenantDep,
                 subject: Annotated[str | None, Query(max_length=200)] = None,
                 kind: Annotated[str | None, Query(pattern="^(rule_change|rule_decision)$")]
                 = None,
                 limit: Annotated[int, Query(ge=1, le=1000)] = 100,
                 before: Annotated[int | None, Query(ge=1, le=2**62)] = None) -> Any:
    """Newest first: `subject` is an order id or `routing-rule/<code>`; page with `before`
    (the smallest `seq` you have)."""
    return audit.entries(hub.read_uow, tenant, subject=subject, kind=kind, limit=limit,
                         before=before)


@router.get("/verify")
def verify(hub: HubDep, tenant: TenantDep) -> Any:
    """Recompute the hash chain; `first_broken` is the first entry that does not check out."""
    v = audit.verify_chain(hub.read_uow, tenant)
    return {"ok": v.ok, "checked": v.checked, "first_broken": v.first_broken,
            "problem": v.problem}
