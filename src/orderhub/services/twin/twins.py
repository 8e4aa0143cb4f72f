"""From a stored order and its events to its twin: the facts the SLA policy matches on,
the signals from outside the order (carrier state, failed delivery attempts), and the
stage entry times. Shared by the twin read model and the `twin` consumer."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from orderhub.domain.order import Order, ShipmentStatus
from orderhub.domain.routing.network import CarrierService, CarrierState
from orderhub.domain.twin.stages import FINISHING, Stage, entries_from_events
from orderhub.domain.twin.twin import OrderFacts, Signal

# (type, status, occurred_at, data): an event as the twin reads it
EventRow = tuple[str, str, datetime, dict[str, Any]]


@dataclass(frozen=True, slots=True)
class OrderSource:
    """What the twin reads of an order: from the aggregate, or from the light read of the
    twin repository (no lines, nothing decrypted) the consumer uses for whole batches."""

    order_id: str
    status: str
    channel: str
    service_level: str
    promised_delivery: date | None
    tier: str
    hold_codes: tuple[str, ...]
    created_at: datetime
    shipments: tuple[tuple[str, str, str, str], ...]  # (id, warehouse, status, service)
    province: str = ""  # the destination's

    @classmethod
    def of_order(cls, order: Order) -> OrderSource:
        return cls(order.id, order.status.value, order.channel, order.service_level,
                   order.promised_delivery, order.customer.tier,
                   tuple(r.code.value for r in order.hold_reasons), order.created_at,
                   tuple((s.id, s.warehouse, s.status.value, s.carrier_service)
                         for s in order.shipments), order.shipping_address.province)

    @classmethod
    def of_row(cls, row: Mapping[str, Any]) -> OrderSource:
        return cls(row["id"], row["status"], row["channel"], row["service_level"],
                   row["promised_delivery"], str(row["tier"] or ""),
                   tuple(str(r.get("code", "")) for r in row["hold_reasons"] or []),
                   row["created_at"], tuple(row["shipments"]), row.get("province", ""))

    @property
    def site(self) -> str:
        """The (first) shipping site, once allocated."""
        live = [s for s in self.shipments if s[2] != ShipmentStatus.CANCELLED.value]
        return live[0][1] if live else ""

    @property
    def carrier_service(self) -> str:
        live = [s for s in self.shipments if s[2] != ShipmentStatus.CANCELLED.value]
        return live[0][3] if live else ""


def facts_of(src: OrderSource, held_since: datetime | None) -> OrderFacts:
    return OrderFacts(
        order_id=src.order_id, status=src.status, channel=src.channel,
        service_level=src.service_level, warehouse=src.site, customer_tier=src.tier,
        promised_delivery=src.promised_delivery,
        held_since=held_since if src.status == "on_hold" else None,
        hold_codes=src.hold_codes)


def signals_of(src: OrderSource, services: Mapping[str, CarrierService],
               failed_attempts: int) -> list[Signal]:
    """What outside the order lowers its health: its carrier down or degraded (until the
    parcel is delivered), failed delivery attempts."""
    out: list[Signal] = []
    open_services = {svc for _, _, status, svc in src.shipments
                     if svc and status in (ShipmentStatus.PLANNED.value,
                                           ShipmentStatus.DISPATCHED.value)}
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
                held_since: datetime | None = None,
                failed: frozenset[str] = frozenset(),
                finished_at: datetime | None = None) -> tuple[
                    dict[Stage, datetime], datetime | None, frozenset[str], datetime | None]:
    """Fold events (in order) into (stage entries, held since, failed delivery attempts,
    finished at), starting from what an earlier fold left. Folding an event twice (a
    consumer sees it again after a crash) changes nothing: attempts are kept by shipment
    and carrier time, not counted."""
    rows = list(rows)
    attempts = set(failed)
    out = entries_from_events(rows, dict(entries or {}))
    for event_type, status, at, data in rows:
        if event_type == "OrderHeld" and held_since is None:
            held_since = at
        elif status != "on_hold":
            held_since = None
        if event_type == "ShipmentCheckpointRecorded" and data.get("checkpoint") == \
                "failed_attempt":
            attempts.add(f"{data.get('shipment_id', '')}@{data.get('checkpoint_at', '')}")
        if event_type in FINISHING:
            finished_at = at
        if event_type == "OrderPooled" and Stage.VALIDATED in out:
            # A group-buy pool holds it until the pool's window ends (docs/pools.md): the
            # validated step is timed from then, not stalled while the pool is open.
            until = datetime.fromisoformat(str(data["closes_at"]))
            out[Stage.VALIDATED] = max(out[Stage.VALIDATED], until)
    later = [at for s, at in out.items() if s.rank > Stage.VALIDATED.rank]
    if later and Stage.VALIDATED in out:  # the pool closed earlier (threshold, a person)
        out[Stage.VALIDATED] = min(out[Stage.VALIDATED], min(later))
    return out, held_since, frozenset(attempts), finished_at
