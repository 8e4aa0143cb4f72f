"""The screening stage's I/O, for one batch: the settings, one read of every recent
sighting of the batch's keys, the pure assessment (domain/anomaly), one bulk write of the
batch's sightings and one of its detections. The pipeline decides what happens to the
orders (intake/pipeline.py: `screen_anomalies`)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from orderhub.domain.anomaly.decision import Action, Assessment, assess
from orderhub.domain.anomaly.facts import order_facts
from orderhub.domain.anomaly.features import windows
from orderhub.domain.anomaly.settings import AnomalySettings
from orderhub.domain.order import Order
from orderhub.services.unit_of_work import UnitOfWork, UowFactory


def screen(uow: UnitOfWork, tenant_id: str, orders: Sequence[Order],
           now: datetime) -> list[Assessment]:
    """Assess new orders (input order) and remember them; [] when the tenant turned the
    stage off. Every order is remembered, held or not: a burst counts whatever else
    happens to its orders."""
    if not orders:
        return []
    settings = uow.anomaly.settings(tenant_id)
    if not settings.enabled:
        return []
    facts = uow.anomaly.key_facts(tenant_id, [order_facts(o) for o in orders])
    history = uow.anomaly.recent(tenant_id, facts, now, windows(settings))
    found, seen = assess(facts, history, now, settings, uow.anomaly.scorer())
    uow.anomaly.record(tenant_id, seen)
    uow.anomaly.record_detections(tenant_id, [a for a in found if a.action != Action.PASS],
                                  now)
    return found


def prune(make_uow: UowFactory, now: datetime) -> int:
    """Delete fingerprints older than their kind's window: the longest any tenant set
    (a tenant's own longer window is kept for it), at least the defaults."""
    with make_uow() as uow:
        longest = windows(AnomalySettings())
        for s in uow.anomaly.all_settings():
            for kind, w in windows(s).items():
                longest[kind] = max(longest[kind], w)
        removed = uow.anomaly.prune(now, longest)
        uow.commit()
        return removed
