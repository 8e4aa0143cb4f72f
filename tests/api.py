"""The API as a test client acting with a credential (issue 12: every request is
authenticated). `api_client(hub)` is the default tenant's administrator; pass `tenant`,
`role` or `scopes` for another caller, `platform=True` for a platform operator."""

from __future__ import annotations

import pickle
from typing import Any

from fastapi import FastAPI
from fastapi.testclient import TestClient

from orderhub.api import app as app_module
from orderhub.bootstrap import Hub
from orderhub.domain.access import PLATFORM_TENANT
from orderhub.services.access import credentials

_OPENAPI: bytes | None = None  # the document, pickled: unpickling copies it in half the time


def create_app(hub: Hub, *, background: bool = False) -> FastAPI:
    """orderhub.api.app.create_app, with the OpenAPI document of the first app this process
    built. Building the document takes 1-2 s, and every app needs it on its first request
    (api/limits.py finds the operation in it); it depends on the code (routes and models),
    not on the hub, and tests/e2e/test_access_matrix.py checks that a fresh app builds the
    same one.
    Tests of the document itself call orderhub.api.app.create_app(hub).openapi().
    Each app gets its own copy (an app may change its document)."""
    global _OPENAPI
    app = app_module.create_app(hub, background=background)
    if _OPENAPI is None:
        _OPENAPI = pickle.dumps(app.openapi(), protocol=pickle.HIGHEST_PROTOCOL)
    else:
        app.openapi_schema = pickle.loads(_OPENAPI)
    return app


def issue_key(hub: Hub, *, tenant: str = "default", role: str | None = "tenant_admin",
              scopes: list[str] | None = None, name: str | None = None,
              warehouses: list[str] | None = None) -> str:
    """A new key's bearer token (made by the local operator, as the CLI does)."""
    issued = credentials.create_key(
        hub.uow, tenant, name=name or f"test-{role or 'scoped'}", role=role, scopes=scopes,
        warehouses=warehouses or [], granter=None, actor="test", now=hub.clock())
    return issued.token


def auth_headers(hub: Hub, **kwargs: Any) -> dict[str, str]:
    return {"Authorization": f"Bearer {issue_key(hub, **kwargs)}"}


def api_client(hub: Hub, *, tenant: str = "default", role: str | None = "tenant_admin",
               scopes: list[str] | None = None, platform: bool = False,
               **kwargs: Any) -> TestClient:
    if platform:
        headers = auth_headers(hub, tenant=PLATFORM_TENANT, role="platform_operator")
        headers["X-Tenant-ID"] = tenant
    else:
        headers = auth_headers(hub, tenant=tenant, role=role, scopes=scopes)
    headers.update(kwargs.pop("headers", {}))
    background = bool(kwargs.pop("background", False))
    return TestClient(create_app(hub, background=background), headers=headers, **kwargs)


def platform_headers(hub: Hub, tenant: str = "default") -> dict[str, str]:
    """A platform operator's credential acting for `tenant` (backbone status, metrics)."""
    return {**auth_headers(hub, tenant=PLATFORM_TENANT, role="platform_operator"),
            "X-Tenant-ID": tenant}
