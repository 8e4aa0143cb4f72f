"""Signing in and out, the language switch, and /console itself (to the first page the
viewer may see). The session is the access layer's (services/access/users.sign_in, as
POST /v1/sessions), kept in an HttpOnly, SameSite=Strict cookie."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request
from starlette.responses import RedirectResponse, Response

from orderhub.console import nav, session
from orderhub.console.deps import CheckedDep, HubDep, SignInRequired, viewer
from orderhub.console.i18n import LANG_COOKIE, LANGS
from orderhub.console.rendering import base_of, render
from orderhub.domain.errors import Unauthenticated
from orderhub.services.access import users

router = APIRouter()

MAX_FIELD = 200


def _safe_next(request: Request, target: str | None) -> str:
    """Only a path inside the console (no open redirect to another site)."""
    base = base_of(request)
    if target and target.startswith(f"{base}/") and not target.startswith("//") \
            and "\\" not in target:
        return target
    return f"{base}/"


@router.get("/")
def home(request: Request) -> Response:
    try:
        v = viewer(request)
    except SignInRequired:
        return RedirectResponse(f"{base_of(request)}/sign-in", status_code=303)
    entries = nav.visible(v.principal)
    target = entries[0].path if entries else "/me"
    return RedirectResponse(f"{base_of(request)}{target}", status_code=303)


def _form(request: Request, hub_tenant: str, typed: dict[str, str], *, status: int = 200,
          errors: dict[str, str] | None = None, message: str = "") -> Response:
    """The form again, with what was typed (never the password)."""
    pre = request.cookies.get(session.PRE_COOKIE) or session.new_pre_token()
    response = render(request, None, "pages/sign_in.html", status=status, current="sign-in",
                      tenant=typed.get("tenant") or hub_tenant, login=typed.get("login", ""),
                      errors=errors or {}, message=message, next_url=typed.get("next", ""),
                      csrf=pre)
    session.set_cookie(response, request, session.PRE_COOKIE, pre)
    return response


@router.get("/sign-in")
def sign_in_page(request: Request, hub: HubDep, next: str = "", expired: str = "",
                 out: str = "") -> Response:
    message = "signin.expired" if expired else "signin.signed_out" if out else ""
    return _form(request, hub.settings.default_tenant,
                 {"next": _safe_next(request, next) if next else ""}, message=message)


@router.post("/sign-in")
def sign_in(request: Request, hub: HubDep,
            tenant: Annotated[str, Form()] = "", login: Annotated[str, Form()] = "",
            password: Annotated[str, Form()] = "", csrf: Annotated[str, Form()] = "",
            next: Annotated[str, Form()] = "") -> Response:
    typed = {"tenant": tenant, "login": login, "next": next}
    default = hub.settings.default_tenant
    if not session.csrf_matches(request.cookies.get(session.PRE_COOKIE), csrf):
        return _form(request, default, typed, status=403, message="error.csrf")
    errors = {name: ("field.required" if not value.strip() else "field.too_long")
              for name, value in (("tenant", tenant), ("login", login),
                                  ("password", password))
              if not value.strip() or len(value) > MAX_FIELD}
    if errors:
        return _form(request, default, typed, status=400, errors=errors)
    client = request.client.host if request.client else "unknown"
    blocked = request.app.state.auth_blocked
    if blocked is not None and (wait := blocked(client)) is not None:
        return _form(request, default, typed, status=429, message="signin.too_many",
                     errors={"_seconds": str(max(1, int(wait + 0.999)))})
    try:
        issued = users.sign_in(hub.uow, tenant.strip(), login.strip(), password,
                               now=hub.clock())
    except Unauthenticated:
        failed = request.app.state.auth_failure
        if failed is not None:
            failed(client)
        return _form(request, default, typed, status=401, message="signin.failed")
    response = RedirectResponse(_safe_next(request, next), status_code=303)
    ttl = int((issued.credential.expires_at - hub.clock()).total_seconds()) \
        if issued.credential.expires_at else None
    session.set_cookie(response, request, session.SESSION_COOKIE, issued.token, max_age=ttl)
    session.clear_cookie(response, request, session.PRE_COOKIE)
    return response


@router.post("/sign-out")
def sign_out(request: Request, hub: HubDep, v: CheckedDep) -> Response:
    """Revokes the session (not only the cookie): the token is refused from now on."""
    users.sign_out(hub.uow, v.principal, hub.clock())
    hub.authenticator.forget(v.principal.credential_id)
    response = RedirectResponse(f"{base_of(request)}/sign-in?out=1", status_code=303)
    session.clear_cookie(response, request, session.SESSION_COOKIE)
    return response


@router.get("/lang/{to}")
def switch_language(request: Request, to: str, next: str = "") -> Response:
    """The header's language switch: a preference cookie (not a state change of the hub)."""
    response = RedirectResponse(_safe_next(request, next), status_code=303)
    if to in LANGS:
        response.set_cookie(LANG_COOKIE, to, max_age=365 * 24 * 3600, path=session.COOKIE_PATH,
                            samesite="lax")
    return response
