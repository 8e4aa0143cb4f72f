"""`orderhub label print|wave|documents|layout ...`: shipping documents (发货单据) from the
command line, the same service calls as the API (prints audited as the CLI's user)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import typer
import yaml
from rich.table import Table

from orderhub.cli.common import (
    DbOption,
    TenantOption,
    cli_actor,
    console,
    describe,
    fail,
    open_hub,
    print_json,
)
from orderhub.cli.i18n import t
from orderhub.domain.errors import DomainError
from orderhub.domain.labels import DocumentFormat, DocumentKind

app = typer.Typer(help="Shipping documents (发货单据): carrier labels and packing lists as PDF "
                  "or ZPL, reprints, a wave's labels in one file, carriers' label layouts.",
                  no_args_is_help=True)
layout_app = typer.Typer(help="Carriers' label layouts (面单模板): list, show, save a new "
                         "version, versions.", no_args_is_help=True)
app.add_typer(layout_app, name="layout")

JsonOut = Annotated[bool, typer.Option("--json", help="Print the answer as JSON")]


class Fmt(StrEnum):
    pdf = "pdf"
    zpl = "zpl"


class Kind(StrEnum):
    label = "label"
    packing_list = "packing_list"


FormatOption = Annotated[Fmt, typer.Option("--format", help="pdf or zpl (thermal printers)")]
KindOption = Annotated[Kind, typer.Option("--kind", help="label or packing_list")]
OutOption = Annotated[Path, typer.Option("--out", help="File to write the document to")]


def _write(path: Path, content: bytes) -> None:
    try:
        path.write_bytes(content)
    except OSError as exc:
        raise fail(f"cannot write {path}: {exc.strerror}", 2) from None


def _since(value: str | None) -> datetime | None:
    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise fail(t("--since: '{value}' is not an ISO 8601 date or time",
                     value=value), 2) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


@app.command("print")
def label_print(
    ref: Annotated[str, typer.Argument(help="A shipment id, or an order id (all its "
                                       "shipments)")],
    out: OutOption,
    fmt: FormatOption = Fmt.pdf, kind: KindOption = Kind.label,
    database_url: DbOption = None, tenant: TenantOption = "default",
) -> None:
    """Print or reprint the label (or packing list) of a shipment or of an order's
    shipments, rendered now from the order; the print is audited."""
    from orderhub.services.labels import documents

    with open_hub(database_url) as hub:
        try:
            printed = documents.print_documents(
                hub.uow, tenant, ref, kind=DocumentKind(kind.value),
                fmt=DocumentFormat(fmt.value), now=hub.clock(), actor=cli_actor())
        except DomainError as exc:
            raise fail(describe(exc)) from None
    _write(out, printed.content)
    console.print(t("{count} shipment(s), {pages} page(s) written to {path} (sha256 {sha})",
                    count=len(printed.shipments), pages=printed.pages, path=str(out),
                    sha=printed.sha256[:16]), highlight=False)


@app.command("wave")
def label_wave(
    warehouse: Annotated[str, typer.Option("--warehouse", help="The warehouse's code")],
    out: OutOption,
    since: Annotated[str | None, typer.Option(
        "--since", help="Only orders released at or after this time (ISO 8601; UTC when "
        "no offset is given)")] = None,
    fmt: FormatOption = Fmt.pdf, kind: KindOption = Kind.label,
    database_url: DbOption = None, tenant: TenantOption = "default",
) -> None:
    """Every label (or packing list) of the shipments released to a warehouse and not
    picked yet, in one PDF or one ZPL stream, in release order; audited once."""
    from orderhub.services.labels import documents

    moment = _since(since)
    with open_hub(database_url) as hub:
        try:
            printed = documents.print_wave(
                hub.uow, tenant, warehouse, since=moment, fmt=DocumentFormat(fmt.value),
                kind=DocumentKind(kind.value), now=hub.clock(), actor=cli_actor())
        except DomainError as exc:
            raise fail(describe(exc)) from None
    _write(out, printed.content)
    console.print(t("{count} shipment(s), {pages} page(s) written to {path} (sha256 {sha})",
                    count=len(printed.shipments), pages=printed.pages, path=str(out),
                    sha=printed.sha256[:16]), highlight=False)


@app.command("documents")
def label_documents(
    ref: Annotated[str, typer.Argument(help="A shipment id, or an order id (all its "
                                       "shipments)")],
    database_url: DbOption = None, tenant: TenantOption = "default", as_json: JsonOut = False,
) -> None:
    """The documents produced for a shipment or an order: kind, format, layout version,
    SHA-256, when and by whom (never their content)."""
    from orderhub.services.labels import documents

    with open_hub(database_url) as hub:
        try:
            rows = documents.documents(hub.read_uow, tenant, ref)
        except DomainError as exc:
            raise fail(describe(exc)) from None
    if as_json:
        print_json(rows)
        return
    if not rows:
        console.print(t("no documents yet"))
        return
    table = Table()
    for col in ("shipment", "kind", "format", "waybill", "layout", "sha256", "created (UTC)",
                "by"):
        table.add_column(t(col))
    for r in rows:
        table.add_row(str(r["shipment_id"]), str(r["kind"]), str(r["format"]),
                      str(r["waybill"]), str(r["layout_version"]), str(r["sha256"])[:16],
                      f"{r['created_at']:%Y-%m-%d %H:%M}", str(r["created_by"]))
    console.print(table)


@layout_app.command("list")
def layout_list(database_url: DbOption = None, tenant: TenantOption = "default",
                as_json: JsonOut = False) -> None:
    """Carriers with a label layout: built-in, or the tenant's own (newest version)."""
    from orderhub.services.labels import layouts

    with open_hub(database_url) as hub:
        rows = layouts.list_layouts(hub.read_uow, tenant)
    if as_json:
        print_json(rows)
        return
    table = Table()
    for col in ("carrier", "version", "source", "name"):
        table.add_column(t(col))
    for r in rows:
        table.add_row(r["carrier"], str(r["version"]), t(r["source"]), r["name"])
    console.print(table)


