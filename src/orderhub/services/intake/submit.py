"""The front door: `submit(SubmitOrders)` takes new orders in, from every source, in one
transaction: build the aggregates (canonical drafts here, channel payloads in
`channel_orders.py`), run the pipeline (validate, plan, reserve, apply), commit (the
orders, stock, decisions, audit entries and the outbox's events together).

Idempotent: `(tenant, channel, external id)` is unique; a draft sent again with the same
content is the stored order, other content is a conflict; a channel's update of a stored
order changes it; an `Idempotency-Key` answers a repeated request with its first answer. A
concurrent submitter of the same new order loses the unique-key race and the retry finds
the stored order.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from datetime import datetime, timedelta

from orderhub.adapters.channels.base import ChannelOrder
from orderhub.domain.allocation import AllocationStrategy
from orderhub.domain.errors import FieldError, IdempotencyConflict, InvalidInput, NotFound
from orderhub.domain.order import Order, stock_quantities
from orderhub.services.intake import shadow
from orderhub.services.intake.channel_orders import take_channel_orders
from orderhub.services.intake.commands import (
    IngestResult,
    Outcome,
    SubmitOrders,
    SubmitResult,
    Taken,
)
from orderhub.services.intake.drafts import OrderDraft, build_order, check_draft, payload_hash
from orderhub.services.intake.pipeline import run_pipeline
from orderhub.services.orders import money as order_money
from orderhub.services.sagas import compensation
from orderhub.services.unit_of_work import UnitOfWork, UowFactory, retry_unique_race


def submit(make_uow: UowFactory, cmd: SubmitOrders, *, strategy: AllocationStrategy,
           presale_lock: timedelta, orders_out: dict[str, Order] | None = None
           ) -> list[SubmitResult] | list[IngestResult]:
    """Store, validate, allocate and reserve the command's orders in one transaction;
    results come back in input order. Field errors in drafts are refused before any I/O.
    `orders_out`, if given, receives the committed aggregates the command touched, by id
    (a caller answers from them instead of reading the orders back)."""
    _check_all(cmd.drafts, prefix=not cmd.single)
    hashes = [payload_hash(d) for d in cmd.drafts]
    return retry_unique_race(lambda: _submit(make_uow, cmd, hashes, strategy, presale_lock,
                                             orders_out))


def _submit(make_uow: UowFactory, cmd: SubmitOrders, hashes: list[str],
            strategy: AllocationStrategy, presale_lock: timedelta,
            orders_out: dict[str, Order] | None = None
            ) -> list[SubmitResult] | list[IngestResult]:
    with make_uow() as uow:
        # Before any row lock (a channel update locks its stored orders): see
        # NetworkRepository.lock_for_intake.
        uow.network.lock_for_intake(cmd.tenant_id)
        _check_channels(uow, cmd)
        # Channels in shadow mode: their orders are recorded, never reserved (shadow.py).
        cmd, hashes, shadowed = shadow.split_off(uow, cmd, hashes, strategy)
        request_hash = _batch_hash(hashes)
        if cmd.idempotency_key:
            answered = _answered_before(uow, cmd, request_hash)
            if answered is not None:
                return answered
        taken = (take_channel_orders(uow, cmd.tenant_id, cmd.channel, cmd.channel_orders,
                                     cmd.now, cmd.actor)
                 if cmd.channel_orders else _take_drafts(uow, cmd, hashes))
        run_pipeline(uow, cmd.tenant_id, taken.to_process, strategy, cmd.now, cmd.actor,
                     presale_lock)
        for order in taken.to_cancel:
            booked = compensation.planned_waybills(order)
            since = len(order.events)
            released = order.cancel("cancelled in the channel", cmd.now, cmd.actor)
            uow.stock.release(cmd.tenant_id, stock_quantities(released), cmd.now)
            order_money.book(uow, order, order.events[since:], now=cmd.now, actor=cmd.actor)
            # After release: a saga voids its waybills (the saga-resume job runs it).
            compensation.after_cancel(uow, order, booked, "cancelled in the channel",
                                      cmd.now, cmd.actor)
        _fill_statuses(uow, cmd.tenant_id, taken)
        if cmd.idempotency_key:
            uow.idempotency.store(cmd.tenant_id, cmd.idempotency_key, request_hash,
                                  [r.order_id for r in taken.results if r.order_id], cmd.now)
        uow.commit()
        if orders_out is not None:
            orders_out.update((o.id, o) for o in taken.orders)
        return shadowed.merge(taken.results)


def submit_orders(
    make_uow: UowFactory,
    tenant_id: str,
    drafts: Sequence[OrderDraft],
    *,
    strategy: AllocationStrategy,
    now: datetime,
    actor: str,
    idempotency_key: str | None = None,
    presale_lock: timedelta = timedelta(minutes=30),
    batch: bool = True,
) -> list[SubmitResult]:
    """`submit` for canonical drafts (the API, the simulator, scenarios)."""
    cmd = SubmitOrders(tenant_id, actor, now, drafts=drafts,
                       idempotency_key=idempotency_key, single=not batch)
    results = submit(make_uow, cmd, strategy=strategy, presale_lock=presale_lock)
    return [r for r in results if isinstance(r, SubmitResult)]


def ingest_channel_orders(make_uow: UowFactory, tenant_id: str, channel: str,
                          items: Sequence[ChannelOrder], *, strategy: AllocationStrategy,
                          now: datetime, actor: str,
                          presale_lock: timedelta) -> list[IngestResult]:
    """`submit` for a channel's own orders (webhooks: one; imports: a file's)."""
    cmd = SubmitOrders(tenant_id, actor, now, channel=channel, channel_orders=items)
    results = submit(make_uow, cmd, strategy=strategy, presale_lock=presale_lock)
    return [r for r in results if isinstance(r, IngestResult)]


# ----- checks before anything is built ------------------------------------------------------

def _check_all(drafts: Sequence[OrderDraft], prefix: bool) -> None:
    errors: list[FieldError] = []
    for i, d in enumerate(drafts):
        for e in check_draft(d):
            errors.append(FieldError(f"orders.{i}.{e.loc}" if prefix else e.loc, e.message))
    if errors:
        raise InvalidInput(errors)


def _batch_hash(hashes: Sequence[str]) -> str:
    return hashlib.sha256("|".join(hashes).encode()).hexdigest()


def _check_channels(uow: UnitOfWork, cmd: SubmitOrders) -> None:
    """The tenant exists and every order's channel is known and active."""
    channels = {c.code: c for c in uow.catalog.channels(cmd.tenant_id)}
    if cmd.channel_orders:
        if cmd.channel not in channels:
            raise NotFound(f"channel '{cmd.channel}' not found")
        if not channels[cmd.channel].active:
            raise InvalidInput([FieldError("channel", f"channel '{cmd.channel}' is inactive")])
        return
    if not channels and not uow.catalog.tenant_exists(cmd.tenant_id):
        raise NotFound(f"tenant '{cmd.tenant_id}' not found")

    def loc(i: int) -> str:
        return "channel" if cmd.single else f"orders.{i}.channel"

    bad = [FieldError(loc(i), f"unknown channel '{d.channel}'; known: "
                              f"{', '.join(sorted(channels))}")
           for i, d in enumerate(cmd.drafts) if d.channel not in channels]
    bad += [FieldError(loc(i), f"channel '{d.channel}' is inactive")
            for i, d in enumerate(cmd.drafts)
            if d.channel in channels and not channels[d.channel].active]
    if bad:
        raise InvalidInput(bad)


