"""Accepting suggested transfers and moving stock with transfer orders.

Accept: each chosen suggestion is checked against its source's stock now; one that would
leave the source below safety stock is flagged and not accepted (a person may accept it
with `allow_below_safety`; a rule never does). An accepted one becomes a transfer order
whose units are reserved at the source (TransferOrderCreated). Ship: on hand and reserved
at the source fall (TransferShipped; the units are in transit). Receive: on hand at the
destination rises (TransferReceived): only now does its ATP. Each step changes stock
through `uow.stock` in the transaction that stores the transfer and its event."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from typing import Any

from orderhub.domain.errors import Conflict, FieldError, InvalidInput, NotFound
from orderhub.domain.events import (
    TransferCancelled,
    TransferOrderCreated,
    TransferReceived,
    TransferShipped,
)
from orderhub.domain.ids import new_id
from orderhub.domain.planning.plan import SuggestionStatus, flag_for_stock
from orderhub.domain.planning.transfer import TransferOrder, TransferStatus
from orderhub.services import audit
from orderhub.services.unit_of_work import UnitOfWork, UowFactory


@dataclass
class AcceptResult:
    plan_id: str
    transfer_ids: list[str] = field(default_factory=list)
    accepted: list[int] = field(default_factory=list)
    skipped: list[dict[str, Any]] = field(default_factory=list)  # n, reason

    def as_dict(self) -> dict[str, Any]:
        return {"plan_id": self.plan_id, "accepted": self.accepted,
                "transfers": self.transfer_ids, "skipped": self.skipped}


def accept_in(uow: UnitOfWork, tenant_id: str, plan_id: str, only: Sequence[int] | None, *,
              quantities: Mapping[int, int], allow_below_safety: bool, actor: str,
              now: datetime, rule: bool = False) -> AcceptResult:
    """Accept in the caller's transaction (which commits): `only` the numbered suggestions
    (default every one still suggested), with smaller `quantities` where given."""
    plan = uow.planning.plan(tenant_id, plan_id)
    if plan is None:
        raise NotFound(f"pre-allocation plan {plan_id} not found")
    found = {s.n: s for s in uow.planning.suggestions(tenant_id, plan_id, lock=True)}
    errors: list[FieldError] = []
    if only is not None and not only:
        raise InvalidInput([FieldError("only", "at least one suggestion number (leave it "
                                       "out to accept every suggestion still suggested)")])
    # a number named twice is accepted once (never two reservations for one suggestion)
    # by default every suggestion still open: suggested, and flagged ones too when a
    # person allows going below safety stock (a rule never does)
    open_ = ({SuggestionStatus.SUGGESTED, SuggestionStatus.FLAGGED}
             if allow_below_safety and not rule else {SuggestionStatus.SUGGESTED})
    chosen = list(dict.fromkeys(only)) if only else [
        n for n, s in sorted(found.items()) if s.status in open_]
    for n in chosen:
        if n not in found:
            errors.append(FieldError("only", f"plan {plan_id} has no suggestion {n}"))
    for n, q in quantities.items():
        if n not in chosen:
            errors.append(FieldError("quantities", f"suggestion {n} is not being accepted"))
        elif n in found and not 1 <= q <= found[n].quantity:
            errors.append(FieldError("quantities", f"suggestion {n}: quantity {q} must be "
                                     f"1 to {found[n].quantity}"))
    if errors:
        raise InvalidInput(errors)
    result = AcceptResult(plan_id)
    levels = uow.stock.levels(tenant_id, sorted({found[n].sku for n in chosen}), lock=True)
    taken: dict[tuple[str, str], int] = {}  # reserved here by earlier suggestions
    for n in chosen:
        s = replace(found[n], quantity=quantities.get(n, found[n].quantity))
        if s.status in (SuggestionStatus.ACCEPTED, SuggestionStatus.REJECTED):
            result.skipped.append({"n": n, "reason": f"already {s.status.value}"})
            continue
        lv = levels.get((s.sku, s.origin))
        flag = flag_for_stock(s, lv.on_hand if lv else 0,
                              (lv.reserved if lv else 0) + taken.get((s.sku, s.origin), 0),
                              lv.safety_stock if lv else 0)
        below = bool(flag or s.status is SuggestionStatus.FLAGGED)
        if below and (rule or not allow_below_safety):
            flagged = replace(s, status=SuggestionStatus.FLAGGED, flag=flag or s.flag)
            uow.planning.decide(tenant_id, plan_id, flagged, actor="", at=now)
            result.skipped.append({"n": n, "reason": "flagged: " + flagged.flag + (
                "" if rule else "; accept it with allow_below_safety "
                "(--allow-below-safety) if that is meant")})
            continue
        ok = (uow.stock.reserve_below_safety(tenant_id, s.sku, s.origin, s.quantity, now)
              if below else uow.stock.reserve(tenant_id, {(s.sku, s.origin): s.quantity}, now))
        if not ok:
            result.skipped.append({"n": n, "reason": f"{s.origin} no longer holds "
                                   f"{s.quantity} free of SKU {s.sku}"})
            continue
        taken[(s.sku, s.origin)] = taken.get((s.sku, s.origin), 0) + s.quantity
        tr = TransferOrder(new_id("tr"), tenant_id, s.sku, s.origin, s.destination,
                           s.quantity, TransferStatus.CREATED, now, actor,
                           now + timedelta(days=s.lead_days), plan_id, n, below)
        uow.planning.add_transfer(tr)
        uow.planning.decide(tenant_id, plan_id, replace(
            s, status=SuggestionStatus.ACCEPTED, transfer_id=tr.id), actor=actor, at=now)
        uow.record(TransferOrderCreated(
            tenant_id=tenant_id, occurred_at=now, actor=actor,
            reason="auto-accept rule" if rule else "", transfer_id=tr.id, sku=tr.sku,
            origin=tr.origin, destination=tr.destination, quantity=tr.quantity,
            plan_id=plan_id, below_safety=below))
        result.accepted.append(n)
        result.transfer_ids.append(tr.id)
    if result.accepted:
        audit.note(uow, tenant_id, now, actor, "planning_change",
                   f"preallocation-plan/{plan_id}",
                   {"accepted": result.accepted, "rule": rule,
                    "below_safety": allow_below_safety})
    return result


def accept(make_uow: UowFactory, tenant_id: str, plan_id: str, only: Sequence[int] | None,
           *, quantities: Mapping[int, int] | None = None, allow_below_safety: bool = False,
           actor: str, now: datetime) -> AcceptResult:
    with make_uow() as u:
        result = accept_in(u, tenant_id, plan_id, only, quantities=quantities or {},
                           allow_below_safety=allow_below_safety, actor=actor, now=now)
        u.commit()
    return result


def reject(make_uow: UowFactory, tenant_id: str, plan_id: str, only: Sequence[int], *,
           actor: str, now: datetime) -> list[int]:
    with make_uow() as u:
        found = {s.n: s for s in u.planning.suggestions(tenant_id, plan_id, lock=True)}
        if u.planning.plan(tenant_id, plan_id) is None:
            raise NotFound(f"pre-allocation plan {plan_id} not found")
        bad = [FieldError("only", f"plan {plan_id} has no suggestion {n}")
               for n in only if n not in found]
        if bad:
            raise InvalidInput(bad)
        done = []
        for n in only:
            if found[n].status in (SuggestionStatus.SUGGESTED, SuggestionStatus.FLAGGED):
                u.planning.decide(tenant_id, plan_id, replace(
                    found[n], status=SuggestionStatus.REJECTED), actor=actor, at=now)
                done.append(n)
        if done:
            audit.note(u, tenant_id, now, actor, "planning_change",
                       f"preallocation-plan/{plan_id}", {"rejected": done})
        u.commit()
    return done


def _step(make_uow: UowFactory, tenant_id: str, transfer_id: str, to: TransferStatus, *,
          actor: str, now: datetime) -> TransferOrder:
    with make_uow() as u:
        before = u.planning.transfer(tenant_id, transfer_id)
        if before is None:
            raise NotFound(f"transfer {transfer_id} not found")
        after = before.move(to, now)
        if not u.planning.move_transfer(before, after):
            raise Conflict(f"transfer {transfer_id} changed meanwhile; look at it again")
        key = {(after.sku, after.origin): after.quantity}
        common: dict[str, Any] = {
            "tenant_id": tenant_id, "occurred_at": now, "actor": actor,
            "transfer_id": after.id, "sku": after.sku, "origin": after.origin,
            "destination": after.destination, "quantity": after.quantity}
        if to is TransferStatus.SHIPPED:
            u.stock.commit_shipment(tenant_id, key, now, f"transfer/{after.id}", actor)
            u.record(TransferShipped(**common))
        elif to is TransferStatus.RECEIVED:
            u.stock.receive(tenant_id, after.sku, after.destination, after.quantity, now,
                            f"transfer/{after.id}", actor, reason="transfer")
            u.record(TransferReceived(**common))
        else:
            u.stock.release(tenant_id, key, now)
            u.record(TransferCancelled(**common))
        u.commit()
    return after


def ship(make_uow: UowFactory, tenant_id: str, transfer_id: str, *, actor: str,
         now: datetime) -> TransferOrder:
    return _step(make_uow, tenant_id, transfer_id, TransferStatus.SHIPPED, actor=actor,
                 now=now)


def receive(make_uow: UowFactory, tenant_id: str, transfer_id: str, *, actor: str,
            now: datetime) -> TransferOrder:
    return _step(make_uow, tenant_id, transfer_id, TransferStatus.RECEIVED, actor=actor,
                 now=now)


def cancel(make_uow: UowFactory, tenant_id: str, transfer_id: str, *, actor: str,
           now: datetime) -> TransferOrder:
    return _step(make_uow, tenant_id, transfer_id, TransferStatus.CANCELLED, actor=actor,
                 now=now)
