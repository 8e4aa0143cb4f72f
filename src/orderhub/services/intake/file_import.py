"""Bulk import of channel orders from files: tabular (CSV/XLSX) or the channel's own JSON.

Tabular files are read with the channel's saved column mapping (`import_mappings.py`)
overlaid with the call's own `mapping` ({file header: canonical field}); headers that no
field reads are reported as ignored, never a reason to refuse the file. `preview_file`
shows the first rows as they would be read, storing nothing."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Literal

import orjson

from orderhub.adapters.channels.base import ChannelOrder, PayloadError
from orderhub.adapters.channels.registry import ADAPTERS
from orderhub.adapters.channels.tabular import RowError, parse_rows, preview_rows
from orderhub.domain.allocation import AllocationStrategy
from orderhub.domain.errors import FieldError, InvalidInput, NotFound
from orderhub.services.intake.import_mappings import (
    check_pairs,
    reader_mapping,
    saved_mapping,
)
from orderhub.services.intake.receivers import decryptor_for, reveal_receivers
from orderhub.services.intake.submit import ingest_channel_orders
from orderhub.services.unit_of_work import UowFactory


@dataclass
class ImportReport:
    outcomes: Counter[str] = field(default_factory=Counter)
    held: int = 0
    held_orders: list[tuple[int, str]] = field(default_factory=list)  # (row, order id)
    errors: list[RowError] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)  # headers no field reads
    columns: dict[str, str] = field(default_factory=dict)  # canonical field -> header


def _format(name: str, fmt: str) -> str:
    if fmt != "auto":
        return fmt
    for suffix, kind in ((".xlsx", "xlsx"), (".csv", "csv"), (".jsonl", "jsonl"),
                         (".ndjson", "jsonl"), (".json", "json")):
        if name.lower().endswith(suffix):
            return kind
    raise ValueError(f"cannot tell the format of {name!r}; pass --format")


def _tabular_mapping(read_uow: UowFactory, tenant_id: str, channel: str,
                    mapping: Mapping[str, str] | None) -> tuple[dict[str, str], set[str]]:
    """{field: header} for the reader (the channel's saved mapping, then the call's) and
    the fields only the saved one names."""
    given = check_pairs(mapping, "map") if mapping else None
    return reader_mapping(saved_mapping(read_uow, tenant_id, channel), given)


def _tab_fmt(kind: str) -> Literal["csv", "xlsx"]:
    return "csv" if kind == "csv" else "xlsx"


def read_orders(read_uow: UowFactory, tenant_id: str, channel: str, data: bytes, name: str,
                fmt: str = "auto", *, received_at: datetime,
                decryptors: Mapping[str, str] | None = None,
                mapping: Mapping[str, str] | None = None, report: ImportReport | None = None,
                ) -> tuple[list[tuple[int, ChannelOrder]], list[RowError]]:
    """(line number, order) pairs and the refused rows, before anything is stored; receivers
    sent encrypted are opened by the channel's provider in `decryptors` (receivers.py);
    `report` (if given) gets the columns read and the headers ignored."""
    kind = _format(name, fmt)
    if kind in ("csv", "xlsx"):
        columns, optional = _tabular_mapping(read_uow, tenant_id, channel, mapping)
        result = parse_rows(data, fmt=_tab_fmt(kind), received_at=received_at,
                            mapping=columns, optional=optional)
        if report is not None:
            report.ignored, report.columns = result.ignored, result.columns
        return [(rows[0], o) for rows, o in result.orders], list(result.errors)
    if mapping:
        raise InvalidInput([FieldError("map", "column mappings apply to CSV and XLSX files")])
    with read_uow() as uow:
        found = {c.code: c for c in uow.catalog.channels(tenant_id)}.get(channel)
    if found is None:
        raise NotFound(f"channel '{channel}' not found")
    adapter = ADAPTERS.get(found.adapter)
    if adapter is None:
        raise ValueError(f"channel '{channel}' has no adapter for JSON files; set one of "
                         + ", ".join(sorted(ADAPTERS)))
    if kind == "json":
        try:
            docs = orjson.loads(data)
        except orjson.JSONDecodeError as exc:
            raise ValueError(f"{name} is not JSON: {exc}") from None
        items = [(i + 1, orjson.dumps(d)) for i, d in enumerate(
            docs if isinstance(docs, list) else [docs])]
    else:
        items = [(i + 1, line) for i, line in enumerate(data.splitlines()) if line.strip()]
    orders, errors = [], []
    for number, raw in items:
        try:
            orders.append((number, adapter.parse(raw)))
        except PayloadError as exc:
            errors.append(RowError(number, exc.field, str(exc)))
    if any(o.encrypted for _, o in orders):
        decryptor, unavailable = decryptor_for(decryptors or {}, tenant_id, channel,
                                               found.secret)
        opened = reveal_receivers([o for _, o in orders], decryptor, unavailable)
        orders = [(number, o) for (number, _), o in zip(orders, opened, strict=True)]
    return orders, errors


def import_file(make_uow: UowFactory, read_uow: UowFactory, tenant_id: str, channel: str,
                data: bytes, name: str, fmt: str = "auto", *, strategy: AllocationStrategy,
                clock: Callable[[], datetime], presale_lock: timedelta, batch_size: int = 200,
                progress: Callable[[int, int], None] | None = None,
                decryptors: Mapping[str, str] | None = None,
                mapping: Mapping[str, str] | None = None) -> ImportReport:
    """Parse the file, then ingest its orders through channel intake, `batch_size` orders
    per transaction; bad rows are reported with their line numbers, not stored."""
    report = ImportReport()
    orders, errors = read_orders(read_uow, tenant_id, channel, data, name, fmt,
                                 received_at=clock(), decryptors=decryptors, mapping=mapping,
                                 report=report)
    report.errors = errors
    for start in range(0, len(orders), batch_size):
        chunk = orders[start:start + batch_size]
        results = ingest_channel_orders(make_uow, tenant_id, channel, [o for _, o in chunk],
                                        strategy=strategy, now=clock(),
                                        actor=f"import:{name}", presale_lock=presale_lock)
        for (number, _), r in zip(chunk, results, strict=True):
            report.outcomes[r.outcome] += 1
            if r.status == "on_hold":
                report.held += 1
                if r.order_id:
                    report.held_orders.append((number, r.order_id))
            if r.outcome == "rejected":
                report.errors.append(RowError(number, "order", r.message))
        if progress:
            progress(min(start + batch_size, len(orders)), len(orders))
    report.errors.sort(key=lambda e: e.row)
    return report


def preview_file(read_uow: UowFactory, tenant_id: str, channel: str, data: bytes, name: str,
                 fmt: str = "auto", *, mapping: Mapping[str, str] | None = None,
                 limit: int = 10) -> dict[str, Any]:
    """The first `limit` rows of a CSV/XLSX file as the import would read them (the saved
    mapping and the call's), with the columns used, the headers ignored and the problems
    of those rows; nothing is stored."""
    kind = _format(name, fmt)
    if kind not in ("csv", "xlsx"):
        raise InvalidInput([FieldError("format", "a preview reads CSV and XLSX files")])
    if not 1 <= limit <= 1000:
        raise InvalidInput([FieldError("limit", "must be within 1..1000")])
    with read_uow() as uow:
        if channel not in {c.code for c in uow.catalog.channels(tenant_id)}:
            raise NotFound(f"channel '{channel}' not found")
    columns, optional = _tabular_mapping(read_uow, tenant_id, channel, mapping)
    found = preview_rows(data, fmt=_tab_fmt(kind), mapping=columns, limit=limit,
                         optional=optional)
    return {
        "file": name, "channel": channel, "order_type": found.order_type,
        "columns": found.columns, "ignored": found.ignored, "rows": found.rows,
        "total_rows": found.total_rows,
        "errors": [{"row": e.row, "field": e.field, "message": e.message}
                   for e in found.errors],
    }
