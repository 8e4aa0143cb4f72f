"""Intake for channels in shadow mode (domain/cutover.py; docs/channels.md, "Cut-over in
shadow mode"): the front door's one branch point. `split_off` takes out of a command the
orders of channels in shadow, runs them through the same build, validation and routing
stages as live orders, and keeps the outcome as shadow records (`uow.cutover`); what is
left is the live command, which the front door runs as before.

A shadow order is never an `Order` row: it reserves and releases nothing, writes no stock,
emits no event (so nothing reaches warehouses, webhooks, consumers or the twin), never
counts in ATP, the dashboard or the exception desk. Routing plans it against the live ATP
of its batch, taking nothing. Anomaly screening is not run on it (its sightings would be
of orders the hub does not own). An order already stored live before its channel went
into shadow keeps the live path (its updates and cancellations must reach it).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime

from orderhub.adapters.channels.base import ChannelOrder
from orderhub.adapters.china_address import complete_addresses
from orderhub.domain.allocation import AllocationStrategy
from orderhub.domain.cutover import ShadowRecord, ShadowStatus
from orderhub.domain.errors import IdempotencyConflict
from orderhub.domain.ids import new_id
from orderhub.domain.lifecycle import OrderStatus
from orderhub.domain.order import Order
from orderhub.services.intake.channel_orders import _build, _unstorable, content_hash
from orderhub.services.intake.commands import (
    IngestResult,
    Outcome,
    SubmitOrders,
    SubmitResult,
)
from orderhub.services.intake.crosswalk import resolve_lines
from orderhub.services.intake.drafts import OrderDraft, build_order
from orderhub.services.intake.pipeline import (
    PipelineStats,
    load_batch,
    plan_orders,
    validate_orders,
)
from orderhub.services.unit_of_work import UnitOfWork

SHADOW = "shadow"  # the status a result carries for an order kept as a shadow record


@dataclass(slots=True)
class Shadowed:
    """The results of a command's shadow orders, by their index in the command."""

    results: dict[int, SubmitResult | IngestResult] = field(default_factory=dict)

    def merge(self, live: Sequence[SubmitResult] | Sequence[IngestResult]
              ) -> list[SubmitResult] | list[IngestResult]:
        """Every result in the command's input order (live ones fill the other places)."""
        if not self.results:
            return list(live)  # type: ignore[return-value]
        rest = iter(live)
        total = len(self.results) + len(live)
        return [self.results[i] if i in self.results else next(rest)  # type: ignore[return-value]
                for i in range(total)]


def split_off(uow: UnitOfWork, cmd: SubmitOrders, hashes: list[str],
              strategy: AllocationStrategy) -> tuple[SubmitOrders, list[str], Shadowed]:
    """The command's orders of channels in shadow mode, recorded as shadow records; returns
    the live remainder (with its drafts' hashes) and the shadow results. A command with
    shadow orders keeps no Idempotency-Key (a repeat is answered by the (channel, external
    id) keys instead, which shadow records honour too)."""
    shadow_channels = uow.catalog.shadow_channels(cmd.tenant_id)
    shadowed = Shadowed()
    # Channels promoted live (or back live) that keep shadow records: an order taken in
    # shadow was the legacy system's, so its later deliveries stay on the shadow path
    # (else an update would make it a live order, reserved and shipped a second time).
    sent = {cmd.channel} if cmd.channel_orders else {d.channel for d in cmd.drafts}
    promoted = uow.cutover.channels_with_records(cmd.tenant_id, sent - shadow_channels)
    if not shadow_channels and not promoted:
        return cmd, hashes, shadowed
    if cmd.channel_orders:
        if cmd.channel not in shadow_channels and cmd.channel not in promoted:
            return cmd, hashes, shadowed
        live_keys = uow.orders.find_by_channel_keys(
            cmd.tenant_id, [(cmd.channel, co.external_id) for co in cmd.channel_orders])
        picked = [i for i, co in enumerate(cmd.channel_orders)
                  if (cmd.channel, co.external_id) not in live_keys]
        if cmd.channel in promoted:  # only the orders it took in shadow
            kept_in_shadow = uow.cutover.shadow_by_keys(
                cmd.tenant_id, cmd.channel, [cmd.channel_orders[i].external_id for i in picked])
            picked = [i for i in picked
                      if cmd.channel_orders[i].external_id in kept_in_shadow]
        if picked:
            _take_channel_orders(uow, cmd, picked, strategy, shadowed)
        kept = [co for i, co in enumerate(cmd.channel_orders) if i not in shadowed.results]
        rest = replace(cmd, channel_orders=kept,
                       idempotency_key=None if shadowed.results else cmd.idempotency_key)
        return rest, hashes, shadowed
    candidates = [i for i, d in enumerate(cmd.drafts)
                  if d.channel in shadow_channels or d.channel in promoted]
    if not candidates:
        return cmd, hashes, shadowed
    live_keys = uow.orders.find_by_channel_keys(
        cmd.tenant_id, [cmd.drafts[i].key() for i in candidates])
    picked = [i for i in candidates if cmd.drafts[i].key() not in live_keys]
    for channel in promoted:  # only the orders it took in shadow
        mine = [i for i in picked if cmd.drafts[i].channel == channel]
        if mine:
            kept_in_shadow = uow.cutover.shadow_by_keys(
                cmd.tenant_id, channel, [cmd.drafts[i].external_id for i in mine])
            picked = [i for i in picked if cmd.drafts[i].channel != channel
                      or cmd.drafts[i].external_id in kept_in_shadow]
    if picked:
        _take_drafts(uow, cmd, hashes, picked, strategy, shadowed)
    keep = [i for i in range(len(cmd.drafts)) if i not in shadowed.results]
    rest = replace(cmd, drafts=[cmd.drafts[i] for i in keep],
                   idempotency_key=None if shadowed.results else cmd.idempotency_key)
    return rest, [hashes[i] for i in keep], shadowed


