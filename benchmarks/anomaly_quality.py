"""Anomaly detection at intake (issue 14, item 5): how well it finds each pattern, how many
clean orders it holds, and what it costs intake, in one command.

    .venv/bin/python benchmarks/anomaly_quality.py [--orders 4000] [--database-url URL]

1. Train the model on the labelled generator's training seeds (tools/anomaly_traffic.py,
   TRAINING_SEEDS; the only seeds thresholds and parameters were tuned on) into a
   throwaway key directory.
2. Quality on the held-out seeds (HELD_OUT_SEEDS, never looked at while tuning), end to
   end: every seed's traffic goes through channel intake (`ingest_channel_orders`: build,
   validate, screen, plan, reserve, commit) on a fresh database with the demo catalogue,
   in batches; each order's outcome is read back from the detections stored. Printed per
   pattern: recall (held or flagged; held), precision of its reason codes (named orders
   that were anomalous; that were this pattern); on clean traffic: the false-hold rate
   (target at most 1%) and the false-flag rate. Done with the model, then rules only.
3. Throughput with the stage on and off, same run, same database: clean traffic of the
   same generator, alternating blocks of batches with the tenant's setting switched.

Seeds of the quality runs start 40 days apart, so no window (at most 30 days) spans two.
"""

from __future__ import annotations

import argparse
import base64
import json
import secrets
import sys
import tempfile
import time
from collections import defaultdict
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from orderhub.adapters.db.migrate import upgrade
from orderhub.bootstrap import Hub, bootstrap
from orderhub.config import Settings
from orderhub.domain.anomaly.metrics import Outcome, quality
from orderhub.services.anomaly.model import train
from orderhub.services.anomaly.settings import update_settings
from orderhub.services.intake.drafts import LineDraft, OrderDraft
from orderhub.services.intake.submit import ingest_channel_orders, submit_orders
from orderhub.tools.anomaly_traffic import (
    HELD_OUT_SEEDS,
    PATTERN_CODES,
    START,
    TRAINING_SEEDS,
    Labelled,
    Traffic,
    as_order,
    demo_prices,
    generate,
)
from orderhub.tools.demo import build_demo

TENANT = "default"


def submit(hub: Hub, group: list[Labelled], now: datetime) -> dict[str, str]:
    """One batch through channel intake (one transaction per channel, in first-seen
    order); external id -> order id."""
    by_channel: dict[str, list[Labelled]] = defaultdict(list)
    for it in group:
        by_channel[it.channel].append(it)
    out: dict[str, str] = {}
    for channel, items in by_channel.items():
        results = ingest_channel_orders(hub.uow, TENANT, channel, [it.order for it in items],
                                        strategy=hub.strategy, now=now, actor="bench",
                                        presale_lock=hub.presale_lock)
        out.update({r.external_id: r.order_id for r in results if r.order_id})
    return out


def set_stage(hub: Hub, **changes: Any) -> None:
    update_settings(hub.uow, TENANT, changes, reason="benchmark", actor="bench",
                    now=datetime.now(UTC))


def retag(tr: Traffic, tag: str) -> Traffic:
    """The same traffic under other external ids (a repeat would be the stored order)."""
    return Traffic(tr.seed, [replace(it, order=replace(
        it.order, external_id=f"{tag}-{it.order.external_id}")) for it in tr.items])


def quality_end_to_end(hub: Hub, traffic: list[Traffic], batch_size: int,
                       tag: str) -> dict[str, Any]:
    labels: dict[str, str] = {}
    for tr in traffic:
        for now, group in retag(tr, tag).batches(batch_size):
            ids = submit(hub, group, now)
            labels.update({ids[it.order.external_id]: it.label for it in group})
    with hub.read_uow() as uow:
        found = {d["order_id"]: d for d in uow.anomaly.detections(TENANT, limit=10_000_000)}
    outcomes = [Outcome(label, found[oid]["action"] if oid in found else "pass",
                        tuple(found[oid]["codes"]) if oid in found else ())
                for oid, label in labels.items()]
    return quality(outcomes, PATTERN_CODES)


def as_draft(it: Labelled) -> OrderDraft:
    co = it.order
    return OrderDraft(channel=it.channel, external_id=co.external_id, currency=co.currency,
                      lines=[LineDraft(sku=ln.channel_sku, quantity=ln.quantity,
                                       unit_price=ln.unit_price, discount=ln.discount)
                             for ln in co.lines],
                      order_type=co.order_type, customer=co.customer,
                      shipping_address=co.shipping_address, placed_at=co.placed_at)


def throughput(hub: Hub, prices: dict[str, Any], orders: int, batch_size: int,
               rounds: int, drafts: bool) -> dict[str, Any]:
    """Clean traffic, alternating on/off blocks; orders per second of each arm. `drafts`:
    `submit_orders` with mixed channels per call (as benchmarks/throughput.py does);
    otherwise channel intake, one call per channel within each batch."""
    seconds = {"on": 0.0, "off": 0.0}
    counts = {"on": 0, "off": 0}
    start = START + timedelta(days=400)
    for r in range(rounds):
        for arm in ("off", "on") if r % 2 == 0 else ("on", "off"):
            set_stage(hub, enabled=arm == "on")
            tr = generate(50_000 + 2 * r + (arm == "on"), prices, orders=orders,
                          anomaly_share=0.0, start=start)
            start += timedelta(days=40)
            items = retag(tr, f"TP-{arm}-{r}").items
            batches = [items[i:i + batch_size] for i in range(0, len(items), batch_size)]
            t0 = time.perf_counter()
            for group in batches:
                if drafts:
                    submit_orders(hub.uow, TENANT, [as_draft(it) for it in group],
                                  strategy=hub.strategy, now=group[-1].at, actor="bench",
                                  presale_lock=hub.presale_lock)
                else:
                    submit(hub, group, group[-1].at)
            seconds[arm] += time.perf_counter() - t0
            counts[arm] += len(items)
    set_stage(hub, enabled=True)
    on = counts["on"] / seconds["on"]
    off = counts["off"] / seconds["off"]
    return {"orders_per_arm": counts, "on_orders_per_s": round(on, 1),
            "off_orders_per_s": round(off, 1), "on_over_off": round(on / off, 3)}


