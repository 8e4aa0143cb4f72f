"""Read models of the network for the API, CLI and console: plain dicts ready to serialise."""

from __future__ import annotations

from typing import Any

from orderhub.domain.routing.strategy import MODEL
from orderhub.services.network.carriers import carrier_view
from orderhub.services.unit_of_work import UowFactory


def network_view(read_uow: UowFactory, tenant_id: str) -> dict[str, Any]:
    """The network as the router sees it now: each site's capacity, picking queue (open
    orders waiting) and days of queue, costs and capabilities; carrier states; active
    blocks; the enabled rules; and the model version decisions are stamped with."""
    with read_uow() as uow:
        sites = uow.catalog.warehouses(tenant_id)
        state = uow.network.load(tenant_id)
    return {
        "model_version": f"{MODEL}/{state.version}",
        "sites": [{"code": w.code, "kind": w.kind, "province": w.province,
                   "region": w.region, "active": w.active, "daily_capacity": w.daily_capacity,
                   "queue": state.backlog.get(w.code, 0),
                   "queue_days": round(state.backlog.get(w.code, 0) / w.daily_capacity, 2)
                   if w.daily_capacity else None, "max_queue_days": w.max_queue_days,
                   "cutoff": w.cutoff.strftime("%H:%M"),
                   "handling_per_order": str(w.handling_per_order),
                   "handling_per_unit": str(w.handling_per_unit),
                   "capabilities": sorted(w.capabilities)} for w in sites],
        "carriers": [{k: v for k, v in carrier_view(s).items()
                      if k in ("code", "state", "delay_days")} for s in state.services],
        "blocks": [{"area": b.area, "direction": b.direction.value, "reason": b.reason}
                   for b in state.blocks],
        "rules": [r.label for r in state.rules],
    }
