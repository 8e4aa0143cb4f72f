"""Rule evaluation cost and sandbox speed.

    .venv/bin/python benchmarks/rules.py [--rules 200] [--orders 20000] [--replay 100000]

1. Streaming decisions on the demo network with the 3 demo rules and with `--rules`
   generated rules (conditions on channels, tiers, destinations, SKU categories, value,
   5% with a CEL expression too; actions excluding or preferring sites and carriers, 3%
   notifications, and 5% scoped validation checks), same orders: per-order time and the
   ratio, and intake throughput (SQLite, batches of 500) with each rule set.
2. The sandbox: `--replay` orders taken in through intake, then a draft set replayed over
   them (`rules simulate`): orders per second of the replay.
Figures are printed; nothing asserts on time.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).parent))

from orderhub.domain.routing.lanes import PROVINCE_REGION, REGIONS
from orderhub.domain.routing.streaming import plan_order
from orderhub.domain.rules.effects import by_priority
from orderhub.domain.rules.model import parse_rule
from orderhub.tools.demo import WAREHOUSES
from routing import NOW, build_network, build_orders

CHANNELS = ["web", "tmall", "jd", "douyin", "pos", "b2b"]
CATEGORIES = ["FORMULA", "SNACK", "BEAUTY", "ELEC", "HOME", "APPAREL", "DRINK", "BOOK"]


def generated_rules(n: int, seed: int = 11) -> list[dict[str, Any]]:
    """Rules of the shapes business users write; most narrow, a few broad."""
    rng = random.Random(seed)
    sites = [w[0] for w in WAREHOUSES]
    provinces = sorted(PROVINCE_REGION)
    out = []
    for i in range(n):
        when: dict[str, Any] = {}
        for _ in range(rng.choice([1, 2, 2, 3])):
            kind = rng.choice(["channel", "tier", "destination", "category", "value"])
            if kind == "channel":
                when["channel"] = rng.sample(CHANNELS, rng.randint(1, 2))
            elif kind == "tier":
                when["customer_tier"] = ["VIP"]
            elif kind == "destination":
                when["destination"] = rng.sample(provinces + list(REGIONS), rng.randint(1, 3))
            elif kind == "category":
                when["sku_category"] = rng.sample(CATEGORIES, 1)
            else:
                when["min_order_value"] = str(rng.choice([200, 500, 1000, 5000]))
        kind = rng.random()
        if kind < 0.05:
            when["expression"] = rng.choice([
                f"order.units >= {rng.randint(2, 6)}",
                f"order.value > {rng.choice([300, 800, 2000])}.0 && customer.tier != 'VIP'",
                "order.lines.exists(l, l.quantity >= 3)"])
        elif kind < 0.10:
            out.append({"code": f"gen-{i:03d}", "when": {k: v for k, v in when.items()
                                                          if k != "min_order_value"},
                        "then": {"check": "price_floor",
                                 "params": {"min_ratio_of_list": "0.3"}}})
            continue
        elif kind < 0.13:
            out.append({"code": f"gen-{i:03d}", "when": when,
                        "then": {"notify": "generated notification", "notify_to": ["ops"]}})
            continue
        action = rng.random()
        if action < 0.5:
            then: dict[str, Any] = {"exclude_sites": rng.sample(sites, 1)}
        elif action < 0.85:
            then = {"prefer_sites": rng.sample(sites, 1), "bonus": str(rng.randint(1, 5))}
        else:
            then = {"exclude_carriers": [rng.choice(["JD", "SF"])]}
        out.append({"code": f"gen-{i:03d}", "when": when, "then": then,
                    "priority": rng.randint(1, 500)})
    return out


def decide_all(orders: list[Any], network: Any) -> float:
    best = float("inf")
    for _ in range(3):
        start = time.perf_counter()
        for o in orders:
            plan_order(o, network, NOW)
        best = min(best, time.perf_counter() - start)
    return best / len(orders) * 1000


def intake(rules: list[dict[str, Any]], count: int) -> float:
    from orderhub.adapters.db.migrate import upgrade
    from orderhub.bootstrap import bootstrap
    from orderhub.config import Settings
    from orderhub.services.intake.submit import submit_orders
    from orderhub.services.rules.routing_rules import import_rules
    from orderhub.tools.demo import build_demo
    from orderhub.tools.simulation import OrderGenerator, load_prices

    with tempfile.TemporaryDirectory() as tmp:
        hub = bootstrap(Settings(database_url=f"sqlite:///{Path(tmp) / 'r.db'}",
                                 outbox_dispatch=False))
        upgrade(hub.engine)
        build_demo(hub, now=NOW)
        if rules:
            import_rules(hub.uow, "default", rules, actor="bench", reason="bench", now=NOW)
        hub.strategy.refresh()
        drafts = list(OrderGenerator(42, load_prices(hub, "default")).stream(count, NOW))
        start = time.perf_counter()
        for i in range(0, count, 500):
            submit_orders(hub.uow, "default", drafts[i:i + 500], strategy=hub.strategy,
                          now=NOW, actor="bench", presale_lock=hub.presale_lock)
        rate = count / (time.perf_counter() - start)
        hub.close()
    return rate


def replay(count: int, rules: list[dict[str, Any]]) -> None:
    from orderhub.adapters.db.migrate import upgrade
    from orderhub.bootstrap import bootstrap
    from orderhub.config import Settings
    from orderhub.services.intake.submit import submit_orders
    from orderhub.services.rules import rule_sets, sandbox
    from orderhub.tools.demo import build_demo
    from orderhub.tools.simulation import OrderGenerator, load_prices

    with tempfile.TemporaryDirectory() as tmp:
        hub = bootstrap(Settings(database_url=f"sqlite:///{Path(tmp) / 's.db'}",
                                 outbox_dispatch=False))
        upgrade(hub.engine)
        build_demo(hub, skus=2000, now=NOW)
        gen = OrderGenerator(7, load_prices(hub, "default"))
        start = time.perf_counter()
        for i in range(0, count, 1000):
            submit_orders(hub.uow, "default", list(gen.stream(min(1000, count - i), NOW)),
                          strategy=hub.strategy, now=NOW, actor="bench",
                          presale_lock=hub.presale_lock)
        loaded = time.perf_counter() - start
        draft = rule_sets.create_draft(hub.uow, "default", rules, actor="bench",
                                       reason="bench", now=NOW)
        report = sandbox.simulate(hub.uow, hub.read_uow, "default", draft["id"],
                                  since=timedelta(days=1), now=NOW + timedelta(hours=1),
                                  actor="bench", strategy=hub.strategy, limit=count)
        hub.close()
    print(f"sandbox: {count:,} orders taken in in {loaded:.0f} s; replayed through "
          f"{len(rules)} draft rules beside the live ones plus 4 stress scenarios of "
          f"{sandbox.STRESS_SAMPLE:,} in {report['seconds']:.1f} s "
          f"({report['orders'] / report['seconds']:,.0f} orders/s); "
          f"{report['orders_changed']:,} orders routed differently")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else "")
    ap.add_argument("--rules", type=int, default=200)
    ap.add_argument("--orders", type=int, default=20000, help="orders for intake runs")
    ap.add_argument("--decisions", type=int, default=5000)
    ap.add_argument("--replay", type=int, default=100000, help="orders to replay (0: skip)")
    args = ap.parse_args()
    many = generated_rules(args.rules)
    network = build_network(args.decisions, 0.6)
    orders, _ = build_orders(args.decisions, 1)
    few_ms = decide_all(orders, network)
    network.rules = by_priority([parse_rule(d) for d in many])
    many_ms = decide_all(orders, network)
    print(f"streaming decision, {len(orders)} orders: 3 demo rules {few_ms:.3f} ms, "
          f"{args.rules} rules {many_ms:.3f} ms per order ({many_ms / few_ms:.2f}x)")
    rates = {"3 demo rules": [], f"{args.rules} rules": []}
    for _ in range(2):  # alternate, to spread the machine's noise over both
        rates["3 demo rules"].append(intake([], args.orders))
        rates[f"{args.rules} rules"].append(intake(many, args.orders))
    few, lots = (statistics.mean(v) for v in rates.values())
    print(f"intake (SQLite, batches of 500, {args.orders:,} orders, 2 runs each): "
          f"3 demo rules {few:,.0f} orders/s, {args.rules} rules {lots:,.0f} orders/s "
          f"({lots / few:.2f}x)")
    if args.replay:
        replay(args.replay, many[:20])


if __name__ == "__main__":
    main()
