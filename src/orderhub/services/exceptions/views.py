"""Read models of the desk: the queue (filtered, paginated by id) and one exception with
its ranked remedies and its proposals."""

from __future__ import annotations

from typing import Any

from orderhub.domain.errors import NotFound
from orderhub.domain.exceptions import ExceptionRecord, Proposal
from orderhub.services.unit_of_work import UowFactory


def _summary(rec: ExceptionRecord) -> dict[str, Any]:
    best = rec.remedies[0] if rec.remedies else None
    return {
        "id": rec.id, "order_id": rec.order_id, "kind": rec.kind.value, "source": rec.source,
        "state": rec.state.value, "tier": rec.tier.value if rec.tier else None,
        "reason": rec.reason, "opened_at": rec.opened_at, "opened_by": rec.opened_by,
        "updated_at": rec.updated_at, "resolved_at": rec.resolved_at,
        "resolved_by": rec.resolved_by, "resolution": rec.resolution,
        "remedy_count": len(rec.remedies),
        "best_remedy": None if best is None else {
            "n": best.n, "kind": best.kind.value, "description": best.description,
            "description_zh": best.description_zh, "cost_delta": str(best.cost_delta),
            "delay_days": best.delay_days, "tier": best.tier.value},
    }


def exception_view(rec: ExceptionRecord, proposals: list[Proposal]) -> dict[str, Any]:
    return {**_summary(rec), "details": rec.details, "generation": rec.generation,
            "remedies_at": rec.remedies_at,
            "remedies": [r.as_dict() for r in rec.remedies],
            "proposals": [p.as_dict() for p in proposals]}


def list_exceptions(make_uow: UowFactory, tenant_id: str, *, kind: str | None = None,
                    tier: str | None = None, state: str | None = None,
                    order_id: str | None = None, cursor: str | None = None,
                    limit: int = 50, warehouses: frozenset[str] = frozenset()
                    ) -> dict[str, Any]:
    """A page, newest first. A caller bound to warehouses (logistics) sees only the
    exceptions of orders released to them (a page may then hold fewer items)."""
    with make_uow() as uow:
        recs = uow.exceptions.page(tenant_id, kind=kind, tier=tier, state=state,
                                   order_id=order_id, cursor=cursor, limit=limit + 1)
        more = len(recs) > limit
        recs = recs[:limit]
        last = recs[-1].id if more and recs else None
        if warehouses:
            recs = [r for r in recs if uow.orders.visible(tenant_id, r.order_id, warehouses)]
    return {"items": [_summary(r) for r in recs], "next_cursor": last}


def get_exception(make_uow: UowFactory, tenant_id: str, exception_id: str, *,
                  warehouses: frozenset[str] = frozenset()) -> dict[str, Any]:
    """The exception, its remedies and proposals, and the order as it is now (its hold
    reasons may have changed since the exception opened). A caller bound to warehouses
    sees only those of orders released to them; others read as not found."""
    with make_uow() as uow:
        rec = uow.exceptions.get(tenant_id, exception_id)
        if warehouses and not uow.orders.visible(tenant_id, rec.order_id, warehouses):
            raise NotFound(f"exception {exception_id} not found")
        order = uow.orders.get(tenant_id, rec.order_id)
        view = exception_view(rec, uow.exceptions.proposals(tenant_id, exception_id))
    view["order"] = {
        "status": order.status.value, "grand_total": str(order.grand_total),
        "currency": order.currency, "service_level": order.service_level,
        "promised_delivery": order.promised_delivery.isoformat()
        if order.promised_delivery else None,
        "hold_reasons": [r.as_dict() for r in order.hold_reasons],
    }
    return view
