"""Customer notifications (issue 19 item 1): how long from an event's commit to its
message being handed to the sender, and what running the notifier costs intake.

    .venv/bin/python benchmarks/notifications.py [--orders 4000] [--rounds 2]
                                                 [--backends sqlite,postgres]
                                                 [--rate 2000] [--seconds 10]

1. Interleaved arms, batches of 500 through `submit_orders`, the relay running in every
   arm: intake alone, and intake with the `notifications` consumer and its dispatcher
   running in the same process (as `orderhub serve` runs them), providers the local
   simulator (they record and return at once). Each order has an email and a mobile
   number, so each makes 4 messages (confirmed and allocated, email and SMS). Throughput
   of each arm and the ratio in the same run.
2. A paced stream at `--rate` orders/s for `--seconds` (batches every 100 ms), notifier
   on: the rate achieved, and the latency p50/p99/max of every message from its event's
   `recordedtime` (the committing transaction's write to the outbox) to the moment the
   dispatcher handed it to the sender, measured after the stream drained.

Figures vary with this shared machine: compare the arms of one run, not runs.
"""

from __future__ import annotations

import argparse
import base64
import os
import statistics
import sys
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("ORDERHUB_AUDIT_KEY", base64.b64encode(b"a" * 32).decode())

from sqlalchemy import func, select

from orderhub.adapters.db.outbox_repository import OutboxRepository
from orderhub.adapters.db.tables import notification_messages as nm
from orderhub.adapters.notify.senders import SimulatorSender
from orderhub.bootstrap import Hub
from orderhub.domain.order import Customer
from orderhub.services.events.consumers import DurableConsumer
from orderhub.services.intake.drafts import OrderDraft
from orderhub.services.intake.submit import submit_orders
from orderhub.services.notifications import admin
from throughput import DEFAULT_PG_URL, TENANT, fresh_hub, make_drafts, percentile

BATCH = 500


def with_contacts(drafts: list[OrderDraft]) -> list[OrderDraft]:
    return [replace(d, customer=Customer(ref=d.customer.ref or d.external_id,
                                         tier=d.customer.tier,
                                         email=f"buyer{i}@example.com"))
            for i, d in enumerate(drafts)]


def submit(hub: Hub, drafts: list[OrderDraft]) -> None:
    submit_orders(hub.uow, TENANT, drafts, strategy=hub.strategy, now=hub.clock(),
                  actor="bench", presale_lock=hub.presale_lock)


def intake(hub: Hub, count: int, seed: int, prefix: str) -> float:
    drafts = with_contacts(make_drafts(hub, count, seed, prefix))
    started = time.perf_counter()
    for i in range(0, len(drafts), BATCH):
        submit(hub, drafts[i:i + BATCH])
    return count / (time.perf_counter() - started)


def consumer_of(hub: Hub) -> DurableConsumer:
    return next(c for c in hub.consumers if c.name == "notifications")


def messages(hub: Hub, status: str | None = None) -> int:
    q = select(func.count()).select_from(nm)
    if status is not None:
        q = q.where(nm.c.status == status)
    with hub.engine.connect() as conn:
        return int(conn.execute(q).scalar_one())


def wait_drained(hub: Hub, timeout: float = 600) -> float:
    """Seconds until every event is published, consumed and every message sent."""
    started = time.monotonic()
    consumer = consumer_of(hub)
    while time.monotonic() - started < timeout:
        with hub.engine.connect() as conn:
            backlog = OutboxRepository(conn).backlog()
        if not backlog and consumer.source.pending() == 0 and \
                messages(hub, "queued") == 0 and messages(hub, "failed") == 0:
            return time.monotonic() - started
        time.sleep(0.05)
    raise TimeoutError("the notifier did not catch up")


def latencies(hub: Hub, since_count: int) -> list[float]:
    """Seconds from the event's commit to the hand-over, of messages after the first
    `since_count` (in creation order)."""
    with hub.engine.connect() as conn:
        rows = conn.execute(select(nm.c.event_recorded_at, nm.c.handed_at)
                            .where(nm.c.status == "sent")
                            .order_by(nm.c.created_at, nm.c.id).offset(since_count)).all()
    return [(h - r).total_seconds() for r, h in rows if r is not None and h is not None]


