"""`orderhub access ...`: API keys, console users, platform keys, roles and the scope of
every operation (the table docs/access.md is generated from)."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

import typer
from rich.table import Table

from orderhub.cli.common import (
    CsvOption,
    DbOption,
    TenantOption,
    cli_actor,
    console,
    describe,
    emit,
    fail,
    open_hub,
)
from orderhub.domain.errors import DomainError

app = typer.Typer(help="Access: API keys, console users, roles and scopes.",
                  no_args_is_help=True)
key_app = typer.Typer(help="API keys: create, list, rotate, revoke.", no_args_is_help=True)
user_app = typer.Typer(help="Console users: create, list, change, disable.",
                       no_args_is_help=True)
app.add_typer(key_app, name="key")
app.add_typer(user_app, name="user")

RoleOption = Annotated[str | None, typer.Option("--role", help="tenant_admin, operations, "
                                                "rules_author, ... (orderhub access roles)")]
ScopeOption = Annotated[list[str] | None, typer.Option("--scope", help="A scope (repeat); "
                                                       "with a role it narrows it")]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON")]


def _days(days: float | None) -> timedelta | None:
    return timedelta(days=days) if days is not None else None


@key_app.command("create")
def key_create(
    name: Annotated[str, typer.Option("--name", help="Who or what uses the key")],
    role: RoleOption = None,
    scope: ScopeOption = None,
    warehouse: Annotated[list[str] | None, typer.Option("--warehouse", help="Logistics: only "
                                                        "orders of this warehouse (repeat)")
                         ] = None,
    expires_in_days: Annotated[float | None, typer.Option("--expires-in-days", min=0.001)
                               ] = None,
    tenant: TenantOption = "default",
    database_url: DbOption = None,
) -> None:
    """A new API key; its token is printed once."""
    from orderhub.services.access import credentials

    with open_hub(database_url) as hub:
        now = hub.clock()
        delta = _days(expires_in_days)
        try:
            issued = credentials.create_key(
                hub.uow, tenant, name=name, role=role, scopes=scope or None,
                warehouses=warehouse or [], expires_at=now + delta if delta else None,
                granter=None, actor=cli_actor(), now=now)
        except DomainError as exc:
            raise fail(describe(exc)) from None
    console.print(f"key {issued.credential.id} ({name}) created; token, shown once:")
    print(issued.token)


@app.command("platform-key")
def platform_key(
    name: Annotated[str, typer.Option("--name", help="Who uses it")],
    database_url: DbOption = None,
) -> None:
    """A platform operator's key: provisions tenants, acts for any tenant named in
    X-Tenant-ID, reads the shared backbone; personal data masked."""
    from orderhub.domain.access import PLATFORM_TENANT
    from orderhub.services.access import credentials

    with open_hub(database_url) as hub:
        try:
            issued = credentials.create_key(hub.uow, PLATFORM_TENANT, name=name,
                                            role="platform_operator", granter=None,
                                            actor=cli_actor(), now=hub.clock())
        except DomainError as exc:
            raise fail(describe(exc)) from None
    console.print(f"platform key {issued.credential.id} ({name}); token, shown once:")
    print(issued.token)


@key_app.command("list")
def key_list(
    tenant: TenantOption = "default",
    include_revoked: Annotated[bool, typer.Option("--all", help="Revoked ones too")] = False,
    as_json: JsonOption = False,
    as_csv: CsvOption = False,
    database_url: DbOption = None,
) -> None:
    """Who has access: keys and console sessions, their state and when last used."""
    from orderhub.services.access import credentials

    with open_hub(database_url) as hub:
        found = credentials.list_keys(hub.read_uow, tenant, hub.clock(),
                                      include_revoked=include_revoked,
                                      kinds=("key", "session"))
    if emit(found, as_json, as_csv):
        return
    table = Table("id", "kind", "name", "role / scopes", "state", "expires", "last used")
    for k in found:
        grant = k["role"] or ", ".join(k["scopes"])
        table.add_row(k["id"], k["kind"], k["name"], grant, k["state"],
                      k["expires_at"].isoformat() if k["expires_at"] else "never",
                      k["last_used_at"].isoformat() if k["last_used_at"] else "never")
    console.print(table)


@key_app.command("revoke")
def key_revoke(key_id: str, tenant: TenantOption = "default",
               database_url: DbOption = None) -> None:
    """Revoke a key now."""
    from orderhub.services.access import credentials

    with open_hub(database_url) as hub:
        try:
            credentials.revoke_key(hub.uow, tenant, key_id, actor=cli_actor(), now=hub.clock())
        except DomainError as exc:
            raise fail(describe(exc)) from None
    console.print(f"key {key_id} revoked")


@key_app.command("rotate")
def key_rotate(
    key_id: str,
    grace_hours: Annotated[float, typer.Option("--grace-hours", min=0,
                                               help="How long the old key keeps working")
                           ] = 24,
    tenant: TenantOption = "default",
    database_url: DbOption = None,
) -> None:
    """A new token for the key; the old one works for --grace-hours more."""
    from orderhub.services.access import credentials

    with open_hub(database_url) as hub:
        try:
            issued = credentials.rotate_key(hub.uow, tenant, key_id,
                                            grace=timedelta(hours=grace_hours), granter=None,
                                            actor=cli_actor(), now=hub.clock())
        except DomainError as exc:
            raise fail(describe(exc)) from None
    console.print(f"key {key_id} rotated to {issued.credential.id}; new token, shown once:")
    print(issued.token)


@user_app.command("create")
def user_create(
    login: str,
    role: RoleOption = None,
    scope: ScopeOption = None,
    display_name: Annotated[str, typer.Option("--display-name")] = "",
    tenant: TenantOption = "default",
    database_url: DbOption = None,
) -> None:
    """A console user with a generated password (printed once)."""
    from orderhub.services.access import users

    with open_hub(database_url) as hub:
        try:
            user, password = users.create_user(
                hub.uow, tenant, login=login, display_name=display_name, role=role,
                scopes=scope or None, granter=None, actor=cli_actor(), now=hub.clock())
        except DomainError as exc:
            raise fail(describe(exc)) from None
    console.print(f"user {user['login']} ({user['id']}) created; password, shown once:")
    print(password)


@user_app.command("list")
def user_list(tenant: TenantOption = "default", as_json: JsonOption = False,
              as_csv: CsvOption = False, database_url: DbOption = None) -> None:
    """Console users: login, role or scopes, state, last login."""
    from orderhub.services.access import users

    with open_hub(database_url) as hub:
        found = users.list_users(hub.read_uow, tenant)
    if emit(found, as_json, as_csv):
        return
    table = Table("id", "login", "role / scopes", "state", "last login")
    for u in found:
        table.add_row(u["id"], u["login"], u["role"] or ", ".join(u["scopes"]), u["state"],
                      u["last_login_at"].isoformat() if u["last_login_at"] else "never")
    console.print(table)


@user_app.command("disable")
def user_disable(user_id: str, tenant: TenantOption = "default",
                 enable: Annotated[bool, typer.Option("--enable", help="Enable again")
                                   ] = False,
                 database_url: DbOption = None) -> None:
    """Disable a user (ending their sessions), or --enable again."""
    from orderhub.services.access import users

    with open_hub(database_url) as hub:
        try:
            users.update_user(hub.uow, tenant, user_id, disabled=not enable, granter=None,
                              actor=cli_actor(), now=hub.clock())
        except DomainError as exc:
            raise fail(describe(exc)) from None
    console.print(f"user {user_id} {'enabled' if enable else 'disabled'}")


@app.command("roles")
def roles(as_json: JsonOption = False, as_csv: CsvOption = False) -> None:
    """Every role and its scopes."""
    from orderhub.services.access.credentials import roles as all_roles

    found = all_roles()
    if emit(found, as_json, as_csv):
        return
    table = Table("role", "scopes")
    for r in found:
        table.add_row(r["role"], ", ".join(r["scopes"]))
    console.print(table)


@app.command("scopes")
def scopes(markdown: Annotated[bool, typer.Option("--markdown", help="The docs table")
                               ] = False) -> None:
    """The scope every operation requires, and which roles hold it."""
    from orderhub.api.scopes import scope_table

    text = scope_table()
    if markdown:
        print(text, end="")
    else:
        console.print(text)
