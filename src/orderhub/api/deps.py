"""Request-scoped dependencies: the hub, and who acts (the authenticated principal, its
tenant, its name for timelines and audit, and how much personal data it may see).

They are `async def`: none does I/O, and FastAPI runs a plain `def` dependency in the thread
pool (a thread hop each, five per request)."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Header, Request

from orderhub.api.auth import principal_of
from orderhub.bootstrap import Hub
from orderhub.domain.access import Principal
from orderhub.domain.errors import Unauthenticated
from orderhub.domain.privacy import PiiView


async def get_hub(request: Request) -> Hub:
    hub: Hub = request.app.state.hub
    return hub


HubDep = Annotated[Hub, Depends(get_hub)]


async def get_principal(request: Request) -> Principal:
    principal = principal_of(request)
    if principal is None:
        raise Unauthenticated()
    return principal


PrincipalDep = Annotated[Principal, Depends(get_principal)]


async def get_tenant(
    principal: PrincipalDep,
    x_tenant_id: Annotated[
        str | None,
        Header(description="Platform operators only: the tenant to act for (the default "
               "tenant if absent). Ignored for every other credential: the tenant is the "
               "credential's.", max_length=64),
    ] = None,
) -> str:
    del x_tenant_id  # resolved with the credential (services/access/authentication.py)
    return principal.tenant_id


TenantDep = Annotated[str, Depends(get_tenant)]


async def get_actor(principal: PrincipalDep) -> str:
    """The authenticated identity: what timelines, audit entries and events record."""
    return principal.actor


ActorDep = Annotated[str, Depends(get_actor)]


async def get_pii_view(principal: PrincipalDep) -> PiiView:
    """How much personal data the caller may see (domain/privacy.py)."""
    return principal.pii


PiiDep = Annotated[PiiView, Depends(get_pii_view)]
