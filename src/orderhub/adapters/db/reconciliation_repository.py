"""Reconciliation's storage (domain/reconciliation.py; migration 0041): settlement imports
and their rows, runs and their findings, periods; and the bulk reads a run needs of orders,
shipments, order lines and SKUs. Every read and write is one statement per batch (rows in
one executemany or COPY, keys in IN lists of `_KEYS`): a 100,000-row file never costs a
query per row. No personal data is read or stored here."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, String, and_, func, or_, select, type_coerce
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from orderhub.adapters.db import tables as t
from orderhub.adapters.db.batching import bulk_insert, chunks
from orderhub.domain.money import quantize
from orderhub.domain.reconciliation import (
    Finding,
    FindingCode,
    LineFacts,
    OrderFacts,
    RowKind,
    SettlementRow,
    ShipmentFacts,
)


def _money(value: Decimal | None, currency: str) -> Decimal | None:
    """A stored amount as written: PostgreSQL's NUMERIC(20, 6) gives 10.000000 back; an
    amount that fits the currency's minor unit comes back with exactly those decimals."""
    if value is None or not currency:
        return value
    short = quantize(value, currency)
    return short if short == value else value.normalize()


def _amount(value: Decimal, currency: str) -> Decimal:
    short = quantize(value, currency)
    return short if short == value else value.normalize()


_KEYS = 5_000  # keys per IN list (well under SQLite's 32,766 and PostgreSQL's 65,535)
_LIVE_RESERVATIONS = ("active", "committed")


@dataclass(frozen=True, slots=True)
class ImportRecord:
    id: str
    scope: str
    source: str
    period: str
    filename: str
    sha256: str
    rows: int
    skipped: int
    imported_at: datetime
    imported_by: str

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "scope": self.scope, "source": self.source,
                "period": self.period, "filename": self.filename, "sha256": self.sha256,
                "rows": self.rows, "skipped": self.skipped,
                "imported_at": self.imported_at.isoformat(), "imported_by": self.imported_by}


@dataclass(frozen=True, slots=True)
class RunRecord:
    id: str
    scope: str
    period: str
    created_at: datetime
    created_by: str
    parameters: Mapping[str, Any]
    summary: Mapping[str, Any]

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "scope": self.scope, "period": self.period,
                "created_at": self.created_at.isoformat(), "created_by": self.created_by,
                "parameters": dict(self.parameters), "summary": dict(self.summary)}


@dataclass(frozen=True, slots=True)
class PeriodRecord:
    scope: str
    period: str
    status: str  # open | closed
    run_id: str | None = None
    closed_at: datetime | None = None
    closed_by: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"scope": self.scope, "period": self.period, "status": self.status,
                "run_id": self.run_id,
                "closed_at": self.closed_at.isoformat() if self.closed_at else None,
                "closed_by": self.closed_by}


def _import(r: Any) -> ImportRecord:
    return ImportRecord(r["id"], r["scope"], r["source"], r["period"], r["filename"],
                        r["sha256"], r["rows"], r["skipped"], r["imported_at"],
                        r["imported_by"])


def _run(r: Any) -> RunRecord:
    return RunRecord(r["id"], r["scope"], r["period"], r["created_at"], r["created_by"],
                     r["parameters"], r["summary"])


def _finding(r: Any) -> Finding:
    return Finding(FindingCode(r["code"]), r["order_id"], r["external_id"], r["reference"],
                   r["waybill"], r["fee_type"], _money(r["expected"], r["currency"]),
                   _money(r["settled"], r["currency"]), r["currency"],
                   r["row_count"], tuple(r["lines"] or ()), r["detail"] or {})


class ReconciliationRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    # periods -------------------------------------------------------------------------------
    def lock_period(self, tenant_id: str, scope: str, period: str) -> PeriodRecord:
        """The period's record, created open if new, locked until the transaction ends (an
        import, a run and a close of the same period take turns: none sees a period
        closing under it)."""
        ins = pg_insert if self.conn.dialect.name == "postgresql" else sqlite_insert
        self.conn.execute(ins(t.reconciliation_periods).values(
            tenant_id=tenant_id, scope=scope, period=period, status="open"
        ).on_conflict_do_nothing(index_elements=["tenant_id", "scope", "period"]))
        c = t.reconciliation_periods.c
        r = self.conn.execute(select(t.reconciliation_periods).where(
            c.tenant_id == tenant_id, c.scope == scope, c.period == period
        ).with_for_update()).mappings().one()
        return PeriodRecord(r["scope"], r["period"], r["status"], r["run_id"],
                            r["closed_at"], r["closed_by"])

    def close_period(self, tenant_id: str, scope: str, period: str, run_id: str,
                     now: datetime, actor: str) -> None:
        c = t.reconciliation_periods.c
        self.conn.execute(t.reconciliation_periods.update().where(
            c.tenant_id == tenant_id, c.scope == scope, c.period == period
        ).values(status="closed", run_id=run_id, closed_at=now, closed_by=actor))

    def periods(self, tenant_id: str, period: str) -> list[PeriodRecord]:
        c = t.reconciliation_periods.c
        rows = self.conn.execute(select(t.reconciliation_periods).where(
            c.tenant_id == tenant_id, c.period == period).order_by(c.scope)).mappings()
        return [PeriodRecord(r["scope"], r["period"], r["status"], r["run_id"],
                             r["closed_at"], r["closed_by"]) for r in rows]

    # imports -------------------------------------------------------------------------------
    def import_by_hash(self, tenant_id: str, scope: str, period: str, sha256: str
                       ) -> ImportRecord | None:
        c = t.settlement_imports.c
        r = self.conn.execute(select(t.settlement_imports).where(
            c.tenant_id == tenant_id, c.scope == scope, c.period == period,
            c.sha256 == sha256)).mappings().first()
        return None if r is None else _import(r)

    def add_import(self, tenant_id: str, record: ImportRecord,
                   rows: Sequence[SettlementRow]) -> None:
        """The import and all its rows: one statement for the rows (executemany / COPY)."""
        self.conn.execute(t.settlement_imports.insert().values(
            tenant_id=tenant_id, **{k: getattr(record, k) for k in (
                "id", "scope", "source", "period", "filename", "sha256", "rows", "skipped",
                "imported_at", "imported_by")}))
        bulk_insert(self.conn, t.settlement_rows, [
            {"import_id": record.id, "tenant_id": tenant_id, "scope": record.scope,
             "period": record.period, "line": r.line, "reference": r.reference,
             "order_ref": r.order_ref, "kind": r.kind.value, "fee_type": r.fee_type,
             "amount": r.amount, "currency": r.currency, "occurred_at": r.occurred_at,
             "waybill": r.waybill, "weight_kg": r.weight_kg} for r in rows])

    def imports(self, tenant_id: str, period: str, scope: str | None = None
                ) -> list[ImportRecord]:
        c = t.settlement_imports.c
        q = select(t.settlement_imports).where(c.tenant_id == tenant_id, c.period == period)
        if scope is not None:
            q = q.where(c.scope == scope)
        return [_import(r) for r in self.conn.execute(
            q.order_by(c.scope, c.imported_at)).mappings()]

    def scopes(self, tenant_id: str, period: str) -> list[str]:
        """Scopes with imports in the period."""
        c = t.settlement_imports.c
        return list(self.conn.execute(select(c.scope).distinct().where(
            c.tenant_id == tenant_id, c.period == period).order_by(c.scope)).scalars())

    def rows(self, tenant_id: str, scope: str, period: str) -> list[SettlementRow]:
        """Every row of the scope's imports of the period, in import order: one query.
        (On SQLite money and times are read as their stored text and converted here, a
        time once per distinct text: the column types' per-value hooks cost more than the
        query on 100,000 rows.)"""
        c = t.settlement_rows.c
        kinds = {k.value: k for k in RowKind}
        where = (c.tenant_id == tenant_id, c.scope == scope, c.period == period)
        if self.conn.dialect.name == "sqlite":
            q = select(c.line, c.reference, c.order_ref, c.kind, c.fee_type,
                       type_coerce(c.amount, String), c.currency,
                       type_coerce(c.occurred_at, String), c.waybill,
                       type_coerce(c.weight_kg, String)).where(*where).order_by(c.id)
            moments: dict[str, datetime] = {}
            out = []
            for line, ref, order_ref, kind, fee, amount, cur, at, waybill, weight in (
                    self.conn.execute(q)):
                moment = moments.get(at)
                if moment is None:
                    moment = moments[at] = datetime.fromisoformat(at).replace(tzinfo=UTC)
                out.append(SettlementRow(line, ref, order_ref, kinds[kind], fee,
                                         Decimal(amount), cur, moment, waybill,
                                         None if weight is None else Decimal(weight)))
            return out
        q = select(c.line, c.reference, c.order_ref, c.kind, c.fee_type, c.amount,
                   c.currency, c.occurred_at, c.waybill, c.weight_kg).where(*where
                                                                           ).order_by(c.id)
        return [SettlementRow(line, ref, order_ref, kinds[kind], fee_type,
                              _amount(amount, currency), currency, at, waybill,
                              weight.normalize() if weight else weight)
                for line, ref, order_ref, kind, fee_type, amount, currency, at, waybill, weight
                in self.conn.execute(q)]

    # what a run reads of orders and shipments --------------------------------------------
    def _order_facts(self, where: Any) -> list[OrderFacts]:
        c = t.orders.c
        if self.conn.dialect.name == "sqlite":  # stored text converted here (see `rows`)
            q = select(c.id, c.external_id, c.currency, type_coerce(c.grand_total, String),
                       c.status, type_coerce(func.coalesce(c.placed_at, c.created_at),
                                             String)).where(where)
            moments: dict[str, datetime] = {}
            out = []
            for i, e, cur, total, status, at in self.conn.execute(q):
                moment = moments.get(at)
                if moment is None:
                    moment = moments[at] = datetime.fromisoformat(at).replace(tzinfo=UTC)
                out.append(OrderFacts(i, e, cur, quantize(Decimal(total), cur), status,
                                      moment))
            return out
        q = select(c.id, c.external_id, c.currency, c.grand_total, c.status, c.placed_at,
                   c.created_at).where(where)
        return [OrderFacts(i, e, cur, quantize(total, cur), status, placed or created)
                for i, e, cur, total, status, placed, created in self.conn.execute(q)]

    def orders_by_refs(self, tenant_id: str, channel: str, refs: Iterable[str],
                       known: Iterable[OrderFacts] = ()) -> dict[str, OrderFacts]:
        """The channel's orders the refs name, by external id, else by the hub's order id;
        keyed by the ref as given. `known`: orders already read (the period's), looked up
        first; only the refs none of them answers are queried."""
        c = t.orders.c
        out: dict[str, OrderFacts] = {}
        by_external = {o.external_id: o for o in known}
        by_id = {o.id: o for o in by_external.values()}
        wanted = []
        for ref in set(refs):
            found = by_external.get(ref) or by_id.get(ref)
            if found is None:
                wanted.append(ref)
            else:
                out[ref] = found
        wanted.sort()
        for part in chunks(wanted, _KEYS):
            for o in self._order_facts(and_(c.tenant_id == tenant_id, c.channel == channel,
                                            c.external_id.in_(part))):
                out[o.external_id] = o
        rest = [r for r in wanted if r not in out]
        for part in chunks(rest, _KEYS):
            for o in self._order_facts(and_(c.tenant_id == tenant_id, c.channel == channel,
                                            c.id.in_(part))):
                out[o.id] = o
        return out

    def orders_placed(self, tenant_id: str, channel: str, start: datetime, end: datetime
                      ) -> list[OrderFacts]:
        """The channel's orders placed in [start, end) (created, where no placing time)."""
        c = t.orders.c
        return self._order_facts(and_(
            c.tenant_id == tenant_id, c.channel == channel,
            or_(and_(c.placed_at >= start, c.placed_at < end),
                and_(c.placed_at.is_(None), c.created_at >= start, c.created_at < end))))

    def shipments_by_waybills(self, tenant_id: str, waybills: Iterable[str]
                              ) -> dict[str, ShipmentFacts]:
        """The shipments with these waybills, each with the lines it carries (its live
        reservations; all the order's lines when it has none), their values and weights."""
        s, o = t.shipments.c, t.orders.c
        found: dict[str, tuple[str, str, str]] = {}
        for part in chunks(sorted(set(waybills)), _KEYS):
            for waybill, sid, oid, ext in self.conn.execute(
                    select(s.waybill, s.id, s.order_id, o.external_id)
                    .join(t.orders, o.id == s.order_id)
                    .where(s.tenant_id == tenant_id, s.waybill.in_(part))):
                found[waybill] = (sid, oid, ext)
        if not found:
            return {}
        order_ids = sorted({v[1] for v in found.values()})
        shipment_ids = sorted({v[0] for v in found.values()})
        lines: dict[str, dict[int, tuple[str, int, Decimal]]] = {}
        ln = t.order_lines.c
        for part in chunks(order_ids, _KEYS):
            for oid, no, sku, qty, price, discount in self.conn.execute(
                    select(ln.order_id, ln.line_no, ln.sku, ln.quantity, ln.unit_price,
                           ln.discount).where(ln.order_id.in_(part))):
                lines.setdefault(oid, {})[no] = (sku, qty, price * qty - discount)
        carried: dict[str, dict[int, int]] = {}
        rv = t.reservations.c
        for part in chunks(shipment_ids, _KEYS):
            for sid, no, qty in self.conn.execute(
                    select(rv.shipment_id, rv.line_no, rv.quantity).where(
                        rv.shipment_id.in_(part), rv.state.in_(_LIVE_RESERVATIONS))):
                per = carried.setdefault(sid, {})
                per[no] = per.get(no, 0) + qty
        skus = sorted({v[0] for per in lines.values() for v in per.values()})
        weights: dict[str, Decimal | None] = {}
        k = t.skus.c
        for part in chunks(skus, _KEYS):
            for code, weight in self.conn.execute(select(k.code, k.weight_kg).where(
                    k.tenant_id == tenant_id, k.code.in_(part))):
                weights[code] = weight
        out: dict[str, ShipmentFacts] = {}
        for waybill, (sid, oid, ext) in found.items():
            order_lines = lines.get(oid, {})
            qty_by_line = carried.get(sid) or {no: v[1] for no, v in order_lines.items()}
            facts = []
            for no, qty in sorted(qty_by_line.items()):
                sku, ordered, value = order_lines.get(no, ("", qty, Decimal(0)))
                w = weights.get(sku)
                facts.append(LineFacts(no, qty, value * qty / ordered if ordered else value,
                                       None if w is None else w * qty))
            out[waybill] = ShipmentFacts(sid, oid, ext, waybill, tuple(facts))
        return out

    # runs ----------------------------------------------------------------------------------
    def add_run(self, tenant_id: str, run: RunRecord, findings: Sequence[Finding]) -> None:
        """The run and all its findings: one statement for the findings."""
        self.conn.execute(t.reconciliation_runs.insert().values(
            id=run.id, tenant_id=tenant_id, scope=run.scope, period=run.period,
            created_at=run.created_at, created_by=run.created_by,
            parameters=dict(run.parameters), summary=dict(run.summary)))
        bulk_insert(self.conn, t.reconciliation_findings, [
            {"run_id": run.id, "tenant_id": tenant_id, "code": f.code.value,
             "order_id": f.order_id, "external_id": f.external_id, "reference": f.reference,
             "waybill": f.waybill, "fee_type": f.fee_type, "expected": f.expected,
             "settled": f.settled, "currency": f.currency, "row_count": f.row_count,
             "lines": list(f.lines[:100]), "detail": dict(f.detail)} for f in findings])

    def latest_run(self, tenant_id: str, scope: str, period: str) -> RunRecord | None:
        c = t.reconciliation_runs.c
        r = self.conn.execute(select(t.reconciliation_runs).where(
            c.tenant_id == tenant_id, c.scope == scope, c.period == period
        ).order_by(c.created_at.desc(), c.id.desc()).limit(1)).mappings().first()
        return None if r is None else _run(r)

    def runs(self, tenant_id: str, period: str, limit: int = 50) -> list[RunRecord]:
        """The period's runs of every scope, newest first (at most `limit`)."""
        c = t.reconciliation_runs.c
        rows = self.conn.execute(select(t.reconciliation_runs).where(
            c.tenant_id == tenant_id, c.period == period
        ).order_by(c.created_at.desc(), c.id.desc()).limit(limit)).mappings()
        return [_run(r) for r in rows]

    def findings(self, tenant_id: str, run_id: str, codes: Sequence[str] = (),
                 limit: int | None = None) -> list[Finding]:
        c = t.reconciliation_findings.c
        q = select(t.reconciliation_findings).where(c.tenant_id == tenant_id,
                                                    c.run_id == run_id)
        if codes:
            q = q.where(c.code.in_(list(codes)))
        q = q.order_by(c.id)
        if limit is not None:
            q = q.limit(limit)
        return [_finding(r) for r in self.conn.execute(q).mappings()]

    def finding_count(self, tenant_id: str, run_id: str, codes: Sequence[str] = ()) -> int:
        c = t.reconciliation_findings.c
        q = select(func.count()).where(c.tenant_id == tenant_id, c.run_id == run_id)
        if codes:
            q = q.where(c.code.in_(list(codes)))
        return int(self.conn.execute(q).scalar_one())
