"""`orderhub import FILE`: a file of channel orders, good rows in, bad rows reported; with
`--map HEADER=FIELD` for columns it does not recognise, `--preview` to see the first rows
as mapped, and `orderhub import mapping save|show CH` for a channel's saved mapping."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table
from typer.core import TyperCommand

from orderhub.cli.common import (
    DbOption,
    JsonOption,
    TenantOption,
    cli_actor,
    console,
    describe,
    err,
    fail,
    open_hub,
    print_json,
    progress,
    upgrade_schema,
)
from orderhub.cli.i18n import t
from orderhub.domain.errors import DomainError, InvalidInput

MapOption = Annotated[list[str] | None, typer.Option(
    "--map", help="HEADER=FIELD: read the file's column HEADER as the canonical FIELD "
    "(repeatable; e.g. --map po_number=external_id --map 收货人电话=phone)")]

mapping_app = typer.Typer(help="A channel's saved column mapping for CSV/XLSX imports.",
                          no_args_is_help=True)


class ImportCommand(TyperCommand):
    """`import FILE ...`, and `import mapping ...` handed to the mapping group."""

    @property
    def commands(self) -> dict[str, Any]:
        return {"mapping": typer.main.get_group(mapping_app)}

    def list_commands(self, ctx: Any) -> list[str]:
        return ["mapping"]

    def get_command(self, ctx: Any, name: str) -> Any:
        return self.commands.get(name)

    def make_context(self, info_name: str | None, args: list[str],
                     parent: Any = None, **extra: Any) -> Any:
        if args and args[0] == "mapping":
            group = self.commands["mapping"]
            from orderhub.cli import i18n

            if i18n.language() == "zh":
                for command in (group, *getattr(group, "commands", {}).values()):
                    i18n.localise_one(command)
            return group.make_context(f"{info_name or 'import'} mapping", args[1:],
                                      parent=parent, **extra)
        return super().make_context(info_name, args, parent=parent, **extra)


app = typer.Typer()


def _pairs(pairs: list[str] | None) -> dict[str, str]:
    from orderhub.services.intake.import_mappings import parse_pairs

    try:
        return parse_pairs(pairs or [])
    except InvalidInput as exc:
        raise fail(describe(exc), 2) from None


@app.command("import", cls=ImportCommand)
def import_orders(
    file: Annotated[Path, typer.Argument(help="CSV, XLSX, JSON (array) or JSON lines file")],
    channel: Annotated[str, typer.Option(help="Channel code the orders come from")],
    database_url: DbOption = None,
    tenant: TenantOption = "default",
    fmt: Annotated[str, typer.Option("--format", help="auto, csv, xlsx, json or jsonl")] = "auto",
    batch_size: Annotated[int, typer.Option(min=1, max=5000)] = 200,
    mapping: MapOption = None,
    preview: Annotated[bool, typer.Option(
        "--preview", help="Show the first rows as mapped and the ignored columns; import "
        "nothing")] = False,
    rows: Annotated[int, typer.Option(
        "--rows", min=1, max=1000, help="Rows shown by --preview")] = 10,
    as_json: JsonOption = False,
) -> None:
    """Import a file of channel orders: good rows are imported, each bad row is reported
    with its line number and reason (exit code 1 when any row was refused). Columns are
    recognised by common English and Chinese names; unknown columns are reported as
    ignored. A channel's saved mapping: `orderhub import mapping save|show CHANNEL`."""
    from orderhub.services.intake.file_import import import_file, preview_file

    if not file.is_file():
        raise fail(t("no such file: {path}", path=file), 2)
    given = _pairs(mapping)
    with open_hub(database_url) as hub:
        upgrade_schema(hub)
        if preview:
            try:
                shown = preview_file(hub.read_uow, tenant, channel, file.read_bytes(),
                                     file.name, fmt, mapping=given, limit=rows)
            except InvalidInput as exc:
                raise fail(describe(exc), 2) from None
            except (ValueError, DomainError) as exc:
                raise fail(str(exc), 2) from None
            _print_preview(shown, as_json)
            return
        with progress() as bar:
            task = bar.add_task(t("importing {name}", name=file.name), total=None)
            try:
                report = import_file(hub.uow, hub.read_uow, tenant, channel, file.read_bytes(),
                                     file.name, fmt, strategy=hub.strategy, clock=hub.clock,
                                     presale_lock=hub.presale_lock, batch_size=batch_size,
                                     mapping=given,
                                     progress=lambda done, total: bar.update(
                                         task, completed=done, total=total),
                                     decryptors=hub.settings.channel_decryptors)
            except InvalidInput as exc:
                raise fail(describe(exc), 2) from None
            except (ValueError, DomainError) as exc:
                raise fail(str(exc), 2) from None
    if as_json:
        print_json({"file": file.name, "channel": channel, "outcomes": report.outcomes,
                    "held": report.held, "errors": report.errors,
                    "ignored_columns": report.ignored, "columns": report.columns})
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
    if report.ignored:
        err.print(t("ignored columns: {names}", names=", ".join(report.ignored)))
    for e in report.errors:
        err.print(f"line {e.row}: {e.field}: {e.message}")
    if report.errors:
        raise typer.Exit(1)


