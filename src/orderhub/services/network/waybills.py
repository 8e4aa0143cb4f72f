"""Releasing an order to its warehouses: book a waybill (电子面单) for every planned
shipment with its carrier, each carrier service behind a circuit breaker (pybreaker).

A carrier that times out or fails is tried no more for that shipment: the next usable
service, by the router's own pricing for that parcel, books it instead ("volume goes to
the next carrier by rule"). After `breaker_failures` failures in a row the breaker opens
and further calls fail at once. If the service was up, it is then marked down for the
tenant (actor `circuit-breaker`), which re-routes the open orders planned on it; this
happens after the release in progress has finished, so that order is released, not
re-routed under it. The background sweep probes services the breaker marked down after
`breaker_reset_seconds`; the first answer closes the breaker and marks them up again. A
state an operator set (down or degraded) is never changed by the breaker.

Carrier calls happen outside any database transaction; the release itself (waybills and
status) is one transaction, and is refused if the order changed meanwhile.
"""

from __future__ import annotations

import functools
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import pybreaker

from orderhub.adapters.carriers.base import (
    CarrierError,
    CarrierGateway,
    CarrierRejected,
    WaybillRequest,
)
from orderhub.domain.allocation import AllocationStrategy
from orderhub.domain.errors import Conflict, DomainError, StaleVersion
from orderhub.domain.lifecycle import OrderStatus
from orderhub.domain.order import Order, ReservationState, Shipment, ShipmentStatus
from orderhub.domain.routing.network import (
    CarrierService,
    CarrierState,
    CostWeights,
    RouteOrder,
    Site,
)
from orderhub.domain.routing.pricing import (
    PICKUP,
    order_weight,
    price_shipment,
    usable_services,
)
from orderhub.domain.routing.strategy import RoutingStrategy, route_order, site_of
from orderhub.services.bidding.auctions import ensure_decided
from orderhub.services.network import incidents
from orderhub.services.sagas.compensation import start_booking_failed
from orderhub.services.sagas.runner import Compensator, run
from orderhub.services.tracking import checkpoints as tracking
from orderhub.services.unit_of_work import UowFactory

log = logging.getLogger(__name__)
BREAKER = "circuit-breaker"


class NoCarrierAvailable(DomainError):
    """No carrier could book a waybill for a shipment; the order stays allocated."""

    code = "no_carrier_available"


@dataclass
class Booking:
    shipment_id: str
    service: str
    waybill: str
    failures: list[str] = field(default_factory=list)  # services tried first, and why


