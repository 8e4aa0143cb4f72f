"""Approvals and alerts in chat apps (issue 19 item 3): what verifying a card callback
costs per app, and how fast cards get from events to the apps.

    .venv/bin/python benchmarks/chat_cards.py [--events 2000] [--backends sqlite,postgres]

1. Callback verification: each app's `read` (signature, freshness, parse; WeCom also
   decrypts) on its documented request shape, 2,000 times: microseconds per callback.
2. Cards: `--events` twin alerts (OrderAtRisk envelopes) for a tenant with three channels
   (DingTalk, WeCom, Slack) taking alerts: the `chat` consumer's handler queues a card per
   channel and event (batches of 500, one transaction each), then the dispatcher sends them
   to the local simulator (8 in parallel): cards per second of each step.

Figures vary with this shared machine: they are orders of magnitude, not a contract.
"""

from __future__ import annotations

import argparse
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from orderhub.adapters.bus.envelope import Envelope
from orderhub.adapters.chat.base import Secrets
from orderhub.adapters.chat.registry import APPS
from orderhub.adapters.chat.simulator import ChatSimulator
from orderhub.services.chat import admin, cards
from throughput import DEFAULT_PG_URL, TENANT, fresh_hub

AES = "jWmYm7qr5nMoAUwZRjGtBxmz3KA1tkAj3ykkR6q2B2C"
SECRETS = {
    "dingtalk": Secrets("https://oapi.dingtalk.chat.invalid/robot/send?access_token=t",
                        "SECx", "app-secret"),
    "wecom": Secrets("https://qyapi.wecom.chat.invalid/webhook/send?key=k", "", "QDG6eK",
                     AES, "wx5823bf96d3bd56c7"),
    "slack": Secrets("https://hooks.slack.chat.invalid/services/x", "", "signing"),
}


def verification() -> None:
    now = datetime.now(UTC)
    for app, s in SECRETS.items():
        req = ChatSimulator.click(app, "crd_1:approve", "U1", s, now)
        n = 2000
        started = time.perf_counter()
        for _ in range(n):
            APPS[app].read(req, s, now)
        print(f"  {app:9s} verify+parse: {(time.perf_counter() - started) / n * 1e6:7.1f} "
              "µs per callback")


def delivery(backend: str, events: int) -> None:
    with fresh_hub(backend, DEFAULT_PG_URL) as (hub, _):
        sim = ChatSimulator()
        dispatcher = hub.enable_chat(transport=sim)
        now = hub.clock()
        for app, s in SECRETS.items():
            admin.add_channel(hub.uow, TENANT, app=app, name=f"bench-{app}",
                              subjects=["alerts"], actor="bench", now=now, **{
                                  "webhook_url": s.webhook_url,
                                  "signing_secret": s.signing_secret,
                                  "callback_secret": s.callback_secret,
                                  "aes_key": s.aes_key, "receive_id": s.receive_id})
        envs = [Envelope(f"evt_bench_{i:06d}", "OrderAtRisk", TENANT, f"ord_{i}", 1, now,
                         {"alert_id": f"alr_{i}", "risk": 0.8, "health": 40,
                          "promise_at": None, "slack_hours": -2.0, "team": "ops",
                          "reasons": []}) for i in range(events)]
        started = time.perf_counter()
        queued = 0
        for i in range(0, events, 500):
            queued += cards.enqueue(hub.uow, envs[i:i + 500], hub.clock())
        queue_s = time.perf_counter() - started
        started = time.perf_counter()
        sent = dispatcher.drain()
        send_s = time.perf_counter() - started
        again = sum(cards.enqueue(hub.uow, envs[i:i + 500], hub.clock())
                    for i in range(0, events, 500))
        print(f"  {backend}: {queued} cards queued in {queue_s:.2f} s "
              f"({queued / queue_s:,.0f}/s); {sent} sent to the simulator in {send_s:.2f} s "
              f"({sent / send_s:,.0f}/s); posted {len(sim.cards())}; the batch redelivered "
              f"queued {again} more")


def main() -> None:
    p = argparse.ArgumentParser()
    p.add_argument("--events", type=int, default=2000)
    p.add_argument("--backends", default="sqlite")
    a = p.parse_args()
    print("callback verification (documented shapes):")
    verification()
    print(f"cards for {a.events} alerts x 3 channels:")
    for backend in a.backends.split(","):
        delivery(backend, a.events)


if __name__ == "__main__":
    main()
