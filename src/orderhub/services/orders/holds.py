"""Operator actions on held orders: fix the data, or accept a reason on purpose, then let the
order continue. Every action is on the order's timeline with who and why."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from orderhub.domain.allocation import AllocationStrategy
from orderhub.domain.errors import Conflict, FieldError, InvalidInput
from orderhub.domain.lifecycle import OrderStatus
from orderhub.domain.order import Address, Order, OrderEdit
from orderhub.services.intake.address_enrichment import enrich
from orderhub.services.intake.pipeline import run_pipeline
from orderhub.services.orders.editing import edit_order
from orderhub.services.unit_of_work import UowFactory


def correct_address(make_uow: UowFactory, tenant_id: str, order_id: str,
                    changes: dict[str, Any], *, reason: str, actor: str,
                    now: datetime) -> Order:
    unknown = [k for k in changes if k not in Address.__dataclass_fields__]
    if unknown:
        raise InvalidInput([FieldError(k, "not an address field") for k in unknown])
    with make_uow() as uow:
        order = uow.orders.get(tenant_id, order_id, lock=True)
        edit_order(uow, order, OrderEdit(address=replace(order.shipping_address, **changes)),
                   reason=reason, now=now, actor=actor)
        enrich([order])  # its phone in E.164, its country and divisions, as intake does
        uow.commit()
        return order


def accept_address_suggestion(make_uow: UowFactory, tenant_id: str, order_id: str, *,
                              reason: str, actor: str, now: datetime,
                              strategy: AllocationStrategy, presale_lock: timedelta) -> Order:
    """The operator accepts what enrichment suggested for the address's missing divisions:
    the blank fields are filled (an address correction on the timeline, with who and why)
    and a held order goes through its checks and allocation again, in one transaction."""
    with make_uow() as uow:
        uow.network.lock_for_intake(tenant_id)  # first: see NetworkRepository
        order = uow.orders.get(tenant_id, order_id, lock=True)
        if order.address_suggestion is None:
            raise Conflict(f"order {order_id} has no address suggestion to accept")
        s = order.address_suggestion
        order.accept_address_suggestion(
            reason.strip() or f"address suggestion accepted (confidence {s.confidence:.2f}, "
            f"{s.source})", now, actor)
        person = order.person_holds()
        if order.status == OrderStatus.ON_HOLD and not person:
            order.resume(now, actor)
            run_pipeline(uow, tenant_id, [order], strategy, now, actor, presale_lock)
        else:
            if person:  # the address is fixed; the fraud or anomaly decision is still theirs
                order.rehold(person, now, actor)
            enrich([order])
        uow.commit()
        return order


def override_and_release(make_uow: UowFactory, tenant_id: str, order_id: str,
                         codes: list[str], *, reason: str, actor: str, now: datetime,
                         strategy: AllocationStrategy, presale_lock: timedelta) -> Order:
    """Accept the named hold reasons (audited) and send the order through its checks again;
    reasons not overridden still hold it."""
    if not reason.strip():
        raise InvalidInput([FieldError("reason", "an override needs a reason (audited)")])
    if not codes:
        raise InvalidInput([FieldError("codes", "name the hold reasons to override")])
    with make_uow() as uow:
        uow.network.lock_for_intake(tenant_id)  # first: see NetworkRepository
        order = uow.orders.get(tenant_id, order_id, lock=True)
        order.override_hold(codes, reason, now, actor)
        order.resume(now, actor)
        run_pipeline(uow, tenant_id, [order], strategy, now, actor, presale_lock)
        uow.commit()
        return order
