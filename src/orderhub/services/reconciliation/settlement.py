"""Reconciliation use cases: import a settlement file or carrier bill, run a period, close a
period. A scope is a channel code (its settlement files) or `carrier:<name>` (its bills); a
period is a month. Each use case takes the period's lock (`uow.reconciliation.lock_period`)
first, so an import, a run and a close of one period never interleave, and a closed period
refuses the others. Each is audited (`reconciliation_change`) and evented in the
transaction that makes it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from decimal import Decimal
from typing import Any

from orderhub.adapters.db.reconciliation_repository import ImportRecord, RunRecord
from orderhub.adapters.settlements import check_source, parse_settlement
from orderhub.domain import events as ev
from orderhub.domain.errors import Conflict, FieldError, InvalidInput
from orderhub.domain.ids import new_id
from orderhub.domain.reconciliation import (
    CARRIER_PREFIX,
    DEFAULT_TOLERANCE,
    Outcome,
    Period,
    is_carrier,
    reconcile_carrier,
    reconcile_channel,
)
from orderhub.services import audit
from orderhub.services.reconciliation.refunds import RefundSource, known_refunds
from orderhub.services.unit_of_work import UnitOfWork, UowFactory


def _scope(uow: UnitOfWork, tenant_id: str, source: str, channel: str | None) -> str:
    if source.startswith(CARRIER_PREFIX):
        if channel:
            raise InvalidInput([FieldError("channel", "a carrier bill belongs to no channel; "
                                           "leave it out")])
        return source
    code = channel or source
    if code not in {c.code for c in uow.catalog.channels(tenant_id)}:
        raise InvalidInput([FieldError("channel", f"channel '{code}' not found (name the "
                                       "tenant's channel code with channel=)")])
    return code


def _open_period(uow: UnitOfWork, tenant_id: str, scope: str, period: str, doing: str
                 ) -> None:
    state = uow.reconciliation.lock_period(tenant_id, scope, period)
    if state.status == "closed":
        raise Conflict(f"period {period} of {scope} is closed; {doing} refused")


def import_file(make_uow: UowFactory, tenant_id: str, data: bytes, filename: str, *,
                source: str, period: str | None = None, channel: str | None = None,
                now: datetime, actor: str) -> dict[str, Any]:
    """Read the file whole (refused with every bad column, row and field: nothing stored),
    then store it for its scope and period. The same file twice for a period is refused."""
    check_source(source)
    parsed = parse_settlement(data, filename, source)
    if period is not None:
        month = str(Period.parse(period))
    else:
        months = sorted({str(Period.of(r.occurred_at)) for r in parsed.rows})
        if len(months) != 1:
            raise InvalidInput([FieldError("period", (
                f"the rows span {', '.join(months)}; name the period (YYYY-MM)" if months
                else "the file has no rows to take the period from; name it (YYYY-MM)"))])
        month = months[0]
    with make_uow() as uow:
        scope = _scope(uow, tenant_id, source, channel)
        _open_period(uow, tenant_id, scope, month, "import")
        earlier = uow.reconciliation.import_by_hash(tenant_id, scope, month, parsed.sha256)
        if earlier is not None:
            raise Conflict(f"this file was already imported for {scope} {month} "
                           f"({earlier.id}, {earlier.filename})")
        record = ImportRecord(new_id("stl"), scope, source, month, filename[-300:],
                              parsed.sha256, len(parsed.rows), parsed.skipped, now, actor)
        uow.reconciliation.add_import(tenant_id, record, parsed.rows)
        audit.note(uow, tenant_id, now, actor, "reconciliation_change",
                   f"reconciliation/{scope}/{month}",
                   {"change": "settlement_imported", "import_id": record.id,
                    "source": source, "file": record.filename, "rows": record.rows,
                    "skipped": record.skipped})
        uow.record(ev.SettlementImported(
            tenant_id=tenant_id, occurred_at=now, actor=actor, import_id=record.id,
            scope=scope, source=source, period=month, rows=record.rows,
            skipped=record.skipped))
        uow.commit()
    return {**record.as_dict(), "lines": parsed.lines}


def _scopes(uow: UnitOfWork, tenant_id: str, period: str, scope: str | None) -> list[str]:
    scopes = uow.reconciliation.scopes(tenant_id, period)
    if scope is not None:
        if scope not in scopes:
            raise InvalidInput([FieldError("scope", f"nothing imported for {scope} in "
                                           f"{period}")])
        return [scope]
    if not scopes:
        raise InvalidInput([FieldError("period", f"nothing imported for {period}")])
    return scopes


def check_fee_rates(rates: Mapping[str, Any]) -> dict[str, Decimal]:
    out: dict[str, Decimal] = {}
    errors = []
    for name, value in rates.items():
        try:
            rate = Decimal(str(value))
        except ArithmeticError:
            rate = Decimal(-1)
        if not name or not rate.is_finite() or not Decimal(0) <= rate <= Decimal(1):
            errors.append(FieldError(f"fee_rates.{name}", f"'{value}' is not a rate 0..1"))
        else:
            out[name] = rate
    if errors:
        raise InvalidInput(errors)
    return out


def _reconcile(uow: UnitOfWork, tenant_id: str, scope: str, period: Period,
               tolerance: Decimal, fee_rates: Mapping[str, Decimal],
               refunds: RefundSource) -> Outcome:
    rows = uow.reconciliation.rows(tenant_id, scope, str(period))
    if is_carrier(scope):
        shipments = uow.reconciliation.shipments_by_waybills(
            tenant_id, {r.waybill for r in rows})
        return reconcile_carrier(rows, shipments)
    placed = uow.reconciliation.orders_placed(tenant_id, scope, period.start, period.end)
    named = uow.reconciliation.orders_by_refs(tenant_id, scope, {r.order_ref for r in rows},
                                              known=placed)
    every = {o.id: o for o in [*named.values(), *placed]}
    known = refunds(uow, tenant_id, list(every.values()))
    return reconcile_channel(rows, named, placed, known, tolerance=tolerance,
                             fee_rates=fee_rates)


def run(make_uow: UowFactory, tenant_id: str, period: str, *, scope: str | None = None,
        tolerance: Decimal = DEFAULT_TOLERANCE, fee_rates: Mapping[str, Any] | None = None,
        now: datetime, actor: str,
        refunds: RefundSource = known_refunds) -> list[RunRecord]:
    """Reconcile the period of one scope (or of every scope with imports in it): a new run,
    stored with all its findings; a closed period is refused."""
    month = Period.parse(period)
    if not Decimal(0) <= tolerance <= Decimal(1000):
        raise InvalidInput([FieldError("tolerance", "must be between 0 and 1000")])
    rates = check_fee_rates(fee_rates or {})
    out: list[RunRecord] = []
    with make_uow() as uow:
        for code in _scopes(uow, tenant_id, str(month), scope):
            _open_period(uow, tenant_id, code, str(month), "a new run")
            outcome = _reconcile(uow, tenant_id, code, month, tolerance, rates, refunds)
            summary = outcome.summary()
            covered = [i.id for i in uow.reconciliation.imports(tenant_id, str(month), code)]
            record = RunRecord(new_id("rcn"), code, str(month), now, actor,
                               {"tolerance": str(tolerance),
                                "fee_rates": {k: str(v) for k, v in rates.items()},
                                "imports": covered},
                               summary)
            uow.reconciliation.add_run(tenant_id, record, outcome.findings)
            audit.note(uow, tenant_id, now, actor, "reconciliation_change",
                       f"reconciliation/{code}/{month}",
                       {"change": "reconciled", "run_id": record.id, "rows": outcome.rows,
                        "problems": summary["problems"]})
            uow.record(ev.ReconciliationRun(
                tenant_id=tenant_id, occurred_at=now, actor=actor, run_id=record.id,
                scope=code, period=str(month), rows=outcome.rows,
                problems=summary["problems"],
                counts={k: v for k, v in summary["counts"].items() if v}))
            out.append(record)
        uow.commit()
    return out


def close(make_uow: UowFactory, tenant_id: str, period: str, *, scope: str | None = None,
          now: datetime, actor: str) -> list[dict[str, Any]]:
    """Close the period on its latest run (of one scope, or of every open scope with
    imports): frozen from then on. Refused when not reconciled, when a file came after the
    latest run, or when already closed."""
    month = str(Period.parse(period))
    closed: list[dict[str, Any]] = []
    with make_uow() as uow:
        scopes = _scopes(uow, tenant_id, month, scope)
        for code in scopes:
            state = uow.reconciliation.lock_period(tenant_id, code, month)
            if state.status == "closed":
                if scope is not None:
                    raise Conflict(f"period {month} of {code} is already closed")
                continue
            latest = uow.reconciliation.latest_run(tenant_id, code, month)
            if latest is None:
                raise Conflict(f"period {month} of {code} is not reconciled yet; run "
                               "reconciliation first")
            covered = set(latest.parameters.get("imports", ()))
            later = [i for i in uow.reconciliation.imports(tenant_id, month, code)
                     if i.id not in covered]
            if later:
                raise Conflict(f"{later[0].filename} was imported for {code} {month} after "
                               "the latest run; run reconciliation again first")
            uow.reconciliation.close_period(tenant_id, code, month, latest.id, now, actor)
            problems = int(latest.summary.get("problems", 0))
            audit.note(uow, tenant_id, now, actor, "reconciliation_change",
                       f"reconciliation/{code}/{month}",
                       {"change": "period_closed", "run_id": latest.id,
                        "problems": problems})
            uow.record(ev.ReconciliationPeriodClosed(
                tenant_id=tenant_id, occurred_at=now, actor=actor, run_id=latest.id,
                scope=code, period=month, problems=problems))
            closed.append({"scope": code, "period": month, "status": "closed",
                           "run_id": latest.id, "problems": problems})
        if not closed:
            raise Conflict(f"every scope of {month} is already closed")
        uow.commit()
    return closed


def tolerance_of(text: str | None) -> Decimal:
    """A tolerance as the entry points receive it (field `tolerance`)."""
    if text is None or text == "":
        return DEFAULT_TOLERANCE
    try:
        value = Decimal(text)
    except ArithmeticError:
        raise InvalidInput([FieldError("tolerance", f"'{text}' is not a number")]) from None
    if not value.is_finite():
        raise InvalidInput([FieldError("tolerance", f"'{text}' is not a number")])
    return value


def parse_fee_rates(pairs: Sequence[str]) -> dict[str, Decimal]:
    """`type=rate` pairs (the CLI's --fee-rate 佣金=0.05) into rates."""
    raw: dict[str, str] = {}
    for i, pair in enumerate(pairs):
        name, sep, value = pair.partition("=")
        if not sep or not name.strip():
            raise InvalidInput([FieldError(f"fee_rates.{i}", f"'{pair}' is not type=rate")])
        raw[name.strip()] = value.strip()
    return check_fee_rates(raw)
