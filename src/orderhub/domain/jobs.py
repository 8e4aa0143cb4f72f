"""A background job's record (a console bulk action, a file import, a sandbox run, a
routing wave): who started it, how far it got, and what it produced.

The record is stored, not kept in one process's memory, so that any server process can
show a job that another one runs (`orderhub serve --workers N` puts the page's polls on
whichever process the kernel picks) and a restart shows what a job got to. The process
running a job beats a heartbeat into its record; a record still "running" whose heartbeat
is older than STALE was left by a process that died, and reads as interrupted.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Final

# A heartbeat is a write: on SQLite it may wait up to the busy timeout (60 s,
# adapters/db/engine.SQLITE_BUSY_MS) for the write lock while a long intake or wave
# transaction holds it; a live job must not read as interrupted (and give its key to a
# second run) meanwhile, so STALE is that wait plus several heartbeats.
STALE: Final = timedelta(seconds=90)
HEARTBEAT_SECONDS: Final = 5.0


class JobState:
    RUNNING: Final = "running"
    DONE: Final = "done"
    FAILED: Final = "failed"
    INTERRUPTED: Final = "interrupted"  # its process stopped before it finished


@dataclass(slots=True)
class JobRecord:
    id: str
    tenant_id: str
    kind: str  # "bulk" | "import" | "sandbox" | "wave"
    actor: str  # who started it (Principal.actor)
    started_at: datetime
    key: str | None = None  # one running job per key (a rule set's sandbox, a wave)
    state: str = JobState.RUNNING
    stage: str = "queued"  # what it is doing now (a console catalogue key suffix)
    done: int = 0
    total: int | None = None
    label: dict[str, Any] = field(default_factory=dict)  # what it works on (file, action)
    detail: dict[str, Any] = field(default_factory=dict)  # its results, report or error
    heartbeat_at: datetime | None = None
    finished_at: datetime | None = None
    read_at: datetime | None = None  # when it was read (a running job's "so far")

    def settled(self, now: datetime) -> JobRecord:
        """This record as a reader should see it at `now`: a running one whose process
        stopped beating is interrupted."""
        self.read_at = now
        beat = self.heartbeat_at or self.started_at
        if self.state == JobState.RUNNING and now - beat > STALE:
            self.state = JobState.INTERRUPTED
            self.stage = JobState.INTERRUPTED
        return self

    @property
    def running(self) -> bool:
        return self.state == JobState.RUNNING

    @property
    def interrupted(self) -> bool:
        return self.state == JobState.INTERRUPTED

    @property
    def percent(self) -> int:
        if not self.total:
            return 0 if self.running else 100
        return round(100 * self.done / self.total)

    @property
    def seconds(self) -> float:
        """Seconds it ran (so far, for a running one; to its last sign of life, for an
        interrupted one)."""
        if self.interrupted:  # not when a later start noticed it (its finished_at)
            end = self.heartbeat_at or self.started_at
        elif self.finished_at is not None:
            end = self.finished_at
        elif self.running and self.read_at is not None:
            end = self.read_at
        else:
            end = self.heartbeat_at or self.started_at
        return round((end - self.started_at).total_seconds(), 1)

    @property
    def error(self) -> str:
        return str(self.detail.get("error", ""))
