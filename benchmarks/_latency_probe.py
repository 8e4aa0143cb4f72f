"""Subprocess of event_latency.py: a durable JetStream consumer (`Hub.consumer`, the way the
webhook fan-out reads) that appends, for every event handed to it, `event id <TAB> wall-clock
receive time` to a file, flushed after each batch so the parent sees progress. Every
message the consumer fetched is also counted by id (before the inbox drops redeliveries) in
`<file>.raw`, written at SIGTERM. Stops on SIGTERM."""

from __future__ import annotations

import signal
import sys
import threading
import time
from collections import Counter
from collections.abc import Sequence
from typing import Any

from orderhub.adapters.bus.envelope import Envelope
from orderhub.bootstrap import bootstrap


def main(out_path: str) -> int:
    hub = bootstrap()
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    out = open(out_path, "w")  # noqa: SIM115 - open for the probe's life
    raw: Counter[str] = Counter()

    def record(batch: Sequence[Envelope]) -> None:
        now = time.time()
        out.writelines(f"{e.id}\t{now}\n" for e in batch)
        out.flush()

    consumer = hub.consumer("latency-probe", record)
    fetch = consumer.source.fetch

    def counted(limit: int, wait: float) -> Sequence[Any]:
        items = fetch(limit, wait)
        raw.update(i.envelope.id for i in items)
        return items

    consumer.source.fetch = counted  # type: ignore[method-assign]
    consumer.process_once(wait=0.1)  # the durable consumer exists before the load starts
    print("ready", flush=True)
    while not stop.is_set():
        consumer.process_once(wait=0.05)
    out.close()
    with open(out_path + ".raw", "w") as f:
        f.writelines(f"{k}\t{n}\n" for k, n in raw.items())
    hub.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1]))
