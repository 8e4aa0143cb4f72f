"""/v1/access: API keys and console users of the caller's tenant; /v1/sessions: console
sign-in; /v1/tenants: provisioning (platform operators). Secrets are in the answer that
creates them and nowhere else."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Request, Response
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from orderhub.api.deps import ActorDep, HubDep, PrincipalDep, TenantDep
from orderhub.api.schemas import Line
from orderhub.domain.errors import Unauthenticated
from orderhub.services.access import credentials, tenants, users
from orderhub.services.access.credentials import Issued

router = APIRouter(tags=["access"])

ScopeName = Annotated[str, Field(min_length=1, max_length=64)]
Code = Annotated[str, Field(min_length=1, max_length=64)]


class KeyIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    name: Line = Field(min_length=1, max_length=200, description="Who or what uses the key")
    role: Line | None = Field(None, max_length=32, description="A role (GET /v1/access/roles)")
    scopes: list[ScopeName] | None = Field(
        None, max_length=64, description="Scopes; with a role they narrow it")
    warehouses: list[Code] = Field(default_factory=list, max_length=200,
                                   description="Logistics: only orders of these warehouses")
    expires_at: AwareDatetime | None = Field(None, description="When the key stops working")


class IssuedOut(BaseModel):
    id: str
    token: str = Field(description="The bearer token: shown in this answer only")
    name: str
    role: str | None
    scopes: list[str]
    expires_at: str | None


def _issued(issued: Issued) -> dict[str, Any]:
    c = issued.credential
    return {"id": c.id, "token": issued.token, "name": c.name,
            "role": c.role.value if c.role else None,
            "scopes": sorted(s.value for s in c.scopes),
            "expires_at": c.expires_at.isoformat() if c.expires_at else None}


@router.get("/v1/access/whoami")
def whoami(principal: PrincipalDep) -> dict[str, Any]:
    """The caller as the hub sees it: tenant, identity, role, scopes, personal-data view."""
    return {"tenant": principal.tenant_id, "actor": principal.actor,
            "credential_id": principal.credential_id, "kind": principal.kind,
            "role": principal.role.value if principal.role else None,
            "scopes": sorted(s.value for s in principal.scopes), "pii": principal.pii.value,
            "warehouses": sorted(principal.warehouses)}


@router.get("/v1/access/roles")
def roles() -> list[dict[str, Any]]:
    """Every role and the scopes it gives."""
    return credentials.roles()


@router.post("/v1/access/keys", status_code=201, response_model=IssuedOut)
def create_key(body: KeyIn, hub: HubDep, tenant: TenantDep, principal: PrincipalDep,
               actor: ActorDep) -> Any:
    """A new API key; you may grant only scopes you hold yourself."""
    issued = credentials.create_key(
        hub.uow, tenant, name=body.name, role=body.role, scopes=body.scopes,
        warehouses=body.warehouses, expires_at=body.expires_at, granter=principal,
        actor=actor, now=hub.clock())
    return _issued(issued)


@router.get("/v1/access/keys")
def list_keys(hub: HubDep, tenant: TenantDep, include_revoked: bool = False
              ) -> list[dict[str, Any]]:
    """The tenant's keys and console sessions: role, scopes, state, when last used."""
    return credentials.list_keys(hub.read_uow, tenant, hub.clock(),
                                 include_revoked=include_revoked, kinds=("key", "session"))


class RotateIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    grace_hours: float = Field(24, ge=0, le=24 * 30,
                               description="How long the old key keeps working")


@router.post("/v1/access/keys/{key_id}/rotate", status_code=201, response_model=IssuedOut)
def rotate_key(key_id: str, hub: HubDep, tenant: TenantDep, principal: PrincipalDep,
               actor: ActorDep, body: RotateIn | None = None) -> Any:
    """A new secret for the key; the old one works for `grace_hours` more."""
    grace = timedelta(hours=(body or RotateIn()).grace_hours)
    issued = credentials.rotate_key(hub.uow, tenant, key_id, grace=grace, granter=principal,
                                    actor=actor, now=hub.clock())
    hub.authenticator.forget(key_id)
    return _issued(issued)


