"""Channel cut-over in shadow mode (domain/cutover.py; docs/channels.md): put a channel into
shadow mode, import the legacy system's export, compare, and promote the channel live only
when the comparison meets the bar the user sets. Mode changes and imports are audited
(`channel_change`) in the transaction that makes them; mode changes are evented
(`ChannelModeChanged`). Intake's side of shadow mode is `intake/shadow.py`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from orderhub.adapters.legacy_export import read_legacy
from orderhub.domain import events as ev
from orderhub.domain.cutover import ChannelMode, CutoverReport, PromotionBar, compare
from orderhub.domain.errors import Conflict, FieldError, InvalidInput, NotFound
from orderhub.domain.inventory import Channel
from orderhub.services import audit
from orderhub.services.unit_of_work import UnitOfWork, UowFactory


class BelowBar(Conflict):
    """A promotion refused: the report does not meet the bar (the figures are kept)."""

    code = "below_bar"

    def __init__(self, message: str, report: CutoverReport, bar: PromotionBar) -> None:
        super().__init__(message)
        self.report = report
        self.bar = bar


@dataclass(frozen=True, slots=True)
class ImportSummary:
    channel: str
    rows: int
    replaced: int  # rows for orders an earlier import had listed

    def as_dict(self) -> dict[str, Any]:
        return {"channel": self.channel, "rows": self.rows, "replaced": self.replaced}


def _channel(uow: UnitOfWork, tenant_id: str, code: str) -> Channel:
    for c in uow.catalog.channels(tenant_id):
        if c.code == code:
            return c
    raise NotFound(f"channel '{code}' not found")


def channel_view(c: Channel, shadow_orders: int = 0, legacy_rows: int = 0
                 ) -> dict[str, Any]:
    """A channel as lists show it (never its secret)."""
    return {"code": c.code, "name": c.name, "kind": c.kind, "active": c.active,
            "adapter": c.adapter, "mode": c.mode, "shadow_orders": shadow_orders,
            "legacy_rows": legacy_rows}


def list_channels(read_uow: UowFactory, tenant_id: str) -> list[dict[str, Any]]:
    with read_uow() as uow:
        return [channel_view(c) for c in uow.catalog.channels(tenant_id)]


def show_channel(read_uow: UowFactory, tenant_id: str, code: str) -> dict[str, Any]:
    with read_uow() as uow:
        c = _channel(uow, tenant_id, code)
        return channel_view(c, uow.cutover.shadow_count(tenant_id, code),
                            uow.cutover.legacy_count(tenant_id, code))


def shadow_order(read_uow: UowFactory, tenant_id: str, channel: str, external_id: str
                 ) -> dict[str, Any]:
    """One shadow record, as the API answers an order taken in shadow mode."""
    with read_uow() as uow:
        found = uow.cutover.shadow_by_keys(tenant_id, channel, [external_id])
    if external_id not in found:
        raise NotFound(f"no shadow order {external_id} of channel '{channel}'")
    return found[external_id].as_dict()


def _change_mode(uow: UnitOfWork, c: Channel, mode: ChannelMode, now: datetime, actor: str,
                 reason: str, figures: Mapping[str, Any]) -> None:
    """The caller holds the tenant's network lock alone (`uow.network.bump`, taken before
    it read the channel), as a network change does: every intake in flight, which holds it
    shared, has committed in the old mode, and every later one reads the new mode. So no
    order falls between the legacy system and the hub at the switch."""
    uow.catalog.set_channel_mode(c.tenant_id, c.code, mode.value)
    audit.note(uow, c.tenant_id, now, actor, "channel_change", f"channel/{c.code}",
               {"mode": {"before": c.mode, "after": mode.value}, "reason": reason,
                **figures})
    uow.record(ev.ChannelModeChanged(
        tenant_id=c.tenant_id, occurred_at=now, actor=actor, reason=reason, channel=c.code,
        mode=mode.value, previous_mode=c.mode, **figures))


def put_in_shadow(make_uow: UowFactory, tenant_id: str, code: str, *, now: datetime,
                  actor: str, reason: str = "") -> dict[str, Any]:
    """From now on the channel's new orders are recorded in shadow, never reserved. Orders
    it sent before stay live orders (their updates still reach them)."""
    with make_uow() as uow:
        uow.network.bump(tenant_id)  # intakes in flight finish first (see _change_mode)
        c = _channel(uow, tenant_id, code)
        if c.mode == ChannelMode.SHADOW:
            raise Conflict(f"channel '{code}' is already in shadow mode")
        _change_mode(uow, c, ChannelMode.SHADOW, now, actor, reason or "put in shadow mode",
                     {})
        uow.commit()
    return {"channel": code, "mode": ChannelMode.SHADOW.value, "previous_mode": c.mode}


def import_legacy(make_uow: UowFactory, tenant_id: str, code: str, data: bytes,
                  filename: str, *, now: datetime, actor: str,
                  mapping: Mapping[str, str] | None = None,
                  default_currency: str = "") -> ImportSummary:
    """The legacy system's export of the channel's orders: read whole (a malformed file is
    refused with its rows and fields, nothing stored), then stored; an order listed by an
    earlier import is replaced by its new row."""
    rows = read_legacy(data, filename, mapping=mapping, default_currency=default_currency)
    with make_uow() as uow:
        _channel(uow, tenant_id, code)
        replaced = uow.cutover.save_legacy(tenant_id, code, rows, filename[-300:], now)
        audit.note(uow, tenant_id, now, actor, "channel_change", f"channel/{code}",
                   {"change": "legacy_export_imported", "file": filename[-300:],
                    "rows": len(rows), "replaced": replaced})
        uow.commit()
    return ImportSummary(code, len(rows), replaced)


def _check_window(start: datetime | None, end: datetime | None) -> None:
    for name, moment in (("from", start), ("to", end)):
        if moment is not None and moment.tzinfo is None:
            raise InvalidInput([FieldError(name, "needs a time zone (e.g. +08:00 or Z)")])
    if start is not None and end is not None and start >= end:
        raise InvalidInput([FieldError("to", "must be after 'from'")])


def report(read_uow: UowFactory, tenant_id: str, code: str, *, start: datetime | None = None,
           end: datetime | None = None) -> CutoverReport:
    """The hub's shadow records against the legacy export over [start, end)."""
    _check_window(start, end)
    with read_uow() as uow:
        _channel(uow, tenant_id, code)
        mine = uow.cutover.shadow_records(tenant_id, code)
        theirs = uow.cutover.legacy_rows(tenant_id, code)
    return compare(code, mine, theirs, start, end)


