"""Simulated carriers for the demo and tests: for shipped orders, realistic checkpoint
sequences (pick-up, hub arrivals and departures, customs for cross-border parcels, out for
delivery, an occasional failed attempt, delivered), from a seeded random generator, pushed
through the same service as a carrier's signed push (services/tracking/checkpoints.py) —
out of order and with some repeated, as real carriers send them.

    orderhub carrier tracking simulate --seed 7 [--hours 24]
"""

from __future__ import annotations

import random
from collections import defaultdict
from dataclasses import asdict, dataclass
from datetime import datetime, timedelta

from orderhub.domain.tracking import Checkpoint, CheckpointKind
from orderhub.services.tracking import checkpoints, views
from orderhub.services.unit_of_work import UowFactory

K = CheckpointKind
FAILED_ATTEMPT_RATE = 0.15  # parcels whose first delivery attempt fails
DUPLICATE_RATE = 0.05  # checkpoints a carrier sends twice
HUBS = ["杭州转运中心", "武汉转运中心", "郑州转运中心", "广州转运中心", "北京转运中心",
        "上海转运中心", "成都转运中心", "西安转运中心"]


def checkpoint_sequence(rng: random.Random, carrier: str, waybill: str, dispatched: datetime,
                        *, origin: str, destination: str, cross_border: bool = False,
                        failed_rate: float = FAILED_ATTEMPT_RATE) -> list[Checkpoint]:
    """One parcel's journey from its dispatch time, in time order; event ids are the
    carrier's (`<waybill>-<n>`), so generating it again gives the same ids."""
    steps: list[tuple[CheckpointKind, float, str, str]] = []
    t = rng.uniform(0.5, 4.0)
    steps.append((K.PICKED_UP, t, origin, f"{origin} 已揽收"))
    hubs = rng.sample(HUBS, rng.randint(1, 3))
    for i, hub in enumerate(hubs):
        t += rng.uniform(3.0, 14.0)
        steps.append((K.ARRIVED_AT_HUB, t, hub, f"快件已到达 {hub}"))
        if cross_border and i == 0:
            t += rng.uniform(6.0, 36.0)
            steps.append((K.CUSTOMS, t, "海关监管区", "清关中 customs clearance"))
        t += rng.uniform(1.0, 6.0)
        steps.append((K.DEPARTED_HUB, t, hub, f"快件已离开 {hub}"))
    t += rng.uniform(4.0, 16.0)
    steps.append((K.OUT_FOR_DELIVERY, t, destination, f"{destination} 派送中"))
    if rng.random() < failed_rate:
        t += rng.uniform(1.0, 6.0)
        steps.append((K.FAILED_ATTEMPT, t, destination, "派送失败: 收件人不在"))
        t += rng.uniform(14.0, 26.0)
        steps.append((K.OUT_FOR_DELIVERY, t, destination, f"{destination} 再次派送"))
    t += rng.uniform(0.5, 5.0)
    steps.append((K.DELIVERED, t, destination, "已签收"))
    return [Checkpoint(carrier=carrier, waybill=waybill, event_id=f"{waybill}-{n}", kind=kind,
                       at=dispatched + timedelta(hours=hours), location=where,
                       description=text)
            for n, (kind, hours, where, text) in enumerate(steps, start=1)]


@dataclass
class SimulationReport:
    shipments: int = 0
    pushes: int = 0
    sent: int = 0
    new: int = 0
    duplicates: int = 0
    matched: int = 0
    orphaned: int = 0
    delivered: int = 0

    def as_dict(self) -> dict[str, int]:
        return asdict(self)


def simulate(make_uow: UowFactory, tenant_id: str, *, now: datetime, seed: int = 7,
             limit: int = 1000, hours: float | None = None,
             duplicate_rate: float = DUPLICATE_RATE) -> SimulationReport:
    """Track up to `limit` shipped orders: each dispatched shipment's sequence (only what
    happened within `hours` of its dispatch, when given), each carrier's checkpoints pushed
    in shuffled batches with some sent twice. Seeded: the same data and seed give the same
    pushes."""
    rng = random.Random(seed)
    by_carrier: dict[str, list[Checkpoint]] = defaultdict(list)
    report = SimulationReport()
    for parcel in views.shipped_parcels(make_uow, tenant_id, limit):
        report.shipments += 1
        seq = checkpoint_sequence(
            random.Random(f"{seed}/{parcel['waybill']}"), parcel["carrier"],
            parcel["waybill"], parcel["dispatched_at"], origin=parcel["warehouse"],
            destination=parcel["city"] or parcel["province"] or "收件地",
            cross_border=parcel["cross_border"])
        if hours is not None:
            seq = [c for c in seq if c.at <= parcel["dispatched_at"] + timedelta(hours=hours)]
        by_carrier[parcel["carrier"]].extend(seq)
    for carrier, items in sorted(by_carrier.items()):
        items = items + [c for c in items if rng.random() < duplicate_rate]
        rng.shuffle(items)  # carriers send late and out of order
        for i in range(0, len(items), checkpoints.MAX_PUSH):
            batch = items[i:i + checkpoints.MAX_PUSH]
            result = checkpoints.push(make_uow, tenant_id, carrier, batch, now=now)
            report.pushes += 1
            report.sent += len(batch)
            report.new += result.new
            report.duplicates += result.duplicates
            report.matched += result.matched
            report.orphaned += result.orphaned
            report.delivered += result.delivered
    return report
