"""`orderhub tenant create|list`: provision a tenant and its first administrator (the
local operator's power: whoever runs the CLI holds the database)."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.table import Table

from orderhub.cli.common import (
    CsvOption,
    DbOption,
    JsonOption,
    cli_actor,
    console,
    describe,
    emit,
    fail,
    open_hub,
    print_json,
)
from orderhub.domain.errors import DomainError

app = typer.Typer(help="Tenants: provision one with its first administrator, list them.",
                  no_args_is_help=True)


@app.command("create")
def tenant_create(
    tenant_id: Annotated[str, typer.Argument(help="Tenant id, e.g. ACME")],
    admin: Annotated[str, typer.Option("--admin", help="The first administrator's login")],
    name: Annotated[str, typer.Option("--name", help="Display name")] = "",
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON")] = False,
    database_url: DbOption = None,
) -> None:
    """Create the tenant, an administrator API key and console user; their secrets are
    printed once, here, and stored nowhere in clear."""
    from orderhub.services.access.tenants import provision_tenant

    with open_hub(database_url) as hub:
        try:
            done = provision_tenant(hub.uow, tenant_id, name=name, admin=admin, granter=None,
                                    actor=cli_actor(), now=hub.clock())
        except DomainError as exc:
            raise fail(describe(exc)) from None
    if as_json:
        print_json({"tenant": done.tenant_id, "admin_key_id": done.admin_key.credential.id,
                    "admin_key": done.admin_key.token, "admin_login": admin,
                    "admin_password": done.admin_password})
        return
    console.print(f"tenant [bold]{done.tenant_id}[/bold] created (租户已创建)")
    console.print(f"administrator API key (管理员密钥), shown once: {done.admin_key.token}")
    console.print(f"console user {admin!r}, password shown once: {done.admin_password}")


@app.command("list")
def tenant_list(database_url: DbOption = None, as_json: JsonOption = False,
                as_csv: CsvOption = False) -> None:
    """Every tenant."""
    from orderhub.services.access.tenants import list_tenants

    with open_hub(database_url) as hub:
        found = list_tenants(hub.read_uow)
    if emit(found, as_json, as_csv):
        return
    table = Table("id", "name", "created")
    for t in found:
        table.add_row(t["id"], t["name"], t["created_at"].isoformat())
    console.print(table)
