"""Request-scoped dependencies: the hub, the tenant and the acting user."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Request

from orderhub.bootstrap import Hub
from orderhub.domain.errors import NotFound
from orderhub.domain.privacy import PiiView


def get_hub(request: Request) -> Hub:
    hub: Hub = request.app.state.hub
    return hub


HubDep = Annotated[Hub, Depends(get_hub)]


def get_tenant(
    hub: HubDep,
    request: Request,
    x_tenant_id: Annotated[
        str | None,
        Header(
            description="Tenant the request acts for; the default tenant if absent", max_length=64
        ),
    ] = None,
) -> str:
    tenant = x_tenant_id or hub.settings.default_tenant
    known: set[str] = request.app.state.known_tenants
    if tenant not in known:
        with hub.read_uow() as uow:
            if not uow.catalog.tenant_exists(tenant):
                raise NotFound(f"tenant '{tenant}' not found")
        known.add(tenant)
    return tenant


TenantDep = Annotated[str, Depends(get_tenant)]


def get_actor(
    x_actor: Annotated[
        str | None,
        Header(
            description="Who acts (user or system name), recorded on the order timeline",
            max_length=200,
        ),
    ] = None,
) -> str:
    return x_actor or "api"


ActorDep = Annotated[str, Depends(get_actor)]


def get_pii_view() -> PiiView:
    """How much personal data the caller may see (the principal's, once keys land)."""
    return PiiView.FULL


PiiDep = Annotated[PiiView, Depends(get_pii_view)]
