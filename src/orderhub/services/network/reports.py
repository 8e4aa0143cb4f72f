"""What a network event did to the orders it looked at: one outcome per order, counted
disjointly, as the API, the CLI and the follow-on handlers report it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Any

from orderhub.domain.lifecycle import OrderStatus
from orderhub.domain.order import Order


class Outcome(StrEnum):
    """What a network event did to one order it looked at: exactly one per order, so the
    counts of a report are disjoint and add up to the orders looked at."""

    PROMISE_KEPT = "promise_kept"  # (re-)routed; promised date unchanged or earlier
    PROMISE_LATER = "promise_later"  # (re-)routed; promised later than before (or no date)
    FIRST_PROMISE = "first_promise"  # routed after a hold that came before any promise
    HELD = "held"  # open before the event, on hold after it (its stock released)
    STILL_HELD = "still_held"  # on hold before, tried again, still on hold
    FLAGGED = "flagged"  # already released to its warehouse: an exception for a person


ROUTED = (Outcome.PROMISE_KEPT, Outcome.PROMISE_LATER, Outcome.FIRST_PROMISE)


@dataclass
class OrderOutcome:
    """One order in a report: where it ended up, against how the event first found it."""

    outcome: Outcome
    held_before: bool  # on hold when the event first looked at it
    promised_before: date | None  # the date promised before the event
    promised: date | None = None  # the date promised now (routed orders)
    sites: list[str] = field(default_factory=list)  # where it is planned now (routed orders)


@dataclass
class RerouteReport:
    """What a network event did to the orders it looked at. An order the event touches
    twice (re-routed, then held by the inbound half of a block) counts once, by where it
    ended up, and its promise is compared with the one it had before the event."""

    cause: str
    warehouse: str = ""
    orders: dict[str, OrderOutcome] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    def settle(self, order: Order, promised_before: date | None = None) -> None:
        """Record an order the event routed or held; `promised_before` is its date before
        this step, for an order the event had not looked at yet."""
        seen = self.orders.get(order.id)
        held_before = seen.held_before if seen else False
        before = seen.promised_before if seen else promised_before
        if order.status != OrderStatus.ALLOCATED:
            outcome = Outcome.STILL_HELD if held_before else Outcome.HELD
            self.orders[order.id] = OrderOutcome(outcome, held_before, before)
            return
        now = order.promised_delivery
        if before is None:
            outcome = Outcome.FIRST_PROMISE
        elif now is not None and now <= before:
            outcome = Outcome.PROMISE_KEPT
        else:
            outcome = Outcome.PROMISE_LATER
        sites = sorted({sh.warehouse for sh in order.shipments if sh.status.value == "planned"})
        self.orders[order.id] = OrderOutcome(outcome, held_before, before, now, sites)

    def note_held(self, order: Order) -> None:
        """An order on hold the event is about to try again."""
        if order.id not in self.orders:
            self.orders[order.id] = OrderOutcome(Outcome.STILL_HELD, True,
                                                 order.promised_delivery)

    def flag(self, order: Order) -> bool:
        """An order already with its warehouse; False if this event flagged it already."""
        seen = self.orders.get(order.id)
        if seen is not None and seen.outcome == Outcome.FLAGGED:
            return False
        self.orders[order.id] = OrderOutcome(Outcome.FLAGGED, False, order.promised_delivery,
                                             order.promised_delivery)
        return True

    def ids(self, *outcomes: Outcome) -> list[str]:
        return sorted(oid for oid, o in self.orders.items() if o.outcome in outcomes)

    @property
    def looked_at(self) -> int:
        return len(self.orders)

    def counts(self) -> dict[str, int]:
        """Orders per outcome, every outcome named (0 included)."""
        counts = dict.fromkeys((o.value for o in Outcome), 0)
        for o in self.orders.values():
            counts[o.outcome.value] += 1
        return counts

    @property
    def rerouted(self) -> dict[str, list[str]]:
        """Order -> its sites now, for every order (re-)routed."""
        return {oid: self.orders[oid].sites for oid in self.ids(*ROUTED)}

    @property
    def held(self) -> list[str]:
        """Orders this event put on hold (not those that stayed held)."""
        return self.ids(Outcome.HELD)

    @property
    def still_held(self) -> list[str]:
        return self.ids(Outcome.STILL_HELD)

    @property
    def flagged(self) -> list[str]:
        return self.ids(Outcome.FLAGGED)

    @property
    def promises_kept(self) -> int:
        return len(self.ids(Outcome.PROMISE_KEPT))

    @property
    def promises_later(self) -> dict[str, str]:
        """Order -> its later promised date."""
        return {oid: promised.isoformat() for oid in self.ids(Outcome.PROMISE_LATER)
                if (promised := self.orders[oid].promised) is not None}

    def as_dict(self) -> dict[str, Any]:
        """The full report as JSON-ready data (the API's and `--json`'s answer)."""
        def day(d: date | None) -> str | None:
            return d.isoformat() if d else None

        return {
            "cause": self.cause, "warehouse": self.warehouse, "looked_at": self.looked_at,
            "counts": self.counts(), "rerouted": self.rerouted, "held": self.held,
            "still_held": self.still_held, "flagged": self.flagged,
            "promises_kept": self.promises_kept, "promises_later": self.promises_later,
            "orders": [{"order_id": oid, "outcome": o.outcome.value, "sites": o.sites,
                        "promised_before": day(o.promised_before),
                        "promised": day(o.promised)}
                       for oid, o in sorted(self.orders.items())],
            "warnings": list(self.warnings)}
