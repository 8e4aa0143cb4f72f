"""The API as a test client acting with a credential (issue 12: every request is
authenticated). `api_client(hub)` is the default tenant's administrator; pass `tenant`,
`role` or `scopes` for another caller."""

from __future__ import annotations

from fastapi.testclient import TestClient

from orderhub.api.app import create_app
from orderhub.bootstrap import Hub


def api_client(hub: Hub, *, tenant: str = "default", role: str | None = "tenant_admin",
               scopes: list[str] | None = None, **kwargs: object) -> TestClient:
    # Until authentication lands the tenant travels as a header; the signature stays.
    del role, scopes
    return TestClient(create_app(hub), headers={"X-Tenant-ID": tenant}, **kwargs)  # type: ignore[arg-type]
