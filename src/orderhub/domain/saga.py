"""Compensation as a saga: the steps that undo or repair what a failure left behind after
stock was reserved or a waybill was booked, run in order, each done once.

    kind               steps (in order)                          started by
    release_rejected   recall, void_waybills, reroute, notify    the warehouse refuses an
                                                                 order released to it
    booking_failed     void_waybills, notify                     one shipment found no carrier
                                                                 after others were booked
    cancelled_after_release  void_waybills, notify               an order with booked
                                                                 waybills is cancelled (by
                                                                 the channel or a person)
    payment_failed     cancel, void_waybills, notify             capturing the payment failed:
                                                                 cancelled while the goods are
                                                                 still in the warehouse, else
                                                                 a person decides at once

A saga is `running` until every step is done (`done`), or a step failed `MAX_ATTEMPTS`
times (`needs_human`: the exception desk shows it; `retry` runs it again). A failed attempt
waits `backoff(attempts)` before the next (`next_attempt_at`). A running saga also carries
`next_attempt_at` while a runner works on it (now + `RESUME_AFTER`): if the process dies,
the resume job takes it up from its first pending step after that.

Pure: no I/O; times come in as arguments. The service layer (services/sagas/) persists it
and runs the steps; `database` steps commit their effect together with `complete`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Any

from orderhub.domain.allocation import AllocationOutcome, AllocationStrategy, Availability
from orderhub.domain.errors import Conflict
from orderhub.domain.ids import new_id
from orderhub.domain.inventory import Warehouse
from orderhub.domain.order import Order

MAX_ATTEMPTS = 5
BACKOFF_BASE = timedelta(seconds=30)
BACKOFF_CAP = timedelta(hours=1)
RESUME_AFTER = timedelta(minutes=2)  # a running saga nobody touched for this long resumes
CLAIM_FOR = timedelta(minutes=2)  # an external step one runner is calling


class SagaKind(StrEnum):
    RELEASE_REJECTED = "release_rejected"
    BOOKING_FAILED = "booking_failed"
    CANCELLED_AFTER_RELEASE = "cancelled_after_release"
    PAYMENT_FAILED = "payment_failed"
    RECALLED = "recalled"  # the desk took a released order back (recall_and_reroute)


class SagaState(StrEnum):
    RUNNING = "running"
    DONE = "done"
    NEEDS_HUMAN = "needs_human"


class StepState(StrEnum):
    PENDING = "pending"
    DONE = "done"
    FAILED = "failed"


class StepName(StrEnum):
    RECALL = "recall"  # take the order back from its warehouse: stock released, on hold
    VOID_WAYBILLS = "void_waybills"  # tell the carriers (external, idempotent)
    REROUTE = "reroute"  # run the pipeline again, away from the rejecting site
    NOTIFY = "notify"  # OrderCompensated on the order: webhooks tell the channel
    CANCEL = "cancel"  # cancel before the goods leave (stock released)


STEPS: Mapping[SagaKind, tuple[StepName, ...]] = {
    SagaKind.RELEASE_REJECTED: (StepName.RECALL, StepName.VOID_WAYBILLS, StepName.REROUTE,
                                StepName.NOTIFY),
    SagaKind.BOOKING_FAILED: (StepName.VOID_WAYBILLS, StepName.NOTIFY),
    SagaKind.CANCELLED_AFTER_RELEASE: (StepName.VOID_WAYBILLS, StepName.NOTIFY),
    SagaKind.PAYMENT_FAILED: (StepName.CANCEL, StepName.VOID_WAYBILLS, StepName.NOTIFY),
    SagaKind.RECALLED: (StepName.VOID_WAYBILLS, StepName.NOTIFY),
}
EXTERNAL: frozenset[StepName] = frozenset({StepName.VOID_WAYBILLS})  # outside a transaction


class HumanDecision(Conflict):
    """A step that no retry can do (the goods already left): the saga needs a human now."""


def backoff(attempts: int) -> timedelta:
    """Wait before attempt `attempts + 1`: 30 s, 1 min, 2 min, ... at most an hour."""
    if attempts <= 0:
        return timedelta(0)
    wait: timedelta = BACKOFF_BASE * (2 ** (attempts - 1))
    return min(wait, BACKOFF_CAP)


@dataclass(slots=True)
class Step:
    name: StepName
    state: StepState = StepState.PENDING
    attempts: int = 0
    last_error: str = ""
    done_at: datetime | None = None
    claimed_until: datetime | None = None  # an external step a runner is calling

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name.value, "state": self.state.value, "attempts": self.attempts,
                "last_error": self.last_error,
                "done_at": self.done_at.isoformat() if self.done_at else None,
                "claimed_until": self.claimed_until.isoformat() if self.claimed_until
                else None}

    @classmethod
    def from_dict(cls, d: Mapping[str, Any]) -> Step:
        def when(v: Any) -> datetime | None:
            return datetime.fromisoformat(v) if v else None

        return cls(StepName(d["name"]), StepState(d["state"]), int(d["attempts"]),
                   str(d.get("last_error", "")), when(d.get("done_at")),
                   when(d.get("claimed_until")))


@dataclass(slots=True)
class Saga:
    id: str
    tenant_id: str
    order_id: str
    kind: SagaKind
    cause: str
    steps: list[Step]
    created_at: datetime
    updated_at: datetime
    state: SagaState = SagaState.RUNNING
    next_attempt_at: datetime | None = None
    actor: str = "system"
    # What the steps act on, fixed when it starts: the rejecting warehouse, the waybills to
    # void ({shipment_id, service, waybill}), the ones voided so far.
    data: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def start(cls, kind: SagaKind, *, tenant_id: str, order_id: str, cause: str,
              now: datetime, actor: str, data: Mapping[str, Any] | None = None,
              run_at: datetime | None = None) -> Saga:
        """A new saga; the resume job runs it from `run_at` (default: `RESUME_AFTER` from
        now, time for the runner that started it to finish)."""
        return cls(new_id("sga"), tenant_id, order_id, kind, cause,
                   [Step(name) for name in STEPS[kind]], now, now,
                   next_attempt_at=run_at or now + RESUME_AFTER, actor=actor,
                   data=dict(data or {}))

    # ----- reading ----------------------------------------------------------------------
    def current(self) -> Step | None:
        """The first step not done (None once all are)."""
        return next((s for s in self.steps if s.state != StepState.DONE), None)

    def step(self, name: StepName) -> Step:
        found = next((s for s in self.steps if s.name == name), None)
        if found is None:
            raise Conflict(f"saga {self.id} has no step {name.value}")
        return found

    @property
    def waybills(self) -> list[dict[str, str]]:
        return list(self.data.get("waybills", []))

    def claimed(self, name: StepName, now: datetime) -> bool:
        """Another runner is calling this external step and its claim has not lapsed."""
        s = self.step(name)
        return s.claimed_until is not None and s.claimed_until > now

    # ----- transitions --------------------------------------------------------------------
    def _pending(self, name: StepName) -> Step:
        if self.state != SagaState.RUNNING:
            raise Conflict(f"saga {self.id} is {self.state.value}, not running")
        s = self.current()
        if s is None or s.name != name:
            raise Conflict(f"saga {self.id}: step {name.value} is not the next one "
                           f"({s.name.value if s else 'none left'})")
        return s

    def claim(self, name: StepName, now: datetime) -> None:
        """A runner takes an external step (another one seeing the claim leaves it)."""
        s = self._pending(name)
        s.claimed_until = now + CLAIM_FOR
        self.next_attempt_at = now + max(CLAIM_FOR, RESUME_AFTER)
        self.updated_at = now

    def complete(self, name: StepName, now: datetime) -> None:
        """The step's effect is committed with this; the saga is done after the last."""
        s = self._pending(name)
        s.state, s.done_at, s.claimed_until, s.last_error = StepState.DONE, now, None, ""
        s.attempts += 1
        self.updated_at = now
        if self.current() is None:
            self.state = SagaState.DONE
            self.next_attempt_at = None
        else:
            self.next_attempt_at = now + RESUME_AFTER

    def fail(self, name: StepName, error: str, now: datetime,
             max_attempts: int = MAX_ATTEMPTS) -> None:
        """An attempt failed: try again after the backoff, or after `max_attempts` a person
        decides (`needs_human`)."""
        s = self._pending(name)
        s.attempts += 1
        s.last_error = error[:1000]
        s.claimed_until = None
        self.updated_at = now
        if s.attempts >= max_attempts:
            s.state = StepState.FAILED
            self.state = SagaState.NEEDS_HUMAN
            self.next_attempt_at = None
        else:
            self.next_attempt_at = now + backoff(s.attempts)

    def retry(self, now: datetime, actor: str) -> None:
        """A person asks for a saga that needed them to be tried again from its failed step
        (the attempts start over)."""
        if self.state != SagaState.NEEDS_HUMAN:
            raise Conflict(f"saga {self.id} is {self.state.value}; only a saga that needs a "
                           "human is retried")
        for s in self.steps:
            if s.state == StepState.FAILED:
                s.state, s.attempts = StepState.PENDING, 0
        self.state = SagaState.RUNNING
        self.next_attempt_at = now
        self.updated_at = now
        self.actor = actor

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "tenant_id": self.tenant_id, "order_id": self.order_id,
                "kind": self.kind.value, "cause": self.cause, "state": self.state.value,
                "steps": [s.as_dict() for s in self.steps], "data": dict(self.data),
                "actor": self.actor, "created_at": self.created_at.isoformat(),
                "updated_at": self.updated_at.isoformat(),
                "next_attempt_at": (self.next_attempt_at.isoformat()
                                    if self.next_attempt_at else None)}


def waybills_of(order: Order, shipment_ids: Sequence[str] | None = None) -> list[dict[str, str]]:
    """The booked waybills of an order's shipments (all, or `shipment_ids`), to void."""
    return [{"shipment_id": s.id, "service": s.carrier_service, "waybill": s.waybill}
            for s in order.shipments
            if s.waybill and (shipment_ids is None or s.id in shipment_ids)]


class AvoidingSites:
    """An allocation strategy that plans some orders away from some sites (a warehouse
    that refused them), and otherwise is the strategy it wraps."""

    def __init__(self, inner: AllocationStrategy, avoid: Mapping[str, set[str]]) -> None:
        self.inner = inner
        self.avoid = {k: set(v) for k, v in avoid.items()}
        self.name = inner.name

    def prepare(self, network: Any, catalog: Any) -> Any:
        return self.inner.prepare(network, catalog)

    def refresh(self) -> None:
        self.inner.refresh()

    def plan(self, order: Order, warehouses: Sequence[Warehouse], available: Availability,
             now: datetime, context: Any = None) -> AllocationOutcome:
        skip = self.avoid.get(order.id, set())
        return self.inner.plan(order, [w for w in warehouses if w.code not in skip],
                               available, now, context)
