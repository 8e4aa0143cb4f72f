"""Periodic jobs: what a server or worker does on a timer. Each is a named job built from
the dependencies it needs, so a test runs it once (`job.run_once(now)`) without threads;
`orderhub serve` and `orderhub worker` run them all on one `Scheduler` thread.

  reservation-expiry   release lapsed pre-sale stock locks        every expiry_sweep_seconds
  carrier-probe        ping carrier APIs whose breaker tripped    every expiry_sweep_seconds
  inbox-pruning        forget handled event ids past retention    hourly, first at one sweep
  audit-checkpoints    sign each audit chain's head, export it    5 minutes, first at one sweep
  usage-flush          write the API's metered counts (upserts)   every USAGE_FLUSH_SECONDS
  twin-alerts          raise stalled steps, escalate alerts        every twin_sweep_seconds (0.5 s)
  tracking-match       match orphan carrier checkpoints           every TRACKING_MATCH_SECONDS
  exception-sync       held orders onto the exception desk        every expiry_sweep_seconds
                       (L1 remedies applied), released ones off
  alert-desk           the twin's alerts onto the desk, and off   every ALERT_DESK_SECONDS (2 s)
  twin-rescore         overdue twins recomputed as time passes    every TWIN_RESCORE_SECONDS (60 s)
  saga-resume          resume compensation sagas that are due     every expiry_sweep_seconds
                       (a crash mid-way, a failed step's backoff)
  proposal-expiry      the desk's pending proposals past expiry   every expiry_sweep_seconds
                       marked expired (evented, audited)
  pool-close           close group-buy pools whose window ended,  every POOL_CLOSE_SECONDS
                       route each as one delivery (services/pools)
  bid-auctions         signed bid requests sent; offers whose      every BID_SWEEP_SECONDS
                       window ended decided (award or fallback)    (0.2 s)

A job that fails is logged and tried again at its next turn; the others are not held up.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Protocol

from sqlalchemy import Engine

from orderhub.services.events.consumers import prune_inbox
from orderhub.services.exceptions.desk import expire_proposals, sync_all
from orderhub.services.metering import UsageMeter, flush
from orderhub.services.orders.fulfilment import expire_reservations
from orderhub.services.unit_of_work import UowFactory

if TYPE_CHECKING:
    from orderhub.services.bidding.auctions import BidRequestSender
    from orderhub.services.sagas.runner import Compensator

log = logging.getLogger(__name__)

INBOX_PRUNING_SECONDS = 3600.0
AUDIT_CHECKPOINT_SECONDS = 300.0
USAGE_FLUSH_SECONDS = 10.0
ALERT_DESK_SECONDS = 2.0
TWIN_RESCORE_SECONDS = 60.0
TRACKING_MATCH_SECONDS = 60.0
POOL_CLOSE_SECONDS = 5.0
BID_SWEEP_SECONDS = 0.2


@dataclass(frozen=True, slots=True)
class Job:
    """`action(now)` every `every_seconds`; the first run `first_after_seconds` after the
    scheduler starts (one interval when not given)."""

    name: str
    every_seconds: float
    action: Callable[[datetime], object]
    first_after_seconds: float | None = None

    def run_once(self, now: datetime) -> object:
        """Run the job now, in this thread; returns what the action returns."""
        return self.action(now)


class CarrierProber(Protocol):
    def probe(self) -> list[str]: ...


def reservation_expiry(make_uow: UowFactory, every_seconds: float) -> Job:
    """Orders whose pre-sale lock lapsed release their stock and go on hold."""
    return Job(
        "reservation-expiry", every_seconds, lambda now: expire_reservations(make_uow, now=now)
    )


def carrier_probe(desk: Callable[[], CarrierProber | None], every_seconds: float) -> Job:
    """Tripped carrier APIs answer again? `desk` gives the waybill desk once one exists (it
    is built on first use); until then there is nothing to probe."""

    def probe(_now: datetime) -> list[str]:
        found = desk()
        return found.probe() if found is not None else []

    return Job("carrier-probe", every_seconds, probe)


def inbox_pruning(
    engine: Engine,
    retention: timedelta,
    *,
    every_seconds: float = INBOX_PRUNING_SECONDS,
    first_after_seconds: float | None = None,
) -> Job:
    """Handled event ids older than `retention` cannot be redelivered any more: forget them."""
    return Job(
        "inbox-pruning",
        every_seconds,
        lambda now: prune_inbox(engine, now - retention),
        first_after_seconds,
    )


def twin_alerts(make_uow: UowFactory, every_seconds: float) -> Job:
    """Steps whose window passed become OrderStalled alerts; alerts nobody acknowledged
    escalate. Reads only what is due (indexes on the due times), never all open orders."""
    from orderhub.services.twin.alerts import sweep

    return Job("twin-alerts", every_seconds, lambda now: sweep(make_uow, now))


def usage_flush(make_uow: UowFactory, meter: UsageMeter,
                every_seconds: float = USAGE_FLUSH_SECONDS) -> Job:
    """Metering counts what the API served in memory; write it, one upsert per counter."""
    return Job("usage-flush", every_seconds, lambda _now: flush(make_uow, meter))


def tracking_match(make_uow: UowFactory,
                   every_seconds: float = TRACKING_MATCH_SECONDS) -> Job:
    """Carrier checkpoints kept as orphans whose waybill a shipment has now (a push that
    raced the release booking it): match them and record them on their orders."""
    from orderhub.services.tracking.checkpoints import match_pending

    return Job("tracking-match", every_seconds, lambda now: match_pending(make_uow, now=now))


def exception_sync(make_uow: UowFactory, every_seconds: float) -> Job:
    """Every held order is on the exception desk (its L1 remedy applied at once), and the
    exceptions of orders no longer held are resolved; a batch per tenant per turn. So is
    every compensation saga that needs a person."""
    from orderhub.services.sagas import desk_link

    def run(now: datetime) -> int:
        return sync_all(make_uow, now=now) + sum(desk_link.sync(make_uow, now))

    return Job("exception-sync", every_seconds, run)


def twin_rescore(make_uow: UowFactory, every_seconds: float = TWIN_RESCORE_SECONDS) -> Job:
    """Twins whose next step is overdue, recomputed as time passes (health, risk, at-risk
    alerts); a batch of the least recently recomputed per turn."""
    from orderhub.services.twin.projection import rescore

    return Job("twin-rescore", every_seconds, lambda now: rescore(make_uow, now))


def alert_desk(make_uow: UowFactory, every_seconds: float = ALERT_DESK_SECONDS) -> Job:
    """The twin's alerts onto the exception desk (stalled, at risk: remedies priced, L1
    applied) and off it when they resolve; apart from the alert sweep so pricing remedies
    never delays an alert."""
    from orderhub.services.twin import desk_link

    return Job("alert-desk", every_seconds, lambda now: desk_link.sync(make_uow, now))


def anomaly_pruning(make_uow: UowFactory, every_seconds: float = 3600.0,
                    first_after_seconds: float | None = None) -> Job:
    """Intake fingerprints past their windows are never read again: delete them."""
    from orderhub.services.anomaly.detection import prune

    return Job("anomaly-pruning", every_seconds, lambda now: prune(make_uow, now),
               first_after_seconds)


def proposal_expiry(make_uow: UowFactory, every_seconds: float) -> Job:
    """The exception desk's pending proposals past their expiry are marked expired, in
    batches, each with RemedyProposalExpired and an audit entry."""
    return Job("proposal-expiry", every_seconds,
               lambda now: expire_proposals(make_uow, now=now))


def saga_resume(compensator: Callable[[], Compensator], every_seconds: float) -> Job:
    """Running compensation sagas whose next attempt is due: a process died mid-way, or a
    failed step's backoff passed. Each resumes at its first pending step."""
    from orderhub.services.sagas.runner import resume_due

    return Job("saga-resume", every_seconds, lambda now: resume_due(compensator(), now))


