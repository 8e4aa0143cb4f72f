"""The carriers' measured delays as the twin's model reads them: the feature
`carrier_delay_hours` (domain/risk/history.CarrierDelays), from the deliveries the hub
recorded in the two days before its latest one, exactly as `risk train --from-hub`
computes it from the whole history, so training and serving agree.

Read at most once per REFRESH_SECONDS per tenant and process (the twin consumer asks for
every batch; a 48-hour mean does not move in a minute), at most MAX_DELIVERIES orders
(the latest first) so a busy hub's refresh stays one bounded read.
"""

from __future__ import annotations

import threading
import time
from datetime import timedelta

from orderhub.domain.risk.history import DELAY_WINDOW, CarrierDelays
from orderhub.services.unit_of_work import UowFactory

REFRESH_SECONDS = 300.0
MAX_DELIVERIES = 5000
# Deliveries are picked by the carrier's delivery time and measured by the hub's event
# time: a day more than the window, so none inside it is left out.
_READ_WINDOW = DELAY_WINDOW + timedelta(hours=24)

_CACHE: dict[str, tuple[float, CarrierDelays]] = {}
_LOCK = threading.Lock()


def clear_cache() -> None:
    with _LOCK:
        _CACHE.clear()


def measured(make_uow: UowFactory, tenant_id: str) -> CarrierDelays:
    """The tenant's recent deliveries per carrier service and destination region (cached
    per process for REFRESH_SECONDS)."""
    now = time.monotonic()
    with _LOCK:
        cached = _CACHE.get(tenant_id)
    if cached is not None and now - cached[0] < REFRESH_SECONDS:
        return cached[1]
    with make_uow() as uow:
        orders = uow.risk_models.recent_deliveries(tenant_id, _READ_WINDOW, MAX_DELIVERIES)
        sites = {w.code: w for w in uow.catalog.warehouses(tenant_id)} if orders else {}
        services = {s.code: s for s in uow.network.services(tenant_id)} if orders else {}
    delays = CarrierDelays.of(orders, sites, services)
    with _LOCK:
        _CACHE[tenant_id] = (now, delays)
    return delays
