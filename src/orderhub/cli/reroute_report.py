"""What a network change did to orders, as an operator reads it: one summary line with
counts that add up, where the re-routed orders went, then the orders one per line when
there are few of them or `--verbose` asks; `--json` prints the whole report instead.

Shared by `warehouse`, `carrier` and `routing`: a close can touch thousands of orders."""

from __future__ import annotations

from collections import Counter
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape

from orderhub.cli.common import console, print_json

if TYPE_CHECKING:
    from orderhub.services.network.reports import OrderOutcome, RerouteReport

VerboseOption = Annotated[bool, typer.Option(
    "--verbose", help="List every order the change looked at, one per line")]
JsonOption = Annotated[bool, typer.Option(
    "--json", help="Print the change and its full report (every order) as JSON")]

LISTED = 10  # a report with at most this many orders lists them without --verbose


def summary(report: RerouteReport) -> str:
    """The counts in one line: re-routed (by what became of the promise), held, still
    held, flagged; together they are every order the change looked at."""
    c = report.counts()
    routed = c["promise_kept"] + c["promise_later"] + c["first_promise"]
    promises = [f"{c['promise_kept']} kept their promised date",
                f"{c['promise_later']} promised later"]
    if c["first_promise"]:
        promises.append(f"{c['first_promise']} promised for the first time")
    line = (f"{report.cause}: {routed} order(s) re-routed ({', '.join(promises)}), "
            f"{c['held']} held")
    if c["still_held"]:
        line += f", {c['still_held']} still held"
    return (line + f", {c['flagged']} already released and flagged for a decision; "
            f"{report.looked_at} order(s) looked at")


def _order_line(order_id: str, o: OrderOutcome) -> str:
    if o.outcome.value == "held":
        return f"  {order_id} held"
    if o.outcome.value == "still_held":
        return f"  {order_id} still held"
    if o.outcome.value == "flagged":
        return f"  {order_id} flagged: already released to its warehouse"
    line = f"  {order_id} -> {', '.join(o.sites)}"
    if o.outcome.value == "promise_later":
        was = f", was {o.promised_before}" if o.promised_before else ""
        line += f" (now due {o.promised or 'unknown'}{was})"
    elif o.outcome.value == "first_promise" and o.promised:
        line += f" (due {o.promised})"
    return line


def print_report(report: RerouteReport | None, *, verbose: bool) -> None:
    """The summary, the destinations, the orders (few, or `verbose`), the warnings."""
    if report is None:
        return
    console.print(escape(summary(report)), highlight=False)
    destinations = Counter("+".join(o.sites) for o in report.orders.values() if o.sites)
    if destinations:
        console.print("  to " + ", ".join(f"{escape(sites)}: {n}" for sites, n in
                                          sorted(destinations.items(),
                                                 key=lambda kv: (-kv[1], kv[0]))),
                      highlight=False)
    order = {outcome: i for i, outcome in enumerate(
        ("promise_kept", "promise_later", "first_promise", "held", "still_held", "flagged"))}
    if verbose or report.looked_at <= LISTED:
        for oid, o in sorted(report.orders.items(),
                             key=lambda kv: (order[kv[1].outcome.value], kv[0])):
            console.print(escape(_order_line(oid, o)), highlight=False)
    else:
        console.print(f"  ({report.looked_at} orders: --verbose lists each one, --json "
                      "prints the full report)", highlight=False)
    for w in report.warnings:
        console.print(f"[yellow]warning:[/yellow] {escape(w)}")


def print_change(change: dict[str, Any], report: RerouteReport | None) -> None:
    """`--json`: the changed thing and its report, shaped as the API answers."""
    print_json({**change, "reroute": report.as_dict() if report else None})
