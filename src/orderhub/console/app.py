"""The console's ASGI app, mounted at /console by api/app.py: static files (vendored,
offline), the page modules of pages/ (each adds its routes and its nav entry), security
headers, and the answers for signing in, refusals and errors."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from urllib.parse import quote

from fastapi import FastAPI, Request
from fastapi.staticfiles import StaticFiles
from starlette.responses import RedirectResponse, Response

from orderhub.bootstrap import Hub
from orderhub.console import pages
from orderhub.console.deps import ConsoleForbidden, CsrfRejected, SignInRequired, viewer
from orderhub.console.rendering import base_of, render
from orderhub.domain.errors import Forbidden, NotFound

FailureHook = Callable[[str], float | None]

# Scripts only from our own origin (no inline script, no eval); ECharts and htmx set inline
# styles. Nothing may be loaded from or sent to another origin.
CSP = ("default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
       "img-src 'self' data:; connect-src 'self'; font-src 'self'; object-src 'none'; "
       "frame-ancestors 'none'; form-action 'self'; base-uri 'none'")


def create_console(hub: Hub, *, auth_failure: FailureHook | None = None,
                   auth_blocked: FailureHook | None = None) -> FastAPI:
    """`auth_failure` / `auth_blocked`: the API's failed-sign-in limiter (per address), so
    guessing passwords here counts the same as on POST /v1/sessions."""
    app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)
    app.state.hub = hub
    app.state.auth_failure = auth_failure
    app.state.auth_blocked = auth_blocked
    app.mount("/static", StaticFiles(packages=[("orderhub.console", "static")]),
              name="static")
    for module in pages.MODULES:
        app.include_router(module.router)

    @app.middleware("http")
    async def security_headers(request: Request,
                               call_next: Callable[[Request], Awaitable[Response]]
                               ) -> Response:
        response = await call_next(request)
        response.headers.setdefault("content-security-policy", CSP)
        response.headers.setdefault("x-content-type-options", "nosniff")
        response.headers.setdefault("referrer-policy", "same-origin")
        if not request.url.path.startswith(f"{base_of(request)}/static/"):
            response.headers.setdefault("cache-control", "no-store")
        return response

    @app.exception_handler(SignInRequired)
    async def sign_in_first(request: Request, exc: SignInRequired) -> Response:
        target = f"{base_of(request)}/sign-in?next={quote(_here(request))}"
        if exc.expired:
            target += "&expired=1"
        if request.headers.get("hx-request"):
            return Response(status_code=204, headers={"HX-Redirect": target})
        return RedirectResponse(target, status_code=303)

    @app.exception_handler(ConsoleForbidden)
    async def forbidden(request: Request, exc: ConsoleForbidden) -> Response:
        return _error(request, 403, "error.forbidden", scope=exc.scope)

    @app.exception_handler(Forbidden)
    async def forbidden_by_service(request: Request, exc: Forbidden) -> Response:
        return _error(request, 403, "error.forbidden", scope=str(exc))

    @app.exception_handler(CsrfRejected)
    async def csrf(request: Request, exc: CsrfRejected) -> Response:
        return _error(request, 403, "error.csrf")

    @app.exception_handler(NotFound)
    async def not_found(request: Request, exc: NotFound) -> Response:
        return _error(request, 404, "error.not_found")

    return app


def _here(request: Request) -> str:
    return request.url.path + (f"?{request.url.query}" if request.url.query else "")


def _error(request: Request, status: int, key: str, **values: str) -> Response:
    try:
        v = viewer(request)
    except SignInRequired:
        v = None
    return render(request, v, "pages/error.html", status=status, message_key=key,
                  values=values, current="")