@router.post("/v1/access/keys/{key_id}/revoke")
def revoke_key(key_id: str, hub: HubDep, tenant: TenantDep, principal: PrincipalDep,
               actor: ActorDep) -> dict[str, Any]:
    """Revoke a key or a console session at once (one you hold every scope of)."""
    result = credentials.revoke_key(hub.uow, tenant, key_id, actor=actor, now=hub.clock(),
                                    granter=principal)
    hub.authenticator.forget(key_id)
    return result


class UserIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    login: Line = Field(min_length=1, max_length=200)
    display_name: Line = Field("", max_length=200)
    role: Line | None = Field(None, max_length=32)
    scopes: list[ScopeName] | None = Field(None, max_length=64)
    warehouses: list[Code] = Field(default_factory=list, max_length=200)
    password: str | None = Field(None, min_length=12, max_length=200,
                                 description="Generated (and shown once) if absent")


@router.post("/v1/access/users", status_code=201)
def create_user(body: UserIn, hub: HubDep, tenant: TenantDep, principal: PrincipalDep,
                actor: ActorDep) -> dict[str, Any]:
    """A console user; the answer holds the password if it was generated (shown once)."""
    user, password = users.create_user(
        hub.uow, tenant, login=body.login, display_name=body.display_name, role=body.role,
        scopes=body.scopes, warehouses=body.warehouses, password=body.password,
        granter=principal, actor=actor, now=hub.clock())
    return {**user, **({"password": password} if body.password is None else {})}


@router.get("/v1/access/users")
def list_users(hub: HubDep, tenant: TenantDep) -> list[dict[str, Any]]:
    return users.list_users(hub.read_uow, tenant)


class UserPatch(BaseModel):
    model_config = ConfigDict(extra="forbid")
    role: Line | None = Field(None, max_length=32)
    scopes: list[ScopeName] | None = Field(None, max_length=64)
    disabled: bool | None = None
    password: str | None = Field(None, min_length=12, max_length=200)


@router.patch("/v1/access/users/{user_id}")
def update_user(user_id: str, body: UserPatch, hub: HubDep, tenant: TenantDep,
                principal: PrincipalDep, actor: ActorDep) -> dict[str, Any]:
    """Change role or scopes, disable, set a password (each but enabling ends its
    sessions); only for a user you hold every scope of."""
    updated = users.update_user(hub.uow, tenant, user_id, role=body.role, scopes=body.scopes,
                                disabled=body.disabled, password=body.password,
                                granter=principal, actor=actor, now=hub.clock())
    hub.authenticator.forget_user(user_id)
    return updated


class SignIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    tenant: Line = Field(min_length=1, max_length=64)
    login: Line = Field(min_length=1, max_length=200)
    password: str = Field(min_length=1, max_length=200)


@router.post("/v1/sessions", status_code=201, response_model=IssuedOut,
             responses={401: {"description": "Wrong tenant, login or password"}})
def sign_in(body: SignIn, hub: HubDep, request: Request) -> Any:
    """A console user's session: a bearer token that expires (12 h)."""
    failures = getattr(request.app.state, "auth_failure", None)
    try:
        issued = users.sign_in(hub.uow, body.tenant, body.login, body.password,
                               now=hub.clock())
    except Unauthenticated:
        if failures is not None:
            failures(request.client.host if request.client else "unknown")
        raise
    return _issued(issued)


@router.delete("/v1/sessions/current", status_code=204)
def sign_out(hub: HubDep, principal: PrincipalDep) -> Response:
    """End the session this token belongs to."""
    users.sign_out(hub.uow, principal, hub.clock())
    hub.authenticator.forget(principal.credential_id)
    return Response(status_code=204)


class TenantIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    id: Line = Field(min_length=1, max_length=64)
    name: Line = Field("", max_length=200)
    admin: Line = Field(min_length=1, max_length=200, description="First administrator's login")


@router.post("/v1/tenants", status_code=201)
def provision(body: TenantIn, hub: HubDep, actor: ActorDep) -> dict[str, Any]:
    """A tenant with its first administrator: an API key and a console user (shown once)."""
    done = tenants.provision_tenant(hub.uow, body.id, name=body.name, admin=body.admin,
                                    granter=None, actor=actor, now=hub.clock())
    return {"tenant": done.tenant_id, "admin_key": _issued(done.admin_key),
            "admin_user": {**done.admin_user, "password": done.admin_password}}


@router.get("/v1/tenants")
def list_tenants(hub: HubDep) -> list[dict[str, Any]]:
    return tenants.list_tenants(hub.read_uow)
