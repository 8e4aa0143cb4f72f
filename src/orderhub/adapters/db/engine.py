"""Engine construction: SQLite in WAL mode with serialised writers, or PostgreSQL (psycopg 3)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import orjson
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import Connection
from sqlalchemy.exc import OperationalError

SQLITE_BUSY_MS = 60_000  # how long a SQLite writer waits for the write lock


def _json_dumps(value: Any) -> str:
    return orjson.dumps(value, default=str).decode()


def normalise_url(url: str) -> str:
    """Accept plain postgresql:// URLs and use the psycopg 3 driver for them."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


def make_engine(url: str, *, pool_size: int = 10, echo: bool = False) -> Engine:
    url = normalise_url(url)
    if url.startswith("sqlite"):
        return _sqlite_engine(url, echo)
    return create_engine(
        url,
        pool_size=pool_size,
        max_overflow=pool_size * 2,
        pool_pre_ping=True,
        json_serializer=_json_dumps,
        json_deserializer=orjson.loads,
        echo=echo,
    )


def _sqlite_engine(url: str, echo: bool) -> Engine:
    memory = url in ("sqlite://", "sqlite:///:memory:")
    engine = create_engine(
        url,
        echo=echo,
        json_serializer=_json_dumps,
        json_deserializer=orjson.loads,
        connect_args={"check_same_thread": False, "timeout": 60},
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Take transaction control from pysqlite so we can BEGIN IMMEDIATE ourselves.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        if not memory:
            cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.execute("PRAGMA foreign_keys=ON")
        cur.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_MS}")
        cur.execute("PRAGMA cache_size=-65536")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        # Writers take the write lock up front: a reservation's read of stock and its
        # conditional update can then never interleave with another writer's.
        mode = conn.get_execution_options().get("sqlite_begin", "IMMEDIATE")
        conn.exec_driver_sql(f"BEGIN {mode}")

    return engine


def reading(engine: Engine) -> Connection:
    """A connection for reads only: on SQLite its transaction starts DEFERRED, so a read
    never queues for (or holds) the write lock that intake and the relay take."""
    return engine.connect().execution_options(sqlite_begin="DEFERRED")


class WriteLockBusy(Exception):
    """Another writer held SQLite's write lock for longer than the try allowed."""


@contextmanager
def writing(engine: Engine, *, try_ms: int | None = None) -> Iterator[Connection]:
    """A write transaction. With `try_ms` (SQLite), give up after that long behind another
    writer with WriteLockBusy instead of waiting the engine's busy timeout; the connection
    goes back to the pool with the engine's busy timeout again."""
    conn = engine.connect()
    raw: Any = conn.connection.dbapi_connection
    try:
        if try_ms is not None:
            raw.execute(f"PRAGMA busy_timeout={try_ms}")
        try:
            with conn.begin():
                yield conn
        except OperationalError as exc:
            if try_ms is not None and "locked" in str(exc):
                raise WriteLockBusy(str(exc)) from exc
            raise
    finally:
        if try_ms is not None:
            raw.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_MS}")
        conn.close()
