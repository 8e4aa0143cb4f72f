"""`orderhub reconcile import|run|report|close`: reconciliation of channel settlements and
carrier bills (对账), the same service calls as /v1/reconciliation/..."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from orderhub.cli.common import (
    DbOption,
    JsonOption,
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

app = typer.Typer(help="Reconciliation of channel settlements and carrier bills: import, "
                  "run, report, close.", no_args_is_help=True)

PeriodOption = Annotated[str, typer.Option("--period", help="The month, YYYY-MM")]
ScopeOption = Annotated[str | None, typer.Option(
    "--channel", help="A channel code or carrier:<name> (default: every one with imports "
    "in the period)")]


@app.command("import")
def reconcile_import(
    file: Annotated[Path, typer.Argument(help="The settlement file or carrier bill (.csv "
                                         "or .xlsx)")],
    source: Annotated[str, typer.Option("--source", help="tmall, jd, douyin, shopify or "
                                        "carrier:<name>")],
    period: Annotated[str | None, typer.Option(
        "--period", help="The month, YYYY-MM (default: the month of the rows' dates)")]
    = None,
    channel: Annotated[str | None, typer.Option(
        "--channel", help="The tenant's channel code the file settles (default: the "
        "source's name)")] = None,
    database_url: DbOption = None, tenant: TenantOption = "default",
    as_json: JsonOption = False,
) -> None:
    """Import a channel's settlement file or a carrier's bill; a bad file is refused whole
    with every bad column, row and field."""
    from orderhub.services.reconciliation import settlement

    if not file.is_file():
        raise fail(t("no such file: {path}", path=str(file)))
    try:
        data = file.read_bytes()
    except OSError as exc:
        raise fail(f"cannot read {file}: {exc.strerror}", 2) from None
    with open_hub(database_url) as hub:
        try:
            doc = settlement.import_file(hub.uow, tenant, data, file.name,
                                         source=source, period=period, channel=channel,
                                         now=hub.clock(), actor=cli_actor())
        except DomainError as exc:
            raise fail(describe(exc)) from None
    if as_json:
        print_json(doc)
        return
    console.print(t("{rows} settlement rows imported for {scope} {period} ({skipped} lines "
                    "without an order skipped); import {id}", rows=doc["rows"],
                    scope=doc["scope"], period=doc["period"], skipped=doc["skipped"],
                    id=doc["id"]))


@app.command("run")
def reconcile_run(
    period: PeriodOption, channel: ScopeOption = None,
    tolerance: Annotated[str | None, typer.Option(
        "--tolerance", help="Amount differences up to this are matches (default 0.01)")]
    = None,
    fee_rate: Annotated[list[str] | None, typer.Option(
        "--fee-rate", help="type=rate: the expected rate of a fee or commission type of the "
        "grand total, e.g. 佣金=0.05 (repeatable)")] = None,
    database_url: DbOption = None, tenant: TenantOption = "default",
    as_json: JsonOption = False,
) -> None:
    """Reconcile the period: match every settlement row to an order, refund or shipment,
    or flag it with a reason code."""
    from orderhub.services.reconciliation import settlement

    with open_hub(database_url) as hub:
        try:
            runs = settlement.run(hub.uow, tenant, period, scope=channel,
                                  tolerance=settlement.tolerance_of(tolerance),
                                  fee_rates=settlement.parse_fee_rates(list(fee_rate or [])),
                                  now=hub.clock(), actor=cli_actor())
        except DomainError as exc:
            raise fail(describe(exc)) from None
    if as_json:
        print_json([r.as_dict() for r in runs])
        return
    for r in runs:
        s = r.summary
        console.print(t("{scope} {period}: {rows} rows, {matched} matched, {flagged} "
                        "flagged, {problems} problems (run {id})", scope=r.scope,
                        period=r.period, rows=s["rows"], matched=s["rows_matched"],
                        flagged=s["rows_flagged"], problems=s["problems"], id=r.id))
        counts = {k: v for k, v in s["counts"].items() if v}
        console.print("  " + ", ".join(f"{_label(k)}: {v}" for k, v in counts.items()))


def _label(code: str) -> str:
    from orderhub.cli.i18n import language
    from orderhub.domain.reconciliation import LABELS_ZH, FindingCode

    return LABELS_ZH[FindingCode(code)] if language() == "zh" else code


@app.command("report")
def reconcile_report(
    period: PeriodOption, channel: ScopeOption = None,
    code: Annotated[list[str] | None, typer.Option("--code", help="Only findings with this "
                                                   "reason code (repeatable)")] = None,
    fmt: Annotated[str | None, typer.Option("--format", help="csv or xlsx: write the whole "
                                            "report to --out")] = None,
    out: Annotated[Path | None, typer.Option("--out", help="The file to write (with "
                                             "--format)")] = None,
    limit: Annotated[int, typer.Option("--limit", min=1, help="Findings shown per scope "
                                       "at most")] = 50,
    database_url: DbOption = None, tenant: TenantOption = "default",
    as_json: JsonOption = False,
) -> None:
    """The period's report: per scope, open or closed, the latest run and its findings."""
    from orderhub.services.reconciliation import views

    if (fmt is None) != (out is None):
        raise fail(t("--format and --out go together"))
    with open_hub(database_url) as hub:
        try:
            if fmt is not None and out is not None:
                data, _, _ = views.export(hub.read_uow, tenant, period, fmt, scope=channel,
                                          codes=list(code or []))
                try:
                    out.write_bytes(data)
                except OSError as exc:
                    raise fail(f"cannot write {out}: {exc.strerror}", 2) from None
                console.print(t("report written to {path}", path=str(out)))
                return
            doc = views.report(hub.read_uow, tenant, period, scope=channel,
                               codes=list(code or []), limit=limit)
        except DomainError as exc:
            raise fail(describe(exc)) from None
    if as_json:
        print_json(doc)
        return
    for s in doc["scopes"]:
        _print_scope(doc["period"], s)


