"""`orderhub sagas list|show|retry`: compensation sagas (补偿事务), those that need a
human above all."""

from __future__ import annotations

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
from orderhub.domain.errors import DomainError

app = typer.Typer(help="Compensation sagas (补偿事务): list, show, retry.", no_args_is_help=True)

STATE_ZH = {"running": "进行中", "done": "已完成", "needs_human": "待人工处理"}


def state_label(state: str) -> str:
    """A saga's state in English and Chinese."""
    return f"{state} ({STATE_ZH.get(state, state)})"


def print_saga(s: dict[str, Any]) -> None:
    """One saga with its steps, as `show`, `retry` and `order reject-release` print it."""
    console.print(f"[bold]{s['id']}[/bold]  {s['kind']}  order={s['order_id']}  "
                  f"state=[bold]{state_label(s['state'])}[/bold]", highlight=False)
    console.print(f"  cause / 原因: {s['cause']}", highlight=False)
    for step in s["steps"]:
        error = f"  last error: {step['last_error']}" if step["last_error"] else ""
        console.print(f"  {step['name']:<14} {step['state']:<8} attempts={step['attempts']}"
                      f"{error}", highlight=False)
    if s["next_attempt_at"] and s["state"] == "running":
        console.print(f"  next attempt / 下次重试: {s['next_attempt_at']}", highlight=False)


@app.command("list")
def list_sagas(
    database_url: DbOption = None, tenant: TenantOption = "default",
    state: Annotated[str | None, typer.Option(
        "--state", help="running, done or needs_human")] = None,
    order: Annotated[str | None, typer.Option("--order", help="One order's sagas")] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, max=500)] = 50,
    as_json: JsonOption = False,
    as_csv: CsvOption = False,
) -> None:
    """Sagas, newest first."""
    from rich.table import Table

    from orderhub.services.sagas import views

    with open_hub(database_url) as hub:
        try:
            page = views.list_sagas(hub.read_uow, tenant, state=state, order_id=order,
                                    limit=limit)
        except DomainError as exc:
            raise fail(describe(exc), 2) from None
    if emit(page, as_json, as_csv, rows=page["items"]):
        return
    table = Table(title="compensation sagas / 补偿事务")
    for col in ("id", "order", "kind", "state", "next step", "attempts", "cause"):
        table.add_column(col, overflow="fold")
    for s in page["items"]:
        step = next((x for x in s["steps"] if x["state"] != "done"), None)
        table.add_row(s["id"], s["order_id"], s["kind"], state_label(s["state"]),
                      step["name"] if step else "-", str(step["attempts"]) if step else "-",
                      s["cause"])
    console.print(table)


@app.command("show")
def show(saga_id: str, database_url: DbOption = None, tenant: TenantOption = "default",
         as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """One saga and its steps."""
    from orderhub.services.sagas import views

    with open_hub(database_url) as hub:
        try:
            saga = views.get_saga(hub.read_uow, tenant, saga_id)
        except DomainError as exc:
            raise fail(describe(exc)) from None
    if as_json:
        print_json(saga)
        return
    print_saga(saga)


@app.command("retry")
def retry(saga_id: str, database_url: DbOption = None,
          tenant: TenantOption = "default") -> None:
    """Try a saga that needs a human again, from its failed step."""
    from orderhub.services.sagas import views

    with open_hub(database_url) as hub:
        try:
            saga = views.retry_saga(hub.compensator, tenant, saga_id, actor=cli_actor())
        except DomainError as exc:
            raise fail(describe(exc)) from None
    print_saga(saga)
