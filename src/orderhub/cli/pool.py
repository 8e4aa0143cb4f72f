"""`orderhub pool list|show|close|policy`: group-buy pools and the pooling policy."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from orderhub.cli.common import (
    CsvOption,
    DbOption,
    JsonOption,
    TenantOption,
    cli_actor,
    console,
    describe,
    emit,
    fail,
    open_hub,
    print_json,
)
from orderhub.cli.i18n import t
from orderhub.domain.errors import DomainError

app = typer.Typer(help="Group-buy pools: orders of a channel pooled for one pickup point.",
                  no_args_is_help=True)

ReasonOption = Annotated[str, typer.Option("--reason", help="Why (kept in the audit log)")]


@app.command("list")
def list_pools(database_url: DbOption = None, tenant: TenantOption = "default",
               status: Annotated[str | None, typer.Option(
                   "--status", help="open or closed")] = None,
               channel: Annotated[str | None, typer.Option(
                   "--channel", help="Only this channel's pools")] = None,
               limit: Annotated[int, typer.Option("--limit", min=1, max=500,
                                                  help="At most this many")] = 100,
               as_json: JsonOption = False, as_csv: CsvOption = False) -> None:
    """Pools, newest first: members against the threshold, window, why closed."""
    from rich.table import Table

    from orderhub.services.pools import views

    if status not in (None, "open", "closed"):
        raise fail("--status: open or closed", 2)
    with open_hub(database_url) as hub:
        rows = views.list_pools(hub.read_uow, tenant, status=status, channel=channel,
                                limit=limit)
    if emit(rows, as_json, as_csv):
        return
    table = Table(title=t("Pools"))
    for col in ("pool", "channel", "pickup point", "status", "members", "closes at",
                "close reason"):
        table.add_column(t(col))
    for r in rows:
        table.add_row(r["id"], r["channel"], r["pickup_site"], r["status"],
                      f"{r['members']}/{r['threshold']}", str(r["closes_at"])[:19],
                      r["close_reason"] or "")
    console.print(table if rows else t("no pools"))


@app.command("show")
def show(pool_id: str, database_url: DbOption = None, tenant: TenantOption = "default") -> None:
    """One pool with its deliveries and its orders' statuses, as JSON."""
    from orderhub.services.pools import views

    with open_hub(database_url) as hub:
        try:
            print_json(views.get_pool(hub.read_uow, tenant, pool_id))
        except DomainError as exc:
            raise fail(describe(exc)) from None


@app.command("close")
def close(pool_id: str, reason: ReasonOption, database_url: DbOption = None,
          tenant: TenantOption = "default") -> None:
    """Close an open pool now and route it as one delivery."""
    from orderhub.services.pools import closing

    with open_hub(database_url) as hub:
        try:
            out = closing.close_pool(hub.uow, tenant, pool_id, now=hub.clock(),
                                     actor=cli_actor(), presale_lock=hub.presale_lock,
                                     reason=reason)
        except DomainError as exc:
            raise fail(describe(exc), 2) from None
    console.print(t(f"pool {pool_id} closed: {out['routed']} of {out['orders']} orders "
                    f"routed in {len(out['deliveries'])} deliveries"))


def _read(path: Path) -> dict[str, Any]:
    import json

    import yaml

    try:
        text = path.read_text(encoding="utf-8")
        doc = json.loads(text) if path.suffix == ".json" else yaml.safe_load(text)
    except (OSError, ValueError, yaml.YAMLError) as exc:
        raise fail(f"cannot read {path}: {exc}", 2) from None
    if not isinstance(doc, dict):
        raise fail(f"{path}: expected a JSON or YAML object", 2)
    return doc


@app.command("policy")
def policy_cmd(database_url: DbOption = None, tenant: TenantOption = "default",
               file: Annotated[Path | None, typer.Option(
                   "--set", help="A new policy version from this JSON or YAML file")] = None,
               reason: Annotated[str, typer.Option(
                   "--reason", help="Why (kept in the audit log)")] = "",
               versions: Annotated[bool, typer.Option(
                   "--versions", help="Every version: who, when, why")] = False) -> None:
    """The pooling policy in force (radius, window, threshold per channel), as JSON."""
    from orderhub.services.pools import policy

    with open_hub(database_url) as hub:
        try:
            if file is not None:
                if not reason.strip():
                    raise fail("--reason is required with --set", 2)
                out = policy.set_policy(hub.uow, tenant, _read(file), reason=reason,
                                        now=hub.clock(), actor=cli_actor())
                console.print(t(f"pooling policy version {out['version']} in force"))
                return
            print_json(policy.list_versions(hub.read_uow, tenant) if versions
                       else policy.get_policy(hub.read_uow, tenant))
        except DomainError as exc:
            raise fail(describe(exc), 2) from None
