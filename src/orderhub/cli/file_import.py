"""`orderhub import FILE`: a file of channel orders, good rows in, bad rows reported."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from orderhub.cli.common import (
    DbOption,
    JsonOption,
    TenantOption,
    console,
    err,
    fail,
    open_hub,
    print_json,
    progress,
    upgrade_schema,
)
from orderhub.cli.i18n import t
from orderhub.domain.errors import DomainError

app = typer.Typer()


@app.command("import")
def import_orders(
    file: Annotated[Path, typer.Argument(help="CSV, XLSX, JSON (array) or JSON lines file")],
    channel: Annotated[str, typer.Option(help="Channel code the orders come from")],
    database_url: DbOption = None,
    tenant: TenantOption = "default",
    fmt: Annotated[str, typer.Option("--format", help="auto, csv, xlsx, json or jsonl")] = "auto",
    batch_size: Annotated[int, typer.Option(min=1, max=5000)] = 200,
    as_json: JsonOption = False,
) -> None:
    """Import a file of channel orders: good rows are imported, each bad row is reported
    with its line number and reason (exit code 1 when any row was refused)."""
    from orderhub.services.intake.file_import import import_file

    if not file.is_file():
        raise fail(t("no such file: {path}", path=file), 2)
    with open_hub(database_url) as hub:
        upgrade_schema(hub)
        with progress() as bar:
            task = bar.add_task(t("importing {name}", name=file.name), total=None)
            try:
                report = import_file(hub.uow, hub.read_uow, tenant, channel, file.read_bytes(),
                                     file.name, fmt, strategy=hub.strategy, clock=hub.clock,
                                     presale_lock=hub.presale_lock, batch_size=batch_size,
                                     progress=lambda done, total: bar.update(
                                         task, completed=done, total=total),
                                     decryptors=hub.settings.channel_decryptors)
            except (ValueError, DomainError) as exc:
                raise fail(str(exc), 2) from None
    if as_json:
        print_json({"file": file.name, "channel": channel, "outcomes": report.outcomes,
                    "held": report.held, "errors": report.errors})
        if report.errors:
            raise typer.Exit(1)
        return
    table = Table(title=f"import of {file.name} into channel {channel}")
    table.add_column("outcome")
    table.add_column("orders", justify="right")
    for outcome, n in sorted(report.outcomes.items()):
        table.add_row(outcome, str(n))
    table.add_row("held after validation", str(report.held))
    table.add_row("rows refused", str(len(report.errors)))
    console.print(table)
    for e in report.errors:
        err.print(f"line {e.row}: {e.field}: {e.message}")
    if report.errors:
        raise typer.Exit(1)