class WaybillDesk:
    def __init__(self, gateway: CarrierGateway, make_uow: UowFactory,
                 strategy: AllocationStrategy, clock: Callable[[], datetime],
                 presale_lock: timedelta, *, failures: int = 3,
                 reset_seconds: float = 60.0) -> None:
        self.gateway = gateway
        self.make_uow = make_uow
        self.strategy = strategy
        self.clock = clock
        self.presale_lock = presale_lock
        self.failures = failures
        self.reset_seconds = reset_seconds
        self._breakers: dict[tuple[str, str], pybreaker.CircuitBreaker] = {}
        self._tripped: set[tuple[str, str]] = set()  # services the breaker marked down
        self._pending: list[tuple[str, str, str]] = []  # breaker state changes to act on
        self._lock = threading.Lock()

    # ----- breakers ---------------------------------------------------------------------

    def breaker(self, tenant_id: str, service: str) -> pybreaker.CircuitBreaker:
        key = (tenant_id, service)
        with self._lock:
            found = self._breakers.get(key)
            if found is None:
                found = pybreaker.CircuitBreaker(
                    fail_max=self.failures, reset_timeout=self.reset_seconds,
                    exclude=[CarrierRejected], name=f"{tenant_id}/{service}",
                    throw_new_error_on_trip=False)
                self._breakers[key] = found
            return found

    def state(self, tenant_id: str, service: str) -> str:
        return str(self.breaker(tenant_id, service).current_state)

    def _call(self, tenant_id: str, service: str, fn: Callable[[], str]) -> str:
        breaker = self.breaker(tenant_id, service)
        before = breaker.current_state
        try:
            return str(breaker.call(fn))
        except pybreaker.CircuitBreakerError as exc:
            raise CarrierError(f"{service}: circuit open after repeated failures") from exc
        finally:
            after = breaker.current_state
            if after != before:
                with self._lock:
                    self._pending.append((tenant_id, service, after))

    def _apply_pending(self) -> None:
        """Act on breaker state changes: outside any release in progress."""
        with self._lock:
            pending, self._pending = self._pending, []
        for tenant_id, service, state in pending:
            try:
                if state == pybreaker.STATE_OPEN:
                    self._trip(tenant_id, service)
                elif state == pybreaker.STATE_CLOSED:
                    self._restore(tenant_id, service)
            except DomainError:
                log.exception("circuit breaker could not update %s", service)

    def _current(self, tenant_id: str, service: str) -> dict[str, Any]:
        from orderhub.services.network.carriers import service_view

        with self.make_uow() as uow:
            uow.network.seed_services(tenant_id, self.clock())  # a tenant still on the defaults
            view = service_view(uow.network, tenant_id, service)
            uow.commit()
            return view

    def _trip(self, tenant_id: str, service: str) -> None:
        view = self._current(tenant_id, service)
        if view["state"] != "up":
            log.warning("%s: circuit open; left %s as an operator set it", service,
                        view["state"])
            return
        reason = f"{self.failures} carrier API failures in a row; the circuit breaker opened"
        log.warning("%s: %s", service, reason)
        incidents.set_carrier_state(
            self.make_uow, tenant_id, service, CarrierState.DOWN, reason=reason,
            actor=BREAKER, now=self.clock(), strategy=self.strategy,
            presale_lock=self.presale_lock)
        self._tripped.add((tenant_id, service))

    def _restore(self, tenant_id: str, service: str) -> None:
        key = (tenant_id, service)
        if key not in self._tripped:
            return
        self._tripped.discard(key)
        view = self._current(tenant_id, service)
        if view["state"] != "down" or not view["note"].endswith("the circuit breaker opened"):
            return  # an operator changed it since: theirs to lift
        incidents.set_carrier_state(
            self.make_uow, tenant_id, service, CarrierState.UP,
            reason="carrier API answers again; the circuit breaker closed", actor=BREAKER,
            now=self.clock(), strategy=self.strategy, presale_lock=self.presale_lock)

    def probe(self) -> list[str]:
        """Ping each tripped service whose breaker may try again (the reset time passed;
        before that the breaker refuses at once, without a call). Returns those restored."""
        restored = []
        for tenant_id, service in sorted(self._tripped):
            def ping(s: str = service) -> str:
                self.gateway.ping(s)
                return "ok"

            try:
                self._call(tenant_id, service, ping)
            except CarrierError:
                continue
            finally:
                self._apply_pending()
            if (tenant_id, service) not in self._tripped:
                restored.append(service)
        return restored

    # ----- release ----------------------------------------------------------------------

    def _options(self, shipment: Shipment, site: Site | None, route: RouteOrder,
                 picks: dict[str, int], services: list[CarrierService],
                 now: datetime) -> list[str]:
        """Services to try for a shipment: its own first, then the others, cheapest first
        for this parcel (lateness included, as the router prices it)."""
        weights = (self.strategy.weights if isinstance(self.strategy, RoutingStrategy)
                   else CostWeights())
        ranked: list[tuple[Decimal, str]] = []
        usable = usable_services(services)
        if site is not None:
            for svc in usable:
                plan = price_shipment(route, site, picks, [svc], now, weights)
                if plan is not None:
                    late = max(0, (plan.arrives - route.requested_by).days) \
                        if route.requested_by else 0
                    ranked.append((plan.shipping + weights.late_penalty_per_day * late,
                                   svc.code))
        others = [code for _, code in sorted(ranked) if code != shipment.carrier_service]
        own = shipment.carrier_service in {s.code for s in usable}
        return ([shipment.carrier_service] if own else []) + others

    def release(self, tenant_id: str, order_id: str, *, actor: str,
                expected_version: int | None = None) -> Order:
        """Book every planned shipment's waybill, then release the order (one
        transaction). Raises NoCarrierAvailable if a shipment finds no carrier;
        StaleVersion if `expected_version` is given and the order is at another one."""
        try:
            return self._release(tenant_id, order_id, actor, expected_version)
        finally:
            self._apply_pending()

    def _release(self, tenant_id: str, order_id: str, actor: str,
                 expected_version: int | None = None) -> Order:
        now = self.clock()
        with self.make_uow() as uow:
            order = uow.orders.get(tenant_id, order_id)
            if expected_version is not None and order.version != expected_version:
                raise StaleVersion(order_id, expected_version, order.version)
            ensure_decided(uow, tenant_id, order_id)  # offered for bids: award first
            warehouses = {w.code: w for w in uow.catalog.warehouses(tenant_id)}
            catalog = uow.catalog.skus_by_code(tenant_id, [ln.sku for ln in order.lines])
            services = uow.network.services(tenant_id)
        if order.status != OrderStatus.ALLOCATED:
            # Let the lifecycle refuse (409 with the allowed steps) or release a pre-sale.
            return self._advance(tenant_id, order_id, order.version, {}, actor, "")
        route = route_order(order, catalog)
        bookings: dict[str, Booking] = {}
        notes: list[str] = []
        for sh in order.shipments:
            if sh.status != ShipmentStatus.PLANNED or sh.waybill:
                continue
            if sh.carrier_service == PICKUP:
                bookings[sh.id] = Booking(sh.id, PICKUP, "")
                continue
            picks = _picks(order, sh.id)
            w = warehouses.get(sh.warehouse)
            site = site_of(w, 0) if w else None
            failures: list[str] = []
            for service in self._options(sh, site, route, picks, services, now):
                request = _request(order, sh.id, service, site, route, picks)
                try:
                    waybill = self._call(tenant_id, service,
                                         functools.partial(self.gateway.book, request))
                except CarrierError as exc:
                    failures.append(str(exc))
                    continue
                bookings[sh.id] = Booking(sh.id, service, waybill, failures)
                if failures:
                    notes.append(f"shipment {sh.id} booked with {service} after: "
                                 + "; ".join(failures))
                break
            else:
                why = "; ".join(failures) or "no usable carrier service"
                self._flag(tenant_id, order_id, f"release failed, no waybill for shipment "
                           f"{sh.id}: {why}", actor, booked=list(bookings.values()))
                raise NoCarrierAvailable(f"order {order_id} not released: no carrier booked a "
                                         f"waybill for shipment {sh.id} ({why}); retry later")
        try:
            return self._advance(tenant_id, order_id, order.version, bookings, actor,
                                 "; ".join(notes))
        except DomainError as exc:  # changed meanwhile: the waybills just booked are void
            self._compensate(tenant_id, order_id, list(bookings.values()),
                             f"release refused after booking: {exc}", actor, flag=False)
            raise

    def _advance(self, tenant_id: str, order_id: str, version: int,
                 bookings: dict[str, Booking], actor: str, note: str) -> Order:
        from orderhub.services.orders.fulfilment import release_local_day

        now = self.clock()
        with self.make_uow() as uow:
            order = uow.orders.get(tenant_id, order_id, lock=True)
            if bookings and order.version != version:
                raise Conflict(f"order {order_id} changed while its waybills were booked; "
                               "release it again")
            order.book_waybills({b.shipment_id: (b.service, b.waybill)
                                 for b in bookings.values()})
            order.advance(OrderStatus.RELEASED, now, actor, note,
                          local_today=release_local_day(uow, tenant_id, order, now))
            # Checkpoints the carrier pushed before the waybill was booked here.
            tracking.match_booked(uow, tenant_id, order, now, actor)
            if bookings:  # a booking failure on the exception desk is over
                from orderhub.services.exceptions.desk import resolve_exceptions

                resolve_exceptions(uow, tenant_id=tenant_id, order_id=order_id,
                                   source=f"carrier:{order_id}", reason="waybill booked, "
                                   "order released", now=now, actor=actor)
            uow.commit()
            return order

    def _flag(self, tenant_id: str, order_id: str, reason: str, actor: str,
              booked: list[Booking]) -> None:
        """The release failed: the order needs a person (on its timeline, and on the
        exception desk with remedies: another site or carrier, contact the customer,
        cancel) and, when other shipments' waybills were booked already, a booking_failed
        saga (in the same transaction) voids them with their carriers; it runs now, and the
        saga-resume job finishes it if the carriers do not answer."""
        self._compensate(tenant_id, order_id, booked, reason, actor, flag=True)

    def _compensate(self, tenant_id: str, order_id: str, booked: list[Booking], reason: str,
                    actor: str, *, flag: bool) -> None:
        from orderhub.domain.exceptions import ExceptionKind
        from orderhub.services.exceptions.desk import open_exception

        if not flag and not any(b.waybill for b in booked):
            return
        now = self.clock()
        with self.make_uow() as uow:
            uow.network.lock_for_intake(tenant_id)  # first: see NetworkRepository
            order = uow.orders.get(tenant_id, order_id, lock=True)
            if flag:
                open_exception(uow, tenant_id=tenant_id, order_id=order_id,
                               kind=ExceptionKind.CARRIER_FAILURE,
                               source=f"carrier:{order_id}", reason=reason, now=now,
                               actor=actor)
                order.raise_exception(reason, now, actor)
            saga = start_booking_failed(
                uow, order, [{"shipment_id": b.shipment_id, "service": b.service,
                              "waybill": b.waybill} for b in booked], reason, now, actor)
            uow.commit()
        if saga is not None:
            try:
                run(self.compensator(), tenant_id, saga.id)
            except Exception:  # the saga is stored: the saga-resume job takes it up
                log.exception("saga %s could not run now", saga.id)

    def compensator(self) -> Compensator:
        """What compensation sagas run with: this desk's carriers, units of work, router."""
        return Compensator(self.make_uow, self.gateway, self.strategy, self.presale_lock,
                           self.clock)


def _picks(order: Order, shipment_id: str) -> dict[str, int]:
    picks: dict[str, int] = {}
    for r in order.reservations:
        if r.shipment_id == shipment_id and r.state == ReservationState.ACTIVE:
            picks[r.sku] = picks.get(r.sku, 0) + r.quantity
    return picks


def _request(order: Order, shipment_id: str, service: str, site: Site | None,
             route: RouteOrder, picks: dict[str, int]) -> WaybillRequest:
    a = order.shipping_address
    return WaybillRequest(order.tenant_id, order.id, shipment_id, service,
                          site.code if site else "", site.province if site else "",
                          a.province, a.city, a.district, a.line1, a.name, a.phone,
                          order_weight(route, picks), sum(picks.values()))
