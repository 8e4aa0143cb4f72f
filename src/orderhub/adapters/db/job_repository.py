"""Background jobs' records (domain/jobs.py): written by the process that runs a job, read
by any. A running job's row carries its key in `running_key` (unique), so a second start of
the same key, in this process or another, finds the first instead of running twice."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, RowMapping, and_, delete, or_, select, update

from orderhub.adapters.db import tables as t
from orderhub.domain.jobs import JobRecord, JobState

_j = t.console_jobs.c


def _record(row: RowMapping) -> JobRecord:
    return JobRecord(
        id=row["id"], tenant_id=row["tenant_id"], kind=row["kind"], actor=row["actor"],
        started_at=row["started_at"], key=row["job_key"], state=row["state"],
        stage=row["stage"], done=row["done"], total=row["total"], label=dict(row["label"]),
        detail=dict(row["detail"]), heartbeat_at=row["heartbeat_at"],
        finished_at=row["finished_at"])


def running_key(tenant_id: str, key: str) -> str:
    """What `running_key` holds: the key within its tenant (the column is unique over all
    tenants, so another tenant's job of the same key neither blocks nor is returned)."""
    return f"{tenant_id}/{key}"


class JobRepository:
    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def add(self, job: JobRecord) -> None:
        """Insert a running job (IntegrityError when its key already runs)."""
        self.conn.execute(t.console_jobs.insert().values(
            id=job.id, tenant_id=job.tenant_id, kind=job.kind, actor=job.actor,
            job_key=job.key,
            running_key=running_key(job.tenant_id, job.key)
            if job.running and job.key is not None else None, state=job.state,
            stage=job.stage, done=job.done, total=job.total, label=job.label,
            detail=job.detail, started_at=job.started_at, heartbeat_at=job.heartbeat_at,
            finished_at=job.finished_at))

    def get(self, tenant_id: str, job_id: str) -> JobRecord | None:
        row = self.conn.execute(select(t.console_jobs).where(
            _j.tenant_id == tenant_id, _j.id == job_id)).mappings().first()
        return None if row is None else _record(row)

    def latest_for_key(self, tenant_id: str, key: str) -> JobRecord | None:
        row = self.conn.execute(
            select(t.console_jobs).where(_j.tenant_id == tenant_id, _j.job_key == key)
            .order_by(_j.started_at.desc(), _j.id.desc()).limit(1)).mappings().first()
        return None if row is None else _record(row)

    def recent(self, tenant_id: str, kind: str, actor: str | None,
               limit: int) -> list[JobRecord]:
        """The newest jobs of a kind: every actor's (None) or one's."""
        query = select(t.console_jobs).where(_j.tenant_id == tenant_id, _j.kind == kind)
        if actor is not None:
            query = query.where(_j.actor == actor)
        rows = self.conn.execute(
            query.order_by(_j.started_at.desc(), _j.id.desc()).limit(limit)).mappings()
        return [_record(r) for r in rows]

    def progress(self, job_id: str, *, now: datetime, stage: str | None = None,
                 done: int | None = None, total: int | None = None,
                 detail: dict[str, Any] | None = None) -> None:
        """What a running job got to; always a heartbeat."""
        values: dict[str, Any] = {"heartbeat_at": now}
        if stage is not None:
            values["stage"] = stage
        if done is not None:
            values["done"] = done
        if total is not None:
            values["total"] = total
        if detail is not None:
            values["detail"] = detail
        self.conn.execute(update(t.console_jobs)
                          .where(_j.id == job_id, _j.state == JobState.RUNNING).values(**values))

    def finish(self, job_id: str, state: str, *, now: datetime, done: int | None,
               total: int | None, detail: dict[str, Any]) -> None:
        values: dict[str, Any] = {"state": state, "stage": state, "detail": detail,
                                  "finished_at": now, "heartbeat_at": now,
                                  "running_key": None}
        if done is not None:
            values["done"] = done
        if total is not None:
            values["total"] = total
        self.conn.execute(update(t.console_jobs).where(_j.id == job_id).values(**values))

    def interrupt_stale(self, tenant_id: str, key: str, beat_before: datetime,
                        now: datetime) -> int:
        """Free the tenant's `key` from a job whose process stopped beating before
        `beat_before`."""
        result = self.conn.execute(
            update(t.console_jobs)
            .where(_j.running_key == running_key(tenant_id, key),
                   _j.heartbeat_at < beat_before)
            .values(state=JobState.INTERRUPTED, stage=JobState.INTERRUPTED,
                    running_key=None, finished_at=now))
        return result.rowcount or 0

    def prune(self, before: datetime) -> int:
        """Forget jobs that finished before `before`, and running ones whose process
        stopped beating before it (interrupted long ago)."""
        result = self.conn.execute(delete(t.console_jobs).where(or_(
            _j.finished_at < before,
            and_(_j.state == JobState.RUNNING, _j.heartbeat_at < before))))
        return result.rowcount or 0
