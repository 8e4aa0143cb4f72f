"""The exception desk (docs/exceptions.md): the queue (kind, tier, state; keyset pages of
services/exceptions/views.list_exceptions: what the exception-sync job put on the desk. Unlike
GET /v1/exceptions the page does not sync the tenant's holds on every view, as that takes
the tenant's intake lock and scans its held orders; "bring held orders onto the desk now"
does it on request) and one exception with its ranked remedies (cost in CNY, effect on
the promise, tier) and proposals: apply a remedy (L1 at once, else a proposal), approve or
reject a proposal (L2 four-eyes: the proposer's own approval is refused with the desk's
words), refresh the remedies. A remedy whose basis changed is a 409 with the reasons and
the fresh list, as in the API. All through services/exceptions/desk.py."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from starlette.datastructures import FormData
from starlette.responses import RedirectResponse, Response

from orderhub.console import nav
from orderhub.console.deps import CheckedDep, ConsoleForbidden, Viewer, hub_of, needs
from orderhub.console.rendering import base_of, render
from orderhub.domain.access import Scope
from orderhub.domain.errors import Conflict, Forbidden, InvalidInput, NotFound
from orderhub.domain.exceptions import ExceptionKind, ExceptionState, Tier
from orderhub.services.exceptions import desk, views

router = APIRouter()
NAV = nav.register(nav.NavItem("exceptions", "/exceptions", Scope.EXCEPTIONS_READ,
                               order=35))
PAGE_SIZE = 50
MAX_REASON = 500
DONE = ("applied", "proposed", "approved", "rejected", "refreshed")


def _text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


@router.get("/exceptions")
def queue(request: Request, v: Viewer = Depends(needs(Scope.EXCEPTIONS_READ))) -> Response:
    hub = hub_of(request)
    raw = {k: request.query_params.get(k, "").strip()
           for k in ("kind", "tier", "state", "cursor")}
    if "state" not in request.query_params:
        raw["state"] = ExceptionState.OPEN.value  # the desk's working view
    errors: dict[str, str] = {}
    for name, enum in (("kind", ExceptionKind), ("tier", Tier), ("state", ExceptionState)):
        if raw[name] and raw[name] not in enum._value2member_map_:
            errors[name] = "field.bad_choice"
    page: dict[str, Any] = {"items": [], "next_cursor": None}
    if not errors:
        page = views.list_exceptions(
            hub.read_uow, v.principal.tenant_id, kind=raw["kind"] or None,
            tier=raw["tier"] or None, state=raw["state"] or None,
            cursor=raw["cursor"] or None, limit=PAGE_SIZE, warehouses=v.principal.warehouses)
    query = {k: raw[k] for k in ("kind", "tier", "state") if raw[k]}
    synced = request.query_params.get("synced", "")
    return render(request, v, "pages/exceptions.html", synced=synced if synced.isdigit() else "",
                  may_sync=v.may(Scope.EXCEPTIONS_ACT), status=400 if errors else 200,
                  current=NAV.key, f=raw, errors=errors, items=page["items"],
                  next_cursor=page["next_cursor"], query=query, first_page=not raw["cursor"],
                  kinds=[(k.value, f"exc.kind_{k.value}") for k in ExceptionKind],
                  tiers=[(t.value, t.value) for t in Tier],
                  states=[(s.value, f"exc.state_{s.value}") for s in ExceptionState])


def _page(request: Request, v: Viewer, exception_id: str, *, status: int = 200,
          message: str = "", detail: str = "", reasons: list[str] | None = None,
          errors: dict[str, str] | None = None, which: str = "",
          form: dict[str, str] | None = None) -> Response:
    hub = hub_of(request)
    e = views.get_exception(hub.read_uow, v.principal.tenant_id, exception_id,
                            warehouses=v.principal.warehouses)
    pending = {p["remedy_n"]: p for p in e["proposals"] if p["state"] == "pending"}
    done = request.query_params.get("done", "")
    is_open = e["state"] == ExceptionState.OPEN.value
    return render(request, v, "pages/exception.html", status=status, current=NAV.key, e=e,
                  pending=pending, message=message, detail=detail, reasons=reasons or [],
                  errors=errors or {}, active=which, form=form or {},
                  done=f"exc.done_{done}" if done in DONE else "",
                  may_act=v.may(Scope.EXCEPTIONS_ACT) and is_open,
                  may_approve=v.may(Scope.EXCEPTIONS_APPROVE) and is_open)


@router.get("/exceptions/{exception_id}")
def exception_page(request: Request, exception_id: str,
                   v: Viewer = Depends(needs(Scope.EXCEPTIONS_READ))) -> Response:
    return _page(request, v, exception_id)


def _done(request: Request, exception_id: str, what: str) -> Response:
    return RedirectResponse(f"{base_of(request)}/exceptions/{exception_id}?done={what}",
                            status_code=303)


def _reason(form: FormData, required: bool, which: str) -> tuple[str, dict[str, str]]:
    reason = _text(form, "reason")
    key = f"reason-{which}"
    if required and not reason:
        return reason, {key: "field.required"}
    if len(reason) > MAX_REASON:
        return reason, {key: "field.too_long", f"{key}__n": str(MAX_REASON)}
    return reason, {}


async def _act(request: Request, v: Viewer, exception_id: str, n: int, action: str,
               scope: Scope) -> Response:
    if not v.may(scope):
        raise ConsoleForbidden(scope.value)
    hub = hub_of(request)
    tenant = v.principal.tenant_id
    f = await request.form()
    which = f"{action}-{n}"
    reason, errors = _reason(f, action == "reject", which)
    form = {"reason": reason}
    if errors:
        return _page(request, v, exception_id, status=400, errors=errors, which=which,
                     form=form)
    shown = views.get_exception(hub.read_uow, tenant, exception_id,
                                warehouses=v.principal.warehouses)
    if action == "apply":
        # the remedies computed afresh since the page was drawn: remedy n may be another
        stale = _text(f, "generation") != str(shown["generation"])
    else:  # the proposal the viewer saw is still the one pending for remedy n
        current = [p["id"] for p in shown["proposals"]
                   if p["remedy_n"] == n and p["state"] == "pending"]
        stale = _text(f, "proposal") not in current
    if stale:
        return _page(request, v, exception_id, status=409, message="error.conflict",
                     which=which, form=form)
    try:
        if action == "apply":
            out = desk.apply_remedy(hub.uow, tenant, exception_id, n,
                                    actor=v.principal.actor, reason=reason, now=hub.clock(),
                                    presale_lock=hub.presale_lock)
        else:
            out = desk.decide(hub.uow, tenant, exception_id, n,
                              approve_it=action == "approve", actor=v.principal.actor,
                              reason=reason, now=hub.clock(), presale_lock=hub.presale_lock)
    except desk.StaleRemedy as exc:
        return _page(request, v, exception_id, status=409, message="exc.stale",
                     reasons=exc.reasons)
    except Forbidden as exc:  # four-eyes: the proposer cannot approve (the desk's words)
        return _page(request, v, exception_id, status=403, message="exc.refused",
                     detail=str(exc), which=which, form=form)
    except (Conflict, NotFound) as exc:
        return _page(request, v, exception_id, status=409, message="exc.refused",
                     detail=str(exc), which=which, form=form)
    except InvalidInput as exc:
        return _page(request, v, exception_id, status=400, which=which, form=form,
                     errors={f"reason-{which}": "ops.rejected_because",
                             f"reason-{which}__detail": str(exc)})
    desk.void_recalled(hub.compensator, tenant, out)
    return _done(request, exception_id, str(out["outcome"]))


@router.post("/exceptions/{exception_id}/remedies/{n}/apply")
async def apply(request: Request, exception_id: str, n: int, v: CheckedDep) -> Response:
    return await _act(request, v, exception_id, n, "apply", Scope.EXCEPTIONS_ACT)


@router.post("/exceptions/{exception_id}/remedies/{n}/approve")
async def approve(request: Request, exception_id: str, n: int, v: CheckedDep) -> Response:
    return await _act(request, v, exception_id, n, "approve", Scope.EXCEPTIONS_APPROVE)


@router.post("/exceptions/{exception_id}/remedies/{n}/reject")
async def reject(request: Request, exception_id: str, n: int, v: CheckedDep) -> Response:
    return await _act(request, v, exception_id, n, "reject", Scope.EXCEPTIONS_APPROVE)


@router.post("/exceptions/{exception_id}/refresh")
def refresh(request: Request, exception_id: str, v: CheckedDep) -> Response:
    if not v.may(Scope.EXCEPTIONS_ACT):
        raise ConsoleForbidden(Scope.EXCEPTIONS_ACT.value)
    hub = hub_of(request)
    views.get_exception(hub.read_uow, v.principal.tenant_id, exception_id,
                        warehouses=v.principal.warehouses)
    try:
        desk.recompute(hub.uow, v.principal.tenant_id, exception_id, now=hub.clock())
    except Conflict as exc:
        return _page(request, v, exception_id, status=409, message="exc.refused",
                     detail=str(exc))
    return _done(request, exception_id, "refreshed")


@router.post("/exceptions/sync")
def sync(request: Request, v: CheckedDep) -> Response:
    """Put the tenant's held orders not yet on the desk there now (and resolve those that
    left hold), as GET /v1/exceptions and the exception-sync job do."""
    if not v.may(Scope.EXCEPTIONS_ACT):
        raise ConsoleForbidden(Scope.EXCEPTIONS_ACT.value)
    hub = hub_of(request)
    opened, _ = desk.sync_holds(hub.uow, v.principal.tenant_id, now=hub.clock())
    return RedirectResponse(f"{base_of(request)}/exceptions?synced={opened}", status_code=303)
