"""The dashboard: the figures of services/dashboard.py, rendered at once and then pushed
every second over server-sent events (console.js updates the numbers and the ECharts
charts). A panel is shown only to a viewer whose scopes cover the list behind it."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from datetime import datetime
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
TICK_SECONDS = 1.0

# panel -> the scope its figures (and the list they link to) need; intake, holds and
# on-time are orders (the page's own scope).
PANEL_SCOPES = {"backlog": Scope.NETWORK_READ, "bus": Scope.EVENTS_READ,
                "exceptions": Scope.EXCEPTIONS_READ}


def _for(v: Viewer, figures: dict[str, Any]) -> dict[str, Any]:
    return {k: val for k, val in figures.items()
            if k not in PANEL_SCOPES or v.may(PANEL_SCOPES[k])}


def _figures(request: Request, v: Viewer) -> dict[str, Any]:
    hub = hub_of(request)
    return _for(v, dashboard.figures(hub.read_uow, v.principal.tenant_id, hub.clock()))


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
                  exceptions_href=lambda tier: _exceptions_href(request, tier))


def _exceptions_href(request: Request, tier: str) -> str:
    """The exception desk's list when the console has that page, else the held orders."""
    base = base_of(request)
    if any(i.key == "exceptions" for i in nav.items()):
        return f"{base}/exceptions?tier={tier}"
    return f"{base}/orders?status=on_hold"


@router.get("/dashboard/stream")
async def stream(request: Request,
                 v: Viewer = Depends(needs(Scope.ORDERS_READ))) -> EventSourceResponse:
    """One `figures` event a second while the page is open and the session lasts."""

    async def events() -> AsyncIterator[ServerSentEvent]:
        while True:
            try:
                current = await anyio.to_thread.run_sync(viewer, request)
            except SignInRequired:
                yield ServerSentEvent(data="{}", event="signed-out")
                return
            started = datetime.now()
            figures = await anyio.to_thread.run_sync(_figures, request, current)
            yield ServerSentEvent(data=json.dumps(figures, ensure_ascii=False),
                                  event="figures")
            spent = (datetime.now() - started).total_seconds()
            await anyio.sleep(max(0.05, TICK_SECONDS - spent))

    return EventSourceResponse(events(), ping=15, send_timeout=10)
