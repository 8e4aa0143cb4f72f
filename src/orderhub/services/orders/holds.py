"""Operator actions on held orders: fix the data, or accept a reason on purpose, then let the
order continue. Every action is on the order's timeline with who and why."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from orderhub.domain.allocation import AllocationStrategy
from orderhub.domain.errors import FieldError, InvalidInput
from orderhub.domain.order import Address, Order, OrderEdit
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