# ----- channel orders (webhooks, file imports) ----------------------------------------------

def _take_channel_orders(uow: UnitOfWork, cmd: SubmitOrders, picked: list[int],
                         strategy: AllocationStrategy, shadowed: Shadowed) -> None:
    items = cmd.channel_orders
    latest: dict[str, int] = {}
    for i in picked:
        j = latest.get(items[i].external_id)
        if j is None or items[i].updated_at >= items[j].updated_at:
            latest[items[i].external_id] = i
    stored = uow.cutover.shadow_by_keys(cmd.tenant_id, cmd.channel, list(latest))
    build: list[tuple[int, ChannelOrder, Order]] = []
    cancelled: list[tuple[int, ShadowRecord]] = []
    for i in picked:
        co = items[i]
        if latest[co.external_id] != i:
            shadowed.results[i] = IngestResult("unchanged", co.external_id, status=SHADOW,
                                               message="superseded by a later version in "
                                                       "the same batch")
            continue
        problem = _unstorable(co)
        if problem:
            shadowed.results[i] = IngestResult("rejected", co.external_id, message=problem)
            continue
        prior = stored.get(co.external_id)
        if prior is not None and (
                (prior.channel_updated_at is not None
                 and co.updated_at <= prior.channel_updated_at)
                or content_hash(co) == prior.payload_hash):
            shadowed.results[i] = IngestResult("unchanged", co.external_id, prior.id, SHADOW,
                                               _said(prior))
            continue
        order = _build(co, cmd.tenant_id, cmd.channel, cmd.now, cmd.actor)
        if co.status == "cancelled":
            rec = _record(order, ShadowStatus.CANCELLED, (), (), cmd.now, prior)
            cancelled.append((i, rec))
            continue
        build.append((i, co, order))
    orders = [o for _, _, o in build]
    for order, address in zip(orders, complete_addresses(
            [o.shipping_address for o in orders]), strict=True):
        order.shipping_address = address
    resolve_lines(uow, cmd.tenant_id, orders)
    records = _route(uow, cmd, orders, strategy,
                     {o.id: stored.get(o.external_id) for o in orders})
    fresh: list[ShadowRecord] = []
    changed: list[ShadowRecord] = []
    for (i, _, order), rec in zip(build, records, strict=True):
        prior = stored.get(order.external_id)
        (changed if prior else fresh).append(rec)
        shadowed.results[i] = IngestResult("updated" if prior else "created",
                                           order.external_id, rec.id, SHADOW, _said(rec))
    for i, rec in cancelled:
        prior = stored.get(rec.external_id)
        (changed if prior else fresh).append(rec)
        shadowed.results[i] = IngestResult("cancelled" if prior else "created",
                                           rec.external_id, rec.id, SHADOW, _said(rec))
    uow.cutover.save_shadow(cmd.tenant_id, fresh, cmd.now, replace=changed)


# ----- canonical drafts (the API) -----------------------------------------------------------

