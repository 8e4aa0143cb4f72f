"""A stand-in for authentication until the lead's middleware is on main: an outer ASGI
wrapper that puts a `Principal` in `scope["state"]["principal"]` from test headers
(`X-Test-Key`: the credential id; `X-Tenant-ID`: its tenant). Requests without the header
stay anonymous, as public routes are. `create()` is a uvicorn factory for subprocess tests
(settings from ORDERHUB_* variables)."""

from __future__ import annotations

from fastapi import FastAPI
from starlette.types import ASGIApp, Receive, Scope, Send

from orderhub.api.app import create_app
from orderhub.bootstrap import Hub, bootstrap
from orderhub.domain.access import ROLE_SCOPES, Principal, Role


class WithPrincipal:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            headers = dict(scope.get("headers", ()))
            key = headers.get(b"x-test-key")
            if key is not None:
                tenant = headers.get(b"x-tenant-id", b"default").decode()
                scope["state"] = {**scope.get("state", {}), "principal": Principal(
                    tenant_id=tenant, credential_id=key.decode(), kind="key",
                    name=key.decode(), role=Role.TENANT_ADMIN,
                    scopes=ROLE_SCOPES[Role.TENANT_ADMIN])}
        await self.app(scope, receive, send)


def wrapped(hub: Hub, *, background: bool = False) -> tuple[FastAPI, WithPrincipal]:
    app = create_app(hub, background=background)
    return app, WithPrincipal(app)


def create() -> WithPrincipal:
    return wrapped(bootstrap(), background=True)[1]
