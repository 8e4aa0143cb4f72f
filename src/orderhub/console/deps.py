"""What every console route depends on: the viewer (the signed-in principal, the language,
the CSRF token) and the scope a page or action needs. Routes translate and call services;
these only identify, authorise and refuse."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Annotated

from fastapi import Depends, Request

from orderhub.bootstrap import Hub
from orderhub.console import session
from orderhub.console.i18n import LANG_COOKIE, Translator, negotiate
from orderhub.domain.access import Principal, Role, Scope
from orderhub.domain.errors import Unauthenticated


class SignInRequired(Exception):
    """No session, or one that has ended: the answer is the sign-in page."""

    def __init__(self, expired: bool = False) -> None:
        super().__init__("sign in required")
        self.expired = expired


class ConsoleForbidden(Exception):
    def __init__(self, scope: str) -> None:
        super().__init__(scope)
        self.scope = scope


class CsrfRejected(Exception):
    pass


def owner_of(principal: Principal) -> str | None:
    """Whose background jobs `principal` may read: its own (its actor), or None for every
    job of its tenant (a tenant administrator, or the platform's operators). A job id in a
    link or the browser history shows another operator's orders and refusals otherwise;
    anyone else gets "not found", as for an id that never existed."""
    if principal.role == Role.TENANT_ADMIN or principal.platform:
        return None
    return principal.actor


def hub_of(request: Request) -> Hub:
    hub: Hub = request.app.state.hub
    return hub


def language(request: Request) -> str:
    return negotiate(request.cookies.get(LANG_COOKIE), request.headers.get("accept-language"))


@dataclass(frozen=True, slots=True)
class Viewer:
    principal: Principal
    lang: str
    csrf: str

    @property
    def t(self) -> Translator:
        return Translator(self.lang)

    def may(self, scope: Scope) -> bool:
        return self.principal.allows(scope)


def viewer(request: Request) -> Viewer:
    """The signed-in principal (from the session cookie, through the access layer's
    authenticator: expired and revoked sessions are refused there)."""
    token = request.cookies.get(session.SESSION_COOKIE)
    if not token:
        raise SignInRequired()
    try:
        principal = hub_of(request).authenticator.authenticate(token)
    except Unauthenticated:
        raise SignInRequired(expired=True) from None
    return Viewer(principal, language(request), session.csrf_for(token))


ViewerDep = Annotated[Viewer, Depends(viewer)]
HubDep = Annotated[Hub, Depends(hub_of)]


def needs(scope: Scope) -> Callable[[Viewer], Viewer]:
    """A dependency: the viewer, if it holds `scope` (else the 403 page)."""

    def check(v: ViewerDep) -> Viewer:
        if not v.may(scope):
            raise ConsoleForbidden(scope.value)
        return v

    return check


async def csrf_checked(request: Request, v: ViewerDep) -> Viewer:
    """For state-changing requests: the CSRF token from the header (htmx) or the form."""
    given = request.headers.get(session.CSRF_HEADER)
    form = None
    if given is None:
        form = await request.form()
        field = form.get(session.CSRF_FIELD)
        given = field if isinstance(field, str) else None
    if not session.csrf_matches(v.csrf, given):
        if form is not None:  # an upload's spooled files: closed now, the route never runs
            await form.close()
        raise CsrfRejected()
    return v


CheckedDep = Annotated[Viewer, Depends(csrf_checked)]
