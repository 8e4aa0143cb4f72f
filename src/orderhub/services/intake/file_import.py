"""Bulk import of channel orders from files: tabular (CSV/XLSX) or the channel's own JSON."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Literal

import orjson

from orderhub.adapters.channels.base import ChannelOrder, PayloadError
from orderhub.adapters.channels.registry import ADAPTERS
from orderhub.adapters.channels.tabular import RowError, parse_rows
from orderhub.domain.allocation import AllocationStrategy
from orderhub.domain.errors import NotFound
from orderhub.services.intake.receivers import decryptor_for, reveal_receivers
from orderhub.services.intake.submit import ingest_channel_orders
from orderhub.services.unit_of_work import UowFactory


@dataclass
class ImportReport:
    outcomes: Counter[str] = field(default_factory=Counter)
    held: int = 0
    held_orders: list[tuple[int, str]] = field(default_factory=list)  # (row, order id)
    errors: list[RowError] = field(default_factory=list)


def _format(name: str, fmt: str) -> str:
    if fmt != "auto":
        return fmt
    for suffix, kind in ((".xlsx", "xlsx"), (".csv", "csv"), (".jsonl", "jsonl"),
                         (".ndjson", "jsonl"), (".json", "json")):
        if name.lower().endswith(suffix):
            return kind
    raise ValueError(f"cannot tell the format of {name!r}; pass --format")


def read_orders(read_uow: UowFactory, tenant_id: str, channel: str, data: bytes, name: str,
                fmt: str = "auto", *, received_at: datetime,
                decryptors: Mapping[str, str] | None = None,
                ) -> tuple[list[tuple[int, ChannelOrder]], list[RowError]]:
    """(line number, order) pairs and the refused rows, before anything is stored; receivers
    sent encrypted are opened by the channel's provider in `decryptors` (receivers.py)."""
    kind = _format(name, fmt)
    if kind in ("csv", "xlsx"):
        tab_fmt: Literal["csv", "xlsx"] = "csv" if kind == "csv" else "xlsx"
        result = parse_rows(data, fmt=tab_fmt, received_at=received_at)
        return [(rows[0], o) for rows, o in result.orders], list(result.errors)
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
                decryptors: Mapping[str, str] | None = None) -> ImportReport:
    """Parse the file, then ingest its orders through channel intake, `batch_size` orders
    per transaction; bad rows are reported with their line numbers, not stored."""
    orders, errors = read_orders(read_uow, tenant_id, channel, data, name, fmt,
                                 received_at=clock(), decryptors=decryptors)
    report = ImportReport(errors=errors)
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