def _print_scope(period: str, s: dict[str, Any]) -> None:
    status = t("closed") if s["status"] == "closed" else t("open")
    run = s["run"]
    if run is None:
        console.print(t("{scope} {period} ({status}): not reconciled yet", scope=s["scope"],
                        period=period, status=status))
        return
    summary = run["summary"]
    console.print(t("{scope} {period} ({status}): {rows} rows, {matched} matched, {flagged} "
                    "flagged, {problems} problems (run {id})", scope=s["scope"],
                    period=period, status=status, rows=summary["rows"],
                    matched=summary["rows_matched"], flagged=summary["rows_flagged"],
                    problems=summary["problems"], id=run["id"]))
    if not s["findings"]:
        return
    table = Table()
    for col in ("reason", "order", "reference", "fee type", "expected", "settled",
                "difference", "rows"):
        table.add_column(t(col))
    for f in s["findings"]:
        table.add_row(_label(f["code"]), f["external_id"] or f["waybill"] or "-",
                      f["reference"] or "-", f["fee_type"] or "-", f["expected"] or "-",
                      f["settled"] or "-", f["difference"] or "-",
                      " ".join(map(str, f["lines"][:5])) or "-")
    console.print(table)
    if s["findings_total"] > len(s["findings"]):
        console.print(t("{n} more findings (--limit, --json or --format csv for all)",
                        n=s["findings_total"] - len(s["findings"])))


@app.command("close")
def reconcile_close(period: PeriodOption, channel: ScopeOption = None,
                    database_url: DbOption = None, tenant: TenantOption = "default",
                    as_json: JsonOption = False) -> None:
    """Close the reconciled period on its latest run: later imports and runs are refused."""
    from orderhub.services.reconciliation import settlement

    with open_hub(database_url) as hub:
        try:
            closed = settlement.close(hub.uow, tenant, period, scope=channel,
                                      now=hub.clock(), actor=cli_actor())
        except DomainError as exc:
            raise fail(describe(exc)) from None
    if as_json:
        print_json(closed)
        return
    for c in closed:
        console.print(t("{scope} {period} closed on run {run_id} ({problems} problems "
                        "kept in the report)", **c))
