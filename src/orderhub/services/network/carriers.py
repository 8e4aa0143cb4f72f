"""Carrier services as data: what the router may use, at what price and speed (zone prices,
lane transit days), and their state now (up, degraded, down). State changes, which
re-route open orders, are network events (services/network_events.py)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, select, update

from orderhub.adapters.db import tables as t
from orderhub.adapters.db.network_repository import NetworkRepository, service_of
from orderhub.domain.errors import FieldError, InvalidInput, NotFound
from orderhub.domain.routing.lanes import check_lanes
from orderhub.domain.routing.network import DEMO_SERVICES, CarrierService
from orderhub.services.unit_of_work import UowFactory

_c = t.carrier_services.c


def lanes_doc(lanes: Mapping[tuple[str, str], int]) -> dict[str, int]:
    return {f"{o}>{d}": days for (o, d), days in sorted(lanes.items())}


def carrier_view(svc: CarrierService, note: str = "") -> dict[str, Any]:
    return {"code": svc.code, "carrier": svc.carrier, "service": svc.service,
            "state": svc.state.value, "healthy": svc.healthy, "delay_days": svc.delay_days,
            "note": note,
            "first_kg": {str(k): str(v) for k, v in svc.first_kg.items()},
            "extra_kg": {str(k): str(v) for k, v in svc.extra_kg.items()},
            "transit_days": {str(k): v for k, v in svc.transit_days.items()},
            "lanes": lanes_doc(svc.lanes),
            "max_kg": str(svc.max_kg) if svc.max_kg is not None else None}


def seed_carriers(conn: Connection, tenant_id: str, now: datetime) -> None:
    """The demo services for a tenant that has none yet."""
    if conn.execute(select(_c.code).where(_c.tenant_id == tenant_id).limit(1)).first():
        return
    conn.execute(t.carrier_services.insert(), [
        {"tenant_id": tenant_id, "code": s.code, "carrier": s.carrier, "service": s.service,
         "first_kg": {str(k): str(v) for k, v in s.first_kg.items()},
         "extra_kg": {str(k): str(v) for k, v in s.extra_kg.items()},
         "transit_days": {str(k): v for k, v in s.transit_days.items()},
         "lanes": lanes_doc(s.lanes), "delay_days": s.delay_days, "max_kg": s.max_kg,
         "healthy": s.healthy, "note": "", "updated_at": now} for s in DEMO_SERVICES])


def load_services(conn: Connection, tenant_id: str) -> list[CarrierService]:
    return NetworkRepository(conn).services(tenant_id)


def carrier_view_of(conn: Connection, tenant_id: str, code: str) -> dict[str, Any]:
    row = conn.execute(select(t.carrier_services).where(
        _c.tenant_id == tenant_id, _c.code == code)).mappings().first()
    if row is None:
        raise NotFound(f"carrier service '{code}' not found")
    return carrier_view(service_of(row), row["note"])


def set_lanes(make_uow: UowFactory, tenant_id: str, code: str, lanes: Mapping[str, int], *,
              now: datetime) -> dict[str, Any]:
    """Replace a service's lane table ("east>south": days); checked before anything
    changes. The router reads it within its cache time."""
    parsed: dict[tuple[str, str], int] = {}
    errors: list[FieldError] = []
    for key, days in lanes.items():
        origin, sep, dest = key.partition(">")
        if not sep or isinstance(days, bool) or not isinstance(days, int):
            errors.append(FieldError(f"lanes.{key}", "write 'origin>destination': days"))
            continue
        parsed[(origin, dest)] = days
    errors += [FieldError("lanes", p) for p in check_lanes(parsed)]
    if errors:
        raise InvalidInput(errors)
    with make_uow() as uow:
        uow.network.bump(tenant_id)  # waits for intakes in flight; see network_repository
        seed_carriers(uow.conn, tenant_id, now)
        result = uow.conn.execute(update(t.carrier_services).where(
            _c.tenant_id == tenant_id, _c.code == code).values(
            lanes=lanes_doc(parsed), updated_at=now))
        if result.rowcount != 1:
            raise NotFound(f"carrier service '{code}' not found")
        uow.commit()
        return carrier_view_of(uow.conn, tenant_id, code)


def list_carriers(make_uow: UowFactory, tenant_id: str) -> list[dict[str, Any]]:
    with make_uow() as uow:
        rows = uow.conn.execute(select(t.carrier_services).where(_c.tenant_id == tenant_id)
                                .order_by(_c.code)).mappings().all()
        if not rows:
            return [carrier_view(s) for s in DEMO_SERVICES]
        return [carrier_view(service_of(r), r["note"]) for r in rows]
