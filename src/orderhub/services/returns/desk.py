"""Returns' use cases (RMA, domain/returns.py): request, approve or reject, book the return
waybill, receive and grade at a warehouse (resellable units back to ATP at once), ask
finance for the refund and record its completion.

Every step runs in one transaction that locks the order first (so two returns of one order
cannot both take its last returnable unit) and records the return's events on the order's
timeline. An exchange's replacement order is built and sent through the intake pipeline in
the approving transaction, so it reserves stock at once (or is held, visibly). The return
waybill is booked with the carrier after the approval commits (no transaction waits on a
carrier); when the carrier fails, the return stays approved without one and
`book_waybill` books it later.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from orderhub.adapters.carriers.base import CarrierError, CarrierGateway, WaybillRequest
from orderhub.domain.allocation import AllocationStrategy
from orderhub.domain.errors import Conflict, FieldError, IllegalTransition, InvalidInput
from orderhub.domain.events import StockAdjusted
from orderhub.domain.lifecycle import OrderStatus
from orderhub.domain.line_money import split_pro_rata
from orderhub.domain.money import minor_unit, quantize
from orderhub.domain.order import Order, ReservationState
from orderhub.domain.returns import (
    OPEN,
    Grade,
    ReceivedUnits,
    Refund,
    ReturnKind,
    ReturnReason,
    ReturnRequest,
    ReturnStatus,
    assess,
    refund_for,
    refunded_before,
)
from orderhub.domain.routing.pricing import PICKUP, usable_services
from orderhub.services import audit
from orderhub.services.intake.drafts import (
    LineDraft,
    OrderDraft,
    build_order,
    check_draft,
    payload_hash,
)
from orderhub.services.intake.pipeline import run_pipeline
from orderhub.services.orders import fulfilment
from orderhub.services.orders import money as order_money
from orderhub.services.unit_of_work import UnitOfWork, UowFactory

log = logging.getLogger(__name__)
POLICY = "policy"


def parse_reason(value: str, loc: str = "reason") -> ReturnReason:
    try:
        return ReturnReason(value)
    except ValueError:
        raise InvalidInput([FieldError(loc, f"unknown reason '{value}'; known: "
                                       + ", ".join(r.value for r in ReturnReason))]) from None


def parse_kind(value: str) -> ReturnKind:
    try:
        return ReturnKind(value)
    except ValueError:
        raise InvalidInput([FieldError("kind", f"unknown kind '{value}'; known: refund, "
                                       "exchange")]) from None


def _units(pairs: Sequence[tuple[int, int]], loc: str = "lines") -> dict[int, int]:
    out: dict[int, int] = {}
    errors: list[FieldError] = []
    for i, (line_no, qty) in enumerate(pairs):
        if line_no in out:
            errors.append(FieldError(f"{loc}.{i}.line_no", f"line {line_no} is named twice"))
        out[line_no] = qty
    if errors:
        raise InvalidInput(errors)
    return out


@dataclass(frozen=True, slots=True)
class Receipt:
    """What a warehouse says it received of one line: units and their inspection grade."""

    line_no: int
    quantity: int
    grade: str


@dataclass
class ReturnDesk:
    make_uow: UowFactory
    strategy: AllocationStrategy
    presale_lock: timedelta
    gateway: CarrierGateway
    clock: Callable[[], datetime]

    # ----- request ----------------------------------------------------------------------
    def request(self, tenant_id: str, order_id: str, lines: Sequence[tuple[int, int]],
                reason: str, *, actor: str, kind: str = "refund", source: str = "api",
                note: str = "", opened: bool = False,
                replacement: Sequence[tuple[str, int]] = (), channel_ref: str = ""
                ) -> ReturnRequest:
        """A new return; approved at once when the tenant's policy allows it (then its
        waybill is booked). A channel reference already taken answers with its return."""
        why = parse_reason(reason)
        what = parse_kind(kind)
        units = _units(lines)
        wanted: dict[str, int] = {}
        for i, (sku, qty) in enumerate(replacement):
            if qty < 1:
                raise InvalidInput([FieldError(f"replacement.{i}.quantity",
                                               "must be at least 1")])
            wanted[sku] = wanted.get(sku, 0) + qty
        now = self.clock()
        with self.make_uow() as uow:
            uow.network.lock_for_intake(tenant_id)  # before the order's lock (intake's order)
            order = uow.orders.get(tenant_id, order_id, lock=True)
            if channel_ref:
                found = uow.returns.by_channel_ref(tenant_id, order.channel, channel_ref)
                if found is not None:
                    return found
            policy, _ = uow.returns.policy(tenant_id)
            others = uow.returns.for_order(tenant_id, order.id)
            returned: dict[int, int] = {}
            for r in others:
                if r.status in OPEN:
                    for no, n in r.units().items():
                        returned[no] = returned.get(no, 0) + n
            skus = {ln.sku for ln in order.lines} | set(wanted)
            catalog = uow.catalog.skus_by_code(tenant_id, sorted(skus))
            unknown = sorted(set(wanted) - set(catalog))
            if unknown:
                raise InvalidInput([FieldError("replacement", "unknown SKU(s) "
                                               + ", ".join(unknown))])
            categories = {code: str(s.attributes.get("category", ""))
                          for code, s in catalog.items()}
            verdict = assess(order, units, why, opened=opened, categories=categories,
                             returned=returned, policy=policy, now=now)
            rma = ReturnRequest.open(order=order, kind=what, reason=why, lines=units, now=now,
                                     actor=actor, source=source, policy=policy,
                                     channel_ref=channel_ref, note=note, opened=opened,
                                     replacement=wanted or None)
            automatic = verdict.auto_approve
            why_text = verdict.why
            if automatic and policy.auto_approve_max_refund is not None \
                    and what == ReturnKind.REFUND:
                _, before = refunded_before(others, rma.id)
                units_before: dict[int, int] = {}
                for r in others:
                    for no, n in r.received_units().items():
                        units_before[no] = units_before.get(no, 0) + n
                estimate = refund_for(order, units, why, policy, refunded_units=units_before,
                                      refunded_total=before)
                if estimate.total > policy.auto_approve_max_refund:
                    automatic = False
                    why_text = (f"refund {estimate.total} is above the automatic limit "
                                f"{policy.auto_approve_max_refund}")
            if automatic:
                self._approve(uow, order, rma, others, now, actor, automatic=True,
                              reason=why_text)
            uow.returns.add(rma)
            self._finish(uow, order, rma)
        if rma.status == ReturnStatus.APPROVED:
            return self._book_after(tenant_id, rma, actor)
        return rma

    # ----- decision ---------------------------------------------------------------------
    def approve(self, tenant_id: str, return_id: str, *, actor: str, reason: str = ""
                ) -> ReturnRequest:
        now = self.clock()
        with self.make_uow() as uow:
            uow.network.lock_for_intake(tenant_id)
            order, rma = self._load(uow, tenant_id, return_id)
            others = uow.returns.for_order(tenant_id, order.id)
            self._approve(uow, order, rma, others, now, actor, automatic=False,
                          reason=reason or "approved by a person")
            uow.returns.save(rma)
            self._finish(uow, order, rma)
        return self._book_after(tenant_id, rma, actor)

    def reject(self, tenant_id: str, return_id: str, *, actor: str, reason: str
               ) -> ReturnRequest:
        if not reason.strip():
            raise InvalidInput([FieldError("reason", "say why the return is rejected")])
        now = self.clock()
        with self.make_uow() as uow:
            order, rma = self._load(uow, tenant_id, return_id)
            rma.reject(now, actor, reason)
            uow.returns.save(rma)
            self._finish(uow, order, rma)
        return rma

    def cancel(self, tenant_id: str, return_id: str, *, actor: str, reason: str
               ) -> ReturnRequest:
        now = self.clock()
        with self.make_uow() as uow:
            order, rma = self._load(uow, tenant_id, return_id)
            rma.cancel(now, actor, reason or "cancelled")
            if rma.exchange_order_id:
                _cancel_replacement(uow, rma, now, actor)
            uow.returns.save(rma)
            self._finish(uow, order, rma)
        return rma

    def _approve(self, uow: UnitOfWork, order: Order, rma: ReturnRequest,
                 others: Sequence[ReturnRequest], now: datetime, actor: str, *,
                 automatic: bool, reason: str) -> None:
        exchange_id = ""
        if rma.kind == ReturnKind.EXCHANGE and rma.status == ReturnStatus.REQUESTED:
            exchange_id = self._replacement_order(uow, order, rma, others, now, actor)
        rma.approve(now, actor, automatic=automatic, reason=reason,
                    exchange_order_id=exchange_id)

    def _replacement_order(self, uow: UnitOfWork, order: Order, rma: ReturnRequest,
                           others: Sequence[ReturnRequest], now: datetime, actor: str) -> str:
        """The exchange's outbound order: same channel, customer and address, external id
        `<original>-EX<n>`, the replacement SKUs priced as the returned units were (a SKU
        of the order at its own price, another at the returned lines' unit price), through
        the intake pipeline (reserved now, or held with its reason). It is paid by the
        return: `settled_by_return` names it, and the return refunds nothing."""
        n = 1 + sum(1 for r in others if r.exchange_order_id)
        prices = {ln.sku: ln.unit_price for ln in order.lines}
        returned = {ln.sku for ln in rma.lines}
        fallback = max((p for s, p in prices.items() if s in returned), default=Decimal(0))
        lines = [LineDraft(sku=x.sku, quantity=x.quantity,
                           unit_price=prices.get(x.sku, fallback))
                 for x in rma.replacement]
        draft = OrderDraft(channel=order.channel, external_id=f"{order.external_id}-EX{n}",
                           currency=order.currency, lines=lines, order_type=order.order_type,
                           customer=order.customer, shipping_address=order.shipping_address,
                           service_level=order.service_level)
        errors = check_draft(draft)
        if errors:
            raise InvalidInput(errors)
        if uow.orders.find_by_channel_keys(order.tenant_id, [draft.key()]):
            raise Conflict(f"an order {draft.external_id} of channel {order.channel} exists "
                           "already; the exchange cannot take its id")
        new = build_order(draft, order.tenant_id, now, actor, payload_hash(draft))
        new.attributes.update({"exchange_for_order": order.id, "return_id": rma.id,
                               "settled_by_return": rma.id})
        uow.orders.add(new)
        run_pipeline(uow, order.tenant_id, [new], self.strategy, now, actor, self.presale_lock)
        return new.id

    # ----- the return waybill -----------------------------------------------------------
    def book_waybill(self, tenant_id: str, return_id: str, *, actor: str) -> ReturnRequest:
        """Book the return waybill (customer -> the warehouse the goods left from) with the
        carrier of the outbound shipment, else the first usable service. Raises the
        carrier's error (nothing changes) when no carrier books it."""
        with self.make_uow() as uow:
            rma = uow.returns.get(tenant_id, return_id)
            order = uow.orders.get(tenant_id, rma.order_id)
            services = uow.network.services(tenant_id)
            catalog = uow.catalog.skus_by_code(tenant_id, [ln.sku for ln in rma.lines])
            if rma.status != ReturnStatus.APPROVED:
                raise Conflict(f"return {rma.id} is {rma.status.value}; only an approved "
                               "return gets a waybill")
            if rma.return_waybill:
                return rma
            warehouse_code, outbound = _outbound(order, rma)
            site = uow.catalog.warehouse(tenant_id, warehouse_code)
        options = [outbound] if outbound and outbound != PICKUP else []
        options += [s.code for s in usable_services(services) if s.code not in options]
        a = order.shipping_address
        weight = Decimal(0)
        for ln in rma.lines:
            found = catalog.get(ln.sku)
            weight += (found.weight_kg if found and found.weight_kg else Decimal("0.5")) \
                * ln.quantity
        failures: list[str] = []
        for service in options:
            request = WaybillRequest(
                tenant_id, order.id, rma.id, service, origin=f"customer:{order.id}",
                origin_province=a.province, province=site.province if site else "",
                city=site.city if site else "", district="",
                line1=site.name if site else warehouse_code, name=site.name if site
                else warehouse_code, phone="", weight_kg=weight,
                units=sum(ln.quantity for ln in rma.lines))
            try:
                waybill = self.gateway.book(request)
            except CarrierError as exc:
                failures.append(f"{service}: {exc}")
                continue
            return self._record_waybill(tenant_id, return_id, service, waybill,
                                        a.province, warehouse_code, actor)
        raise CarrierError("no carrier booked the return waybill: "
                           + ("; ".join(failures) or "no usable carrier service"))

    def _record_waybill(self, tenant_id: str, return_id: str, service: str, waybill: str,
                        origin: str, destination: str, actor: str) -> ReturnRequest:
        now = self.clock()
        try:
            with self.make_uow() as uow:
                order, rma = self._load(uow, tenant_id, return_id)
                rma.book_waybill(service, waybill, origin, destination, now, actor)
                uow.returns.save(rma)
                self._finish(uow, order, rma)
                return rma
        except Conflict:  # booked or changed meanwhile: this waybill is not used
            try:
                self.gateway.void(service, waybill)
            except CarrierError:
                log.warning("return waybill %s of %s could not be voided", waybill, service)
            raise

    def _book_after(self, tenant_id: str, rma: ReturnRequest, actor: str) -> ReturnRequest:
        try:
            return self.book_waybill(tenant_id, rma.id, actor=actor)
        except CarrierError as exc:  # approved without a waybill: book it later
            log.warning("return %s approved, waybill not booked: %s", rma.id, exc)
            return rma

    # ----- receipt and refund -----------------------------------------------------------
    def receive(self, tenant_id: str, return_id: str, warehouse: str,
                receipts: Sequence[Receipt], *, actor: str) -> ReturnRequest:
        """The goods arrived at `warehouse` and were graded: resellable units go back on
        hand there at once (ATP), refurbish and scrap are recorded only; a refund return
        asks finance for its refund (RefundRequested)."""
        now = self.clock()
        errors: list[FieldError] = []
        graded: list[tuple[Receipt, Grade]] = []
        for i, r in enumerate(receipts):
            try:
                graded.append((r, Grade(r.grade)))
            except ValueError:
                errors.append(FieldError(f"lines.{i}.grade", f"unknown grade '{r.grade}'; "
                                         "known: resell, refurbish, scrap"))
        if errors:
            raise InvalidInput(errors)
        with self.make_uow() as uow:
            if uow.catalog.warehouse(tenant_id, warehouse) is None:
                raise InvalidInput([FieldError("warehouse", f"unknown warehouse "
                                               f"'{warehouse}'")])
            order, rma = self._load(uow, tenant_id, return_id)
            skus = {ln.line_no: ln.sku for ln in rma.lines}
            units = [ReceivedUnits(r.line_no, skus.get(r.line_no, ""), r.quantity, g,
                                   warehouse, now) for r, g in graded]
            refund = None
            if rma.kind == ReturnKind.REFUND:
                got: dict[int, int] = {}
                for u in units:
                    if u.line_no in skus and u.quantity > 0:
                        got[u.line_no] = got.get(u.line_no, 0) + u.quantity
                if all(n <= rma.units()[no] for no, n in got.items()):
                    others = uow.returns.for_order(tenant_id, order.id)
                    before_units, before_total = refunded_before(others, rma.id)
                    policy, _ = uow.returns.policy(tenant_id)
                    refund = refund_for(order, got, rma.reason, policy,
                                        refunded_units=before_units,
                                        refunded_total=before_total)
            rma.receive(units, refund, now, actor)
            restock: dict[str, int] = {}
            for u in units:
                if u.grade == Grade.RESELL:
                    restock[u.sku] = restock.get(u.sku, 0) + u.quantity
            for sku, qty in sorted(restock.items()):
                level = uow.stock.receive(tenant_id, sku, warehouse, qty, now,
                                          reference=rma.id, actor=actor, reason="return")
                uow.record(StockAdjusted(tenant_id=tenant_id, occurred_at=now, actor=actor,
                                         reason=f"return {rma.id}", sku=sku,
                                         warehouse=warehouse, kind="receipt",
                                         on_hand_delta=qty, reference=rma.id))
                audit.note(uow, tenant_id, now, actor, "stock_change",
                           f"stock/{sku}@{warehouse}",
                           {"change": "receipt", "delta": qty, "reason": "return",
                            "reference": rma.id, "on_hand": level.on_hand})
            uow.returns.add_units(rma, units)
            if rma.status == ReturnStatus.RECEIVED and rma.channel_refunded:
                # the channel refunded already: complete it now, finance pays nothing
                booked = _book_refund(uow, order, rma.id, rma.expect_refund_requested(),
                                      now, actor)
                rma.complete_refund(rma.channel_refunded, now, actor, booked=booked)
            uow.returns.save(rma)
            self._finish(uow, order, rma)
        return rma

    def note_channel_refund(self, tenant_id: str, return_id: str, reference: str, *,
                            actor: str, amount: Decimal | None = None, currency: str = ""
                            ) -> ReturnRequest:
        """The channel refunded the buyer: a received return's refund completes with the
        channel's reference; one not yet received keeps the reference and completes at
        receipt (finance is never asked to pay what the channel paid)."""
        with self.make_uow() as uow:
            order, rma = self._load(uow, tenant_id, return_id)
            if rma.status == ReturnStatus.RECEIVED:
                refund = rma.expect_refund_requested()
                booked = _book_refund(uow, order, rma.id, refund, self.clock(), actor)
                rma.complete_refund(reference, self.clock(), actor, booked=booked)
            elif not rma.note_channel_refund(reference, self.clock(), actor, amount=amount,
                                             currency=currency):
                return rma
            uow.returns.save(rma)
            self._finish(uow, order, rma)
        return rma

    def complete_refund(self, tenant_id: str, return_id: str, reference: str, *, actor: str
                        ) -> ReturnRequest:
        if not reference.strip():
            raise InvalidInput([FieldError("reference", "give the payment's reference "
                                           "(finance's or the channel's refund id)")])
        now = self.clock()
        with self.make_uow() as uow:
            order, rma = self._load(uow, tenant_id, return_id)
            refund = rma.expect_refund_requested()
            booked = _book_refund(uow, order, rma.id, refund, now, actor)
            rma.complete_refund(reference.strip(), now, actor, booked=booked)
            uow.returns.save(rma)
            self._finish(uow, order, rma)
        return rma

    # ----- shared -----------------------------------------------------------------------
    def _load(self, uow: UnitOfWork, tenant_id: str, return_id: str
              ) -> tuple[Order, ReturnRequest]:
        """The order (locked first: every change of its returns waits on it), then the return."""
        order_id = uow.returns.order_of(tenant_id, return_id)
        order = uow.orders.get(tenant_id, order_id, lock=True)
        return order, uow.returns.get(tenant_id, return_id, lock=True)

    @staticmethod
    def _finish(uow: UnitOfWork, order: Order, rma: ReturnRequest) -> None:
        """The return's events onto the order's timeline, then commit."""
        for e in rma.events:
            order.record_return(e)
        rma.events.clear()
        uow.commit()


def _book_refund(uow: UnitOfWork, order: Order, return_id: str, refund: Refund,
                 now: datetime, actor: str) -> bool:
    """Book the paid refund in the order's money ledger (a credit and a refund of the
    returned lines: the total shared over them pro rata to their goods, by largest
    remainder); False, and nothing booked, when the ledger has not that much paid and not
    yet refunded for them (an order whose payment was never recorded in the hub)."""
    if refund.total <= 0:
        return False
    scale = minor_unit(refund.currency)
    nos = sorted(n for n, v in refund.lines.items() if v > 0)
    parts = split_pro_rata(int(refund.total.scaleb(scale)),
                           [int(refund.lines[n].scaleb(scale)) for n in nos])
    lines = {n: quantize(Decimal(p).scaleb(-scale), refund.currency)
             for n, p in zip(nos, parts, strict=True) if p}
    savepoint = uow.savepoint()
    try:
        order_money.record_refund(uow, order, lines=lines, reason=f"return {return_id}",
                                  source=f"return:{return_id}", now=now, actor=actor)
    except (InvalidInput, Conflict) as exc:
        savepoint.rollback()
        log.info("refund of return %s not booked in the ledger: %s", return_id, exc)
        return False
    savepoint.commit()
    return True


def _cancel_replacement(uow: UnitOfWork, rma: ReturnRequest, now: datetime, actor: str
                        ) -> None:
    """An exchange cancelled before its goods came back: its replacement order is cancelled
    with it (its stock goes back), unless cancelled already; Conflict (nothing changes) when
    it has gone to a warehouse or shipped."""
    new = uow.orders.get(rma.tenant_id, rma.exchange_order_id, lock=True)
    if new.status == OrderStatus.CANCELLED:
        return
    try:
        fulfilment.cancel_loaded(uow, new, f"return {rma.id} cancelled", now=now,
                                 actor=actor)
    except IllegalTransition:
        raise Conflict(f"return {rma.id} cannot be cancelled: its replacement order "
                       f"{new.id} is {new.status.value}; cancel or intercept it first"
                       ) from None


def _outbound(order: Order, rma: ReturnRequest) -> tuple[str, str]:
    """The warehouse the returned goods left from (of the first returned line) and the
    carrier service they left with."""
    lines = {ln.line_no for ln in rma.lines}
    for r in order.reservations:
        if r.state == ReservationState.COMMITTED and r.line_no in lines:
            shipment = next((s for s in order.shipments if s.id == r.shipment_id), None)
            return r.warehouse, shipment.carrier_service if shipment else ""
    return (order.shipments[0].warehouse if order.shipments else ""), ""
