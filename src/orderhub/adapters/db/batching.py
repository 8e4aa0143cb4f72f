"""Batch helpers: long key lists split for IN (...) clauses, so one query serves a batch of
any size; and `bulk_insert`, which writes many rows of one table in one statement (SQLite:
one prepared executemany; PostgreSQL: COPY), converting each value once, by column type,
instead of through the per-row, per-parameter machinery of a compiled executemany.

The stored form is exactly what the column types (adapters/db/types.py) write: money as
exact text on SQLite, times as naive UTC text with microseconds on SQLite, JSON through
the engine's serialiser (`None` as JSON null, as SQLAlchemy's JSON type stores it)."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, TypeVar

import orjson
from sqlalchemy import JSON, Boolean, Connection, Table
from sqlalchemy.exc import DBAPIError

from orderhub.adapters.db.types import Money, UTCDateTime

T = TypeVar("T")

IN_LIST_SIZE = 500  # keys per IN (...) list: well under SQLite's and PostgreSQL's limits
COPY_MIN_ROWS = 16  # PostgreSQL: fewer rows go as one multi-row INSERT (COPY costs 2 trips)


def chunks(items: Sequence[T], size: int = IN_LIST_SIZE) -> Iterable[Sequence[T]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


Convert = Callable[[Any], Any]


def _json(value: Any) -> str:
    return orjson.dumps(value, default=str).decode()


def _utc(value: datetime) -> datetime:
    if value.tzinfo is UTC:
        return value
    if value.tzinfo is None:
        raise ValueError("naive datetime given; orderhub stores timezone-aware UTC only")
    return value.astimezone(UTC)


_TIMES: dict[datetime, str] = {}  # a batch's rows share a handful of moments


def sqlite_time(value: datetime | None) -> str | None:
    """A time as UTCDateTime stores it on SQLite (naive UTC text with microseconds)."""
    if value is None:
        return None
    text = _TIMES.get(value)
    if text is None:
        if len(_TIMES) > 4096:
            _TIMES.clear()
        text = _TIMES[value] = _utc(value).replace(tzinfo=None).isoformat(" ", "microseconds")
    return text


def _pg_time(value: datetime | None) -> datetime | None:
    return None if value is None else _utc(value)


def _sqlite_money(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _sqlite_bool(value: bool | None) -> int | None:
    return None if value is None else int(value)


def _converter(column_type: Any, sqlite: bool) -> Convert | None:
    """How one column's Python value becomes the driver's (None: as it is)."""
    if isinstance(column_type, Money):
        return _sqlite_money if sqlite else None
    if isinstance(column_type, UTCDateTime):
        return sqlite_time if sqlite else _pg_time
    if isinstance(column_type, JSON) or isinstance(getattr(column_type, "impl", None), JSON):
        return _json
    if isinstance(column_type, Boolean):
        return _sqlite_bool if sqlite else None
    return None


class _Plan:
    __slots__ = ("columns", "convert", "copy_sql", "insert_sql", "row")

    def __init__(self, table: Table, columns: tuple[str, ...], dialect: str) -> None:
        sqlite = dialect == "sqlite"
        self.columns = columns
        self.convert = [_converter(_variant(table.c[c].type, dialect), sqlite)
                        for c in columns]
        names = ", ".join(f'"{c}"' for c in columns)
        if sqlite:
            marks = ", ".join("?" for _ in columns)
        else:
            marks = ", ".join("%s::jsonb" if self.convert[i] is _json else "%s"
                              for i in range(len(columns)))
        self.insert_sql = f'INSERT INTO "{table.name}" ({names}) VALUES ({marks})'
        self.copy_sql = f'COPY "{table.name}" ({names}) FROM STDIN'
        # One generated function per table and column set: a tuple display with each
        # column's converter inlined is several times faster than a generic loop.
        env: dict[str, Any] = {f"f{i}": f for i, f in enumerate(self.convert)}
        items = ", ".join(f"r[{c!r}]" if f is None else f"f{i}(r[{c!r}])"
                          for i, (c, f) in enumerate(zip(columns, self.convert, strict=True)))
        exec(f"def row(r):\n    return ({items},)\n", env)
        self.row: Callable[[Mapping[str, Any]], tuple[Any, ...]] = env["row"]

    def tuples(self, rows: Sequence[Mapping[str, Any]]) -> list[tuple[Any, ...]]:
        return list(map(self.row, rows))


def _variant(column_type: Any, dialect: str) -> Any:
    """The type a column has on this backend (JSONDoc is JSONB on PostgreSQL)."""
    variants = getattr(column_type, "_variant_mapping", None)
    if variants and dialect in variants:
        return variants[dialect]
    return column_type


_PLANS: dict[tuple[str, tuple[str, ...], str], _Plan] = {}


def bulk_insert(conn: Connection, table: Table, rows: Sequence[Mapping[str, Any]]) -> None:
    """Insert `rows` (dicts with the same keys) into `table` in this transaction: on SQLite
    one prepared executemany, on PostgreSQL one COPY (a multi-row INSERT for a few rows).
    Defaults of columns left out are the database's (server defaults, sequences)."""
    if not rows:
        return
    dialect = conn.dialect.name
    key = (table.name, tuple(rows[0]), dialect)
    plan = _PLANS.get(key)
    if plan is None:
        plan = _PLANS[key] = _Plan(table, key[1], dialect)
    values = plan.tuples(rows)
    if dialect == "postgresql" and len(values) >= COPY_MIN_ROWS:
        dbapi_error = conn.dialect.loaded_dbapi.Error
        cursor = conn.connection.driver_connection.cursor()  # type: ignore[union-attr]
        try:
            with cursor.copy(plan.copy_sql) as copy:
                for v in values:
                    copy.write_row(v)
        except dbapi_error as exc:  # as SQLAlchemy raises it (IntegrityError, ...), so
            # callers (retry_unique_race) see the same exceptions as with execute()
            raise DBAPIError.instance(plan.copy_sql, None, exc, dbapi_error) from exc
        finally:
            cursor.close()
        return
    conn.exec_driver_sql(plan.insert_sql, values)