def _take_drafts(uow: UnitOfWork, cmd: SubmitOrders, hashes: list[str], picked: list[int],
                 strategy: AllocationStrategy, shadowed: Shadowed) -> None:
    """As live drafts: the same order again is the stored record, other content a
    conflict (for one order: the whole request is)."""
    by_channel: dict[str, list[int]] = {}
    for i in picked:
        by_channel.setdefault(cmd.drafts[i].channel, []).append(i)
    for channel, indices in by_channel.items():
        stored = uow.cutover.shadow_by_keys(cmd.tenant_id, channel,
                                            [cmd.drafts[i].external_id for i in indices])
        seen: dict[str, tuple[str, str]] = {}
        fresh: list[tuple[int, OrderDraft, Order]] = []
        for i in indices:
            d, h = cmd.drafts[i], hashes[i]
            prior = stored.get(d.external_id)
            prior_key = (prior.id, prior.payload_hash) if prior else seen.get(d.external_id)
            if prior_key is None:
                order = build_order(d, cmd.tenant_id, cmd.now, cmd.actor, h)
                seen[d.external_id] = (order.id, h)
                fresh.append((i, d, order))
                continue
            if prior_key[1] == h:
                shadowed.results[i] = SubmitResult(Outcome.EXISTING, prior_key[0],
                                                   d.external_id, channel, SHADOW)
                continue
            msg = (f"order {d.external_id} from channel {channel} already exists as "
                   f"{prior_key[0]} with different content; send an update, not a new order")
            if cmd.single:
                raise IdempotencyConflict(msg)
            shadowed.results[i] = SubmitResult(Outcome.CONFLICT, prior_key[0], d.external_id,
                                               channel, SHADOW, msg)
        orders = [o for _, _, o in fresh]
        records = _route(uow, cmd, orders, strategy, {})
        for (i, d, _), rec in zip(fresh, records, strict=True):
            shadowed.results[i] = SubmitResult(Outcome.CREATED, rec.id, d.external_id,
                                               channel, SHADOW, _said(rec))
        uow.cutover.save_shadow(cmd.tenant_id, records, cmd.now)


# ----- validate and route, reserve nothing ---------------------------------------------------

def _route(uow: UnitOfWork, cmd: SubmitOrders, orders: list[Order],
           strategy: AllocationStrategy, prior: dict[str, ShadowRecord | None]
           ) -> list[ShadowRecord]:
    """The live stages up to the plan (load, validate, plan against the batch's ATP), none
    after it: no reservation, no order transition persisted, no event, no audit entry."""
    if not orders:
        return []
    batch = load_batch(uow, cmd.tenant_id, orders, cmd.now, cmd.actor)
    valid = validate_orders(uow, batch, orders, PipelineStats())
    plans = plan_orders(batch, strategy, valid, batch.levels)
    sites = {o.id: tuple(sorted({p.warehouse for p in outcome.picks}))
             for o, outcome in plans.planned}
    failed = {o.id: [r.code.value for r in reasons] for o, reasons in plans.failed}
    out = []
    for o in orders:
        if o.id in sites:
            out.append(_record(o, ShadowStatus.ALLOCATED, sites[o.id], (), cmd.now,
                               prior.get(o.id)))
        else:
            codes = failed.get(o.id) or ([r.code.value for r in o.hold_reasons]
                                         if o.status == OrderStatus.ON_HOLD else [])
            out.append(_record(o, ShadowStatus.ON_HOLD, (), tuple(codes), cmd.now,
                               prior.get(o.id)))
    return out


def _record(order: Order, status: ShadowStatus, sites: tuple[str, ...],
            codes: tuple[str, ...], now: datetime, prior: ShadowRecord | None
            ) -> ShadowRecord:
    return ShadowRecord(
        id=prior.id if prior else new_id("shd"), channel=order.channel,
        external_id=order.external_id, status=status, warehouses=sites,
        grand_total=order.grand_total, currency=order.currency,
        hold_codes=tuple(dict.fromkeys(codes)),
        received_at=prior.received_at if prior else now, placed_at=order.placed_at,
        payload_hash=order.payload_hash, channel_updated_at=order.channel_updated_at)


def _said(rec: ShadowRecord) -> str:
    if rec.status == ShadowStatus.ALLOCATED:
        what = f"would be allocated to {', '.join(rec.warehouses)}"
    elif rec.status == ShadowStatus.ON_HOLD:
        what = f"would be held ({', '.join(rec.hold_codes)})"
    else:
        what = "cancelled in the channel"
    return f"shadow mode: {what}; nothing reserved"
