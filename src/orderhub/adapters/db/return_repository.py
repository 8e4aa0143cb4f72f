"""Returns (RMA, domain/returns.py): return requests with their lines, the units received
per grade and day, the tenants' return policies, and the figures return rates are made of.
No personal data is stored here: a return's customer and address are its order's."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, func, select, update

from orderhub.adapters.db import tables as t
from orderhub.adapters.db.batching import chunks
from orderhub.adapters.db.order_repository import OrderRepository
from orderhub.domain.errors import Conflict, NotFound
from orderhub.domain.returns import (
    Grade,
    ReceivedUnits,
    Refund,
    ReturnKind,
    ReturnLine,
    ReturnPolicy,
    ReturnReason,
    ReturnRequest,
    ReturnStatus,
)

_q = t.return_requests.c
_l = t.return_lines.c
_u = t.return_units.c


def _visible_orders(tenant_id: str, warehouses: frozenset[str]) -> Any:
    """The ids of the tenant's orders a caller bound to `warehouses` may see."""
    return select(t.orders.c.id).where(t.orders.c.tenant_id == tenant_id,
                                       OrderRepository.released_to(warehouses))
_REFUND_KEYS = 5_000  # order ids per IN list (well under SQLite's and PostgreSQL's limits)


def _doc(r: ReturnRequest) -> dict[str, Any]:
    return {
        "lines": r.lines_doc(),
        "replacement": [{"sku": x.sku, "quantity": x.quantity} for x in r.replacement],
        "note": r.note, "opened": r.opened, "approved_by": r.approved_by,
        "decision_reason": r.decision_reason, "return_service": r.return_service,
        "return_waybill": r.return_waybill, "seller_pays_shipping": r.seller_pays_shipping,
        "received": [u.as_dict() for u in r.received],
        "refund": r.refund.as_dict() if r.refund else None,
        "refund_reference": r.refund_reference, "refund_booked": r.refund_booked,
        "channel_refunded": r.channel_refunded,
    }


def _row(r: ReturnRequest) -> dict[str, Any]:
    return {"id": r.id, "tenant_id": r.tenant_id, "order_id": r.order_id,
            "channel": r.channel, "kind": r.kind.value, "reason": r.reason.value,
            "status": r.status.value, "source": r.source, "channel_ref": r.channel_ref,
            "exchange_order_id": r.exchange_order_id,
            "refund_total": r.refund.total if r.refund else None,
            "requested_at": r.requested_at, "updated_at": r.updated_at,
            "version": r.version, "doc": _doc(r)}


def _request(row: Any) -> ReturnRequest:
    d = row["doc"]
    return ReturnRequest(
        id=row["id"], tenant_id=row["tenant_id"], order_id=row["order_id"],
        channel=row["channel"], kind=ReturnKind(row["kind"]),
        reason=ReturnReason(row["reason"]),
        lines=[ReturnLine(x["line_no"], x["sku"], x["quantity"]) for x in d["lines"]],
        requested_at=row["requested_at"], updated_at=row["updated_at"],
        status=ReturnStatus(row["status"]), source=row["source"],
        channel_ref=row["channel_ref"], note=d["note"], opened=d["opened"],
        replacement=[ReturnLine(0, x["sku"], x["quantity"]) for x in d["replacement"]],
        exchange_order_id=row["exchange_order_id"], approved_by=d["approved_by"],
        decision_reason=d["decision_reason"], return_service=d["return_service"],
        return_waybill=d["return_waybill"], seller_pays_shipping=d["seller_pays_shipping"],
        received=[ReceivedUnits(x["line_no"], x["sku"], x["quantity"], Grade(x["grade"]),
                                x["warehouse"], datetime.fromisoformat(x["at"]))
                  for x in d["received"]],
        refund=Refund.from_dict(d["refund"]) if d["refund"] else None,
        refund_reference=d["refund_reference"],
        refund_booked=bool(d.get("refund_booked", False)),
        channel_refunded=str(d.get("channel_refunded", "")), version=row["version"])


class ReturnRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    # ----- requests -------------------------------------------------------------------------
    def add(self, r: ReturnRequest) -> None:
        r.version = 1
        self.conn.execute(t.return_requests.insert(), [_row(r)])
        self.conn.execute(t.return_lines.insert(), [
            {"return_id": r.id, "line_no": ln.line_no, "tenant_id": r.tenant_id,
             "sku": ln.sku, "quantity": ln.quantity} for ln in r.lines])

    def save(self, r: ReturnRequest) -> None:
        """Write a changed return; a concurrent change since it was read is a Conflict."""
        row = _row(r)
        for fixed in ("id", "tenant_id", "order_id", "channel", "kind", "reason", "source",
                      "requested_at", "version"):
            row.pop(fixed)
        result = self.conn.execute(
            update(t.return_requests)
            .where(_q.tenant_id == r.tenant_id, _q.id == r.id, _q.version == r.version)
            .values(**row, version=r.version + 1))
        if result.rowcount != 1:
            raise Conflict(f"return {r.id} changed meanwhile; try again")
        r.version += 1

    def get(self, tenant_id: str, return_id: str, *, lock: bool = False) -> ReturnRequest:
        q = select(t.return_requests).where(_q.tenant_id == tenant_id, _q.id == return_id)
        if lock:
            q = q.with_for_update()
        row = self.conn.execute(q).mappings().first()
        if row is None:
            raise NotFound(f"return {return_id} not found")
        return _request(row)

    def order_of(self, tenant_id: str, return_id: str) -> str:
        found = self.conn.execute(select(_q.order_id).where(
            _q.tenant_id == tenant_id, _q.id == return_id)).scalar()
        if found is None:
            raise NotFound(f"return {return_id} not found")
        return str(found)

    def ids_with_prefix(self, tenant_id: str, prefix: str, limit: int) -> list[str]:
        return list(self.conn.execute(
            select(_q.id).where(_q.tenant_id == tenant_id, _q.id.startswith(prefix,
                                                                           autoescape=True))
            .order_by(_q.id).limit(limit)).scalars())

    def for_order(self, tenant_id: str, order_id: str) -> list[ReturnRequest]:
        rows = self.conn.execute(
            select(t.return_requests).where(_q.tenant_id == tenant_id, _q.order_id == order_id)
            .order_by(_q.requested_at, _q.id)).mappings()
        return [_request(r) for r in rows]

    def by_channel_ref(self, tenant_id: str, channel: str, ref: str) -> ReturnRequest | None:
        row = self.conn.execute(select(t.return_requests).where(
            _q.tenant_id == tenant_id, _q.channel == channel,
            _q.channel_ref == ref)).mappings().first()
        return _request(row) if row is not None else None

    def page(self, tenant_id: str, *, status: str | None = None, order_id: str | None = None,
             limit: int = 100, warehouses: frozenset[str] = frozenset(),
             channel: str | None = None, sku: str | None = None) -> list[ReturnRequest]:
        """Newest first; `warehouses`: only returns of orders a caller bound to them may see
        (none: all); `sku`: returns with a line of that SKU."""
        q = select(t.return_requests).where(_q.tenant_id == tenant_id)
        if warehouses:
            q = q.where(_q.order_id.in_(_visible_orders(tenant_id, warehouses)))
        if channel:
            q = q.where(_q.channel == channel)
        if sku:
            q = q.where(_q.id.in_(select(_l.return_id).where(_l.tenant_id == tenant_id,
                                                             _l.sku == sku)))
        if status:
            q = q.where(_q.status == status)
        if order_id:
            q = q.where(_q.order_id == order_id)
        rows = self.conn.execute(q.order_by(_q.requested_at.desc(), _q.id).limit(limit))
        return [_request(r) for r in rows.mappings()]

    def completed_refunds(self, tenant_id: str, order_ids: Iterable[str]
                          ) -> dict[str, Decimal]:
        """Order id -> the sum of its returns' completed (paid) refunds, for the orders
        that have any: one query per IN list of order ids, never one per order."""
        out: dict[str, Decimal] = {}
        for part in chunks(sorted(set(order_ids)), _REFUND_KEYS):
            q = select(_q.order_id, _q.refund_total).where(
                _q.tenant_id == tenant_id, _q.order_id.in_(part),
                _q.status == ReturnStatus.REFUNDED.value, _q.refund_total.is_not(None))
            for order_id, total in self.conn.execute(q):  # summed here: exact on SQLite too
                out[order_id] = out.get(order_id, Decimal(0)) + total
        return out

    def exchange_orders(self, tenant_id: str, order_ids: Iterable[str]) -> set[str]:
        """Of these orders, the exchanges' replacement orders (paid by their returns): one
        query per IN list of order ids."""
        out: set[str] = set()
        for part in chunks(sorted(set(order_ids)), _REFUND_KEYS):
            out.update(self.conn.execute(select(_q.exchange_order_id).where(
                _q.tenant_id == tenant_id, _q.exchange_order_id.in_(part))).scalars())
        return out

    # ----- received units -------------------------------------------------------------------
    def add_units(self, r: ReturnRequest, units: Sequence[ReceivedUnits]) -> None:
        if units:
            self.conn.execute(t.return_units.insert(), [
                {"tenant_id": r.tenant_id, "return_id": r.id, "order_id": r.order_id,
                 "channel": r.channel, "line_no": u.line_no, "sku": u.sku,
                 "warehouse": u.warehouse, "grade": u.grade.value, "quantity": u.quantity,
                 "day": u.at.date(), "received_at": u.at} for u in units])

    def received_by_day(self, tenant_id: str, start: date, end: date,
                        warehouses: frozenset[str] = frozenset()
                        ) -> Iterator[tuple[str, str, date, str, int]]:
        """(SKU, warehouse, day, grade, units) received in [start, end], by day
        (`warehouses`: received at those only)."""
        q = (select(_u.sku, _u.warehouse, _u.day, _u.grade, func.sum(_u.quantity))
             .where(_u.tenant_id == tenant_id, _u.day >= start, _u.day <= end))
        if warehouses:
            q = q.where(_u.warehouse.in_(sorted(warehouses)))
        q = (q.group_by(_u.sku, _u.warehouse, _u.day, _u.grade)
             .order_by(_u.day, _u.sku, _u.warehouse, _u.grade))
        for sku, wh, day, grade, qty in self.conn.execute(q):
            yield str(sku), str(wh), day, str(grade), int(qty)

    # ----- return rates ---------------------------------------------------------------------
    def returned_units(self, tenant_id: str, statuses: Sequence[str],
                       warehouses: frozenset[str] = frozenset()
                       ) -> dict[tuple[str, str], int]:
        """(SKU, channel) -> units in returns of these statuses (`warehouses`: of the orders
        a caller bound to them may see)."""
        q = (select(_l.sku, _q.channel, func.sum(_l.quantity))
             .join(t.return_requests, _q.id == _l.return_id)
             .where(_l.tenant_id == tenant_id, _q.tenant_id == tenant_id,
                    _q.status.in_(list(statuses))))
        if warehouses:
            q = q.where(_q.order_id.in_(_visible_orders(tenant_id, warehouses)))
        q = q.group_by(_l.sku, _q.channel)
        return {(str(s), str(c)): int(n) for s, c, n in self.conn.execute(q)}

    def shipped_units(self, tenant_id: str, warehouses: frozenset[str] = frozenset()
                      ) -> dict[tuple[str, str], int]:
        """(SKU, channel) -> units shipped (committed reservations; `warehouses`: of the
        orders a caller bound to them may see)."""
        r, o = t.reservations.c, t.orders.c
        q = (select(r.sku, o.channel, func.sum(r.quantity))
             .join(t.orders, o.id == r.order_id)
             .where(r.tenant_id == tenant_id, r.state == "committed"))
        if warehouses:
            q = q.where(r.order_id.in_(_visible_orders(tenant_id, warehouses)))
        q = q.group_by(r.sku, o.channel)
        return {(str(s), str(c)): int(n) for s, c, n in self.conn.execute(q)}

    # ----- policies -------------------------------------------------------------------------
    def policy(self, tenant_id: str) -> tuple[ReturnPolicy, int]:
        """The tenant's policy and its version (the defaults, version 0, until one is set)."""
        row = self.conn.execute(select(t.return_policies).where(
            t.return_policies.c.tenant_id == tenant_id)).mappings().first()
        if row is None:
            return ReturnPolicy(), 0
        return ReturnPolicy.from_doc(row["doc"]), int(row["version"])

    def save_policy(self, tenant_id: str, policy: ReturnPolicy, version: int, now: datetime,
                    actor: str) -> int:
        """Store a new version (`version`: the one it replaces); a concurrent save wins once."""
        p = t.return_policies.c
        values = {"doc": policy.as_doc(), "version": version + 1, "updated_at": now,
                  "updated_by": actor}
        if version == 0:
            exists = self.conn.execute(select(p.version).where(
                p.tenant_id == tenant_id)).scalar()
            if exists is None:
                self.conn.execute(t.return_policies.insert(), [{"tenant_id": tenant_id,
                                                                **values}])
                return version + 1
        result = self.conn.execute(update(t.return_policies).where(
            p.tenant_id == tenant_id, p.version == version).values(**values))
        if result.rowcount != 1:
            raise Conflict("the return policy changed meanwhile; read it again and retry")
        return version + 1

