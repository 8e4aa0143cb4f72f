"""`orderhub bid`: 3PL bidding (docs/bidding.md): providers (add, list, rotate their
signing secret), the policy (set, show), offers (list), the auction job run once (`close`)
and the demo with the simulated providers (`simulate`)."""

from __future__ import annotations

import json
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
    emit,
    fail,
    open_hub,
    upgrade_schema,
)
from orderhub.cli.i18n import t
from orderhub.domain.errors import DomainError

app = typer.Typer(help="3PL bidding: providers, the policy, offers, the demo.",
                  no_args_is_help=True)
providers_app = typer.Typer(help="Providers that may bid, with their signing secrets.",
                            no_args_is_help=True)
policy_app = typer.Typer(help="Which orders are offered, the window, cost against promise.",
                         no_args_is_help=True)
app.add_typer(providers_app, name="providers")
app.add_typer(policy_app, name="policy")


@providers_app.command("add")
def providers_add(
    code: Annotated[str, typer.Argument(help="The provider's code")],
    name: Annotated[str | None, typer.Option("--name", help="Its name")] = None,
    kind: Annotated[str, typer.Option("--kind", help="warehouse or 3pl")] = "3pl",
    site: Annotated[list[str] | None, typer.Option(
        "--site", help="A reserved site it fulfils from (repeat; none: any)")] = None,
    endpoint: Annotated[str, typer.Option(
        "--endpoint", help="https:// URL bid requests are sent to")] = "",
    tenant: TenantOption = "default",
    as_json: JsonOption = False,
    database_url: DbOption = None,
) -> None:
    """Add or update a provider; a new one gets a signing secret, shown only now."""
    from orderhub.services.bidding import providers

    doc = {"code": code, "name": name or code, "kind": kind, "sites": site or [],
           "endpoint": endpoint}
    try:
        with open_hub(database_url) as hub:
            upgrade_schema(hub)
            out = providers.save_provider(hub.uow, tenant, doc, secret=None,
                                          now=hub.clock(), actor=cli_actor())
    except DomainError as exc:
        raise fail(describe(exc), 2) from None
    if not emit(out, as_json):
        console.print(t("provider {code} saved", code=out["code"]), highlight=False)
        if out.get("secret"):
            console.print(t("signing secret (shown once): {secret}", secret=out["secret"]),
                          highlight=False)


@providers_app.command("list")
def providers_list(tenant: TenantOption = "default", as_json: JsonOption = False,
                   database_url: DbOption = None) -> None:
    """The providers (never their secrets)."""
    from orderhub.services.bidding import providers

    with open_hub(database_url) as hub:
        upgrade_schema(hub)
        rows = providers.list_providers(hub.read_uow, tenant)
    if emit(rows, as_json):
        return
    table = Table()
    for col in ("code", "name", "kind", "sites", "endpoint", "active"):
        table.add_column(t(col))
    for r in rows:
        table.add_row(r["code"], r["name"], r["kind"], ",".join(r["sites"]) or "*",
                      r["endpoint"], str(r["active"]))
    console.print(table)


@providers_app.command("rotate-secret")
def providers_rotate(code: Annotated[str, typer.Argument(help="The provider's code")],
                     tenant: TenantOption = "default", as_json: JsonOption = False,
                     database_url: DbOption = None) -> None:
    """A new signing secret for the provider (shown once); the old one stops at once."""
    from orderhub.services.bidding import providers

    try:
        with open_hub(database_url) as hub:
            out = providers.rotate_secret(hub.uow, tenant, code, now=hub.clock(),
                                          actor=cli_actor())
    except DomainError as exc:
        raise fail(describe(exc)) from None
    if not emit(out, as_json):
        console.print(t("signing secret (shown once): {secret}", secret=out["secret"]),
                      highlight=False)


