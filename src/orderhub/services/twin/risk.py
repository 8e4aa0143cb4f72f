"""The learned late-delivery model in the twin: where a tenant has a champion model
(services/risk), the twin's `risk` is its probability and its reasons join the twin's;
otherwise the twin keeps its SLA-arithmetic baseline. One scoring call per batch.

The snapshot carries what the hub observes now: stage entry times, the promise, service
level, channel, site and carrier with the lane's quoted days, the site's picking queue
(open shipments, and hours of work at its daily capacity over a 14-hour day), whether
the carrier is degraded (its declared state), and the carrier's measured delay into the
destination region: the mean lateness of its deliveries in the 48 hours before, the
feature as `risk train --from-hub` computes it (services/risk/carrier_delays.py, filled in
by `apply`). Weather is not observed by the hub (left at its neutral value)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from orderhub.domain.inventory import Warehouse
from orderhub.domain.risk.history import stage_times
from orderhub.domain.risk.snapshot import OrderSnapshot, RiskResult
from orderhub.domain.routing.lanes import province_key, region_of
from orderhub.domain.routing.network import CarrierService, CarrierState
from orderhub.domain.twin.stages import Stage
from orderhub.domain.twin.twin import Reason, Twin
from orderhub.services.risk.scoring import RiskScorer
from orderhub.services.twin.twins import OrderSource

SHIFT_HOURS = 14.0


@dataclass(frozen=True, slots=True)
class World:
    """What the hub observes of its network now, read once per batch."""

    services: Mapping[str, CarrierService]
    warehouses: Mapping[str, Warehouse]
    queue: Mapping[str, int]  # site -> open shipments


def snapshot(src: OrderSource, entries: Mapping[Stage, datetime], twin: Twin,
             world: World, now: datetime) -> OrderSnapshot | None:
    """The order now as the model reads it; None without a promise (nothing to miss)."""
    if twin.promise_at is None or Stage.CREATED not in entries:
        return None
    stages = stage_times(entries)  # as training from the hub's history reads them
    at = max(now, *stages.values())
    site = world.warehouses.get(src.site)
    svc = world.services.get(src.carrier_service)
    origin = (site.region or region_of(site.province)) if site else ""
    dest = region_of(src.province)
    same = bool(site and province_key(site.province) == province_key(src.province))
    lane = float(svc.transit(1 if same else 3, origin, dest)) if svc else 2.0
    depth = world.queue.get(src.site, 0)
    per_hour = (site.daily_capacity / SHIFT_HOURS) if site and site.daily_capacity else 0.0
    return OrderSnapshot(
        order_id=src.order_id, at=at, stages=stages, promised_by=twin.promise_at,
        service_level=src.service_level, channel=src.channel, warehouse=src.site,
        carrier=src.carrier_service, origin_region=origin, dest_region=dest, lane_days=lane,
        backlog_hours=depth / per_hour if per_hour else 0.0, queue_depth=depth,
        carrier_degraded=bool(svc and svc.state != CarrierState.UP))


def apply(scorer: RiskScorer, items: Sequence[tuple[OrderSnapshot | None, Twin]]) -> (
        list[Twin]):
    """Each twin with the model's probability and reasons, where a model serves and the
    order has a promise; unchanged otherwise."""
    if scorer.model is None:
        return [t for _, t in items]
    delays = scorer.carrier_delays
    wanted = [(i, s if delays is None else replace(
        s, carrier_delay_hours=delays.hours(s.carrier, s.dest_region, s.at)))
        for i, (s, _) in enumerate(items) if s is not None]
    results: dict[int, RiskResult] = dict(zip(
        [i for i, _ in wanted], scorer.score([s for _, s in wanted], reasons_from=0.3),
        strict=True))
    out = []
    for i, (_, twin) in enumerate(items):
        r = results.get(i)
        if r is None:
            out.append(twin)
            continue
        zh = r.reasons_zh or r.reasons
        extra = [Reason("risk_model", 0, f"{r.source}: {en}", z) for en, z in
                 zip(r.reasons, zh, strict=False)]
        out.append(twin.with_risk(r.probability, r.source, extra))
    return out
