"""`orderhub channel list|show|shadow|promote` and `orderhub channel cutover import|report`:
sales channels and their cut-over in shadow mode (the same service calls as the API;
docs/channels.md)."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

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

app = typer.Typer(help="Sales channels: list, show, shadow mode, cut-over report, promote.",
                  no_args_is_help=True)
cutover_app = typer.Typer(help="Cut-over in shadow mode: the legacy system's export and the "
                          "comparison with it.", no_args_is_help=True)
app.add_typer(cutover_app, name="cutover")

LABELS = {"missing_in_hub": "missing in the hub",
          "missing_in_legacy": "missing in the legacy export", "amount": "amount differs",
          "currency": "currency differs", "warehouse": "warehouse differs",
          "hold": "hold differs", "cancelled": "cancellation differs",
          "shadow_orders": "shadow orders recorded", "legacy_rows": "legacy rows imported"}
FromOption = Annotated[str | None, typer.Option(
    "--from", help="Window start, ISO 8601 with a time zone (e.g. 2026-12-01T00:00:00+08:00)")]
ToOption = Annotated[str | None, typer.Option(
    "--to", help="Window end (excluded), ISO 8601 with a time zone")]


def _moment(text: str | None, option: str) -> datetime | None:
    if text is None:
        return None
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise fail(t("{option}: '{value}' is not an ISO 8601 date-time", option=option,
                     value=text)) from None
    if moment.tzinfo is None:
        raise fail(t("{option}: needs a time zone (e.g. +08:00 or Z)", option=option))
    return moment


@app.command("list")
def channel_list(database_url: DbOption = None, tenant: TenantOption = "default",
                 as_json: JsonOption = False, as_csv: CsvOption = False) -> None:
    """Channels with their adapter and mode (live or shadow)."""
    from orderhub.services import cutover

    with open_hub(database_url) as hub:
        rows = cutover.list_channels(hub.read_uow, tenant)
    if emit(rows, as_json, as_csv):
        return
    table = Table()
    for col in ("code", "name", "kind", "adapter", "active", "mode"):
        table.add_column(t(col))
    for r in rows:
        mode = "[yellow]shadow[/yellow]" if r["mode"] == "shadow" else r["mode"]
        table.add_row(r["code"], r["name"], r["kind"], r["adapter"] or "-",
                      "yes" if r["active"] else "no", mode)
    console.print(table)


@app.command("show")
def channel_show(code: str, database_url: DbOption = None, tenant: TenantOption = "default",
                 as_json: JsonOption = False) -> None:
    """One channel: its mode, shadow orders recorded and legacy rows imported."""
    from orderhub.services import cutover

    with open_hub(database_url) as hub:
        try:
            doc = cutover.show_channel(hub.read_uow, tenant, code)
        except DomainError as exc:
            raise fail(describe(exc)) from None
    if as_json:
        print_json(doc)
        return
    for key in ("code", "name", "kind", "adapter", "active", "mode", "shadow_orders",
                "legacy_rows"):
        console.print(f"{t(LABELS.get(key, key))}: {doc[key]}")


@app.command("shadow")
def channel_shadow(code: str, database_url: DbOption = None,
                   tenant: TenantOption = "default",
                   reason: Annotated[str, typer.Option("--reason", help="Why (kept on the "
                                                       "event and in the audit log)")] = "",
                   as_json: JsonOption = False) -> None:
    """Put a channel into shadow mode: its new orders are validated and routed but not
    reserved or released (the legacy system keeps running them)."""
    from orderhub.services import cutover

    with open_hub(database_url) as hub:
        try:
            doc = cutover.put_in_shadow(hub.uow, tenant, code, now=hub.clock(),
                                        actor=cli_actor(), reason=reason)
        except DomainError as exc:
            raise fail(describe(exc)) from None
    if as_json:
        print_json(doc)
        return
    console.print(t("channel {code} is now in shadow mode: its orders reserve nothing",
                    code=code))


@app.command("promote")
def channel_promote(
    code: str,
    min_rate: Annotated[str, typer.Option("--min-rate", help="Consistency rate the report "
                                          "must reach, 0..1 (e.g. 0.98)")],
    min_orders: Annotated[int, typer.Option("--min-orders", min=0, help="Orders compared, "
                                            "at least")] = 1,
    start: FromOption = None, end: ToOption = None,
    database_url: DbOption = None, tenant: TenantOption = "default",
    as_json: JsonOption = False,
) -> None:
    """Switch a shadow channel live if its cut-over report meets the bar; else refuse with
    the figures (exit code 3). Shadow orders stay shadow records; new orders are live."""
    from orderhub.services import cutover

    try:
        rate = Decimal(min_rate)
    except InvalidOperation:
        raise fail(t("--min-rate: '{value}' is not a number", value=min_rate)) from None
    window = _moment(start, "--from"), _moment(end, "--to")
    with open_hub(database_url) as hub:
        try:
            found = cutover.promote(hub.uow, tenant, code, min_rate=rate,
                                    min_orders=min_orders, start=window[0], end=window[1],
                                    now=hub.clock(), actor=cli_actor())
        except cutover.BelowBar as exc:
            if as_json:
                print_json({"promoted": False, "reason": str(exc),
                            "report": exc.report.as_dict()})
            raise fail(str(exc), code=3) from None
        except DomainError as exc:
            raise fail(describe(exc)) from None
    if as_json:
        print_json({"promoted": True, "channel": code, "mode": "live",
                    "report": found.as_dict()})
        return
    console.print(t("channel {code} is live: consistency rate {rate} over {n} orders",
                    code=code, rate=found.rate, n=found.compared))


@cutover_app.command("import")
def cutover_import(
    code: str,
    file: Annotated[Path, typer.Argument(help="The legacy system's export (.csv or .xlsx)")],
    mapping: Annotated[list[str] | None, typer.Option(
        "--map", help="field=Header for a column not recognised (fields: external_id, "
        "status, warehouse, total, currency, held, hold_reason, placed_at)")] = None,
    currency: Annotated[str, typer.Option("--currency", help="Currency of rows that name "
                                          "none")] = "",
    database_url: DbOption = None, tenant: TenantOption = "default",
    as_json: JsonOption = False,
) -> None:
    """Import the legacy system's export of the channel's orders (one row per order:
    order id, status, warehouse, total, currency, hold flag or reason)."""
    from orderhub.adapters.legacy_export import parse_mapping
    from orderhub.services import cutover

    if not file.is_file():
        raise fail(t("no such file: {path}", path=str(file)))
    with open_hub(database_url) as hub:
        try:
            summary = cutover.import_legacy(
                hub.uow, tenant, code, file.read_bytes(), file.name, now=hub.clock(),
                actor=cli_actor(), mapping=parse_mapping(list(mapping or [])),
                default_currency=currency.upper())
        except DomainError as exc:
            raise fail(describe(exc)) from None
    if as_json:
        print_json(summary.as_dict())
        return
    console.print(t("{rows} legacy orders imported for {code} ({replaced} replaced earlier "
                    "rows)", rows=summary.rows, code=code, replaced=summary.replaced))


@cutover_app.command("report")
def cutover_report(code: str, start: FromOption = None, end: ToOption = None,
                   database_url: DbOption = None, tenant: TenantOption = "default",
                   limit: Annotated[int, typer.Option("--limit", min=0, help="Differences "
                                                      "shown at most (0: all)")] = 50,
                   as_json: JsonOption = False) -> None:
    """The consistency rate of the channel's shadow orders against the legacy export over
    the window, and every difference."""
    from orderhub.services import cutover

    window = _moment(start, "--from"), _moment(end, "--to")
    with open_hub(database_url) as hub:
        try:
            found = cutover.report(hub.read_uow, tenant, code, start=window[0],
                                   end=window[1])
        except DomainError as exc:
            raise fail(describe(exc)) from None
    if as_json:
        print_json(found.as_dict())
        return
    console.print(t("{code}: consistency rate {rate} ({consistent} of {compared} orders; "
                    "{matched} on both sides)", code=code, rate=found.rate,
                    consistent=found.consistent, compared=found.compared,
                    matched=found.matched))
    counts = {k: v for k, v in found.counts().items() if v}
    if counts:
        console.print(", ".join(f"{t(LABELS[k])}: {v}" for k, v in counts.items()))
    shown: list[Any] = found.differences[:limit] if limit else found.differences
    if not shown:
        return
    table = Table()
    for col in ("external id", "difference", "hub", "legacy", "row"):
        table.add_column(t(col))
    for d in shown:
        table.add_row(d.external_id, t(LABELS[d.kind.value]), d.hub or "-", d.legacy or "-",
                      str(d.line or "-"))
    console.print(table)
    if len(shown) < len(found.differences):
        console.print(t("{n} more differences (--limit 0 or --json for all)",
                        n=len(found.differences) - len(shown)))
