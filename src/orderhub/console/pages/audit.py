"""The audit log: the chain's verification (services/audit.verify_chain, as GET
/v1/audit/verify: keyed hashes, links, head and signed checkpoints) and the entries,
newest first, filtered by subject and kind, in pages (`before` = the smallest seq shown),
as GET /v1/audit."""

from __future__ import annotations

import json

from fastapi import APIRouter, Depends, Request
from starlette.responses import Response

from orderhub.console import nav
from orderhub.console.deps import Viewer, hub_of, needs
from orderhub.console.rendering import render
from orderhub.domain.access import Scope
from orderhub.domain.audit import AUDITED_KINDS
from orderhub.services import audit

router = APIRouter()
NAV = nav.register(nav.NavItem("audit", "/audit", Scope.AUDIT_READ, order=70))
PAGE_SIZE = 50


@router.get("/audit")
def page(request: Request, v: Viewer = Depends(needs(Scope.AUDIT_READ))) -> Response:
    hub = hub_of(request)
    tenant = v.principal.tenant_id
    subject = request.query_params.get("subject", "").strip()
    kind = request.query_params.get("kind", "").strip()
    before_raw = request.query_params.get("before", "").strip()
    errors: dict[str, str] = {}
    if len(subject) > 200:
        errors["subject"] = "net.too_long"
    if kind and kind not in AUDITED_KINDS:
        errors["kind"] = "field.bad_choice"
    before: int | None = None
    if before_raw:
        if before_raw.isdigit() and 1 <= int(before_raw) <= 2**62:
            before = int(before_raw)
        else:
            errors["before"] = "field.bad_cursor"
    verdict = audit.verify_chain(hub.read_uow, tenant, key_dir=hub.settings.key_dir)
    rows = [] if errors else audit.entries(hub.read_uow, tenant, subject=subject or None,
                                           kind=kind or None, limit=PAGE_SIZE, before=before)
    for r in rows:
        r["detail_text"] = json.dumps(r["detail"], ensure_ascii=False, default=str)[:400]
    query = {k: val for k, val in (("subject", subject), ("kind", kind)) if val}
    next_before = rows[-1]["seq"] if len(rows) == PAGE_SIZE else None
    return render(request, v, "pages/audit.html", status=400 if errors else 200,
                  current=NAV.key, verdict=verdict, rows=rows, errors=errors,
                  f={"subject": subject, "kind": kind}, kinds=[(k, k) for k in AUDITED_KINDS],
                  query=query, next_before=next_before, first_page=before is None)
