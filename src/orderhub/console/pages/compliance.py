"""Compliance packs (合规规则包): every shipped country's pack with a checkbox; ticking a
country (or unticking it) and giving a reason drafts its rules as a rule set through the
same service as POST /v1/compliance/packs/{country}/enable|disable (rules:draft), which
then goes through the rules page's sandbox, canary and activation."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from starlette.responses import Response

from orderhub.console import nav
from orderhub.console.deps import CheckedDep, ConsoleForbidden, Viewer, hub_of, needs
from orderhub.console.rendering import render
from orderhub.domain.access import Scope
from orderhub.domain.compliance_packs import available
from orderhub.domain.errors import DomainError
from orderhub.services import compliance_packs

router = APIRouter()
NAV = nav.register(nav.NavItem("compliance", "/compliance", Scope.RULES_READ, order=61))
MAX_REASON = 500
_CHANGES = {"enabled": "compliance.change_enabled", "upgraded": "compliance.change_upgraded",
            "disabled": "compliance.change_disabled"}


def _page(request: Request, v: Viewer, *, status: int = 200,
          errors: dict[str, str] | None = None, drafted: list[dict[str, object]] | None = None,
          reason: str = "", applied: bool = False) -> Response:
    hub = hub_of(request)
    packs = compliance_packs.list_packs(hub.read_uow, v.principal.tenant_id)
    return render(request, v, "pages/compliance.html", status=status, current=NAV.key,
                  packs=packs, may_draft=v.may(Scope.RULES_DRAFT), errors=errors or {},
                  drafted=drafted or [], reason=reason, applied=applied)


@router.get("/compliance")
def page(request: Request, v: Viewer = Depends(needs(Scope.RULES_READ))) -> Response:
    return _page(request, v)


@router.post("/compliance")
async def apply(request: Request, v: CheckedDep,
                reason: Annotated[str, Form()] = "") -> Response:
    """The ticked countries: each whose state changes gets a draft (enable or disable)."""
    if not v.may(Scope.RULES_DRAFT):
        raise ConsoleForbidden(Scope.RULES_DRAFT.value)
    form = await request.form()
    ticked = {str(c) for c in form.getlist("country")}
    reason = reason.strip()
    unknown = sorted(ticked - set(available()))
    if unknown:
        return _page(request, v, status=400, errors={"country": "field.bad_choice"},
                     reason=reason)
    if not reason or len(reason) > MAX_REASON:
        return _page(request, v, status=400, reason=reason, errors={
            "reason": "field.required" if not reason else "net.too_long"})
    hub = hub_of(request)
    tenant = v.principal.tenant_id
    current = {p["country"]: p["enabled"] for p in compliance_packs.list_packs(
        hub.read_uow, tenant)}
    drafted: list[dict[str, object]] = []
    for country in available():
        want = country in ticked
        if want == current.get(country, False):
            continue
        try:
            out = compliance_packs.set_enabled(hub.uow, tenant, country, want,
                                               actor=v.principal.actor, reason=reason,
                                               now=hub.clock())
        except DomainError as exc:
            return _page(request, v, status=409, reason=reason,
                         errors={"country": f"{country}: {exc}"}, drafted=drafted)
        drafted.append({"country": country, "change_key": _CHANGES[out["change"]],
                        "set_id": out["rule_set"]["id"],
                        "version": out["rule_set"]["version"]})
    return _page(request, v, drafted=drafted, applied=True)
