"""`orderhub audit log|verify`: the tamper-evident log of rule changes and rule decisions."""

from __future__ import annotations

import json
from typing import Annotated

import typer

from orderhub.cli.common import DbOption, TenantOption, console, fail, open_hub

app = typer.Typer(help="The tamper-evident audit log: list, verify.", no_args_is_help=True)


@app.command("verify")
def audit_verify(database_url: DbOption = None, tenant: TenantOption = "default") -> None:
    """Recompute the hash chain; exit 1 naming the first broken entry."""
    from orderhub.services.audit import verify_chain

    with open_hub(database_url) as hub:
        v = verify_chain(hub.read_uow, tenant)
    if not v.ok:
        raise fail(f"audit chain broken at entry {v.first_broken}: {v.problem} "
                    f"({v.checked} entries read)")
    console.print(f"audit chain intact: {v.checked} entries")


@app.command("log")
def audit_log(subject: Annotated[str | None, typer.Option(help="Order id or "
                                                          "routing-rule/<code>")] = None,
              limit: Annotated[int, typer.Option(min=1, max=1000)] = 20,
              database_url: DbOption = None, tenant: TenantOption = "default") -> None:
    """The newest entries."""
    from orderhub.services.audit import entries

    with open_hub(database_url) as hub:
        rows = entries(hub.read_uow, tenant, subject=subject, limit=limit)
    for r in rows:
        console.print(f"{r['seq']:>6} {r['at']:%Y-%m-%d %H:%M:%S} {r['actor']} {r['kind']} "
                      f"{r['subject']}: {json.dumps(r['detail'], ensure_ascii=False)}",
                      highlight=False, markup=False)