def pct(v: float | None) -> str:
    return "   -  " if v is None else f"{v:6.1%}"


def show(title: str, q: dict[str, Any]) -> None:
    print(f"\n{title}")
    print(f"  {'pattern':<25}{'orders':>7}  {'recall':>7} {'held':>7}  "
          f"{'prec(any)':>9} {'prec(pat)':>9}")
    for name, p in q["patterns"].items():
        print(f"  {name:<25}{p['orders']:>7}  {pct(p['recall_detected']):>7} "
              f"{pct(p['recall_held']):>7}  {pct(p['precision_anomalous']):>9} "
              f"{pct(p['precision_pattern']):>9}")
    print(f"  clean orders {q['clean']}: false holds {pct(q['false_hold_rate'])}, "
          f"false flags {pct(q['false_flag_rate'])}; anomalous {q['anomalous']}: detected "
          f"{pct(q['recall_detected'])}, held {pct(q['recall_held'])}; held orders that "
          f"were anomalous {pct(q['precision_held'])}")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--orders", type=int, default=4000, help="clean orders per seed")
    ap.add_argument("--batch-size", type=int, default=100)
    ap.add_argument("--throughput-orders", type=int, default=2000,
                    help="orders per block of the on/off comparison")
    ap.add_argument("--rounds", type=int, default=3, help="on/off block pairs")
    ap.add_argument("--throughput-batch", type=int, default=500,
                    help="orders per submit_orders call in the drafts comparison")
    ap.add_argument("--quick", action="store_true",
                    help="throughput only with drafts (skip the channel-intake comparison)")
    ap.add_argument("--database-url", default="", help="default: a temporary SQLite file")
    ap.add_argument("--json", default="", help="also write the figures to this file")
    args = ap.parse_args()

    prices = demo_prices()
    with tempfile.TemporaryDirectory() as tmp:
        url = args.database_url or f"sqlite:///{Path(tmp) / 'anomaly.db'}"
        # A throwaway database gets throwaway keys (unless the environment names some).
        for name in ("master", "audit"):
            (Path(tmp) / f"{name}.key").write_text(
                base64.b64encode(secrets.token_bytes(32)).decode(), encoding="utf-8")
            (Path(tmp) / f"{name}.key").chmod(0o600)
        hub = bootstrap(Settings(database_url=url, key_dir=tmp))
        try:
            t0 = time.perf_counter()
            upgrade(hub.engine)
            build_demo(hub, TENANT)
            print(f"database {url.split('@')[-1]}, demo data in "
                  f"{time.perf_counter() - t0:.1f} s")

            t0 = time.perf_counter()
            corpus = [[(now, [(as_order(it), it.label) for it in group])
                       for now, group in generate(s, prices, orders=args.orders)
                       .batches(args.batch_size)] for s in TRAINING_SEEDS]
            trained = train(hub.anomaly_models, corpus, list(TRAINING_SEEDS), PATTERN_CODES,
                            datetime.now(UTC))
            print(f"model {trained['version']} trained on seeds {list(TRAINING_SEEDS)} in "
                  f"{time.perf_counter() - t0:.1f} s; held-out seeds: {list(HELD_OUT_SEEDS)}")

            def held_out(offset_days: int) -> list[Traffic]:
                return [generate(s, prices, orders=args.orders,
                                 start=START + timedelta(days=offset_days + 40 * k))
                        for k, s in enumerate(HELD_OUT_SEEDS)]

            t0 = time.perf_counter()
            with_model = quality_end_to_end(hub, held_out(0), args.batch_size, "M")
            show(f"held-out seeds {list(HELD_OUT_SEEDS)}, model {trained['version']} "
                 f"(end to end through intake, {time.perf_counter() - t0:.0f} s)", with_model)
            set_stage(hub, use_model=False)
            rules = quality_end_to_end(hub, held_out(1000), args.batch_size, "R")
            set_stage(hub, use_model=True)
            show(f"held-out seeds {list(HELD_OUT_SEEDS)}, rules only (no model)", rules)

            tp = {}
            for mode, size, drafts in (("drafts", args.throughput_batch, True),
                                       ("channels", args.batch_size, False)):
                if mode == "channels" and args.quick:
                    continue
                tp[mode] = throughput(hub, prices, args.throughput_orders, size, args.rounds,
                                      drafts)
                print(f"\nintake throughput ({mode}, batches of {size}, clean traffic, "
                      f"{args.rounds} alternating rounds): stage on "
                      f"{tp[mode]['on_orders_per_s']} orders/s, off "
                      f"{tp[mode]['off_orders_per_s']} orders/s, on/off "
                      f"{tp[mode]['on_over_off']}")
            if args.json:
                Path(args.json).write_text(json.dumps({
                    "training_seeds": list(TRAINING_SEEDS),
                    "held_out_seeds": list(HELD_OUT_SEEDS), "model": trained["version"],
                    "with_model": with_model, "rules_only": rules, "throughput": tp},
                    indent=2), encoding="utf-8")
        finally:
            hub.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
