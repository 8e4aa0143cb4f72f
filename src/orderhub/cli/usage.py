"""`orderhub usage show|statement`: a tenant's metered usage and its monthly statement (the
same reads as GET /v1/usage and /v1/usage/statement)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Annotated, Any, Literal

import typer
from rich.table import Table

from orderhub.cli.common import (
    CsvOption,
    DbOption,
    console,
    describe,
    emit,
    fail,
    open_hub,
)
from orderhub.domain.errors import DomainError

app = typer.Typer(help="Metered usage per tenant and monthly statements.", no_args_is_help=True)

TenantRequired = Annotated[str, typer.Option("--tenant", help="Tenant id")]
MonthOption = Annotated[str | None, typer.Option("--month", help="YYYY-MM; this month if "
                                                 "not given")]
JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table")]


def _dump(doc: dict[str, Any]) -> None:
    print(json.dumps(doc, ensure_ascii=False, indent=2))


@app.command("show")
def usage_show(
    tenant: TenantRequired,
    month: MonthOption = None,
    group_by: Annotated[str, typer.Option("--group-by", help="operation | credential | "
                                          "day")] = "operation",
    as_json: JsonFlag = False,
    as_csv: CsvOption = False,
    database_url: DbOption = None,
) -> None:
    """Calls, failed calls, orders and rows of a month, grouped."""
    import calendar

    from orderhub.services.metering import parse_month, usage

    if group_by not in ("operation", "credential", "day"):
        raise fail(f"--group-by: '{group_by}' is not one of operation, credential, day")
    grouping: Literal["operation", "credential", "day"] = group_by  # type: ignore[assignment]
    try:
        year, mon = parse_month(month or datetime.now(UTC).strftime("%Y-%m"))
        with open_hub(database_url) as hub:
            doc = usage(hub.read_uow, tenant, datetime(year, mon, 1).date(),
                        datetime(year, mon, calendar.monthrange(year, mon)[1]).date(),
                        grouping)
    except DomainError as exc:
        raise fail(describe(exc)) from None
    if emit(doc, as_json, as_csv, rows=doc["items"]):
        return
    table = Table(title=f"usage of {tenant}, {doc['from']} to {doc['to']}")
    for col in (group_by, "calls", "failed", "orders", "rows"):
        table.add_column(col, justify="left" if col == group_by else "right")
    for item in doc["items"] + [{group_by: "total", **doc["total"]}]:
        table.add_row(str(item[group_by]), *(str(item[c]) for c in
                                              ("calls", "failed", "orders", "rows")))
    console.print(table)


@app.command("statement")
def usage_statement(tenant: TenantRequired, month: Annotated[str, typer.Option(
        "--month", help="YYYY-MM")], as_json: JsonFlag = False,
        database_url: DbOption = None) -> None:
    """The month's bill per service of the catalogue: units, unit price, amount (CNY)."""
    from orderhub.services.metering import statement

    try:
        with open_hub(database_url) as hub:
            doc = statement(hub.read_uow, tenant, month)
    except DomainError as exc:
        raise fail(describe(exc)) from None
    if as_json:
        _dump(doc)
        return
    table = Table(title=f"statement of {tenant} for {doc['month']} ({doc['currency']})")
    for col in ("service", "unit", "units", "unit price", "amount"):
        table.add_column(col, justify="left" if col in ("service", "unit") else "right")
    for line in doc["lines"]:
        table.add_row(f"{line['service']} {line['name']['zh']}", line["unit"],
                      str(line["units"]), line["unit_price"], line["amount"])
    table.add_row("total", "", "", "", doc["total"])
    console.print(table)
