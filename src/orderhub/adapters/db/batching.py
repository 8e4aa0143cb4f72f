"""Long key lists split for IN (...) clauses, so one query serves a batch of any size."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TypeVar

T = TypeVar("T")

IN_LIST_SIZE = 500  # keys per IN (...) list: well under SQLite's and PostgreSQL's limits


def chunks(items: Sequence[T], size: int = IN_LIST_SIZE) -> Iterable[Sequence[T]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]