def _print_preview(shown: dict[str, Any], as_json: bool) -> None:
    if as_json:
        print_json(shown)
        return
    fields = list(shown["columns"])
    table = Table(title=t("preview of {name}: {shown} of {total} rows, {kind} orders",
                          name=shown["file"], shown=len(shown["rows"]),
                          total=shown["total_rows"], kind=shown["order_type"]))
    table.add_column(t("row"), justify="right")
    for name in fields:
        table.add_column(f"{name}\n({shown['columns'][name]})")
    for row in shown["rows"]:
        table.add_row(str(row["row"]), *(str(row.get(name, "")) for name in fields))
    console.print(table)
    if shown["ignored"]:
        err.print(t("ignored columns: {names}", names=", ".join(shown["ignored"])))
    for e in shown["errors"]:
        err.print(f"line {e['row']}: {e['field']}: {e['message']}")


@mapping_app.command("save")
def save_mapping(
    channel: Annotated[str, typer.Argument(help="Channel code")],
    mapping: MapOption = None,
    clear: Annotated[bool, typer.Option("--clear", help="Delete the saved mapping")] = False,
    database_url: DbOption = None,
    tenant: TenantOption = "default",
    as_json: JsonOption = False,
) -> None:
    """Save the channel's column mapping (replacing the one saved before); every import of
    a CSV/XLSX file into the channel uses it, `--map` on the command line winning."""
    from datetime import UTC, datetime

    from orderhub.services.intake.import_mappings import save_mapping as save

    given = _pairs(mapping)
    if not given and not clear:
        raise fail(t("give --map HEADER=FIELD at least once, or --clear"), 2)
    with open_hub(database_url) as hub:
        upgrade_schema(hub)
        try:
            saved = save(hub.uow, tenant, channel, {} if clear else given,
                         actor=cli_actor(), now=datetime.now(UTC))
        except DomainError as exc:
            raise fail(describe(exc), 2 if isinstance(exc, InvalidInput) else 1) from None
    _print_mapping(saved, as_json)


@mapping_app.command("show")
def show_mapping(
    channel: Annotated[str, typer.Argument(help="Channel code")],
    database_url: DbOption = None,
    tenant: TenantOption = "default",
    as_json: JsonOption = False,
) -> None:
    """Show the channel's saved column mapping."""
    from orderhub.services.intake.import_mappings import show_mapping as show

    with open_hub(database_url) as hub:
        upgrade_schema(hub)
        try:
            shown = show(hub.read_uow, tenant, channel)
        except DomainError as exc:
            raise fail(describe(exc)) from None
    _print_mapping(shown, as_json)


def _print_mapping(shown: dict[str, Any], as_json: bool) -> None:
    if as_json:
        print_json(shown)
        return
    if not shown["mapping"]:
        console.print(t("no saved mapping for channel {channel}", channel=shown["channel"]))
        return
    table = Table(title=t("column mapping of channel {channel}", channel=shown["channel"]))
    table.add_column(t("file header"))
    table.add_column(t("field"))
    for header, name in shown["mapping"].items():
        table.add_row(header, name)
    console.print(table)
