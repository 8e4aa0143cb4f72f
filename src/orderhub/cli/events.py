"""`orderhub events status|tail|replay|catalog`: the event stream."""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from rich.table import Table

from orderhub.cli.common import (
    DbOption,
    JsonOption,
    NatsOption,
    console,
    fail,
    open_events_hub,
    print_json,
)
from orderhub.domain.errors import DomainError

app = typer.Typer(help="The event stream: status, tail, replay, catalogue.", no_args_is_help=True)


@app.command("status")
def events_status(
    database_url: DbOption = None,
    nats_url: NatsOption = None,
    as_json: JsonOption = False,
) -> None:
    """Outbox backlog, publication position, consumers' lag, parked events, webhooks."""

    from orderhub.services.events.status import backbone_status

    with open_events_hub(database_url, nats_url) as hub:
        status = backbone_status(hub.engine, hub.clock(), relay=hub.relay, nats=hub.nats,
                                 nats_url=hub.settings.nats_url)
    if as_json:
        print_json(status)
        return
    table = Table(title=f"event backbone ({status['bus']})")
    table.add_column("measure")
    table.add_column("value", justify="right")
    table.add_row("outbox backlog (unpublished)", str(status["outbox_backlog"]))
    table.add_row("oldest unpublished age", f"{status['oldest_unpublished_age_seconds']} s")
    table.add_row("last publication position (events published)",
                  str(status["last_position"]))
    for c in status["consumers"]:
        table.add_row(f"consumer {c['name']}: pending / parked", f"{c['pending']} / {c['parked']}")
    for st, n in sorted(status["webhook_deliveries"].items()):
        table.add_row(f"webhook deliveries {st}", str(n))
    console.print(table)


@app.command("tail")
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
    with open_events_hub(database_url, nats_url) as hub:
        try:
            stream = tail(
                hub.engine,
                hub.nats,
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
            raise fail(str(exc), 2) from None
        except KeyboardInterrupt:
            pass


@app.command("replay")
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
        raise fail(f"--since: not an ISO 8601 time: {since!r}", 2) from None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    with open_events_hub(database_url, nats_url) as hub:
        try:
            n = replay(hub.engine, consumer, when, now=hub.clock(), nats=hub.nats)
        except DomainError as exc:
            raise fail(str(exc), 2) from None
    console.print(
        f"consumer '{consumer}' will receive again the {n} event(s) published "
        f"since {when.isoformat()}"
    )


@app.command("catalog")
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
