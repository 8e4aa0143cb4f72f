"""Subprocess of event_latency.py: a durable JetStream consumer that writes, for every event
it receives, `subject <TAB> wall-clock receive time` to a file. Stops on SIGTERM."""

from __future__ import annotations

import signal
import sys
import threading
import time
from collections.abc import Sequence

from orderhub.adapters.bus.envelope import Envelope
from orderhub.bootstrap import bootstrap


def main(out_path: str) -> int:
    hub = bootstrap()
    lines: list[str] = []
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())

    def record(batch: Sequence[Envelope]) -> None:
        now = time.time()
        lines.extend(f"{e.subject}\t{now}\n" for e in batch)

    consumer = hub.consumer("latency-probe", record)
    consumer.process_once(wait=0.1)  # the durable consumer exists before the load starts
    print("ready", flush=True)
    while not stop.is_set():
        consumer.process_once(wait=0.05)
    with open(out_path, "w") as f:
        f.writelines(lines)
    hub.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1]))
