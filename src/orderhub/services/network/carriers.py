"""Carrier services as data: what the router may use, at what price and speed (zone prices,
lane transit days), and their state now (up, degraded, down). State changes, which
re-route open orders, are network events (services/network/incidents.py)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from orderhub.adapters.db.network_repository import NetworkRepository
from orderhub.domain.errors import FieldError, InvalidInput, NotFound
from orderhub.domain.routing.lanes import check_lanes
from orderhub.domain.routing.network import DEMO_SERVICES, CarrierService
from orderhub.services import audit
from orderhub.services.unit_of_work import UowFactory


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


def service_view(network: NetworkRepository, tenant_id: str, code: str) -> dict[str, Any]:
    """One stored service as the API shows it (the tenant's services must be seeded)."""
    stored = network.stored_service(tenant_id, code)
    if stored is None:
        raise NotFound(f"carrier service '{code}' not found")
    return carrier_view(stored.service, stored.note)


def set_lanes(make_uow: UowFactory, tenant_id: str, code: str, lanes: Mapping[str, int], *,
              now: datetime, actor: str = "system") -> dict[str, Any]:
    """Replace a service's lane table ("east>south": days); checked before anything
    changes. Intake routes with it from its next batch (the change bumps the network
    revision). Audited: the lanes before and after."""
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
        uow.network.seed_services(tenant_id, now)
        before = uow.network.stored_service(tenant_id, code)
        if before is None or not uow.network.set_lanes(tenant_id, code, parsed, now):
            raise NotFound(f"carrier service '{code}' not found")
        audit.note(uow, tenant_id, now, actor, "carrier_change", f"carrier/{code}",
                   {"change": "lanes", "fields": audit.changed(
                       {"lanes": lanes_doc(before.service.lanes)},
                       {"lanes": lanes_doc(parsed)})})
        uow.commit()
        return service_view(uow.network, tenant_id, code)


def list_carriers(make_uow: UowFactory, tenant_id: str) -> list[dict[str, Any]]:
    with make_uow() as uow:
        stored = uow.network.stored_services(tenant_id)
        if not stored:
            return [carrier_view(s) for s in DEMO_SERVICES]
        return [carrier_view(s.service, s.note) for s in stored]