@policy_app.command("set")
def policy_set(
    doc: Annotated[str, typer.Argument(
        help="The policy as JSON, or @file.json: {when, window_seconds, cost_weight, "
        "enabled}")],
    tenant: TenantOption = "default",
    as_json: JsonOption = False,
    database_url: DbOption = None,
) -> None:
    """Set the bidding policy (a new version)."""
    from orderhub.services.bidding import providers

    try:
        text = Path(doc[1:]).read_text(encoding="utf-8") if doc.startswith("@") else doc
        parsed: Any = json.loads(text)
    except (OSError, ValueError) as exc:
        raise fail(t("not a JSON policy: {problem}", problem=str(exc)), 2) from None
    if not isinstance(parsed, dict):
        raise fail(t("not a JSON policy: {problem}", problem="an object"), 2)
    try:
        with open_hub(database_url) as hub:
            upgrade_schema(hub)
            out = providers.set_policy(hub.uow, tenant, parsed, now=hub.clock(),
                                       actor=cli_actor())
    except DomainError as exc:
        raise fail(describe(exc), 2) from None
    if not emit(out, as_json):
        console.print(t("bidding policy v{version}: window {window} s, cost weight {weight}",
                        version=out["version"], window=out["window_seconds"],
                        weight=out["cost_weight"]), highlight=False)


@policy_app.command("show")
def policy_show(tenant: TenantOption = "default", database_url: DbOption = None) -> None:
    """The bidding policy as JSON (null: no order is offered)."""
    from orderhub.cli.common import print_json
    from orderhub.services.bidding import providers

    with open_hub(database_url) as hub:
        upgrade_schema(hub)
        print_json(providers.get_policy(hub.read_uow, tenant))


def _offers_table(offers: list[dict[str, Any]]) -> None:
    table = Table()
    for col in ("offer", "order", "site", "status", "winner", "price", "bids"):
        table.add_column(t(col))
    for o in offers:
        table.add_row(o["offer_id"], o["order_id"], o["site"], t(o["status"]),
                      o["winner"] or "-", o["price"] or "-",
                      " ".join(f"{b['provider']}:{t(b['status'])}" for b in o["bids"]))
    console.print(table)


@app.command("offers")
def offers(
    status: Annotated[str | None, typer.Option(
        "--status", help="open, awarded or fallback")] = None,
    limit: Annotated[int, typer.Option(min=1, max=500)] = 20,
    tenant: TenantOption = "default",
    as_json: JsonOption = False,
    database_url: DbOption = None,
) -> None:
    """Recent offers, their bids and decisions."""
    from orderhub.services.bidding import views

    if status not in (None, "open", "awarded", "fallback"):
        raise fail(t("unknown status '{status}'; one of: {choices}", status=status,
                     choices="open, awarded, fallback"), 2)
    with open_hub(database_url) as hub:
        upgrade_schema(hub)
        rows = views.list_offers(hub.read_uow, tenant, status=status, limit=limit)
    if not emit(rows, as_json):
        _offers_table(rows)


@app.command("close")
def close(database_url: DbOption = None) -> None:
    """Run the bid-auctions job once: send new offers' requests, decide due offers."""
    from orderhub.services.bidding import auctions

    with open_hub(database_url) as hub:
        upgrade_schema(hub)
        sent = auctions.dispatch(hub.uow, hub.bid_sender(), hub.clock())
        done = auctions.close_due(hub.uow, hub.clock())
        hub.relay.drain()
    console.print(t("requests sent for {sent} offers; {awarded} awarded, {fallback} fell "
                    "back", sent=sent, awarded=len(done.awarded),
                    fallback=len(done.fell_back)), highlight=False)


@app.command("simulate")
def simulate(
    orders: Annotated[int, typer.Option("--orders", min=1, max=2000,
                                        help="Orders to submit")] = 20,
    seed: Annotated[int, typer.Option("--seed", help="Random seed")] = 7,
    tenant: TenantOption = "default",
    as_json: JsonOption = False,
    database_url: DbOption = None,
) -> None:
    """The demo: simulated providers (latency, prices, one late, one malformed, one
    silent) bid on generated orders the policy selects (tmall by default)."""
    from orderhub.tools import bid_simulation

    try:
        with open_hub(database_url) as hub:
            upgrade_schema(hub)
            report = bid_simulation.run(hub, tenant, orders=orders, seed=seed)
    except ValueError as exc:
        raise fail(str(exc)) from None
    except DomainError as exc:
        raise fail(describe(exc), 2) from None
    doc = report.as_dict()
    if emit(doc, as_json):
        return
    console.print(t("{orders} orders, {offered} offered: {awarded} awarded, {fallback} fell "
                    "back, {open} open ({seconds} s)", **{k: doc[k] for k in (
                        "orders", "offered", "awarded", "fallback", "open", "seconds")}),
                  highlight=False)
    _offers_table(report.offers)