@layout_app.command("show")
def layout_show(
    carrier: Annotated[str, typer.Argument(help="Carrier code (SF, ZTO, ...) or default")],
    database_url: DbOption = None, tenant: TenantOption = "default",
) -> None:
    """The layout a carrier's labels print with now, as JSON (edit it and `layout set`)."""
    from orderhub.services.labels import layouts

    with open_hub(database_url) as hub:
        try:
            view = layouts.get_layout(hub.read_uow, tenant, carrier)
        except DomainError as exc:
            raise fail(describe(exc)) from None
    print_json(view)


def _read_layout(path: Path) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise fail(f"cannot read {path}: {exc.strerror}", 2) from None
    except UnicodeDecodeError:
        raise fail(f"{path} is not UTF-8 text", 2) from None
    try:
        doc = json.loads(text) if path.suffix.lower() == ".json" else yaml.safe_load(text)
    except (ValueError, yaml.YAMLError) as exc:
        raise fail(f"{path} is not valid JSON/YAML: {exc}", 2) from None
    if isinstance(doc, dict) and isinstance(doc.get("layout"), dict):
        doc = doc["layout"]  # what `layout show` prints
    return doc


@layout_app.command("set")
def layout_set(
    carrier: Annotated[str, typer.Argument(help="Carrier code (SF, ZTO, ...) or default")],
    file: Annotated[Path, typer.Argument(help="The layout, JSON or YAML")],
    database_url: DbOption = None, tenant: TenantOption = "default", as_json: JsonOut = False,
) -> None:
    """Save a new version of the tenant's layout for a carrier, checked whole (an unknown
    field name is refused with its place in the file; nothing is stored); audited."""
    from orderhub.services.labels import layouts

    doc = _read_layout(file)
    with open_hub(database_url) as hub:
        try:
            view = layouts.save_layout(hub.uow, tenant, carrier, doc, now=hub.clock(),
                                       actor=cli_actor())
        except DomainError as exc:
            raise fail(describe(exc)) from None
    if as_json:
        print_json(view)
        return
    console.print(t("layout for {carrier} saved: version {version}", carrier=view["carrier"],
                    version=view["version"]), highlight=False)


@layout_app.command("versions")
def layout_versions(
    carrier: Annotated[str, typer.Argument(help="Carrier code (SF, ZTO, ...) or default")],
    database_url: DbOption = None, tenant: TenantOption = "default", as_json: JsonOut = False,
) -> None:
    """Every saved version of the tenant's layout for a carrier."""
    from orderhub.services.labels import layouts

    with open_hub(database_url) as hub:
        try:
            rows = layouts.layout_versions(hub.read_uow, tenant, carrier)
        except DomainError as exc:
            raise fail(describe(exc)) from None
    if as_json:
        print_json(rows)
        return
    for r in rows:
        console.print(f"{r['carrier']}  v{r['version']}  {r['created_at']:%Y-%m-%d %H:%M}  "
                      f"{r['created_by']}", highlight=False)
