"""The build stage for a channel's own orders (adapter output): new ones become aggregates,
updates of stored ones go through the one editing path (`orders/editing.py`). Idempotent by
(channel, external id, channel update time): a repeated delivery changes nothing, a later
update (address, lines, cancellation) updates the same order, an older one is ignored. A
payload that parses is always stored; rule violations hold it (the pipeline decides)."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import fields, replace
from datetime import datetime
from decimal import Decimal
from typing import Any

import orjson

from orderhub.adapters.channels.base import ChannelLine, ChannelOrder
from orderhub.domain.buyer_notes import read_notes
from orderhub.domain.lifecycle import TRANSITIONS, OrderStatus
from orderhub.domain.order import Address, Order, OrderEdit, OrderLine
from orderhub.domain.receivers import UNDECRYPTED_FIELDS
from orderhub.services.intake.address_enrichment import as_stored, enrich
from orderhub.services.intake.commands import IngestResult, Taken
from orderhub.services.intake.crosswalk import resolve_lines
from orderhub.services.orders.editing import edit_order
from orderhub.services.pools.stage import lock_open_pools
from orderhub.services.unit_of_work import UnitOfWork


def _lines(items: Sequence[ChannelLine]) -> list[OrderLine]:
    return [OrderLine(line_no=i + 1, sku="", quantity=ln.quantity, unit_price=ln.unit_price,
                      discount=ln.discount, tax=ln.tax, channel_sku=ln.channel_sku,
                      title=ln.title, barcode=ln.barcode, hs_code=ln.hs_code,
                      origin_country=ln.origin_country) for i, ln in enumerate(items)]


def content_hash(co: ChannelOrder) -> str:
    """What the order says, without when it was said: equal content, equal hash."""
    doc: dict[str, Any] = {
        "lines": [[ln.channel_sku, ln.title, ln.barcode, ln.quantity, str(ln.unit_price),
                   str(ln.discount), str(ln.tax)] for ln in co.lines],
        "address": [co.shipping_address.country, co.shipping_address.province,
                    co.shipping_address.city, co.shipping_address.district,
                    co.shipping_address.line1, co.shipping_address.name,
                    co.shipping_address.phone],
        "currency": co.currency, "fee": str(co.shipping_fee), "status": co.status,
        "attributes": co.attributes, "customer": [co.customer.ref, co.customer.name,
                                                  co.customer.email, co.customer.phone],
        "cross_border": co.cross_border, "declared": str(co.declared_value),
        "total": str(co.total),
        "customs": [[ln.hs_code, ln.origin_country] for ln in co.lines],
    }
    if co.charges:  # (left out when empty: hashes of stored orders stay as they were)
        doc["charges"] = [[c.kind, str(c.amount), c.label] for c in co.charges]
    return hashlib.sha256(orjson.dumps(doc, option=orjson.OPT_SORT_KEYS)).hexdigest()


def with_note_facts(co: ChannelOrder, now: datetime) -> dict[str, str]:
    """The order's attributes with the facts read from the buyer's notes (age, requested
    delivery date, invoice title and tax id, each with its words), relative dates read
    against the day the order was placed, else `now` (when it was received: an update
    passes the stored order's day, not its own); never raises."""
    return read_notes(co.attributes, (co.placed_at or now).date())


def _build(co: ChannelOrder, tenant_id: str, channel: str, now: datetime, actor: str) -> Order:
    return Order.create(
        tenant_id=tenant_id, channel=channel, external_id=co.external_id,
        order_type=co.order_type, currency=co.currency, lines=_lines(co.lines),
        customer=co.customer, address=co.shipping_address, now=now, actor=actor,
        shipping_fee=co.shipping_fee, placed_at=co.placed_at, payload_hash=content_hash(co),
        requested_delivery=co.requested_delivery,
        attributes=with_note_facts(co, now), cross_border=co.cross_border,
        declared_value=co.declared_value, stated_total=co.total,
        channel_updated_at=co.updated_at, charges=co.charges,
        stated_components=co.stated_components)


def take_channel_orders(uow: UnitOfWork, tenant_id: str, channel: str,
                        items: Sequence[ChannelOrder], now: datetime, actor: str) -> Taken:
    """New orders stored, updates applied, cancellations noted (the front door cancels
    them after the pipeline ran); SKUs mapped for the pipeline."""
    # The same order twice in one batch: only its latest version counts.
    latest: dict[str, int] = {}
    for i, co in enumerate(items):
        j = latest.get(co.external_id)
        if j is None or co.updated_at >= items[j].updated_at:
            latest[co.external_id] = i
    existing = uow.orders.find_by_channel_keys(
        tenant_id, [(channel, co.external_id) for co in items])
    if existing:  # before any order row: the lock order of pool closers (docs/pools.md)
        lock_open_pools(uow, tenant_id, channel)
    stored = {o.external_id: o for o in uow.orders.get_many(
        tenant_id, [oid for oid, _ in existing.values()], lock=True)}
    fresh: list[Order] = []
    to_cancel: list[Order] = []
    to_revise: list[Order] = []
    kept_held: list[Order] = []  # updated, still held for a person (PERSON_HOLDS)
    results: list[IngestResult] = []
    for i, co in enumerate(items):
        if latest[co.external_id] != i:
            results.append(IngestResult("unchanged", co.external_id, message=(
                "superseded by a later version in the same batch")))
            continue
        problem = _unstorable(co)
        if problem:
            results.append(IngestResult("rejected", co.external_id, message=problem))
            continue
        prior = stored.get(co.external_id)
        if prior is None:
            order = _build(co, tenant_id, channel, now, actor)
            order.note_read(order.attributes, now, actor)
            uow.orders.add(order)
            fresh.append(order)
            if co.status == "cancelled":
                to_cancel.append(order)
            results.append(IngestResult("created", co.external_id, order.id))
            continue
        results.append(_apply_update(uow, prior, co, now, actor, to_cancel, to_revise,
                                     kept_held))
    # Addresses and phones are worked out by the pipeline (intake/address_enrichment.py);
    # for orders the update leaves held for a person, here.
    if kept_held:
        enrich(kept_held)
    resolve_lines(uow, tenant_id, fresh + to_revise + kept_held)
    return Taken(results, fresh + to_revise, to_cancel, [*fresh, *stored.values()])


MAX_AMOUNT = Decimal("1e12")
MAX_QUANTITY = 1_000_000


def _unstorable(co: ChannelOrder) -> str:
    """What no hold could represent: the order is refused instead (and nothing stored)."""
    if not re.fullmatch(r"[A-Z]{3}", co.currency):
        # A three-letter code that is no currency is stored and held (FX_RATE_MISSING),
        # with its payload; anything else cannot even be stored as a code.
        return f"unknown currency '{co.currency}'"
    amounts = [co.shipping_fee, co.total or Decimal(0), co.declared_value or Decimal(0),
               *(c.amount for c in co.charges), *co.stated_components.values()]
    for ln in co.lines:
        amounts += [ln.unit_price, ln.discount, ln.tax]
        if not 0 < ln.quantity <= MAX_QUANTITY:
            return f"line quantity {ln.quantity} outside 1..{MAX_QUANTITY}"
    if any(not a.is_finite() or abs(a) >= MAX_AMOUNT for a in amounts):
        return f"an amount is not finite or not below {MAX_AMOUNT:,.0f}"
    if not co.lines:
        return "the order has no lines"
    return ""


def _opens_receiver(order: Order, co: ChannelOrder) -> bool:
    """The same channel version again, now with the receiver the stored order could not
    decrypt opened (services/intake/receivers.py): taken as an update."""
    return (co.updated_at == order.channel_updated_at
            and UNDECRYPTED_FIELDS in order.attributes
            and UNDECRYPTED_FIELDS not in co.attributes)


def _as_sent(order: Order) -> Address:
    """The stored address without what intake derived from it (the phone's status and
    E.164 form), to compare with the channel's."""
    a = order.shipping_address
    return replace(a, phone_e164="", phone_status="") if a.phone_status else a


def _address_changed(order: Order, sent: Address) -> bool:
    """The channel sent another address than the stored one: compared as intake stores
    it (a province written short or as a name is stored canonical, divisions written in
    the street line are split out), so the same address sent again is no correction; nor
    is a field the channel leaves blank that the hub holds (a suggestion accepted, an
    operator's fill)."""
    stored = _as_sent(order)
    if sent == stored:
        return False
    mine = as_stored(sent)
    return any(getattr(mine, f.name) != getattr(stored, f.name)
               and getattr(mine, f.name) not in ("", None) for f in fields(Address))


_OPEN = (OrderStatus.CREATED, OrderStatus.VALIDATED, OrderStatus.ON_HOLD,
         OrderStatus.RESERVED, OrderStatus.ALLOCATED)


def _apply_update(uow: UnitOfWork, order: Order, co: ChannelOrder, now: datetime, actor: str,
                  to_cancel: list[Order], to_revise: list[Order],
                  kept_held: list[Order]) -> IngestResult:
    if order.channel_updated_at is not None and co.updated_at <= order.channel_updated_at \
            and not _opens_receiver(order, co):
        return IngestResult("unchanged", co.external_id, order.id,
                            message="same or older channel update; ignored")
    new_hash = content_hash(co)
    if new_hash == order.payload_hash:
        order.channel_updated_at = co.updated_at
        return IngestResult("unchanged", co.external_id, order.id)
    if co.status == "cancelled":
        if order.status == OrderStatus.CANCELLED:
            outcome = "unchanged"
        elif OrderStatus.CANCELLED in TRANSITIONS[order.status]:
            to_cancel.append(order)
            outcome = "cancelled"
        else:
            return IngestResult("rejected", co.external_id, order.id, order.status.value,
                                f"order is {order.status.value}; a cancellation after "
                                "dispatch needs a return, not a cancel")
    elif order.status not in _OPEN:
        return IngestResult("rejected", co.external_id, order.id, order.status.value,
                            f"order is {order.status.value}: changes from the channel after "
                            "release to the warehouse need an exception decision")
    else:
        # Any change of content: take the channel's version whole and run every check and
        # the allocation again (a new address may mean a nearer warehouse); an order held
        # for a person stays held for them, with the update noted (checked on resume).
        person = order.person_holds()
        edit_order(uow, order, OrderEdit(
            address=(co.shipping_address if _address_changed(order, co.shipping_address)
                     else None),
            lines=_lines(co.lines), customer=co.customer,
            shipping_fee=co.shipping_fee,
            attributes=with_note_facts(co, order.placed_at or order.created_at),
            charges=list(co.charges),
            cross_border=co.cross_border, declared_value=co.declared_value),
            reason="changed in the channel", now=now, actor=actor)
        order.note_read(order.attributes, now, actor)
        if person:
            order.rehold([*person, *order.hold_reasons], now, actor)
            kept_held.append(order)
        else:
            order.resume(now, actor)
            to_revise.append(order)
        outcome = "updated"
    order.payload_hash = new_hash
    order.channel_updated_at = co.updated_at
    order.stated_total = co.total
    order.stated_components = dict(co.stated_components)
    return IngestResult(outcome, co.external_id, order.id)