def promote(make_uow: UowFactory, tenant_id: str, code: str, *, min_rate: Decimal,
            min_orders: int = 1, start: datetime | None = None, end: datetime | None = None,
            now: datetime, actor: str) -> CutoverReport:
    """Switch a shadow channel live if its cut-over report over the window meets the bar;
    else BelowBar (a 409) with the figures. Shadow records stay as they are (the report
    still reads them); the channel's new orders from now on are live orders."""
    if not Decimal(0) <= min_rate <= Decimal(1):
        raise InvalidInput([FieldError("min_rate", "must be between 0 and 1")])
    if min_orders < 0:
        raise InvalidInput([FieldError("min_orders", "must not be negative")])
    _check_window(start, end)
    bar = PromotionBar(min_rate, min_orders)
    with make_uow() as uow:
        uow.network.bump(tenant_id)  # intakes in flight finish first (see _change_mode)
        c = _channel(uow, tenant_id, code)
        if c.mode != ChannelMode.SHADOW:
            raise Conflict(f"channel '{code}' is not in shadow mode; nothing to promote")
        found = compare(code, uow.cutover.shadow_records(tenant_id, code),
                        uow.cutover.legacy_rows(tenant_id, code), start, end)
        short = bar.shortfalls(found)
        if short:
            raise BelowBar(f"channel '{code}' stays in shadow: " + "; ".join(short), found, bar)
        _change_mode(uow, c, ChannelMode.LIVE, now, actor, "cut-over report met the bar", {
            "consistency_rate": str(found.rate), "orders_compared": found.compared,
            "min_rate": str(min_rate), "min_orders": min_orders})
        uow.commit()
    return found
