"""Provisioning: a tenant and its first administrator (an API key and a console user),
credentials shown once."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from orderhub.domain.access import Principal, Role
from orderhub.domain.errors import Conflict, FieldError, InvalidInput
from orderhub.services import audit
from orderhub.services.access import credentials, users
from orderhub.services.access.credentials import Issued
from orderhub.services.unit_of_work import UowFactory, retry_unique_race

_TENANT_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")


@dataclass(frozen=True, slots=True)
class Provisioned:
    tenant_id: str
    admin_key: Issued
    admin_user: dict[str, Any]
    admin_password: str


def provision_tenant(make_uow: UowFactory, tenant_id: str, *, name: str, admin: str,
                     granter: Principal | None, actor: str, now: datetime) -> Provisioned:
    """Create the tenant, then its administrator's key and console user."""
    if not _TENANT_ID.match(tenant_id):
        raise InvalidInput([FieldError("tenant_id", "letters, digits, '-' and '_', up to 64, "
                                       "starting with a letter or digit")])
    if not admin.strip():
        raise InvalidInput([FieldError("admin", "the first administrator's login")])
    def store() -> None:  # a concurrent twin loses the primary key, then finds the tenant
        with make_uow() as uow:
            if uow.catalog.tenant_exists(tenant_id):
                raise Conflict(f"tenant '{tenant_id}' already exists")
            uow.catalog.add_tenant(tenant_id, name or tenant_id, now)
            uow.audit.add(tenant_id, [audit.Record(
                now, actor, "tenant_change", f"tenant/{tenant_id}",
                {"action": "tenant_created", "name": name or tenant_id, "admin": admin})])
            uow.commit()

    retry_unique_race(store)
    key = credentials.create_key(make_uow, tenant_id, name=admin, role=Role.TENANT_ADMIN.value,
                                 granter=None, actor=actor, now=now)
    user, password = users.create_user(make_uow, tenant_id, login=admin,
                                       role=Role.TENANT_ADMIN.value, granter=None,
                                       actor=actor, now=now)
    return Provisioned(tenant_id, key, user, password)


def list_tenants(make_uow: UowFactory) -> list[dict[str, Any]]:
    with make_uow() as uow:
        return uow.catalog.tenants()
