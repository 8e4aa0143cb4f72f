"""From a stored order and its events to its twin: the facts the SLA policy matches on,
the signals from outside the order (carrier state, failed delivery attempts), and the
stage entry times. Shared by the twin read model and the `twin` consumer."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from orderhub.domain.order import Order, ShipmentStatus
from orderhub.domain.routing.network import CarrierService, CarrierState
from orderhub.domain.twin.stages import FINISHING, Stage, entries_from_events
from orderhub.domain.twin.twin import OrderFacts, Signal

# (type, status, occurred_at, data): an event as the twin reads it
EventRow = tuple[str, str, datetime, dict[str, Any]]


def shipping_site(order: Order) -> str:
    live = [s for s in order.shipments if s.status != ShipmentStatus.CANCELLED]
    return live[0].warehouse if live else ""


def facts_of(order: Order, held_since: datetime | None) -> OrderFacts:
    return OrderFacts(
        order_id=order.id, status=order.status.value, channel=order.channel,
        service_level=order.service_level, warehouse=shipping_site(order),
        customer_tier=order.customer.tier, promised_delivery=order.promised_delivery,
        held_since=held_since if order.status.value == "on_hold" else None,
        hold_codes=tuple(r.code.value for r in order.hold_reasons))


def signals_of(order: Order, services: Mapping[str, CarrierService],
               failed_attempts: int) -> list[Signal]:
    """What outside the order lowers its health: its carrier down or degraded (until the
    parcel is delivered), failed delivery attempts."""
    out: list[Signal] = []
    open_services = {s.carrier_service for s in order.shipments
                     if s.carrier_service and s.status in (ShipmentStatus.PLANNED,
                                                           ShipmentStatus.DISPATCHED)}
    for code in sorted(open_services):
        svc = services.get(code)
        if svc is None:
            continue
        if svc.state == CarrierState.DOWN:
            out.append(Signal(25, f"carrier {code} down", f"承运商 {code} 停运"))
        elif svc.state == CarrierState.DEGRADED:
            out.append(Signal(15, f"carrier {code} degraded (+{svc.delay_days} d)",
                              f"承运商 {code} 时效下降（+{svc.delay_days} 天）"))
    if failed_attempts:
        out.append(Signal(min(30, 15 * failed_attempts),
                          f"{failed_attempts} failed delivery attempt(s)",
                          f"{failed_attempts} 次派送失败"))
    return out


def read_events(rows: Iterable[EventRow], entries: dict[Stage, datetime] | None = None,
                held_since: datetime | None = None, failed_attempts: int = 0,
                finished_at: datetime | None = None) -> tuple[
                    dict[Stage, datetime], datetime | None, int, datetime | None]:
    """Fold events (in order) into (stage entries, held since, failed attempts, finished
    at), starting from what an earlier fold left."""
    rows = list(rows)
    out = entries_from_events(rows, dict(entries or {}))
    for event_type, status, at, data in rows:
        if event_type == "OrderHeld" and held_since is None:
            held_since = at
        elif status != "on_hold":
            held_since = None
        if event_type == "ShipmentCheckpointRecorded" and data.get("checkpoint") == \
                "failed_attempt":
            failed_attempts += 1
        if event_type in FINISHING:
            finished_at = at
    return out, held_since, failed_attempts, finished_at
