"""The bidding demo: the simulated provider set (adapters/bidding/simulated.py) registered
as the tenant's providers, a policy if the tenant has none (tmall orders, 3 s, cost weight
0.5), generated orders submitted through intake, then the `bid-auctions` job run on real
time while the simulated providers answer through the bid API's verify-and-submit path:
some win, SIM-SLOW is late, SIM-BAD is malformed, SIM-MUTE never answers."""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from orderhub.adapters.bidding.simulated import SIMULATED
from orderhub.bootstrap import Hub
from orderhub.services.bidding import providers, views
from orderhub.services.intake.submit import submit_orders
from orderhub.services.jobs import BID_SWEEP_SECONDS, bid_auctions
from orderhub.tools.simulation import OrderGenerator, load_prices

DEMO_POLICY: dict[str, Any] = {"when": {"channel": ["tmall"]}, "window_seconds": 3,
                               "cost_weight": "0.5"}


@dataclass
class BidDemoReport:
    orders: int = 0
    offered: list[str] = field(default_factory=list)
    offers: list[dict[str, Any]] = field(default_factory=list)
    seconds: float = 0.0

    def as_dict(self) -> dict[str, Any]:
        return {"orders": self.orders, "offered": len(self.offered),
                "awarded": sum(o["status"] == "awarded" for o in self.offers),
                "fallback": sum(o["status"] == "fallback" for o in self.offers),
                "open": sum(o["status"] == "open" for o in self.offers),
                "seconds": round(self.seconds, 2),
                "offers": [{"offer_id": o["offer_id"], "order_id": o["order_id"],
                            "status": o["status"], "winner": o["winner"],
                            "price": o["price"],
                            "bids": {b["provider"]: b["status"] for b in o["bids"]}}
                           for o in self.offers]}


def register_simulated(hub: Hub, tenant_id: str, actor: str = "demo") -> list[str]:
    """The simulated providers the tenant does not have yet, added; their codes."""
    have = {p["code"] for p in providers.list_providers(hub.read_uow, tenant_id)}
    added = []
    for p in SIMULATED:
        if p.code not in have:
            providers.save_provider(hub.uow, tenant_id, {"code": p.code, "name": p.name,
                                                         "kind": p.kind},
                                    secret=None, now=hub.clock(), actor=actor)
            added.append(p.code)
    return added


def run(hub: Hub, tenant_id: str, *, orders: int, seed: int = 7,
        wait_seconds: float | None = None) -> BidDemoReport:
    """Submit `orders` generated orders, let the simulated providers bid, close the offers.
    `wait_seconds`: how long to run the job (default: the window and a second)."""
    register_simulated(hub, tenant_id)
    if providers.get_policy(hub.read_uow, tenant_id) is None:
        providers.set_policy(hub.uow, tenant_id, DEMO_POLICY, now=hub.clock(), actor="demo")
    policy: dict[str, Any] = providers.get_policy(hub.read_uow, tenant_id) or DEMO_POLICY
    prices = load_prices(hub, tenant_id)
    if not prices:
        raise ValueError("no sellable SKUs: run `orderhub demo-data` first")
    hub.simulated_bidders()
    gen = OrderGenerator(seed=seed, sku_prices=prices,
                         prefix=f"BID{datetime.now(UTC):%Y%m%d%H%M%S}")
    report = BidDemoReport(orders=orders)
    started = time.monotonic()
    with hub.read_uow() as uow:
        channels = {c.code for c in uow.catalog.channels(tenant_id)}
    # the generator's channels (tmall, jd, douyin, ...) that the tenant has
    drafts = [d for d in gen.stream(orders * 4, hub.clock()) if d.channel in channels][:orders]
    results = submit_orders(hub.uow, tenant_id, drafts, strategy=hub.strategy,
                            now=hub.clock(), actor="demo", presale_lock=hub.presale_lock)
    ids = [r.order_id for r in results if r.order_id]
    job = bid_auctions(hub.uow, hub.bid_sender)
    until = started + (wait_seconds if wait_seconds is not None
                       else float(policy["window_seconds"]) + 1.0)
    while time.monotonic() < until:
        job.run_once(hub.clock())
        time.sleep(BID_SWEEP_SECONDS)
    job.run_once(hub.clock())
    for oid in ids:
        found = views.order_bidding(hub.read_uow, tenant_id, oid)
        if found:
            report.offered.append(oid)
            report.offers.extend(found)
    report.seconds = time.monotonic() - started
    hub.relay.drain()
    return report