def run(backend: str, orders: int, rounds: int, rate: int, seconds: float,
        pg_url: str) -> dict[str, Any]:
    with fresh_hub(backend, pg_url) as (hub, _):
        admin.change_settings(hub.uow, TENANT, media=["email", "sms"], now=hub.clock(),
                              actor="bench")
        senders: dict[str, Any] = {m: SimulatorSender(m) for m in ("email", "sms", "wechat")}
        notifier = hub.enable_notifications(senders)
        consumer = consumer_of(hub)
        hub.relay.start(poll_seconds=0.01)
        intake(hub, BATCH, 1, "WARM")
        time.sleep(0.5)
        consumer.process_once(wait=0)  # the consumer starts at the log's end
        arms: dict[str, list[float]] = {"alone": [], "notifier": []}
        for rnd in range(rounds):
            for arm in arms:
                if arm == "notifier":
                    consumer.start(wait=0.05)
                    notifier.start(poll_seconds=0.05)
                arms[arm].append(intake(hub, orders, 10 + rnd * 2 + len(arms[arm]),
                                        f"R{rnd}{arm[0]}"))
                if arm == "notifier":
                    wait_drained(hub)
                    consumer.stop()
                    notifier.stop()
                else:  # what was left for the consumer: read past it, unsent
                    time.sleep(0.3)
                    with hub.engine.connect() as conn:
                        while OutboxRepository(conn).backlog():
                            time.sleep(0.05)
                    consumer.source.reset_to(hub.clock())
        # the paced stream
        before = messages(hub, "sent")
        consumer.start(wait=0.05)
        notifier.start(poll_seconds=0.05)
        drafts = with_contacts(make_drafts(hub, int(rate * seconds), 99, "PACED"))
        step = max(1, rate // 10)
        started = time.perf_counter()
        for k, i in enumerate(range(0, len(drafts), step)):
            submit(hub, drafts[i:i + step])
            pause = started + (k + 1) * 0.1 - time.perf_counter()
            if pause > 0:
                time.sleep(pause)
        achieved = len(drafts) / (time.perf_counter() - started)
        tail = wait_drained(hub)
        lat = latencies(hub, before)
        consumer.stop()
        notifier.stop()
    alone = statistics.mean(arms["alone"])
    return {"backend": backend, "alone": arms["alone"], "notifier": arms["notifier"],
            "ratio": statistics.mean(arms["notifier"]) / alone, "offered": rate,
            "achieved": achieved, "messages": len(lat), "tail_s": tail,
            "p50": percentile(lat, 50), "p99": percentile(lat, 99),
            "max": max(lat) if lat else float("nan"),
            "simulator": sum(len(s.sent) for s in senders.values())}


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--orders", type=int, default=4000)
    p.add_argument("--rounds", type=int, default=2)
    p.add_argument("--backends", default="sqlite")
    p.add_argument("--rate", type=int, default=2000)
    p.add_argument("--seconds", type=float, default=10)
    p.add_argument("--pg-url", default=os.environ.get("ORDERHUB_BENCH_PG_URL", DEFAULT_PG_URL))
    a = p.parse_args()
    for backend in a.backends.split(","):
        r = run(backend, a.orders, a.rounds, a.rate, a.seconds, a.pg_url)
        print(f"\n== {backend}: intake, batches of {BATCH}, {a.orders} orders an arm, "
              f"{a.rounds} rounds interleaved")
        print(f"  intake alone            {', '.join(f'{x:,.0f}' for x in r['alone'])} orders/s")
        print(f"  with the notifier       {', '.join(f'{x:,.0f}' for x in r['notifier'])} "
              f"orders/s")
        print(f"  ratio (with / alone)    {r['ratio']:.2f}")
        print(f"== {backend}: paced stream, offered {r['offered']:,} orders/s for "
              f"{a.seconds:g} s, notifier on")
        print(f"  intake achieved         {r['achieved']:,.0f} orders/s")
        print(f"  messages handed over    {r['messages']:,} (simulator saw "
              f"{r['simulator']:,} in all)")
        print(f"  event commit -> sender  p50 {r['p50']:.2f} s, p99 {r['p99']:.2f} s, "
              f"max {r['max']:.2f} s")
        print(f"  drained after intake    {r['tail_s']:.1f} s")


if __name__ == "__main__":
    main()
