"""The FastAPI application factory."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI
from fastapi_offline import FastAPIOffline

import orderhub
from orderhub.api import limits, metering, problems
from orderhub.api.routes import (
    audit,
    carriers,
    catalog,
    events,
    health,
    intake,
    inventory,
    orders,
    routing,
    rule_sets,
    services,
    usage,
    webhooks,
)
from orderhub.bootstrap import Hub


def create_app(hub: Hub, *, background: bool = False) -> FastAPI:
    """Build the API around a hub; `background` starts the outbox relay and expiry sweeper
    for the life of the app (the server does, tests drive them explicitly)."""

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        if background:
            hub.start_background()
        yield
        if background:
            hub.close()

    # Swagger UI and ReDoc are served from the installed package: /docs works offline.
    app = FastAPIOffline(
        title="orderhub",
        version=orderhub.__version__,
        lifespan=lifespan,
        description="Order orchestration hub: canonical orders from every channel, "
        "inventory that cannot be oversold, allocation, lifecycle and events. "
        "Errors are RFC 9457 problem details (application/problem+json). "
        "Send `X-Tenant-ID` to act for a tenant other than the default one.",
    )
    app.state.hub = hub
    app.state.known_tenants = set()
    problems.install(app)
    for module in (health, orders, intake, catalog, inventory, carriers, routing, rule_sets,
                   audit, events, webhooks):
        app.include_router(module.router)
    app.include_router(usage.router)
    app.include_router(services.router)
    limits.install(app, hub.settings)
    metering.install(app, hub)
    return app
