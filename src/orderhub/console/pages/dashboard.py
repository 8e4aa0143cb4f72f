"""The dashboard: the figures of services/dashboard.py, rendered at once and then pushed
every second over server-sent events (console.js updates the numbers and the ECharts
charts). A panel is shown only to a viewer whose scopes cover the list behind it."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import AsyncIterator
from typing import Any

import anyio
from fastapi import APIRouter, Depends, Request
from sse_starlette import EventSourceResponse, ServerSentEvent
from starlette.responses import Response

from orderhub.console import nav
from orderhub.console.deps import SignInRequired, Viewer, hub_of, needs, viewer
from orderhub.console.rendering import base_of, render
from orderhub.domain.access import Scope
from orderhub.domain.order import HoldCode
from orderhub.services import dashboard

router = APIRouter()
NAV = nav.register(nav.NavItem("dashboard", "/dashboard", Scope.ORDERS_READ, order=10))
# A tick every 0.9 s on a fixed schedule (not 1 s after the last one ended): a tick that
# waits for the GIL or for intake's commit runs late, and the viewer must still get at
# least one update a second (console_cost.py measured 0.86-0.96 a second with a 1 s sleep
# after each tick, longest gap 2.9 s).
TICK_SECONDS = 0.9

# panel -> the scope its figures (and the list they link to) need; intake, holds and
# on-time are orders (the page's own scope).
PANEL_SCOPES = {"backlog": Scope.NETWORK_READ, "bus": Scope.EVENTS_READ,
                "exceptions": Scope.EXCEPTIONS_READ}


def _for(v: Viewer, figures: dict[str, Any]) -> dict[str, Any]:
    return {k: val for k, val in figures.items()
            if k not in PANEL_SCOPES or v.may(PANEL_SCOPES[k])}


class _Shared:
    """The tenant's figures, computed at most once per tick however many dashboards are
    open (each viewer then gets the panels its scopes allow)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.latest: dict[str, tuple[float, dict[str, Any]]] = {}

    def get(self, request: Request, tenant_id: str) -> dict[str, Any]:
        hub = hub_of(request)
        with self.lock:
            hit = self.latest.get(tenant_id)
            if hit is not None and time.monotonic() - hit[0] < TICK_SECONDS * 0.9:
                return hit[1]
            figures = dashboard.figures(hub.read_uow, tenant_id, hub.clock())
            self.latest[tenant_id] = (time.monotonic(), figures)
            return figures


_CREATE = threading.Lock()


def _shared(request: Request) -> _Shared:
    """One per console app (so per hub)."""
    state = request.app.state
    with _CREATE:
        if getattr(state, "dashboard_figures", None) is None:
            state.dashboard_figures = _Shared()
        found: _Shared = state.dashboard_figures
        return found


def _figures(request: Request, v: Viewer) -> dict[str, Any]:
    return _for(v, _shared(request).get(request, v.principal.tenant_id))


@router.get("/dashboard")
def page(request: Request, v: Viewer = Depends(needs(Scope.ORDERS_READ))) -> Response:
    figures = _figures(request, v)
    t = v.t
    labels = {"perMinute": t("dash.per_minute"), "queue": t("dash.queue"),
              "capacity": t("dash.capacity"), "none": t("common.none"),
              "holds": {c.value: t.hold(c.value) for c in HoldCode}}
    return render(request, v, "pages/dashboard.html", current=NAV.key, f=figures,
                  figures_json=json.dumps(figures, ensure_ascii=False).replace("</", "<\\/"),
                  labels_json=json.dumps(labels, ensure_ascii=False),
                  page_href=lambda key, query: _page_href(request, key, query))


def _page_href(request: Request, key: str, query: str) -> str:
    """The link to another console page's list (by its nav key), or "" while the console
    has no such page: the exception desk and the event pages come in later modules."""
    entry = next((i for i in nav.items() if i.key == key), None)
    if entry is None:
        return ""
    return f"{base_of(request)}{entry.path}" + (f"?{query}" if query else "")


@router.get("/dashboard/stream")
async def stream(request: Request,
                 v: Viewer = Depends(needs(Scope.ORDERS_READ))) -> EventSourceResponse:
    """A `figures` event every `TICK_SECONDS` (on a fixed schedule) while the page is open
    and the session lasts."""

    async def events() -> AsyncIterator[ServerSentEvent]:
        next_at = time.monotonic()
        while True:
            try:
                current = await anyio.to_thread.run_sync(viewer, request)
            except SignInRequired:
                yield ServerSentEvent(data="{}", event="signed-out")
                return
            figures = await anyio.to_thread.run_sync(_figures, request, current)
            yield ServerSentEvent(data=json.dumps(figures, ensure_ascii=False),
                                  event="figures")
            now = time.monotonic()
            next_at = max(next_at + TICK_SECONDS, now)  # late: the next one at once, no burst
            await anyio.sleep(max(0.05, next_at - now))

    return EventSourceResponse(events(), ping=15, send_timeout=10)
