"""Carrier services as data: what the router may use, at what price and speed, and whether
each is healthy now. Marking one down sends new orders' volume to the next best service."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import Connection, Engine, select, update

from orderhub.adapters.db import tables as t
from orderhub.domain.errors import FieldError, InvalidInput, NotFound
from orderhub.domain.events import CarrierStatusChanged
from orderhub.domain.routing.network import DEMO_SERVICES, CarrierService
from orderhub.services.unit_of_work import UowFactory

_c = t.carrier_services.c


def _service(row: Any) -> CarrierService:
    def zones(doc: dict[str, Any], cast: Callable[[Any], Any]) -> dict[int, Any]:
        return {int(k): cast(v) for k, v in doc.items()}

    return CarrierService(row["carrier"], row["service"], zones(row["first_kg"], Decimal),
                          zones(row["extra_kg"], Decimal), zones(row["transit_days"], int),
                          bool(row["healthy"]))


def carrier_view(svc: CarrierService, note: str = "") -> dict[str, Any]:
    return {"code": svc.code, "carrier": svc.carrier, "service": svc.service,
            "healthy": svc.healthy, "note": note,
            "first_kg": {str(k): str(v) for k, v in svc.first_kg.items()},
            "extra_kg": {str(k): str(v) for k, v in svc.extra_kg.items()},
            "transit_days": {str(k): v for k, v in svc.transit_days.items()}}


def seed_carriers(conn: Connection, tenant_id: str, now: datetime) -> None:
    """The demo services for a tenant that has none yet."""
    if conn.execute(select(_c.code).where(_c.tenant_id == tenant_id).limit(1)).first():
        return
    conn.execute(t.carrier_services.insert(), [
        {"tenant_id": tenant_id, "code": s.code, "carrier": s.carrier, "service": s.service,
         "first_kg": {str(k): str(v) for k, v in s.first_kg.items()},
         "extra_kg": {str(k): str(v) for k, v in s.extra_kg.items()},
         "transit_days": {str(k): v for k, v in s.transit_days.items()},
         "healthy": s.healthy, "note": "", "updated_at": now} for s in DEMO_SERVICES])


def load_services(conn: Connection, tenant_id: str) -> list[CarrierService]:
    rows = conn.execute(select(t.carrier_services).where(_c.tenant_id == tenant_id)
                        .order_by(_c.code)).mappings().all()
    return [_service(r) for r in rows] if rows else list(DEMO_SERVICES)


def list_carriers(make_uow: UowFactory, tenant_id: str) -> list[dict[str, Any]]:
    with make_uow() as uow:
        rows = uow.conn.execute(select(t.carrier_services).where(_c.tenant_id == tenant_id)
                                .order_by(_c.code)).mappings().all()
        if not rows:
            return [carrier_view(s) for s in DEMO_SERVICES]
        return [carrier_view(_service(r), r["note"]) for r in rows]


def set_health(make_uow: UowFactory, tenant_id: str, code: str, healthy: bool, *,
               reason: str, actor: str, now: datetime) -> dict[str, Any]:
    if not reason.strip():
        raise InvalidInput([FieldError("reason", "say why (timeouts, strike, weather, ...)")])
    with make_uow() as uow:
        seed_carriers(uow.conn, tenant_id, now)
        result = uow.conn.execute(update(t.carrier_services).where(
            _c.tenant_id == tenant_id, _c.code == code).values(
            healthy=healthy, note=reason, updated_at=now))
        if result.rowcount != 1:
            raise NotFound(f"carrier service '{code}' not found")
        uow.record(CarrierStatusChanged(tenant_id=tenant_id, occurred_at=now, actor=actor,
                                        reason=reason, carrier_service=code, healthy=healthy))
        uow.commit()
        row = uow.conn.execute(select(t.carrier_services).where(
            _c.tenant_id == tenant_id, _c.code == code)).mappings().one()
        return carrier_view(_service(row), row["note"])


class CarrierDirectory:
    """Current carrier services per tenant for the router, re-read at most every `ttl`
    seconds so a health change reaches new orders within that time."""

    def __init__(self, engine: Engine, ttl: float = 2.0) -> None:
        self.engine = engine
        self.ttl = ttl
        self._cache: dict[str, tuple[float, list[CarrierService]]] = {}
        self._lock = threading.Lock()

    def services(self, tenant_id: str) -> list[CarrierService]:
        with self._lock:
            hit = self._cache.get(tenant_id)
            if hit and time.monotonic() - hit[0] < self.ttl:
                return hit[1]
        # Called from inside an intake transaction: on SQLite a second connection must
        # only read (DEFERRED), or it would wait for the write lock its own thread holds.
        reader = self.engine.connect().execution_options(sqlite_begin="DEFERRED")
        with reader as conn:
            found = load_services(conn, tenant_id)
        with self._lock:
            self._cache[tenant_id] = (time.monotonic(), found)
        return found

    def invalidate(self) -> None:
        with self._lock:
            self._cache.clear()
