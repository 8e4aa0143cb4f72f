"""Read models of reconciliation: a period's imports, its report (per scope: the state of
the period, the latest run's summary and findings) and the report as a CSV/XLSX file."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Literal

from orderhub.adapters import reconciliation_export
from orderhub.domain.errors import FieldError, InvalidInput
from orderhub.domain.reconciliation import LABELS_ZH, FindingCode, Period
from orderhub.services.unit_of_work import UowFactory

ExportFormat = Literal["csv", "xlsx"]
MEDIA_TYPES = {"csv": "text/csv; charset=utf-8",
               "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"}


def codes() -> list[dict[str, str]]:
    """The reason codes with their Chinese labels."""
    return [{"code": c.value, "label": LABELS_ZH[c]} for c in FindingCode]


def _check_codes(wanted: Sequence[str]) -> list[str]:
    known = {c.value for c in FindingCode}
    bad = [c for c in wanted if c not in known]
    if bad:
        raise InvalidInput([FieldError("code", f"unknown reason code(s) {', '.join(bad)}; "
                                       "one of " + ", ".join(sorted(known)))])
    return list(wanted)


def imports(read_uow: UowFactory, tenant_id: str, period: str, scope: str | None = None
            ) -> list[dict[str, Any]]:
    month = str(Period.parse(period))
    with read_uow() as uow:
        return [i.as_dict() for i in uow.reconciliation.imports(tenant_id, month, scope)]


def runs(read_uow: UowFactory, tenant_id: str, period: str, limit: int = 50
         ) -> list[dict[str, Any]]:
    """The period's runs, every scope, newest first (each with its summary)."""
    month = str(Period.parse(period))
    with read_uow() as uow:
        return [r.as_dict() for r in uow.reconciliation.runs(tenant_id, month, limit)]


def report(read_uow: UowFactory, tenant_id: str, period: str, *, scope: str | None = None,
           codes: Sequence[str] = (), limit: int | None = 200) -> dict[str, Any]:
    """Per scope of the period: open or closed, the latest run and its findings (filtered
    by reason code; at most `limit` each, None: all)."""
    month = str(Period.parse(period))
    wanted = _check_codes(codes)
    with read_uow() as uow:
        states = {p.scope: p for p in uow.reconciliation.periods(tenant_id, month)}
        scopes = [scope] if scope else sorted(
            set(uow.reconciliation.scopes(tenant_id, month)) | set(states))
        out = []
        for code in scopes:
            run = uow.reconciliation.latest_run(tenant_id, code, month)
            state = states.get(code)
            doc: dict[str, Any] = {
                "scope": code, "status": state.status if state else "open",
                "closed_at": state.closed_at.isoformat() if state and state.closed_at
                else None, "closed_by": state.closed_by if state else None,
                "closed_run_id": state.run_id if state else None,
                "run": run.as_dict() if run else None, "findings": [], "findings_total": 0}
            if run is not None:
                doc["findings"] = [f.as_dict() for f in uow.reconciliation.findings(
                    tenant_id, run.id, wanted, limit)]
                doc["findings_total"] = uow.reconciliation.finding_count(
                    tenant_id, run.id, wanted)
            out.append(doc)
    return {"period": month, "scopes": out}


def export(read_uow: UowFactory, tenant_id: str, period: str, fmt: str, *,
           scope: str | None = None, codes: Sequence[str] = ()) -> tuple[bytes, str, str]:
    """(content, media type, file name) of the period's report, every finding."""
    if fmt not in MEDIA_TYPES:
        raise InvalidInput([FieldError("format", f"'{fmt}' is not csv or xlsx")])
    doc = report(read_uow, tenant_id, period, scope=scope, codes=codes, limit=None)
    rows = [{"scope": s["scope"], "period": doc["period"], "run_id": s["run"]["id"], **f}
            for s in doc["scopes"] if s["run"] for f in s["findings"]]
    data = (reconciliation_export.to_csv(rows) if fmt == "csv"
            else reconciliation_export.to_xlsx(rows))
    name = f"reconciliation-{doc['period']}{'-' + scope.replace(':', '-') if scope else ''}"
    return data, MEDIA_TYPES[fmt], f"{name}.{fmt}"
