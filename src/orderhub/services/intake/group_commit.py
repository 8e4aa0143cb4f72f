"""Group commit for single orders: concurrent one-order requests share one transaction.

A one-order request costs a whole transaction (the intake lock, the network and stock
reads, the commit's fsync); with many clients at once most of that is the same work done
again. The committer collects the single orders waiting at the same moment, runs ONE
`submit` for them (per tenant and actor: a command records one actor), and hands each
request its own outcome:

- each waits until the transaction holding its order has committed: nothing is
  acknowledged before its commit, and a crash in the middle of a group loses only orders
  nobody was told about;
- a group that fails (an unknown channel, a database error, a conflict) is split in two and
  each half tried again, down to single orders, which run exactly as an ungrouped request
  does (`single=True`: the same errors, the same field locations), so only the order at
  fault fails and each client learns its own outcome;
- the same channel + external id twice in one group is the first order for the second
  (`existing`), or a conflict if the content differs, as it would be one after the other;
  a conflict is this request's 409, not its neighbours';
- held orders are stored with their reasons and answered like any created order.

No waiting when busy: while a group commits, the next one gathers; only an idle committer
waits `max_wait` for companions. The committed aggregates come back with the outcome, so
the API answers from memory instead of reading the order back.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from orderhub.domain.allocation import AllocationStrategy
from orderhub.domain.errors import IdempotencyConflict
from orderhub.domain.order import Order
from orderhub.services.intake.commands import Outcome, SubmitOrders, SubmitResult
from orderhub.services.intake.drafts import OrderDraft
from orderhub.services.intake.submit import submit
from orderhub.services.unit_of_work import UowFactory

log = logging.getLogger(__name__)


@dataclass(slots=True)
class Placed:
    """One request's outcome: its result and, when this group stored or loaded it, the
    committed order (None: a stored order from before; read it)."""

    result: SubmitResult
    order: Order | None


@dataclass(slots=True)
class _Entry:
    tenant_id: str
    actor: str
    draft: OrderDraft
    done: threading.Event = field(default_factory=threading.Event)
    placed: Placed | None = None
    error: BaseException | None = None
    on_done: Callable[[], None] | None = None  # an event loop's waiter, woken thread-safely

    def finish(self, placed: Placed | None = None, error: BaseException | None = None) -> None:
        self.placed, self.error = placed, error
        self.done.set()
        if self.on_done is not None:
            self.on_done()

    def outcome(self) -> Placed:
        if self.error is not None:
            raise self.error
        assert self.placed is not None
        return self.placed


@dataclass(slots=True)
class GroupStats:
    """Counters for tests and benchmarks: requests taken, groups run, transactions tried
    (splits after a failure add to them)."""

    requests: int = 0
    groups: int = 0
    attempts: int = 0
    largest: int = 0


class GroupCommitter:
    """Collects single orders from concurrent requests and commits them in groups (see the
    module doc). Thread-safe. `committers` threads (started on first use) each take the
    next group when free: one for SQLite (one writer at a time), a few for PostgreSQL,
    where intake transactions run side by side and their round trips overlap."""

    def __init__(
        self,
        make_uow: UowFactory,
        *,
        strategy: Callable[[], AllocationStrategy],
        presale_lock: Callable[[], timedelta],
        clock: Callable[[], datetime],
        max_wait: float = 0.001,
        max_orders: int = 128,
        committers: int = 1,
    ) -> None:
        self._make_uow = make_uow
        self._strategy = strategy
        self._presale_lock = presale_lock
        self._clock = clock
        self.max_wait = max_wait
        self.max_orders = max_orders
        self.stats = GroupStats()
        self._pending: list[_Entry] = []
        self._cond = threading.Condition()
        self.committers = max(1, committers)
        self._threads: list[threading.Thread] = []
        self._stopping = False

    # ----- the request's side ---------------------------------------------------------

    def place(self, tenant_id: str, actor: str, draft: OrderDraft) -> Placed:
        """Submit one order with whoever else is waiting; returns once its transaction
        committed, or raises this order's own error."""
        entry = self._enqueue(_Entry(tenant_id, actor, draft))
        entry.done.wait()
        return entry.outcome()

    async def place_async(self, tenant_id: str, actor: str, draft: OrderDraft) -> Placed:
        """`place` for an event loop: waits without holding a thread."""
        loop = asyncio.get_running_loop()
        waiter: asyncio.Future[None] = loop.create_future()

        def wake() -> None:
            if not waiter.done():
                waiter.set_result(None)

        def notify() -> None:  # on the committing thread
            # A closed loop (the server stopped meanwhile) has nobody waiting any more.
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(wake)

        entry = _Entry(tenant_id, actor, draft, on_done=notify)
        self._enqueue(entry)
        # A cancelled request (the client went away) leaves its order to the group: it
        # commits or fails as its neighbours do, and nobody is told it was stored.
        await asyncio.shield(waiter)
        return entry.outcome()

    def _enqueue(self, entry: _Entry) -> _Entry:
        with self._cond:
            if self._stopping:
                raise RuntimeError("the intake committer is stopped")
            if not self._threads:
                for _ in range(self.committers):
                    thread = threading.Thread(
                        target=self._loop, name="intake-group-commit", daemon=True
                    )
                    thread.start()
                    self._threads.append(thread)
            self._pending.append(entry)
            self.stats.requests += 1
            self._cond.notify_all()
        return entry

    def stop(self) -> None:
        """Finish what is queued, then end the committing threads."""
        with self._cond:
            self._stopping = True
            self._cond.notify_all()
            threads = list(self._threads)
        for thread in threads:
            thread.join(timeout=10)

    # ----- the committer's side -------------------------------------------------------

    def _take(self) -> list[_Entry] | None:
        """The next group's entries: at once when some are queued behind a commit, after
        up to `max_wait` when the first arrives at an idle committer."""
        with self._cond:
            while True:
                while not self._pending:
                    if self._stopping:
                        return None
                    self._cond.wait()
                if (
                    len(self._pending) < self.max_orders
                    and self.max_wait > 0
                    and not self._stopping
                ):
                    self._cond.wait_for(
                        lambda: len(self._pending) >= self.max_orders or self._stopping,
                        timeout=self.max_wait,
                    )
                if not self._pending:  # another committer took them meanwhile
                    continue
                taken, self._pending = (
                    self._pending[: self.max_orders],
                    self._pending[self.max_orders :],
                )
                return taken

    def _loop(self) -> None:
        while True:
            taken = self._take()
            if taken is None:
                return
            groups: dict[tuple[str, str], list[_Entry]] = {}
            for e in taken:
                groups.setdefault((e.tenant_id, e.actor), []).append(e)
            for entries in groups.values():
                with self._cond:
                    self.stats.groups += 1
                    self.stats.largest = max(self.stats.largest, len(entries))
                try:
                    self._run(entries)
                except BaseException as exc:  # never leave a request waiting
                    log.exception("intake group failed outside its own handling")
                    for e in entries:
                        if not e.done.is_set():
                            e.finish(error=exc)

    def _run(self, entries: list[_Entry]) -> None:
        """One transaction for `entries`; on failure, each half again (a single order
        fails alone, with its own error)."""
        with self._cond:
            self.stats.attempts += 1
        first = entries[0]
        cmd = SubmitOrders(
            first.tenant_id,
            first.actor,
            self._clock(),
            drafts=[e.draft for e in entries],
            single=len(entries) == 1,
        )
        orders: dict[str, Order] = {}
        try:
            results = submit(
                self._make_uow,
                cmd,
                strategy=self._strategy(),
                presale_lock=self._presale_lock(),
                orders_out=orders,
            )
        except Exception as exc:
            if len(entries) == 1:
                first.finish(error=exc)
                return
            half = len(entries) // 2
            self._run(entries[:half])
            self._run(entries[half:])
            return
        for e, r in zip(entries, results, strict=True):
            assert isinstance(r, SubmitResult)
            if r.outcome == Outcome.CONFLICT:
                e.finish(error=IdempotencyConflict(r.message))
            else:
                e.finish(Placed(r, orders.get(r.order_id or "")))
