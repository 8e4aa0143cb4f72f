"""The FastAPI application factory."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI
from fastapi_offline import FastAPIOffline

import orderhub
from orderhub.api import access_log, auth, limits, metering, openapi, problems
from orderhub.api.routes import (
    access,
    anomalies,
    audit,
    bidding,
    carriers,
    catalog,
    chat,
    compliance,
    cutover,
    events,
    exceptions,
    forecasts,
    fx,
    health,
    imports,
    intake,
    inventory,
    labels,
    notifications,
    order_edits,
    order_money,
    orders,
    pools,
    preallocation,
    reconciliation,
    returns,
    risk,
    routing,
    rule_sets,
    sagas,
    services,
    tracking,
    tracking_links,
    twin,
    usage,
    webhooks,
)
from orderhub.bootstrap import Hub
from orderhub.console.app import create_console
from orderhub.console.tracking_site import create_tracking_site


def create_app(hub: Hub, *, background: bool = False, owns_hub: bool = False) -> FastAPI:
    """Build the API around a hub; `background` starts the outbox relay and expiry sweeper
    for the life of the app (the server does, tests drive them explicitly). The hub is
    closed at shutdown with `background` or `owns_hub`."""

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        # The body limits and the meter find each request's operation in the OpenAPI
        # document: built before the server takes requests, not by the first one (seconds
        # with the event loop held on a busy machine, every other request waiting).
        app.openapi()
        if background:
            hub.start_background()
        yield
        if background or owns_hub:
            hub.close()

    # Swagger UI and ReDoc are served from the installed package: /docs works offline.
    app = FastAPIOffline(
        title="orderhub",
        version=orderhub.__version__,
        lifespan=lifespan,
        description="Order orchestration hub: canonical orders from every channel, "
        "inventory that cannot be oversold, allocation, lifecycle and events. "
        "Errors are RFC 9457 problem details (application/problem+json). "
        "Every operation but health, documentation, sign-in and a channel's own signed "
        "webhook needs a bearer token (an API key or a console session); its tenant is the "
        "credential's. Each operation names the scope it requires (`x-required-scope`).",
        dependencies=[Depends(auth.authorize)],
    )
    app.state.hub = hub
    problems.install(app)
    for module in (health, orders, intake, catalog, inventory, carriers, routing, rule_sets,
                   audit, events, webhooks, access, twin, tracking, exceptions, sagas):
        app.include_router(module.router)
    app.include_router(usage.router)
    app.include_router(services.router)
    app.include_router(risk.router)
    app.include_router(anomalies.router)
    app.include_router(cutover.router)
    app.include_router(imports.router)
    app.include_router(fx.router)
    app.include_router(compliance.router)
    app.include_router(forecasts.router)
    app.include_router(tracking_links.router)  # the buyer's tracking page (issue 19)
    app.include_router(labels.router)
    app.include_router(reconciliation.router)
    app.include_router(order_edits.router)
    app.include_router(preallocation.router)
    app.include_router(returns.router)
    app.include_router(order_money.router)
    app.include_router(notifications.router)
    app.include_router(chat.router)
    app.include_router(pools.router)  # group-buy pools (issue 18 item 5)
    app.include_router(bidding.router)  # 3PL bidding (issue 18 item 4)
    openapi.install(app, limits.PROBLEM_SCHEMA)
    metering.install(app, hub)  # inside authentication: it reads the principal
    auth.install(app, hub.authenticator)
    limits.install(app, hub.settings)  # outermost: sizes and media types before credentials
    # The operations console: its own cookie session, CSRF and pages (docs/console.md).
    app.mount("/console", create_console(hub, auth_failure=app.state.auth_failure,
                                         auth_blocked=app.state.auth_blocked))
    # The buyer's tracking pages: public, rate-limited (console/tracking_site.py, issue 19).
    app.mount("/track", create_tracking_site(hub))
    access_log.install()  # no phone or tracking token in the access log
    return app


def create_worker_app() -> FastAPI:
    """One of `serve --workers N`'s API processes: its own hub from the ORDERHUB_* settings,
    no background work (the supervising process runs it once for all)."""
    from orderhub.bootstrap import bootstrap, settle_heap

    app = create_app(bootstrap(), background=False, owns_hub=True)
    settle_heap()  # a long-running process, like the supervising one
    return app
