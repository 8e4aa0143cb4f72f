"""File imports started from the console: the upload is read in the request, then
`services/intake/file_import.import_file` (the service `orderhub import` calls) runs as a
background job (services/background_jobs.py), reporting orders done of total through its
`progress` hook; the page polls the job's progress fragment (htmx) and shows the report
when it is done.

The job's record (progress, then the report: outcomes, held orders, refused rows) is
stored, so the page can be left and come back to, from any server process, and stays
visible for background_jobs.KEEP after it finishes. A job whose process stopped shows as
interrupted: the orders imported until then are stored (each batch in its own
transaction).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Final

from orderhub.adapters.channels.tabular import RowError
from orderhub.domain.jobs import JobRecord
from orderhub.services import background_jobs
from orderhub.services.background_jobs import Clock, JobContext
from orderhub.services.intake.file_import import ImportReport
from orderhub.services.unit_of_work import UowFactory

KIND: Final = "import"

# The import's work: called with the progress hook (done, total), returns the report.
Work = Callable[[Callable[[int, int], None]], ImportReport]


def report_doc(report: ImportReport) -> dict[str, Any]:
    return {"outcomes": dict(report.outcomes), "held": report.held,
            "held_orders": [list(h) for h in report.held_orders],
            "errors": [[e.row, e.field, e.message] for e in report.errors],
            "ignored": list(report.ignored), "columns": dict(report.columns)}


def report_of(doc: dict[str, Any]) -> ImportReport:
    return ImportReport(
        outcomes=Counter({str(k): int(v) for k, v in doc.get("outcomes", {}).items()}),
        held=int(doc.get("held", 0)),
        held_orders=[(int(row), str(oid)) for row, oid in doc.get("held_orders", [])],
        errors=[RowError(int(r), str(f), str(m)) for r, f, m in doc.get("errors", [])],
        ignored=[str(h) for h in doc.get("ignored", [])],
        columns={str(k): str(v) for k, v in doc.get("columns", {}).items()})


@dataclass
class ImportJob:
    """What the page shows of an import job's record."""

    id: str
    actor: str
    file_name: str
    channel: str
    started_at: datetime
    done: int  # orders through intake
    total: int | None  # orders in the file, once it is read
    running: bool
    interrupted: bool
    report: ImportReport | None
    error: str  # the service's refusal (a bad file, an unknown channel)

    @property
    def percent(self) -> int:
        if not self.total:
            return 0 if self.running else 100
        return round(100 * self.done / self.total)

    @classmethod
    def of(cls, record: JobRecord) -> ImportJob:
        doc = record.detail.get("report")
        return cls(record.id, record.actor, str(record.label.get("file_name", "")),
                   str(record.label.get("channel", "")), record.started_at, record.done,
                   record.total, record.running, record.interrupted,
                   None if doc is None else report_of(doc), record.error)


def start(make_uow: UowFactory, tenant_id: str, actor: str, file_name: str, channel: str,
          work: Work, *, clock: Clock) -> ImportJob:
    def run(context: JobContext) -> dict[str, Any]:
        report = work(lambda done, total: context.progress(done, total))
        if context.record.total is None:  # nothing to ingest: every row refused, or none
            context.record.total = 0
        return {"report": report_doc(report)}

    record = background_jobs.start(make_uow, tenant_id=tenant_id, kind=KIND, actor=actor,
                                   clock=clock, work=run, id_prefix="imp",
                                   label={"file_name": file_name, "channel": channel})
    return ImportJob.of(record)


def get(read_uow: UowFactory, tenant_id: str, job_id: str, owner: str | None,
        now: datetime) -> ImportJob | None:
    """The job if `owner` started it (None: any of the tenant's; console/deps.owner_of)."""
    record = background_jobs.get(read_uow, tenant_id, job_id, owner=owner, now=now)
    return None if record is None or record.kind != KIND else ImportJob.of(record)


def recent(read_uow: UowFactory, tenant_id: str, owner: str | None, *, now: datetime,
           limit: int = 10) -> list[ImportJob]:
    return [ImportJob.of(r) for r in background_jobs.recent(
        read_uow, tenant_id, KIND, owner=owner, now=now, limit=limit)]