def pool_close(make_uow: UowFactory, presale_lock: timedelta,
               every_seconds: float = POOL_CLOSE_SECONDS) -> Job:
    """Group-buy pools past their window closed and routed (one transaction each; a pool
    another process closed first is skipped: exactly one close)."""
    from orderhub.services.pools.closing import close_due

    return Job("pool-close", every_seconds,
               lambda now: close_due(make_uow, now, presale_lock))
def bid_auctions(make_uow: UowFactory, sender: Callable[[], BidRequestSender | None],
                 every_seconds: float = BID_SWEEP_SECONDS) -> Job:
    """3PL bidding: new offers' signed requests go to their providers, and offers whose
    window ended (or that every invited provider bid on) are decided, each once across
    processes. An award or a fallback adds at most one sweep to the window."""
    from orderhub.services.bidding.auctions import close_due, dispatch

    def run(now: datetime) -> int:
        dispatch(make_uow, sender(), now)
        done = close_due(make_uow, now)
        return len(done.awarded) + len(done.fell_back)

    return Job("bid-auctions", every_seconds, run)


class Scheduler:
    """Runs jobs when due, on one daemon thread. Time between runs is measured on
    `monotonic` (steady, seconds); `clock` gives the `now` each job is run with."""

    def __init__(
        self,
        jobs: Sequence[Job],
        clock: Callable[[], datetime],
        *,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self.jobs = list(jobs)
        self.clock = clock
        self.monotonic = monotonic
        started = monotonic()
        self._due = {
            job.name: started
            + (job.every_seconds if job.first_after_seconds is None else job.first_after_seconds)
            for job in self.jobs
        }
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def run_due(self) -> list[str]:
        """Run every job that is due now, each at most once; returns the names run (a job
        that failed included: it is logged and waits for its next turn)."""
        ran = []
        for job in self.jobs:
            if self.monotonic() < self._due[job.name]:
                continue
            try:
                job.run_once(self.clock())
            except Exception:
                log.exception("periodic job %s failed; it runs again in %.0f s",
                              job.name, job.every_seconds)
            self._due[job.name] = self.monotonic() + job.every_seconds
            ran.append(job.name)
        return ran

    def seconds_to_next(self) -> float:
        if not self._due:
            return 3600.0
        return max(0.0, min(self._due.values()) - self.monotonic())

    def start(self) -> None:
        if self._thread is not None:
            return
        self._stop.clear()

        def run() -> None:
            while not self._stop.wait(self.seconds_to_next()):
                self.run_due()

        self._thread = threading.Thread(target=run, name="periodic-jobs", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=30)
            self._thread = None


def audit_checkpoints(
    make_uow: UowFactory,
    key_dir: str,
    *,
    every_seconds: float = AUDIT_CHECKPOINT_SECONDS,
    first_after_seconds: float | None = None,
) -> Job:
    """Anchor every audit chain outside its table: sign the heads that moved, keep the
    checkpoints and append them to `<key_dir>/audit-anchors/` (services/audit.py). A chain
    that no longer checks out is logged, not signed."""

    def run(now: datetime) -> list[dict[str, object]]:
        from orderhub.services.audit import checkpoint

        done = checkpoint(make_uow, key_dir, now)
        for c in done:
            if not c["ok"]:
                log.error("audit chain of tenant %s not checkpointed: %s", c["tenant"],
                          c["problem"])
        return done

    return Job("audit-checkpoints", every_seconds, run, first_after_seconds)
