"""Read models of returns: one return, an order's returns, lists, return rates per SKU and
channel (KPIs), and the returned units per SKU x warehouse x day that forecasting can read.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from orderhub.domain.errors import NotFound
from orderhub.domain.returns import (
    GRADE_LABELS_ZH,
    OPEN,
    REASON_LABELS_ZH,
    STATUS_LABELS_ZH,
    ReturnRequest,
)
from orderhub.services.unit_of_work import UnitOfWork, UowFactory


def return_view(r: ReturnRequest) -> dict[str, Any]:
    return {
        "id": r.id, "order_id": r.order_id, "channel": r.channel, "kind": r.kind.value,
        "status": r.status.value, "status_zh": STATUS_LABELS_ZH[r.status],
        "reason": r.reason.value, "reason_zh": REASON_LABELS_ZH[r.reason],
        "source": r.source, "channel_ref": r.channel_ref, "note": r.note, "opened": r.opened,
        "lines": r.lines_doc(),
        "replacement": [{"sku": x.sku, "quantity": x.quantity} for x in r.replacement],
        "exchange_order_id": r.exchange_order_id or None,
        "approved_by": r.approved_by or None, "decision_reason": r.decision_reason,
        "return_waybill": ({"carrier_service": r.return_service, "waybill": r.return_waybill}
                           if r.return_waybill else None),
        "return_shipping_paid_by": "seller" if r.seller_pays_shipping else "buyer",
        "received": [{**u.as_dict(), "grade_zh": GRADE_LABELS_ZH[u.grade]}
                     for u in r.received],
        "refund": r.refund.as_dict() if r.refund else None,
        "refund_reference": r.refund_reference or None,
        "refund_booked_in_ledger": r.refund_booked,
        "requested_at": r.requested_at.isoformat(), "updated_at": r.updated_at.isoformat(),
        "version": r.version,
    }


def resolve_return_id(read_uow: UowFactory, tenant_id: str, id_or_prefix: str) -> str:
    """A full return id, or a unique prefix of one (as the CLI accepts order ids)."""
    from orderhub.domain.errors import Conflict, NotFound

    with read_uow() as uow:
        found = uow.returns.ids_with_prefix(tenant_id, id_or_prefix, 2)
    if id_or_prefix in found:
        return id_or_prefix
    if not found:
        raise NotFound(f"return {id_or_prefix} not found")
    if len(found) > 1:
        raise Conflict(f"'{id_or_prefix}' names more than one return; give more of the id")
    return found[0]


def _check_visible(uow: UnitOfWork, tenant_id: str, return_id: str,
                   warehouses: frozenset[str]) -> None:
    """A caller bound to warehouses sees (and acts on) only the returns of orders released
    to them; any other return reads exactly like one that does not exist."""
    if warehouses and not uow.orders.visible(tenant_id, uow.returns.order_of(
            tenant_id, return_id), warehouses):
        raise NotFound(f"return {return_id} not found")


def ensure_visible(read_uow: UowFactory, tenant_id: str, return_id: str,
                   warehouses: frozenset[str]) -> None:
    """NotFound unless a caller restricted to `warehouses` may see (and so act on) it."""
    if warehouses:
        with read_uow() as uow:
            _check_visible(uow, tenant_id, return_id, warehouses)


def get_return(read_uow: UowFactory, tenant_id: str, return_id: str, *,
               warehouses: frozenset[str] = frozenset()) -> dict[str, Any]:
    with read_uow() as uow:
        _check_visible(uow, tenant_id, return_id, warehouses)
        return return_view(uow.returns.get(tenant_id, return_id))


def list_returns(read_uow: UowFactory, tenant_id: str, *, status: str | None = None,
                 order_id: str | None = None, limit: int = 100,
                 warehouses: frozenset[str] = frozenset(), channel: str | None = None,
                 sku: str | None = None) -> list[dict[str, Any]]:
    with read_uow() as uow:
        return [return_view(r) for r in uow.returns.page(
            tenant_id, status=status, order_id=order_id, limit=limit, warehouses=warehouses,
            channel=channel, sku=sku)]


def order_returns(read_uow: UowFactory, tenant_id: str, order_id: str) -> dict[str, Any]:
    """An order's returns, and the order it replaces when it is an exchange's (the link
    both ways)."""
    with read_uow() as uow:
        order = uow.orders.get(tenant_id, order_id)
        returns = uow.returns.for_order(tenant_id, order_id)
    return {"order_id": order_id,
            "exchange_for_order": order.attributes.get("exchange_for_order") or None,
            "exchange_return_id": order.attributes.get("return_id") or None,
            "returns": [return_view(r) for r in returns]}


def _rate(returned: int, shipped: int) -> str:
    if not shipped:
        return "0.0000"
    return str((Decimal(returned) / Decimal(shipped)).quantize(Decimal("0.0001"),
                                                               ROUND_HALF_UP))


def return_stats(read_uow: UowFactory, tenant_id: str, *,
                 warehouses: frozenset[str] = frozenset()) -> dict[str, Any]:
    """Return rates (units in returns that were not rejected or cancelled / units shipped)
    per SKU, per channel and per SKU x channel (`warehouses`: of the orders a caller bound
    to them may see)."""
    with read_uow() as uow:
        returned = uow.returns.returned_units(tenant_id, sorted(s.value for s in OPEN),
                                              warehouses)
        shipped = uow.returns.shipped_units(tenant_id, warehouses)
    keys = sorted(set(returned) | set(shipped))
    by_sku: dict[str, list[int]] = {}
    by_channel: dict[str, list[int]] = {}
    pairs = []
    for sku, channel in keys:
        r, s = returned.get((sku, channel), 0), shipped.get((sku, channel), 0)
        for bucket, key in ((by_sku, sku), (by_channel, channel)):
            acc = bucket.setdefault(key, [0, 0])
            acc[0] += r
            acc[1] += s
        pairs.append({"sku": sku, "channel": channel, "returned": r, "shipped": s,
                      "rate": _rate(r, s)})
    total_r = sum(returned.values())
    total_s = sum(shipped.values())
    return {
        "returned": total_r, "shipped": total_s, "rate": _rate(total_r, total_s),
        "by_sku": [{"sku": k, "returned": v[0], "shipped": v[1], "rate": _rate(*v)}
                   for k, v in sorted(by_sku.items())],
        "by_channel": [{"channel": k, "returned": v[0], "shipped": v[1], "rate": _rate(*v)}
                       for k, v in sorted(by_channel.items())],
        "by_sku_channel": pairs,
    }


@dataclass(frozen=True, slots=True)
class ReturnedUnits:
    """Units of a SKU received back at a warehouse on a day, by grade (`restocked`: the
    resellable ones, which went back to ATP)."""

    sku: str
    warehouse: str
    day: date
    received: int
    restocked: int


def returned_quantities(read_uow: UowFactory, tenant_id: str, start: date, end: date, *,
                        warehouses: frozenset[str] = frozenset()
                        ) -> Iterator[ReturnedUnits]:
    """Returned units per SKU x warehouse x day in [start, end], for demand forecasting:
    net demand is shipments less returns, and restocked units are supply that did not
    come from a receipt."""
    with read_uow() as uow:
        rows = list(uow.returns.received_by_day(tenant_id, start, end, warehouses))
    acc: dict[tuple[date, str, str], list[int]] = {}
    for sku, wh, day, grade, qty in rows:
        cell = acc.setdefault((day, sku, wh), [0, 0])
        cell[0] += qty
        if grade == "resell":
            cell[1] += qty
    for (day, sku, wh), (received, restocked) in sorted(acc.items()):
        yield ReturnedUnits(sku, wh, day, received, restocked)
