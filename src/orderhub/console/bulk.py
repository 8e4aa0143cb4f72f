"""Bulk actions of the console (resume or cancel many held orders): a background job
(services/background_jobs.py) works through the orders in chunks of CHUNK, each order
through the same service function the API route calls (so each order is its own
transaction, as one API call is: a failure stops nothing but that order); the page polls
the job's progress fragment (htmx).

The job's record (done of total, each order's outcome) is stored, so any server process
shows it, and it stays visible for background_jobs.KEEP after it finishes. A job whose
process stopped shows as interrupted: what it did to each order is in the orders' own
state and timelines.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final

from orderhub.domain.errors import DomainError
from orderhub.domain.jobs import JobRecord
from orderhub.services import background_jobs
from orderhub.services.background_jobs import Clock, JobContext
from orderhub.services.unit_of_work import UowFactory

log = logging.getLogger(__name__)
KIND: Final = "bulk"
CHUNK: Final = 20
MAX_ORDERS: Final = 500  # per job

# One order's work: returns the order's status afterwards (raises DomainError to refuse).
Work = Callable[[str], str]


@dataclass
class BulkJob:
    """What the page shows of a bulk job's record."""

    id: str
    action: str  # "resume" | "cancel"
    total: int
    done: int
    running: bool
    interrupted: bool
    results: list[tuple[str, str, str]] = field(default_factory=list)  # id, ok|failed, text

    @property
    def percent(self) -> int:
        return 100 if not self.total else round(100 * self.done / self.total)

    @property
    def failed(self) -> int:
        return sum(1 for _, outcome, _ in self.results if outcome == "failed")

    @classmethod
    def of(cls, record: JobRecord) -> BulkJob:
        results = [(str(a), str(b), str(c)) for a, b, c in record.detail.get("results", [])]
        return cls(record.id, str(record.label.get("action", "")), record.total or 0,
                   record.done, record.running, record.interrupted, results)


def start(make_uow: UowFactory, tenant_id: str, actor: str, action: str,
          order_ids: list[str], work: Work, *, clock: Clock) -> BulkJob:
    ids = list(order_ids)

    def run(context: JobContext) -> dict[str, Any]:
        results: list[tuple[str, str, str]] = []
        for begin in range(0, len(ids), CHUNK):
            for order_id in ids[begin:begin + CHUNK]:
                try:
                    results.append((order_id, "ok", work(order_id)))
                except DomainError as exc:  # refused for this order: say why, go on
                    results.append((order_id, "failed", str(exc)))
                except Exception:  # a fault: logged, the job goes on with the next order
                    log.exception("bulk %s of order %s failed", action, order_id)
                    results.append((order_id, "failed", "internal error (see the server log)"))
                context.progress(len(results), detail={"results": list(results)})
        return {"results": results}

    record = background_jobs.start(make_uow, tenant_id=tenant_id, kind=KIND, actor=actor,
                                   clock=clock, work=run, id_prefix="blk",
                                   label={"action": action}, total=len(ids))
    return BulkJob.of(record)


def get(read_uow: UowFactory, tenant_id: str, job_id: str, owner: str | None,
        now: datetime) -> BulkJob | None:
    """The job if `owner` started it (None: any of the tenant's; console/deps.owner_of)."""
    record = background_jobs.get(read_uow, tenant_id, job_id, owner=owner, now=now)
    return None if record is None or record.kind != KIND else BulkJob.of(record)