def _answered_before(uow: UnitOfWork, cmd: SubmitOrders, request_hash: str
                     ) -> list[SubmitResult] | None:
    assert cmd.idempotency_key
    stored = uow.idempotency.lookup(cmd.tenant_id, cmd.idempotency_key)
    if stored is None:
        return None
    if stored[0] != request_hash:
        raise IdempotencyConflict(
            f"Idempotency-Key '{cmd.idempotency_key}' was used before with a different "
            "request body; use a new key for a new request")
    heads = uow.orders.heads(cmd.tenant_id, stored[1])
    return [SubmitResult(Outcome.EXISTING, oid, heads[oid][1], heads[oid][0], heads[oid][2])
            for oid in stored[1] if oid in heads]


# ----- build ----------------------------------------------------------------------------

def _take_drafts(uow: UnitOfWork, cmd: SubmitOrders, hashes: list[str]) -> Taken:
    """New orders from canonical drafts; a repeat is the stored order, a changed repeat a
    conflict (for one order: the whole request is)."""
    existing = uow.orders.find_by_channel_keys(cmd.tenant_id, [d.key() for d in cmd.drafts])
    results: list[SubmitResult] = []
    fresh: list[Order] = []
    first_in_batch: dict[tuple[str, str], tuple[str, str]] = {}
    for d, h in zip(cmd.drafts, hashes, strict=True):
        key = d.key()
        prior = existing.get(key) or first_in_batch.get(key)
        if prior is None:
            order = build_order(d, cmd.tenant_id, cmd.now, cmd.actor, h)
            first_in_batch[key] = (order.id, h)
            uow.orders.add(order)
            fresh.append(order)
            results.append(SubmitResult(Outcome.CREATED, order.id, d.external_id, d.channel))
            continue
        oid, prior_hash = prior
        if prior_hash == h:
            results.append(SubmitResult(Outcome.EXISTING, oid, d.external_id, d.channel))
            continue
        msg = (f"order {d.external_id} from channel {d.channel} already exists as {oid} "
               "with different content; send an update, not a new order")
        if cmd.single:
            raise IdempotencyConflict(msg)
        results.append(SubmitResult(Outcome.CONFLICT, oid, d.external_id, d.channel,
                                    message=msg))
    return Taken(results, fresh, [], fresh)


def _fill_statuses(uow: UnitOfWork, tenant_id: str, taken: Taken) -> None:
    """Each result's order status after the pipeline; stored orders the batch did not load
    are read in one query."""
    status = {o.id: o.status.value for o in taken.orders}
    missing = [r.order_id for r in taken.results if r.order_id and r.order_id not in status]
    if missing:
        status.update(uow.orders.statuses(tenant_id, missing))
    for r in taken.results:
        if r.order_id in status:
            r.status = status[r.order_id]


__all__ = ["IngestResult", "Outcome", "SubmitOrders", "SubmitResult", "ingest_channel_orders",
           "submit", "submit_orders"]
