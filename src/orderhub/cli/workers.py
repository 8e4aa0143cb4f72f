"""`orderhub relay` and `orderhub worker`: the background processes on their own, for
deployments that scale the API, the relay and the workers apart."""

from __future__ import annotations

from typing import Annotated

import typer

from orderhub.cli.common import DbOption, NatsOption, console, open_events_hub

app = typer.Typer()


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
    with open_events_hub(database_url, nats_url) as hub:
        hub.relay.start(poll_seconds=poll)
        _run_until_signal(
            f"outbox relay running ({'nats' if hub.nats else 'embedded log'}), "
            f"polling every {poll}s; Ctrl-C stops it"
        )


@app.command("worker")
def worker(database_url: DbOption = None, nats_url: NatsOption = None) -> None:
    """Run the durable consumers (webhook fan-out), the webhook dispatcher and the expiry
    sweeper, without the API or the relay."""
    with open_events_hub(database_url, nats_url) as hub:
        hub.start_background(relay=False)
        _run_until_signal(
            "workers running: "
            + ", ".join(c.name for c in hub.consumers)
            + " + webhook dispatcher + expiry sweeper; Ctrl-C stops them"
        )
