"""Orders held for something that has since been fixed go through the pipeline again, in
the transaction of the fix: here, a confirmed SKU mapping maps the lines it covers in
every order held for them (services/handlers.py runs it on SkuMappingConfirmed)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from orderhub.domain import events as ev
from orderhub.domain.allocation import AllocationStrategy
from orderhub.domain.lifecycle import OrderStatus
from orderhub.domain.order import Order
from orderhub.services.intake.crosswalk import resolve_lines
from orderhub.services.intake.pipeline import run_pipeline
from orderhub.services.unit_of_work import UnitOfWork

_LINE_FIELD = {"sku": "channel_sku", "barcode": "barcode", "title": "title"}


@dataclass
class Revalidated:
    """What re-validation needs (the router, the pre-sale lock) and what it did."""

    strategy: AllocationStrategy
    presale_lock: timedelta
    orders: list[Order] = field(default_factory=list)


def after_sku_mapped(uow: UnitOfWork, e: ev.SkuMappingConfirmed, done: Revalidated) -> None:
    held_ids = uow.sku_mappings.held_order_ids(e.tenant_id, e.channel, e.key_type,
                                               e.channel_key)
    # Locked, then re-checked: a confirmation of another key of the same order that
    # committed meanwhile has already sent it on.
    orders = [o for o in uow.orders.get_many(e.tenant_id, held_ids, lock=True)
              if o.status == OrderStatus.ON_HOLD]
    waiting = []  # also held for a person (PERSON_HOLDS): mapped, and still theirs
    for o in orders:
        for i, ln in enumerate(o.lines):
            if not ln.sku and getattr(ln, _LINE_FIELD[e.key_type]) == e.channel_key:
                o.map_line(i, e.master_sku, e.key_type, e.occurred_at, e.actor)
        person = o.person_holds()
        if person:
            o.rehold(person, e.occurred_at, e.actor)
            waiting.append(o)
        else:
            o.resume(e.occurred_at, e.actor)
    resolve_lines(uow, e.tenant_id, orders)
    going = [o for o in orders if all(o is not w for w in waiting)]
    if going:
        run_pipeline(uow, e.tenant_id, going, done.strategy, e.occurred_at, e.actor,
                     done.presale_lock)
    done.orders.extend(orders)
