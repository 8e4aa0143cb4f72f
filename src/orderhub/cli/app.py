"""`orderhub`: the root command. Each command group is a Typer sub-app in its own module
(shared options and helpers in `cli/common.py`); this module only puts them together, in
the order `orderhub --help` lists them. Nothing imports it but the entry point."""

from __future__ import annotations

import sys

import typer

from orderhub.adapters.secrets import SecretError
from orderhub.cli import (
    access,
    alerts,
    anomaly,
    audit,
    carrier,
    corpus,
    db,
    demo,
    events,
    exceptions,
    file_import,
    keys,
    orders,
    risk,
    routing,
    rules,
    sagas,
    scenario,
    serve,
    simulate,
    sla,
    stock,
    tenant,
    usage,
    warehouse,
    workers,
)
from orderhub.cli.common import err
from orderhub.domain.errors import DomainError

app = typer.Typer(
    help="orderhub: order orchestration hub (订单中枢).",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
# Top-level commands (sub-apps without a name add their commands to the root).
app.add_typer(demo.app)  # demo-data
app.add_typer(serve.app)  # serve
app.add_typer(simulate.app)  # simulate
app.add_typer(stock.app)  # stock, expire-reservations
app.add_typer(file_import.app)  # import
app.add_typer(workers.app)  # relay, worker
# Command groups.
app.add_typer(db.app, name="db")
app.add_typer(orders.app, name="order")
app.add_typer(events.app, name="events")
app.add_typer(corpus.app, name="corpus")
app.add_typer(audit.app, name="audit")
app.add_typer(warehouse.app, name="warehouse")
app.add_typer(carrier.app, name="carrier")
app.add_typer(routing.app, name="routing")
app.add_typer(scenario.app, name="scenario")
app.add_typer(rules.app, name="rules")
app.add_typer(usage.app, name="usage")
app.add_typer(tenant.app, name="tenant")
app.add_typer(access.app, name="access")
app.add_typer(keys.app, name="keys")
app.add_typer(sla.app, name="sla")
app.add_typer(alerts.app, name="alerts")
app.add_typer(risk.app, name="risk")
app.add_typer(exceptions.app, name="exceptions")
app.add_typer(anomaly.app, name="anomaly")
app.add_typer(sagas.app, name="sagas")


def main() -> None:

    try:
        app()
    except DomainError as exc:
        err.print(f"[red]error:[/red] {exc}")
        sys.exit(1)
    except SecretError as exc:  # a missing, malformed or wrong key: stop, say which
        err.print(f"[red]error:[/red] {exc}")
        sys.exit(2)
