"""Accepting orders: idempotent intake, catalogue checks, allocation and atomic reservation,
for one order or a batch in one transaction."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from orderhub.domain.allocation import AllocationStrategy
from orderhub.domain.errors import FieldError, IdempotencyConflict, InvalidInput, NotFound
from orderhub.domain.order import Order
from orderhub.services.intake.drafts import OrderDraft, build_order, check_draft, payload_hash
from orderhub.services.intake.pipeline import run_pipeline
from orderhub.services.unit_of_work import UnitOfWork, UowFactory, retry_unique_race


class Outcome(StrEnum):
    CREATED = "created"  # a new order was stored
    EXISTING = "existing"  # the same order was already stored; nothing changed
    CONFLICT = "conflict"  # same channel + external id, different payload; nothing stored


@dataclass(slots=True)
class SubmitResult:
    outcome: Outcome
    order_id: str | None
    external_id: str
    channel: str
    status: str | None = None
    message: str = ""


def _check_all(drafts: Sequence[OrderDraft], prefix: bool) -> None:
    errors: list[FieldError] = []
    for i, d in enumerate(drafts):
        for e in check_draft(d):
            errors.append(FieldError(f"orders.{i}.{e.loc}" if prefix else e.loc, e.message))
    if errors:
        raise InvalidInput(errors)


def _batch_hash(hashes: Sequence[str]) -> str:
    return hashlib.sha256("|".join(hashes).encode()).hexdigest()


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
    """Store, validate, allocate and reserve a batch of orders in one transaction.

    Results come back in input order. A unique-key race with a concurrent submitter of the
    same order is resolved by retrying once: the retry finds the stored order.
    """
    _check_all(drafts, prefix=batch)
    hashes = [payload_hash(d) for d in drafts]
    return retry_unique_race(lambda: _submit(
        make_uow, tenant_id, drafts, hashes, strategy, now, actor, idempotency_key,
        presale_lock, single=not batch))


def _submit(
    make_uow: UowFactory,
    tenant_id: str,
    drafts: Sequence[OrderDraft],
    hashes: list[str],
    strategy: AllocationStrategy,
    now: datetime,
    actor: str,
    idempotency_key: str | None,
    presale_lock: timedelta,
    single: bool,
) -> list[SubmitResult]:
    with make_uow() as uow:
        if not uow.catalog.tenant_exists(tenant_id):
            raise NotFound(f"tenant '{tenant_id}' not found")
        channels = {c.code: c for c in uow.catalog.channels(tenant_id)}
        bad = [
            FieldError(
                f"orders.{i}.channel" if not single else "channel",
                f"unknown channel '{d.channel}'; known: {', '.join(sorted(channels))}",
            )
            for i, d in enumerate(drafts)
            if d.channel not in channels
        ]
        bad += [
            FieldError(
                f"orders.{i}.channel" if not single else "channel",
                f"channel '{d.channel}' is inactive",
            )
            for i, d in enumerate(drafts)
            if d.channel in channels and not channels[d.channel].active
        ]
        if bad:
            raise InvalidInput(bad)

        request_hash = _batch_hash(hashes)
        if idempotency_key:
            stored = uow.idempotency.lookup(tenant_id, idempotency_key)
            if stored is not None:
                if stored[0] != request_hash:
                    raise IdempotencyConflict(
                        f"Idempotency-Key '{idempotency_key}' was used before with a different "
                        "request body; use a new key for a new request"
                    )
                return _existing_results(uow, tenant_id, stored[1])

        existing = uow.orders.find_by_channel_keys(tenant_id, [d.key() for d in drafts])
        results: list[SubmitResult | None] = [None] * len(drafts)
        fresh: list[Order] = []
        first_in_batch: dict[tuple[str, str], tuple[str, str]] = {}
        for i, (d, h) in enumerate(zip(drafts, hashes, strict=True)):
            key = d.key()
            prior = existing.get(key) or first_in_batch.get(key)
            if prior is not None:
                oid, prior_hash = prior
                if prior_hash == h:
                    results[i] = SubmitResult(Outcome.EXISTING, oid, d.external_id, d.channel)
                else:
                    msg = (
                        f"order {d.external_id} from channel {d.channel} already exists as "
                        f"{oid} with different content; send an update, not a new order"
                    )
                    if single:
                        raise IdempotencyConflict(msg)
                    results[i] = SubmitResult(
                        Outcome.CONFLICT, oid, d.external_id, d.channel, message=msg
                    )
                continue
            order = build_order(d, tenant_id, now, actor, h)
            first_in_batch[key] = (order.id, h)
            uow.orders.add(order)
            fresh.append(order)
            results[i] = SubmitResult(Outcome.CREATED, order.id, d.external_id, d.channel)

        run_pipeline(uow, tenant_id, fresh, strategy, now, actor, presale_lock)
        status_by_id = {o.id: o.status.value for o in fresh}
        final = [r for r in results if r is not None]
        if any(r.outcome != Outcome.CREATED for r in final):
            _fill_status(uow, tenant_id, final)
        for r in final:
            if r.order_id in status_by_id:
                r.status = status_by_id[r.order_id]
        if idempotency_key:
            uow.idempotency.store(
                tenant_id,
                idempotency_key,
                request_hash,
                [r.order_id for r in final if r.order_id],
                now,
            )
        uow.commit()
        return final


def _fill_status(uow: UnitOfWork, tenant_id: str, results: list[SubmitResult]) -> None:
    ids = [r.order_id for r in results if r.outcome != Outcome.CREATED and r.order_id]
    statuses = uow.orders.statuses(tenant_id, ids)
    for r in results:
        if r.outcome != Outcome.CREATED and r.order_id in statuses:
            r.status = statuses[r.order_id]


def _existing_results(uow: UnitOfWork, tenant_id: str, ids: list[str]) -> list[SubmitResult]:
    heads = uow.orders.heads(tenant_id, ids)
    return [
        SubmitResult(Outcome.EXISTING, oid, heads[oid][1], heads[oid][0], heads[oid][2])
        for oid in ids
        if oid in heads
    ]
