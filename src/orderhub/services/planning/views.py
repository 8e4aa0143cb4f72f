"""Plans and transfer orders as documents (API, CLI)."""

from __future__ import annotations

from typing import Any

from orderhub.domain.errors import NotFound
from orderhub.services.unit_of_work import UowFactory


def plan(make_uow: UowFactory, tenant_id: str, plan_id: str) -> dict[str, Any]:
    with make_uow() as u:
        p = u.planning.plan(tenant_id, plan_id)
        if p is None:
            raise NotFound(f"pre-allocation plan {plan_id} not found")
        items = u.planning.suggestions(tenant_id, plan_id)
    counts: dict[str, int] = {}
    for s in items:
        counts[s.status.value] = counts.get(s.status.value, 0) + 1
    return {**p.as_dict(), "counts": counts, "suggestions": [s.as_dict() for s in items]}


def plans(make_uow: UowFactory, tenant_id: str) -> dict[str, Any]:
    with make_uow() as u:
        return {"items": [p.as_dict() for p in u.planning.plans(tenant_id)]}


def transfer(make_uow: UowFactory, tenant_id: str, transfer_id: str) -> dict[str, Any]:
    with make_uow() as u:
        tr = u.planning.transfer(tenant_id, transfer_id)
    if tr is None:
        raise NotFound(f"transfer {transfer_id} not found")
    return tr.as_dict()


def transfers(make_uow: UowFactory, tenant_id: str, status: str | None) -> dict[str, Any]:
    with make_uow() as u:
        return {"items": [t.as_dict() for t in u.planning.transfers(tenant_id, status=status)]}
