"""Demand history in: the hub's own orders (by ship-from warehouse or by destination
region), or an imported file (CSV or XLSX) stored as a named data set. A file's bad rows
are reported with their row and field, never a crash; nothing is stored if no row is
usable, and returns or duplicated days are kept and noted."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from orderhub.adapters.forecasting.history_file import read_file
from orderhub.domain.errors import FieldError, InvalidInput
from orderhub.domain.forecasting.series import (
    LOCATION_KINDS,
    HistoryRow,
    RowProblem,
    parse_rows,
)
from orderhub.services import audit
from orderhub.services.unit_of_work import UowFactory

HUB = "hub"


@dataclass(slots=True)
class ImportResult:
    dataset: str
    stored: int
    problems: list[RowProblem] = field(default_factory=list)

    @property
    def refused(self) -> int:
        return sum(1 for p in self.problems if p.refused)

    def as_dict(self) -> dict[str, Any]:
        return {"dataset": self.dataset, "stored": self.stored, "refused": self.refused,
                "problems": [p.as_dict() for p in self.problems]}


def import_history(uow: UowFactory, tenant_id: str, name: str, content: bytes, *,
                   dataset: str, actor: str, now: datetime) -> ImportResult:
    """Store a file's usable rows as `dataset` (replacing an earlier import of it); refused
    rows are reported. All rows refused: InvalidInput with the first problems, nothing
    stored."""
    rows, problems = read_file(name, content)
    return _store(uow, tenant_id, name, rows, problems, dataset=dataset, actor=actor, now=now)


def import_records(uow: UowFactory, tenant_id: str, records: Sequence[Mapping[str, Any]], *,
                   dataset: str, actor: str, now: datetime) -> ImportResult:
    """The same from records (POST /v1/forecasts/history: JSON rows); row 2 is the first."""
    rows, problems = parse_rows(records)
    return _store(uow, tenant_id, "api", rows, problems, dataset=dataset, actor=actor, now=now)


def _store(uow: UowFactory, tenant_id: str, name: str, rows: list[HistoryRow],
           problems: list[RowProblem], *, dataset: str, actor: str,
           now: datetime) -> ImportResult:
    if not dataset or len(dataset) > 64 or dataset == HUB:
        raise InvalidInput([FieldError("dataset", "1 to 64 characters, not 'hub'")])
    if not rows:
        shown = [p for p in problems if p.refused][:20] or [
            RowProblem(1, "file", "no data rows")]
        raise InvalidInput([FieldError(f"row {p.row}.{p.field}", p.message) for p in shown])
    with uow() as u:
        stored = u.forecasts.replace_dataset(tenant_id, dataset, rows)
        audit.note(u, tenant_id, now, actor, "forecast_change", f"forecast-history/{dataset}",
                   {"file": name, "stored": stored,
                    "refused": sum(1 for p in problems if p.refused)})
        u.commit()
    return ImportResult(dataset, stored, problems)


def load(uow: UowFactory, tenant_id: str, *, source: str, kind: str, since: date | None,
         until: date | None) -> list[HistoryRow]:
    """History rows from the hub's orders (`source` hub: `kind` warehouse or region) or an
    imported data set (every kind it holds)."""
    if kind not in LOCATION_KINDS:
        raise InvalidInput([FieldError("by", f"one of {', '.join(LOCATION_KINDS)}")])
    with uow() as u:
        if source == HUB:
            start = datetime.combine(since or date(2000, 1, 1), time(), UTC)
            end = datetime.combine((until or date(2100, 1, 1)) + timedelta(days=1), time(),
                                   UTC)
            return u.forecasts.hub_history(tenant_id, kind, start, end)
        known = {d for d, *_ in u.forecasts.datasets(tenant_id)}
        if source not in known:
            raise InvalidInput([FieldError("source", f"no imported data set '{source}'; "
                                           f"known: {', '.join(sorted(known)) or 'none'}")])
        return u.forecasts.dataset_history(tenant_id, source, since, until)
