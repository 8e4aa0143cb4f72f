"""The command every new order enters the hub by: the API (one order or a batch), channel
webhooks, file imports, the simulator and scenarios all build a `SubmitOrders` and hand it
to `intake.submit.submit`, which stores, validates, allocates and reserves the batch in one
transaction (see `intake/pipeline.py` for the stages)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from orderhub.adapters.channels.base import ChannelOrder
from orderhub.domain.order import Order
from orderhub.services.intake.drafts import OrderDraft


@dataclass(frozen=True, slots=True)
class SubmitOrders:
    """Orders to take in, in one transaction.

    `drafts` are canonical orders (the API's shape, which names its channel): the same
    (channel, external id) again is the stored order if its content is equal, else a
    conflict. `channel_orders` are a channel's own orders as its adapter parsed them, all of
    `channel`: a later update of a stored order (address, lines, cancellation) changes it,
    an older or equal one is ignored. A command carries one kind or the other.
    """

    tenant_id: str
    actor: str
    now: datetime
    drafts: Sequence[OrderDraft] = ()
    channel: str = ""
    channel_orders: Sequence[ChannelOrder] = ()
    idempotency_key: str | None = None
    single: bool = False  # one order: field errors without the `orders.N.` prefix

    def __post_init__(self) -> None:
        if self.drafts and self.channel_orders:
            raise ValueError("a SubmitOrders carries drafts or channel orders, not both")
        if self.channel_orders and not self.channel:
            raise ValueError("channel orders need their channel")


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


@dataclass(slots=True)
class IngestResult:
    """What became of one channel order."""

    outcome: str  # created | updated | cancelled | unchanged | rejected
    external_id: str
    order_id: str | None = None
    status: str | None = None
    message: str = ""


@dataclass(slots=True)
class Taken:
    """What the build stage made of a command: results in input order, and the orders the
    pipeline must see (new, or changed by a channel update) and those to cancel after."""

    results: list[SubmitResult] | list[IngestResult]
    to_process: list[Order]
    to_cancel: list[Order]
    orders: list[Order]  # every aggregate touched, for the results' statuses
