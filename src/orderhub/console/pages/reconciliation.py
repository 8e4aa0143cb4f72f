"""Reconciliation (对账, docs/reconciliation.md): one month at a time (China time), the
files imported for it, the latest run of each scope with its summary, the report of that
run (unmatched rows, amount differences, duplicates, ... with their reason codes, filtered
by code) and whether the period is closed. finance:write shows and allows an import (a
settlement file or a carrier bill, CSV/XLSX), a run and the period's close, through
services/reconciliation/settlement.py as `POST /v1/reconciliation/...` does; the report
downloads as CSV or XLSX (views.export). A bad file is refused whole with the service's
row and field, shown next to the file field."""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import quote, urlencode

from fastapi import APIRouter, Depends, Request
from starlette.datastructures import FormData, UploadFile
from starlette.responses import RedirectResponse, Response

from orderhub.console import nav
from orderhub.console.deps import CheckedDep, ConsoleForbidden, Viewer, hub_of, needs
from orderhub.console.rendering import base_of, render
from orderhub.domain.access import Scope
from orderhub.domain.errors import Conflict, InvalidInput
from orderhub.domain.reconciliation import FindingCode, Period
from orderhub.services.reconciliation import settlement, views

router = APIRouter()
NAV = nav.register(nav.NavItem("reconciliation", "/reconciliation", Scope.FINANCE_READ,
                               order=38, unbound_only=True))
MAX_BYTES = 20 * 1024 * 1024
FINDINGS_SHOWN = 200
RUNS_SHOWN = 20
PERIOD = re.compile(r"^\d{4}-\d{2}$")
SCOPE = re.compile(r"^[A-Za-z0-9_.:-]{1,64}$")
SOURCES = ("tmall", "jd", "douyin", "shopify")
DONE = ("imported", "run", "closed")


def _text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def _month(raw: str) -> bool:
    """A real month as YYYY-MM ("2026-13" has the shape and is none)."""
    if not PERIOD.match(raw):
        return False
    try:
        Period.parse(raw)
    except InvalidInput:
        return False
    return True


def _period(request: Request, raw: str) -> str:
    return raw if _month(raw) else str(Period.of(hub_of(request).clock()))


def _page(request: Request, v: Viewer, *, period: str, scope: str = "", code: str = "",
          status: int = 200, errors: dict[str, str] | None = None,
          form: dict[str, str] | None = None, message: str = "", detail: str = ""
          ) -> Response:
    hub = hub_of(request)
    tenant = v.principal.tenant_id
    imports = views.imports(hub.read_uow, tenant, period)
    runs = views.runs(hub.read_uow, tenant, period, RUNS_SHOWN)
    report = views.report(hub.read_uow, tenant, period, scope=scope or None,
                          codes=[code] if code else [], limit=FINDINGS_SHOWN)
    done = request.query_params.get("done", "")
    query = {k: val for k, val in (("period", period), ("scope", scope), ("code", code))
             if val}
    return render(request, v, "pages/reconciliation.html", status=status, current=NAV.key,
                  period=period, scope=scope, code=code, imports=imports, runs=runs,
                  scopes=report["scopes"], errors=errors or {}, form=form or {},
                  message=message, detail=detail, may_write=v.may(Scope.FINANCE_WRITE),
                  codes=[(c.value, f"rec.code_{c.value}") for c in FindingCode],
                  sources=[(s, f"rec.source_{s}") for s in SOURCES],
                  done=f"rec.done_{done}" if done in DONE else "",
                  export_query=urlencode(query), shown=FINDINGS_SHOWN)


def _reader(v: Viewer = Depends(needs(Scope.FINANCE_READ))) -> Viewer:
    """finance:read, and bound to no warehouse: the findings name every order of the tenant
    (and rows of none), more than a warehouse-bound viewer may see."""
    if v.principal.warehouses:
        raise ConsoleForbidden(Scope.FINANCE_READ.value)
    return v


@router.get("/reconciliation")
def reconciliation(request: Request, v: Viewer = Depends(_reader)
                   ) -> Response:
    raw = {k: request.query_params.get(k, "").strip() for k in ("period", "scope", "code")}
    errors: dict[str, str] = {}
    if raw["period"] and not _month(raw["period"]):
        errors["period"] = "rec.bad_period"
    if raw["scope"] and not SCOPE.match(raw["scope"]):
        errors["scope"] = "field.rejected"
    if raw["code"] and raw["code"] not in FindingCode._value2member_map_:
        errors["code"] = "field.bad_choice"
    period = _period(request, raw["period"])
    if errors:
        return _page(request, v, period=period, status=400, errors=errors)
    return _page(request, v, period=period, scope=raw["scope"], code=raw["code"])


@router.get("/reconciliation/export")
def export(request: Request, v: Viewer = Depends(_reader)) -> Response:
    q = request.query_params
    fmt = q.get("format", "csv")
    period = _period(request, q.get("period", ""))
    scope, code = q.get("scope", "") or None, q.get("code", "")
    if scope is not None and not SCOPE.match(scope):
        scope = None
    try:
        data, media_type, name = views.export(hub_of(request).read_uow, v.principal.tenant_id,
                                              period, fmt, scope=scope,
                                              codes=[code] if code else [])
    except InvalidInput:
        return _page(request, v, period=period, status=400, message="rec.bad_export")
    plain = re.sub(r"[^A-Za-z0-9._-]", "_", name)
    return Response(data, media_type=media_type, headers={
        "Content-Disposition": f"attachment; filename=\"{plain}\"; "
                               f"filename*=UTF-8''{quote(name, safe='')}"})


