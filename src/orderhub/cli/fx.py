"""`orderhub fx load|list|set|remove|settings`: a tenant's exchange rates into its base
currency (汇率), with their source and staleness limit (domain/fx.py). Money checks convert
an order's amounts at the rate effective on its day; an order whose currency has no usable
rate is held (fx_rate_missing) until one is loaded."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from orderhub.cli.common import (
    CsvOption,
    DbOption,
    JsonOption,
    TenantOption,
    cli_actor,
    console,
    emit,
    fail,
    open_hub,
)
from orderhub.cli.i18n import t
from orderhub.domain.errors import DomainError, InvalidInput


def describe(exc: DomainError) -> str:
    """A domain error in the CLI's language, field by field (`line 3: rate: ...`)."""
    if isinstance(exc, InvalidInput):
        return "; ".join(t(f"{e.loc}: {e.message}".replace(": : ", ": ")) for e in exc.errors)
    return t(str(exc))

app = typer.Typer(help="Exchange rates into the tenant's base currency (汇率).",
                  no_args_is_help=True)

DateOption = Annotated[str | None, typer.Option(
    "--date", help="Effective date, YYYY-MM-DD (default: today, UTC)")]


def _day(text: str | None) -> date:
    from datetime import UTC, datetime
    if text is None:
        return datetime.now(UTC).date()
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise fail(f"--date: '{text}' is not a date (YYYY-MM-DD)", 2) from None


@app.command("load")
def fx_load(
    file: Annotated[Path, typer.Argument(help="CSV file: currency,rate,effective_date[,source]")],
    tenant: TenantOption = "default",
    as_json: JsonOption = False,
    database_url: DbOption = None,
) -> None:
    """Load a rate file; a bad row refuses the whole file (line and field named)."""
    from datetime import UTC, datetime

    from orderhub.services import fx

    try:
        text = file.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise fail(f"cannot read {file}: {exc}", 2) from None
    with open_hub(database_url) as hub:
        try:
            counts = fx.load_csv(hub.uow, tenant, text, datetime.now(UTC), actor=cli_actor(),
                                 retry=fx.Retry(hub.strategy, hub.presale_lock))
        except DomainError as exc:
            raise fail(describe(exc)) from None
    if not emit(counts, as_json):
        console.print(t(f"{counts['added']} added, {counts['changed']} changed, "
                        f"{counts['unchanged']} unchanged"))
        if counts["retried"]:
            console.print(t(f"{counts['retried']} held orders validated again"))


@app.command("set")
def fx_set(
    currency: Annotated[str, typer.Argument(help="ISO 4217 code, e.g. USD")],
    rate: Annotated[str, typer.Argument(help="Units of the base currency per unit")],
    day: DateOption = None,
    source: Annotated[str, typer.Option("--source", help="Where the rate comes from, e.g. "
                                        "'PBOC central parity'")] = "manual",
    tenant: TenantOption = "default",
    database_url: DbOption = None,
) -> None:
    """Set one rate (replaces the same currency and day)."""
    from datetime import UTC, datetime

    from orderhub.services import fx

    when = _day(day)
    with open_hub(database_url) as hub:
        try:
            found = fx.set_rate(hub.uow, tenant, currency, rate, when, datetime.now(UTC),
                                actor=cli_actor(), source=source,
                                retry=fx.Retry(hub.strategy, hub.presale_lock))
        except DomainError as exc:
            raise fail(describe(exc)) from None
    console.print(f"{found.currency} {found.rate} ({found.effective_date}, {found.source})")


@app.command("remove")
def fx_remove(
    currency: Annotated[str, typer.Argument(help="ISO 4217 code, e.g. USD")],
    day: Annotated[str, typer.Option("--date", help="Effective date, YYYY-MM-DD")],
    tenant: TenantOption = "default",
    database_url: DbOption = None,
) -> None:
    """Remove one rate."""
    from datetime import UTC, datetime

    from orderhub.services import fx

    when = _day(day)
    with open_hub(database_url) as hub:
        try:
            fx.remove_rate(hub.uow, tenant, currency, when, datetime.now(UTC),
                           actor=cli_actor())
        except DomainError as exc:
            raise fail(describe(exc)) from None
    console.print(t("done"))


@app.command("list")
def fx_list(
    currency: Annotated[str | None, typer.Option("--currency", help="Only this currency")]
    = None,
    tenant: TenantOption = "default",
    as_json: JsonOption = False,
    as_csv: CsvOption = False,
    database_url: DbOption = None,
) -> None:
    """Stored rates, newest first, with the base currency and staleness limit."""
    from orderhub.services import fx

    with open_hub(database_url) as hub:
        rows = fx.list_rates(hub.read_uow, tenant, currency)
        s = fx.settings(hub.read_uow, tenant)
    doc = {"base_currency": s.base_currency, "max_age_days": s.max_age_days, "rates": rows}
    columns = ["currency", "effective_date", "rate", "source", "updated_at", "updated_by"]
    if emit(doc, as_json, as_csv, rows=rows, columns=columns):
        return
    table = Table(title=t(f"base {s.base_currency}, stale after {s.max_age_days} days"))
    for col in ("currency", "effective date", "rate", "source", "by"):
        table.add_column(t(col))
    for r in rows:
        table.add_row(r["currency"], r["effective_date"].isoformat(), str(r["rate"]),
                      r["source"], r["updated_by"])
    console.print(table)


@app.command("settings")
def fx_settings(
    base: Annotated[str | None, typer.Option("--base", help="Base currency, e.g. CNY")]
    = None,
    max_age_days: Annotated[int | None, typer.Option(
        "--max-age-days", help="Days a rate may be used after its effective date")] = None,
    tenant: TenantOption = "default",
    as_json: JsonOption = False,
    database_url: DbOption = None,
) -> None:
    """Show, or change, the base currency and staleness limit."""
    from datetime import UTC, datetime

    from orderhub.services import fx

    with open_hub(database_url) as hub:
        s = fx.settings(hub.read_uow, tenant)
        if base is not None or max_age_days is not None:
            try:
                s = fx.change_settings(hub.uow, tenant, base or s.base_currency,
                                       s.max_age_days if max_age_days is None
                                       else max_age_days, datetime.now(UTC), actor=cli_actor(),
                                       retry=fx.Retry(hub.strategy, hub.presale_lock))
            except DomainError as exc:
                raise fail(describe(exc)) from None
    doc = {"base_currency": s.base_currency, "max_age_days": s.max_age_days}
    if not emit(doc, as_json):
        console.print(t(f"base {s.base_currency}, stale after {s.max_age_days} days"))
