"""`orderhub`: serve the API, migrate, load demo data, simulate, and inspect orders."""

from __future__ import annotations

import sys
from collections import Counter
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn
from rich.table import Table

from orderhub.bootstrap import Hub, bootstrap
from orderhub.domain.errors import DomainError

app = typer.Typer(
    help="orderhub: order orchestration hub (订单中枢).",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
db_app = typer.Typer(help="Database schema.", no_args_is_help=True)
order_app = typer.Typer(help="Inspect orders.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(order_app, name="order")
events_app = typer.Typer(
    help="The event stream: status, tail, replay, catalogue.", no_args_is_help=True
)
app.add_typer(events_app, name="events")

console = Console()
err = Console(stderr=True)

DbOption = Annotated[
    str | None,
    typer.Option(
        "--database-url",
        envvar="ORDERHUB_DATABASE_URL",
        help="SQLAlchemy URL; default sqlite:///orderhub.db in the working directory",
    ),
]
TenantOption = Annotated[str, typer.Option("--tenant", help="Tenant id")]


def _hub(database_url: str | None) -> Hub:
    return bootstrap(database_url=database_url)


def _fail(message: str, code: int = 1) -> typer.Exit:
    err.print(f"[red]error:[/red] {escape(message)}")
    return typer.Exit(code)


def _upgrade(hub: Hub) -> None:
    from orderhub.adapters.db.migrate import upgrade

    upgrade(hub.engine, default_tenant=hub.settings.default_tenant)


@db_app.command("upgrade")
def db_upgrade(database_url: DbOption = None) -> None:
    """Create or migrate the schema to the newest revision."""
    from orderhub.adapters.db.migrate import current_revision

    with _hub(database_url) as hub:
        _upgrade(hub)
        console.print(
            f"schema at revision [bold]{current_revision(hub.engine)}[/bold] "
            f"({hub.engine.url.render_as_string(hide_password=True)})"
        )


@app.command("demo-data")
def demo_data(
    database_url: DbOption = None,
    tenant: TenantOption = "default",
    skus: Annotated[int, typer.Option(min=1, max=200_000)] = 2000,
    seed: int = 7,
) -> None:
    """Load the deterministic demo set: 8 warehouses in Chinese cities, SKUs, channels, stock."""
    from orderhub.tools.demo import build_demo

    with _hub(database_url) as hub:
        _upgrade(hub)
        try:
            s = build_demo(hub, tenant, skus=skus, seed=seed)
        except ValueError as exc:
            raise _fail(str(exc)) from None
        console.print(
            f"loaded {s.warehouses} warehouses, {s.skus} SKUs, {s.channels} channels, "
            f"{s.stock_rows} stock rows into tenant '{tenant}'"
        )


@app.command()
def serve(
    database_url: DbOption = None,
    host: Annotated[str, typer.Option(envvar="ORDERHUB_HOST")] = "127.0.0.1",
    port: Annotated[int, typer.Option(envvar="ORDERHUB_PORT")] = 8000,
    demo: Annotated[bool, typer.Option(help="Load demo data into an empty database")] = False,
    background: Annotated[
        bool, typer.Option(help="Also run relay, consumers, webhooks and sweeper in this process")
    ] = True,
) -> None:
    """Run the REST API (docs at /docs) with the outbox relay and expiry sweeper."""
    import uvicorn

    from orderhub.api.app import create_app

    with _hub(database_url) as hub:
        _upgrade(hub)
        if demo:
            from orderhub.tools.demo import build_demo

            with hub.read_uow() as uow:
                empty = not uow.catalog.warehouses(hub.settings.default_tenant)
            if empty:
                s = build_demo(hub, hub.settings.default_tenant)
                console.print(
                    f"demo data: {s.warehouses} warehouses, {s.skus} SKUs, "
                    f"{s.stock_rows} stock rows"
                )
        console.print(f"orderhub API on http://{host}:{port}  (OpenAPI docs: /docs)")
        uvicorn.run(create_app(hub, background=background), host=host, port=port, log_level="info")


@app.command()
def simulate(
    database_url: DbOption = None,
    tenant: TenantOption = "default",
    orders: Annotated[int, typer.Option(min=1, max=10_000_000)] = 2000,
    seed: int = 42,
    batch_size: Annotated[int, typer.Option(min=1, max=5000)] = 200,
    fulfil_share: Annotated[float, typer.Option(min=0, max=1)] = 0.1,
) -> None:
    """Push a realistic order stream through the hub and report what happened."""
    from orderhub.tools.simulation import simulate as run

    with _hub(database_url) as hub:
        _upgrade(hub)
        with Progress(
            "[progress.description]{task.description}",
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=console,
            disable=not sys.stdout.isatty(),
        ) as bar:
            task = bar.add_task("orders", total=orders)
            try:
                report = run(
                    hub,
                    tenant,
                    orders=orders,
                    seed=seed,
                    batch_size=batch_size,
                    fulfil_share=fulfil_share,
                    progress=lambda n: bar.advance(task, n),
                )
            except (ValueError, DomainError) as exc:
                raise _fail(str(exc)) from None
        hub.relay.drain()
        lat = sorted(report.latencies_ms)
        table = Table(title=f"simulation: {orders} orders, seed {seed}, batches of {batch_size}")
        table.add_column("measure")
        table.add_column("value", justify="right")
        table.add_row("submitted", str(report.submitted))
        table.add_row("created (new)", str(report.created))
        table.add_row("already existed", str(report.existing))
        table.add_row("allocated", str(report.allocated))
        table.add_row("held", str(report.held))
        for code, n in report.hold_reasons.most_common():
            table.add_row(f"  held: {code}", str(n))
        share = report.split / report.allocated if report.allocated else 0.0
        table.add_row("split shipments", f"{report.split} ({share:.1%} of allocated)")
        table.add_row("driven to paid", str(report.fulfilled))
        table.add_row("cancelled", str(report.cancelled))
        table.add_row("intake throughput", f"{report.orders_per_second:,.0f} orders/s")
        if lat:
            table.add_row(
                "batch latency p50 / p99",
                f"{lat[len(lat) // 2]:.1f} / {lat[min(len(lat) - 1, int(len(lat) * 0.99))]:.1f} ms",
            )
        table.add_row("events published", str(hub.relay.published))
        console.print(table)


@order_app.command("show")
def order_show(
    order_id: str, database_url: DbOption = None, tenant: TenantOption = "default"
) -> None:
    """An order with its lines, shipments and full timeline."""
    from orderhub.services.orders import views

    with _hub(database_url) as hub:
        try:
            o = views.get_order(hub.read_uow, tenant, order_id)
            timeline = views.get_timeline(hub.read_uow, tenant, order_id)
        except DomainError as exc:
            raise _fail(str(exc)) from None
        console.print(
            f"[bold]{o['id']}[/bold]  {o['channel']}/{o['external_id']}  "
            f"type={o['order_type']}  status=[bold]{o['status']}[/bold]  "
            f"total={o['totals']['grand_total']} {o['currency']}  "
            f"promised={o['promised_delivery']}"
        )
        for r in o["hold_reasons"]:
            console.print(f"  [yellow]hold[/yellow] {r['code']}: {r['message']}")
        lines = Table(title="lines")
        for col in ("#", "sku", "qty", "unit price", "discount", "tax", "total"):
            lines.add_column(col)
        for ln in o["lines"]:
            lines.add_row(
                str(ln["line_no"]),
                ln["sku"],
                str(ln["quantity"]),
                ln["unit_price"],
                ln["discount"],
                ln["tax"],
                ln["total"],
            )
        console.print(lines)
        if o["shipments"]:
            ships = Table(title="shipments")
            for col in ("shipment", "warehouse", "status", "lines"):
                ships.add_column(col)
            for s in o["shipments"]:
                ships.add_row(
                    s["id"],
                    s["warehouse"],
                    s["status"],
                    ", ".join(f"{x['sku']} x{x['quantity']}" for x in s["lines"]),
                )
            console.print(ships)
        tl = Table(title="timeline")
        for col in ("#", "time (UTC)", "event", "status", "actor", "reason"):
            tl.add_column(col)
        for e in timeline:
            tl.add_row(
                str(e["seq"]),
                e["at"].strftime("%Y-%m-%d %H:%M:%S.%f")[:-3],
                e["type"],
                e["status"],
                e["actor"],
                e["reason"],
            )
        console.print(tl)


@order_app.command("why")
def order_why(order_id: str, database_url: DbOption = None,
              tenant: TenantOption = "default") -> None:
    """Why the order was routed where it was, in plain words."""
    from orderhub.services.orders import views

    with _hub(database_url) as hub:
        try:
            decisions = views.get_routing(hub.read_uow, tenant, order_id)
        except DomainError as exc:
            raise _fail(str(exc)) from None
    if not decisions:
        console.print("no routing decision recorded: the order has not been routed yet (it "
                      "is held before allocation), or it was allocated by the nearest-"
                      "warehouse strategy (ORDERHUB_ALLOCATION_STRATEGY=nearest)")
        return
    for d in decisions:
        console.print(f"[bold]{d['decided_at']:%Y-%m-%d %H:%M:%S} UTC[/bold]")
        for line in views.explain_routing(d):
            console.print("  " + line, highlight=False)


@order_app.command("list")
def order_list(
    database_url: DbOption = None,
    tenant: TenantOption = "default",
    status: Annotated[str | None, typer.Option(help="Filter by status")] = None,
    limit: Annotated[int, typer.Option(min=1, max=500)] = 20,
) -> None:
    """The newest orders."""
    from orderhub.domain.lifecycle import OrderStatus
    from orderhub.services.orders import views

    try:
        st = OrderStatus(status) if status else None
    except ValueError:
        raise _fail(
            f"unknown status '{status}'; one of: " + ", ".join(s.value for s in OrderStatus), 2
        ) from None
    with _hub(database_url) as hub:
        page = views.list_orders(hub.read_uow, tenant, status=st, limit=limit)
        table = Table()
        for col in ("id", "channel", "external id", "status", "total", "warehouses"):
            table.add_column(col)
        for o in page["items"]:
            table.add_row(
                o["id"],
                o["channel"],
                o["external_id"],
                o["status"],
                o["totals"]["grand_total"],
                ",".join(sorted({s["warehouse"] for s in o["shipments"]})),
            )
        console.print(table)


@app.command("stock")
def stock(sku: str, database_url: DbOption = None, tenant: TenantOption = "default") -> None:
    """Stock of one SKU per warehouse: on hand, reserved, safety stock, ATP."""
    from orderhub.services.inventory import stock_control

    with _hub(database_url) as hub:
        try:
            levels = stock_control.stock_of_sku(hub.read_uow, tenant, sku)
        except DomainError as exc:
            raise _fail(str(exc)) from None
        table = Table(title=f"stock of {sku}")
        for col in ("warehouse", "on hand", "reserved", "safety", "ATP"):
            table.add_column(col, justify="right")
        for lv in levels:
            table.add_row(
                lv.warehouse, str(lv.on_hand), str(lv.reserved), str(lv.safety_stock), str(lv.atp)
            )
        console.print(table)


@app.command("expire-reservations")
def expire(database_url: DbOption = None) -> None:
    """Release lapsed pre-sale locks now (serve also does this in the background)."""
    from orderhub.services.orders.fulfilment import expire_reservations

    with _hub(database_url) as hub:
        n = expire_reservations(hub.uow, now=hub.clock())
        console.print(f"{n} order(s) had lapsed reservations released and were put on hold")


NatsOption = Annotated[
    str | None,
    typer.Option(
        "--nats-url",
        envvar="ORDERHUB_NATS_URL",
        help="NATS JetStream URL; without it the embedded log is used",
    ),
]


def _events_hub(database_url: str | None, nats_url: str | None) -> Hub:
    from orderhub.config import get_settings

    settings = get_settings().model_copy(update={"nats_url": nats_url or None})
    return bootstrap(settings, database_url=database_url)


@events_app.command("status")
def events_status(
    database_url: DbOption = None,
    nats_url: NatsOption = None,
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """Outbox backlog, publication position, consumers' lag, parked events, webhooks."""
    import json

    from orderhub.services.events.status import backbone_status

    with _events_hub(database_url, nats_url) as hub:
        status = backbone_status(hub)
    if as_json:
        console.print_json(json.dumps(status, default=str))
        return
    table = Table(title=f"event backbone ({status['bus']})")
    table.add_column("measure")
    table.add_column("value", justify="right")
    table.add_row("outbox backlog (unpublished)", str(status["outbox_backlog"]))
    table.add_row("oldest unpublished age", f"{status['oldest_unpublished_age_seconds']} s")
    table.add_row("last publication position", str(status["last_position"]))
    for c in status["consumers"]:
        table.add_row(f"consumer {c['name']}: pending / parked", f"{c['pending']} / {c['parked']}")
    for st, n in sorted(status["webhook_deliveries"].items()):
        table.add_row(f"webhook deliveries {st}", str(n))
    console.print(table)


@events_app.command("tail")
def events_tail(
    database_url: DbOption = None,
    nats_url: NatsOption = None,
    event_type: Annotated[
        list[str] | None, typer.Option("--type", help="Only this event type (repeatable)")
    ] = None,
    order: Annotated[str | None, typer.Option("--order", help="Only this order")] = None,
    from_start: Annotated[bool, typer.Option(help="Begin with the oldest event")] = False,
    limit: Annotated[int, typer.Option(min=0, help="Stop after N events (0: never)")] = 0,
    seconds: Annotated[float, typer.Option(min=0, help="Stop after S seconds (0: never)")] = 0,
    as_json: Annotated[bool, typer.Option("--json", help="One CloudEvent JSON per line")] = False,
) -> None:
    """Print the live event stream."""
    import time

    from orderhub.services.events.stream_tools import tail

    deadline = time.monotonic() + seconds if seconds else None
    shown = 0
    with _events_hub(database_url, nats_url) as hub:
        try:
            stream = tail(
                hub,
                types=event_type or [],
                order_id=order,
                from_start=from_start,
                should_stop=lambda: deadline is not None and time.monotonic() > deadline,
            )
            for e in stream:
                if as_json:
                    sys.stdout.write(e.to_json().decode() + "\n")
                    sys.stdout.flush()
                else:
                    console.print(
                        f"{e.time:%Y-%m-%d %H:%M:%S.%f}"[:-3]
                        + f"  {e.type:<25} {e.subject:<38} #{e.sequence:<3} "
                        f"status={e.data.get('status', '')} actor={e.data.get('actor', '')}",
                        highlight=False,
                        soft_wrap=True,
                    )
                shown += 1
                if limit and shown >= limit:
                    break
        except DomainError as exc:
            raise _fail(str(exc), 2) from None
        except KeyboardInterrupt:
            pass


@events_app.command("replay")
def events_replay(
    consumer: Annotated[str, typer.Option(help="Durable consumer name")],
    since: Annotated[str, typer.Option(help="ISO time, e.g. 2026-11-24T08:00:00Z")],
    database_url: DbOption = None,
    nats_url: NatsOption = None,
) -> None:
    """Re-deliver everything published since TIME to a durable consumer."""
    from datetime import UTC, datetime

    from orderhub.services.events.stream_tools import replay

    try:
        when = datetime.fromisoformat(since.replace("Z", "+00:00"))
    except ValueError:
        raise _fail(f"--since: not an ISO 8601 time: {since!r}", 2) from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    with _events_hub(database_url, nats_url) as hub:
        try:
            n = replay(hub, consumer, when)
        except DomainError as exc:
            raise _fail(str(exc), 2) from None
    console.print(
        f"consumer '{consumer}' will receive again the {n} event(s) published "
        f"since {when.isoformat()}"
    )


@events_app.command("catalog")
def events_catalog(
    markdown: Annotated[bool, typer.Option(help="Render as Markdown")] = False,
) -> None:
    """The event catalogue: types, JSON Schemas and examples."""
    import json

    from orderhub.domain.event_catalog import catalog_document, catalog_markdown

    if markdown:
        sys.stdout.write(catalog_markdown())
    else:
        sys.stdout.write(json.dumps(catalog_document(), indent=2, ensure_ascii=False) + "\n")


@app.command("import")
def import_orders(
    file: Annotated[Path, typer.Argument(help="CSV, XLSX, JSON (array) or JSON lines file")],
    channel: Annotated[str, typer.Option(help="Channel code the orders come from")],
    database_url: DbOption = None,
    tenant: TenantOption = "default",
    fmt: Annotated[str, typer.Option("--format", help="auto, csv, xlsx, json or jsonl")] = "auto",
    batch_size: Annotated[int, typer.Option(min=1, max=5000)] = 200,
) -> None:
    """Import a file of channel orders: good rows are imported, each bad row is reported
    with its line number and reason (exit code 1 when any row was refused)."""
    from orderhub.services.intake.file_import import import_file

    if not file.is_file():
        raise _fail(f"no such file: {file}", 2)
    with _hub(database_url) as hub:
        _upgrade(hub)
        with Progress("[progress.description]{task.description}", BarColumn(),
                      MofNCompleteColumn(), TimeElapsedColumn(), console=console,
                      disable=not sys.stdout.isatty()) as bar:
            task = bar.add_task(f"importing {file.name}", total=None)
            try:
                report = import_file(hub, tenant, channel, file.read_bytes(), file.name, fmt,
                                     batch_size=batch_size,
                                     progress=lambda done, total: bar.update(
                                         task, completed=done, total=total))
            except (ValueError, DomainError) as exc:
                raise _fail(str(exc), 2) from None
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


corpus_app = typer.Typer(help="The labelled channel-order corpus: generate and evaluate.",
                         no_args_is_help=True)
app.add_typer(corpus_app, name="corpus")


@corpus_app.command("generate")
def corpus_generate(
    out: Annotated[Path, typer.Option(help="JSON lines file to write (.gz: compressed)")] = Path(
        "corpus/channel_orders.jsonl.gz"),
    count: Annotated[int, typer.Option(min=1, max=1_000_000)] = 2400,
    seed: int = 1,
) -> None:
    """Write a seeded corpus of channel orders with injected, labelled defects."""
    from orderhub.tools.quality.corpus import generate, write

    records = generate(count, seed)
    write(records, out)
    kinds = Counter(r.defect for r in records)
    console.print(f"wrote {len(records)} records to {out}: "
                  + ", ".join(f"{k} {n}" for k, n in sorted(kinds.items())))


@corpus_app.command("evaluate")
def corpus_evaluate(
    path: Annotated[Path, typer.Argument(help="Corpus file from `corpus generate`")] = Path(
        "corpus/channel_orders.jsonl.gz"),
    limit: Annotated[int, typer.Option(min=0, help="Only the first N records (0: all)")] = 0,
) -> None:
    """Detection recall and precision per defect type (exit 1 if any is below 95%)."""
    from orderhub.tools.quality.corpus import evaluate, read

    if not path.is_file():
        raise _fail(f"no such file: {path}", 2)
    records = read(path)[: limit or None]
    with Progress("[progress.description]{task.description}", BarColumn(),
                  MofNCompleteColumn(), TimeElapsedColumn(), console=console,
                  disable=not sys.stdout.isatty()) as bar:
        task = bar.add_task("evaluating", total=len(records))
        result = evaluate(records, progress=lambda n: bar.update(task, completed=n))
    table = Table(title=f"{result.records} channel orders, {result.seconds:.1f} s; "
                        f"exactly right: {result.accuracy:.2%}")
    for col in ("defect / code", "expected", "detected", "recall", "precision"):
        table.add_column(col, justify="right" if col != "defect / code" else "left")
    failing = False
    for code, sc in sorted(result.scores.items()):
        table.add_row(code, str(sc.tp + sc.fn), str(sc.tp + sc.fp), f"{sc.recall:.1%}",
                      f"{sc.precision:.1%}")
        failing |= sc.recall < 0.95 or sc.precision < 0.95
    console.print(table)
    for (expected, detected), n in result.confusions.most_common(10):
        console.print(f"  expected {expected!r}, detected {detected!r}: {n}")
    if failing:
        raise typer.Exit(1)


def _run_until_signal(what: str) -> None:
    import signal
    import threading

    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    console.print(what)
    try:
        while not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass


@app.command("relay")
def relay_worker(
    database_url: DbOption = None,
    nats_url: NatsOption = None,
    poll: Annotated[
        float, typer.Option(min=0.001, max=60, help="Seconds between outbox polls")
    ] = 0.01,
) -> None:
    """Run only the outbox relay (for deployments that scale API, relay and workers apart:
    start the API with `serve --no-background`)."""
    with _events_hub(database_url, nats_url) as hub:
        hub.relay.start(poll_seconds=poll)
        _run_until_signal(
            f"outbox relay running ({'nats' if hub.nats else 'embedded log'}), "
            f"polling every {poll}s; Ctrl-C stops it"
        )


@app.command("worker")
def worker(database_url: DbOption = None, nats_url: NatsOption = None) -> None:
    """Run the durable consumers (webhook fan-out), the webhook dispatcher and the expiry
    sweeper, without the API or the relay."""
    with _events_hub(database_url, nats_url) as hub:
        hub.start_background(relay=False)
        _run_until_signal(
            "workers running: "
            + ", ".join(c.name for c in hub.consumers)
            + " + webhook dispatcher + expiry sweeper; Ctrl-C stops them"
        )


# Network and routing commands register themselves on `app` (warehouse, carrier, routing).
from orderhub.cli import audit, network, rules  # noqa: E402, F401


def main() -> None:
    try:
        app()
    except DomainError as exc:
        err.print(f"[red]error:[/red] {exc}")
        sys.exit(1)
