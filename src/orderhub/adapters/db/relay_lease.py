"""Who may relay a partition of the outbox: exactly one process at a time, and another takes
over within a moment of it dying.

PostgreSQL: a session-level advisory lock (`pg_try_advisory_lock(class, partition)`) held on
a connection of its own for as long as the relay runs. When the holder dies (kill -9
included) the server ends its session and the lock is free; a standby retrying every
`retry_seconds` gets it. SQLite (one machine by nature): an exclusive `flock` on a file next
to the database, which the kernel releases when the holding process dies. An in-memory
SQLite database lives in one process: there the lease is a process-wide lock.

Nothing here is written to the database, so a lease costs no migration and no write.
"""

from __future__ import annotations

import contextlib
import logging
import os
import threading
from pathlib import Path
from typing import IO, Protocol

from sqlalchemy import Connection, Engine, text

log = logging.getLogger(__name__)

# The advisory-lock class of relay leases. Advisory locks are per database, not per
# schema: the second key hashes the schema with the partition, so deployments (or test
# runs) in separate schemas of one database each have their own active relay.
RELAY_LEASE_CLASS = 0x0DE7_B0C6
_PARTITION_KEY = "hashtext(current_schema() || '/' || CAST(:p AS text))"


class RelayLease(Protocol):
    partition: int

    def try_acquire(self) -> bool:
        """Take the lease if nobody holds it; True when this process holds it now."""

    def still_held(self) -> bool:
        """False once the lease was lost (its connection broke): stop relaying."""

    def release(self) -> None: ...


class PostgresLease:
    def __init__(self, engine: Engine, partition: int = 0) -> None:
        self.engine = engine
        self.partition = partition
        self._conn: Connection | None = None

    def try_acquire(self) -> bool:
        if self._conn is not None:
            return self.still_held()
        conn = self.engine.connect()
        try:
            got = bool(
                conn.execute(
                    text(f"SELECT pg_try_advisory_lock(:c, {_PARTITION_KEY})"),
                    {"c": RELAY_LEASE_CLASS, "p": self.partition},
                ).scalar_one()
            )
            conn.commit()  # the lock is the session's, not the transaction's
        except Exception:
            conn.invalidate()
            conn.close()
            raise
        if not got:
            conn.close()
            return False
        self._conn = conn
        return True

    def still_held(self) -> bool:
        if self._conn is None:
            return False
        try:
            self._conn.execute(text("SELECT 1")).scalar_one()
            self._conn.commit()
            return True
        except Exception:
            log.warning("relay lease for partition %d lost with its connection", self.partition)
            self._forget()
            return False

    def _forget(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            with contextlib.suppress(Exception):  # broken already: closing only tidies up
                conn.invalidate()
                conn.close()

    def release(self) -> None:
        if self._conn is None:
            return
        with contextlib.suppress(Exception):  # closing the session releases it anyway
            self._conn.execute(
                text(f"SELECT pg_advisory_unlock(:c, {_PARTITION_KEY})"),
                {"c": RELAY_LEASE_CLASS, "p": self.partition},
            )
            self._conn.commit()
        conn, self._conn = self._conn, None
        conn.close()


class FileLease:
    """`flock` on `<database>.relay-<partition>.lock`: released by the kernel on death."""

    def __init__(self, path: Path, partition: int = 0) -> None:
        self.path = path
        self.partition = partition
        self._file: IO[bytes] | None = None

    def try_acquire(self) -> bool:
        import fcntl

        if self._file is not None:
            return True
        f = open(self.path, "ab")  # noqa: SIM115 - held open for as long as the lease
        try:
            fcntl.flock(f.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            f.close()
            return False
        self._file = f
        return True

    def still_held(self) -> bool:
        return self._file is not None

    def release(self) -> None:
        import fcntl

        f, self._file = self._file, None
        if f is not None:
            fcntl.flock(f.fileno(), fcntl.LOCK_UN)
            f.close()


_local_locks: dict[tuple[int, int], threading.Lock] = {}
_local_guard = threading.Lock()


class LocalLease:
    """One process's in-memory database: a lock shared by the relays of that process."""

    def __init__(self, key: int, partition: int = 0) -> None:
        with _local_guard:
            self._lock = _local_locks.setdefault((key, partition), threading.Lock())
        self.partition = partition
        self._held = False

    def try_acquire(self) -> bool:
        if not self._held:
            self._held = self._lock.acquire(blocking=False)
        return self._held

    def still_held(self) -> bool:
        return self._held

    def release(self) -> None:
        if self._held:
            self._held = False
            self._lock.release()


def lease_for(engine: Engine, partition: int = 0) -> RelayLease:
    """The lease that fits the engine's database."""
    if engine.dialect.name == "postgresql":
        return PostgresLease(engine, partition)
    database = engine.url.database or ""
    if database and database != ":memory:" and not database.startswith("file::memory:"):
        return FileLease(Path(f"{os.path.abspath(database)}.relay-{partition}.lock"), partition)
    return LocalLease(id(engine), partition)  # an in-memory database is its engine's
