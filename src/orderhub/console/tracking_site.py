"""The buyer's tracking pages (issue 19), mounted at /track by api/app.py: no sign-in, no
cookie, no script. Server-rendered with the console's templates and catalogue.

    GET  /track/{tenant}/{token}   the order's page, through an unguessable, expiring link
    GET  /track/{tenant}           the order number + last four phone digits form
    POST /track/{tenant}           the check: on success, a short-lived link (303)

Every request is rate-limited per client address; a link that does not open, an unknown
number and wrong digits answer 404 (one answer for all) and count as failures per address;
the form's checks of one order number are counted (taken before the check, right or wrong:
locked after N tries): past the limits, 429
(services/tracking/public_guard.py). The language: ?lang=, else Accept-Language.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

import anyio
from fastapi import FastAPI, Request
from fastapi.staticfiles import StaticFiles
from starlette.responses import RedirectResponse, Response

from orderhub.adapters.ratelimit import Decision
from orderhub.bootstrap import Hub
from orderhub.console.i18n import LANGS, Translator, negotiate
from orderhub.console.rendering import render
from orderhub.domain.errors import NotFound
from orderhub.domain.tracking_page import FORM_TTL, valid_last_four
from orderhub.services.tracking import links, story
from orderhub.services.tracking.public_guard import GuardLimits, PublicGuard

CHINA = ZoneInfo("Asia/Shanghai")


def guard_of(hub: Hub) -> PublicGuard:
    s = hub.settings
    return PublicGuard(hub.limiter, GuardLimits(
        requests_per_minute=s.track_requests_per_minute,
        failures_per_hour=s.track_failures_per_hour,
        phone_tries=s.track_phone_tries, lock_minutes=s.track_lock_minutes))


def page_lang(request: Request, form_lang: str | None = None) -> str:
    asked = form_lang or request.query_params.get("lang")
    return asked if asked in LANGS else negotiate(None, request.headers.get("accept-language"))


def when(at: Any) -> str:
    """A time as the buyer reads it (China time, where the hub's carriers report)."""
    if isinstance(at, datetime):
        return at.astimezone(CHINA).strftime("%Y-%m-%d %H:%M")
    return str(at or "—")


def create_tracking_site(hub: Hub) -> FastAPI:
    from orderhub.console.app import CSP  # the console's policy (it imports the pages)

    app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)
    app.state.hub = hub
    guard = guard_of(hub)
    app.mount("/static", StaticFiles(packages=[("orderhub.console", "static")]),
              name="static")

    @app.middleware("http")
    async def headers(request: Request,
                      call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        response = await call_next(request)
        response.headers.setdefault("content-security-policy", CSP)
        response.headers.setdefault("x-content-type-options", "nosniff")
        # the token is in the URL: never sent on to another site, never cached or indexed
        response.headers["referrer-policy"] = "no-referrer"
        response.headers.setdefault("x-robots-tag", "noindex, nofollow")
        if "/static/" not in request.url.path:
            response.headers.setdefault("cache-control", "no-store")
        return response

    def client(request: Request) -> str:
        return request.client.host if request.client else "unknown"

    def refused(request: Request, lang: str, d: Decision) -> Response:
        return _page(request, lang, "public/gone.html", status=429,
                     headers={"retry-after": str(d.retry_after_seconds)},
                     message="track.too_many", retry=d.retry_after_seconds, find="")

    def gone(request: Request, lang: str, tenant: str) -> Response:
        return _page(request, lang, "public/gone.html", status=404,
                     message="track.gone", retry=0,
                     find=f"{links.page_path(tenant)}?lang={lang}")

    @app.get("/{tenant}/{token}")
    async def track(request: Request, tenant: str, token: str) -> Response:
        lang = page_lang(request)
        ip = client(request)
        refusal = await anyio.to_thread.run_sync(lambda: guard.admit(ip, tenant))
        if refusal is not None:
            return refused(request, lang, refusal)

        def load() -> dict[str, Any] | None:
            try:
                order_id = links.open_link(hub.read_uow, tenant, token, now=hub.clock())
                return story.buyer_story(hub.read_uow, tenant, order_id, lang=lang)
            except NotFound:
                guard.failed(ip, tenant)
                return None

        s = await anyio.to_thread.run_sync(load)
        if s is None:
            return gone(request, lang, tenant)
        return _page(request, lang, "public/track.html", s=s, when=when)

    @app.get("/{tenant}")
    async def find(request: Request, tenant: str) -> Response:
        lang = page_lang(request)
        refusal = await anyio.to_thread.run_sync(lambda: guard.admit(client(request), tenant))
        if refusal is not None:
            return refused(request, lang, refusal)
        return _find(request, lang, tenant)

    @app.post("/{tenant}")
    async def check(request: Request, tenant: str) -> Response:
        form = await request.form()
        number = str(form.get("number") or "").strip()[:200]
        digits = str(form.get("phone4") or "").strip()
        lang = page_lang(request, str(form.get("lang") or "") or None)
        ip = client(request)
        refusal = await anyio.to_thread.run_sync(lambda: guard.admit(ip, tenant))
        if refusal is not None:
            return refused(request, lang, refusal)
        if not number or not valid_last_four(digits):
            return _find(request, lang, tenant, status=400, number=number,
                         message="track.form_invalid")
        # the number's try is taken before the check: concurrent guesses cannot all pass
        refusal = await anyio.to_thread.run_sync(lambda: guard.take_try(tenant, number))
        if refusal is not None:
            return refused(request, lang, refusal)

        def verify() -> str | None:
            order_id = story.check_buyer(hub.read_uow, tenant, number, digits)
            if order_id is None:
                guard.failed(ip, tenant)
                return None
            return links.form_token(hub.uow, tenant, order_id, now=hub.clock(),
                                    ttl=FORM_TTL)

        token = await anyio.to_thread.run_sync(verify)
        if token is None:
            return _find(request, lang, tenant, status=404, number=number,
                         message="track.no_match")
        return RedirectResponse(f"{links.page_path(tenant, token)}?lang={lang}",
                                status_code=303)

    return app


def _find(request: Request, lang: str, tenant: str, *, status: int = 200,
          number: str = "", message: str = "") -> Response:
    return _page(request, lang, "public/find.html", status=status, number=number,
                 message=message, action=links.page_path(tenant))


def _page(request: Request, lang: str, template: str, *, status: int = 200,
          headers: dict[str, str] | None = None, **values: Any) -> Response:
    # ?lang= decides, not the console's cookie: the page's own language and translator
    return render(request, None, template, status=status, headers=headers, lang=lang,
                  t=Translator(lang), **values)