def _done(request: Request, period: str, what: str) -> Response:
    return RedirectResponse(f"{base_of(request)}/reconciliation?period={period}&done={what}",
                            status_code=303)


def _field_errors(exc: InvalidInput) -> dict[str, str]:
    """The import form's field the service's first problem belongs to, with the whole
    message (for a bad file: every row and field) under it."""
    fields = {"period": "import-period", "source": "source", "channel": "channel"}
    key = next((fields[e.loc] for e in exc.errors if e.loc in fields), "file")
    return {key: "ops.rejected_because", f"{key}__detail": str(exc)[:2000]}


def _writer(v: Viewer) -> None:
    if not v.may(Scope.FINANCE_WRITE) or v.principal.warehouses:
        raise ConsoleForbidden(Scope.FINANCE_WRITE.value)


@router.post("/reconciliation/imports")
async def import_file(request: Request, v: CheckedDep) -> Response:
    _writer(v)
    hub = hub_of(request)
    async with request.form(max_files=1, max_fields=10) as form:
        kept = {k: _text(form, k) for k in ("source", "carrier", "channel", "period")}
        period = _period(request, kept["period"])
        errors: dict[str, str] = {}
        source = kept["source"]
        if source == "carrier":
            if not SCOPE.match(kept["carrier"]):
                errors["carrier"] = "field.required"
            source = f"carrier:{kept['carrier']}"
        elif source not in SOURCES:
            errors["source"] = "field.bad_choice"
        if kept["period"] and not _month(kept["period"]):
            errors["import-period"] = "rec.bad_period"
        if kept["channel"] and not SCOPE.match(kept["channel"]):
            errors["channel"] = "field.rejected"
        upload = form.get("file")
        data = b""
        filename = ""
        if isinstance(upload, UploadFile) and upload.filename:
            filename = upload.filename[-300:]
            data = await upload.read(MAX_BYTES + 1)
        if not data:
            errors["file"] = "field.required"
        elif len(data) > MAX_BYTES:
            errors["file"] = "rec.too_big"
            errors["file__n"] = str(MAX_BYTES // 2**20)
    if errors:
        return _page(request, v, period=period, status=400, errors=errors, form=kept)
    try:
        done = settlement.import_file(hub.uow, v.principal.tenant_id, data, filename,
                                      source=source, period=kept["period"] or None,
                                      channel=kept["channel"] or None, now=hub.clock(),
                                      actor=v.principal.actor)
    except InvalidInput as exc:
        return _page(request, v, period=period, status=422, form=kept,
                     errors=_field_errors(exc))
    except Conflict as exc:
        return _page(request, v, period=period, status=409, form=kept,
                     message="rec.refused", detail=str(exc))
    return _done(request, str(done.get("period") or period), "imported")


@router.post("/reconciliation/runs")
async def run(request: Request, v: CheckedDep) -> Response:
    _writer(v)
    hub = hub_of(request)
    form = await request.form()
    kept = {k: _text(form, k) for k in ("period", "scope", "tolerance")}
    period = _period(request, kept["period"])
    errors: dict[str, str] = {}
    if not _month(kept["period"]):
        errors["period"] = "rec.bad_period"
    if kept["scope"] and not SCOPE.match(kept["scope"]):
        errors["scope"] = "field.rejected"
    tolerance: Any = None
    if kept["tolerance"]:
        try:  # as the API reads it: a finite number (NaN would fail the range check)
            tolerance = settlement.tolerance_of(kept["tolerance"])
        except InvalidInput:
            errors["tolerance"] = "rec.bad_amount"
    if errors:
        labels = {"period": "rec.period", "scope": "rec.scope", "tolerance": "rec.tolerance"}
        return _page(request, v, period=period, status=400, message="rec.bad_run",
                     detail=", ".join(v.t(labels[k]) for k in sorted(errors)))
    extra: dict[str, Any] = {} if tolerance is None else {"tolerance": tolerance}
    try:
        settlement.run(hub.uow, v.principal.tenant_id, period, scope=kept["scope"] or None,
                       now=hub.clock(), actor=v.principal.actor, **extra)
    except (InvalidInput, Conflict) as exc:
        return _page(request, v, period=period, status=409, form=kept,
                     message="rec.refused", detail=str(exc))
    return _done(request, period, "run")


@router.post("/reconciliation/close")
async def close(request: Request, v: CheckedDep) -> Response:
    _writer(v)
    hub = hub_of(request)
    form = await request.form()
    period_raw, scope = _text(form, "period"), _text(form, "scope")
    period = _period(request, period_raw)
    if not _month(period_raw) or (scope and not SCOPE.match(scope)):
        return _page(request, v, period=period, status=400, message="rec.bad_period")
    try:
        settlement.close(hub.uow, v.principal.tenant_id, period, scope=scope or None,
                         now=hub.clock(), actor=v.principal.actor)
    except (Conflict, InvalidInput) as exc:
        return _page(request, v, period=period, status=409, message="rec.refused",
                     detail=str(exc))
    return _done(request, period, "closed")
