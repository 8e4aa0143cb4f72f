"""Channel cut-over in shadow mode: a channel's mode, what a shadow order became, the legacy
system's view of the same order, their comparison and the promotion bar. Pure: no I/O.

A channel in `shadow` mode has its orders ingested, validated and routed exactly as live
ones, but nothing is reserved or released: the outcome is kept as a `ShadowRecord` (never an
`Order`), and compared per order with the legacy system's export (`LegacyRow`):

    missing_in_hub      the legacy system has the order, the hub saw no such order
    missing_in_legacy   the hub saw the order, the legacy export does not list it
    amount              both have it, same currency, totals differ by more than 0.01
    currency            both have it in different currencies (amounts not compared)
    warehouse           both shipped it (neither held nor cancelled) from other sites
    hold                one side held it (exception), the other did not
    cancelled           one side cancelled it, the other did not

The consistency rate is the share of the orders compared (either side, in the window) that
are on both sides with no difference.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

AMOUNT_TOLERANCE = Decimal("0.01")


class ChannelMode(StrEnum):
    LIVE = "live"  # orders reserve stock and are released to warehouses
    SHADOW = "shadow"  # orders are validated and routed, never reserved: the legacy runs


class ShadowStatus(StrEnum):
    """What the live pipeline would have made of a shadow order."""

    ALLOCATED = "allocated"  # would have been reserved at `warehouses`
    ON_HOLD = "on_hold"  # would have been held (an exception) with `hold_codes`
    CANCELLED = "cancelled"  # the channel cancelled it


class DifferenceKind(StrEnum):
    MISSING_IN_HUB = "missing_in_hub"
    MISSING_IN_LEGACY = "missing_in_legacy"
    AMOUNT = "amount"
    CURRENCY = "currency"
    WAREHOUSE = "warehouse"
    HOLD = "hold"
    CANCELLED = "cancelled"


@dataclass(frozen=True, slots=True)
class ShadowRecord:
    """One order of a shadow channel as the hub would have handled it."""

    id: str
    channel: str
    external_id: str
    status: ShadowStatus
    warehouses: tuple[str, ...]
    grand_total: Decimal
    currency: str
    hold_codes: tuple[str, ...]
    received_at: datetime
    placed_at: datetime | None = None
    payload_hash: str = ""
    channel_updated_at: datetime | None = None

    @property
    def moment(self) -> datetime:
        """When the order counts for a window: placed in the channel, else received."""
        return self.placed_at or self.received_at

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "channel": self.channel, "external_id": self.external_id,
                "mode": ChannelMode.SHADOW.value, "status": self.status.value,
                "warehouses": list(self.warehouses), "grand_total": str(self.grand_total),
                "currency": self.currency, "hold_codes": list(self.hold_codes),
                "received_at": self.received_at.isoformat(),
                "placed_at": self.placed_at.isoformat() if self.placed_at else None}


@dataclass(frozen=True, slots=True)
class LegacyRow:
    """One order as the legacy system's export shows it (`line`: its row in the file)."""

    external_id: str
    status: str
    warehouses: tuple[str, ...]
    total: Decimal
    currency: str
    held: bool
    hold_reason: str = ""
    placed_at: datetime | None = None
    line: int = 0

    @property
    def cancelled(self) -> bool:
        return self.status.strip().lower() in CANCELLED_STATUSES


# Legacy statuses read as "cancelled" / "held" (English and Chinese exports).
CANCELLED_STATUSES = frozenset({"cancelled", "canceled", "closed", "void", "voided",
                                "已取消", "取消", "已关闭", "关闭", "作废"})
HELD_STATUSES = frozenset({"on_hold", "onhold", "held", "hold", "exception", "pending_review",
                           "挂起", "已挂起", "异常", "待审核", "冻结"})


@dataclass(frozen=True, slots=True)
class Difference:
    external_id: str
    kind: DifferenceKind
    hub: str  # the hub's value, as shown ("" when missing)
    legacy: str  # the legacy system's value
    line: int = 0  # the legacy file's row, when the order is in it

    def as_dict(self) -> dict[str, Any]:
        return {"external_id": self.external_id, "kind": self.kind.value, "hub": self.hub,
                "legacy": self.legacy, "line": self.line}


@dataclass(frozen=True, slots=True)
class CutoverReport:
    channel: str
    window_from: datetime | None
    window_to: datetime | None
    compared: int  # orders on either side in the window
    matched: int  # on both sides
    consistent: int  # on both sides, no difference
    differences: list[Difference] = field(default_factory=list)

    @property
    def rate(self) -> Decimal:
        """consistent / compared, 4 decimals (0 when nothing was compared)."""
        ratio = Decimal(self.consistent) / Decimal(self.compared) if self.compared else 0
        return Decimal(ratio).quantize(Decimal("0.0001"))

    def counts(self) -> dict[str, int]:
        out = {k.value: 0 for k in DifferenceKind}
        for d in self.differences:
            out[d.kind.value] += 1
        return out

    def as_dict(self) -> dict[str, Any]:
        return {"channel": self.channel,
                "from": self.window_from.isoformat() if self.window_from else None,
                "to": self.window_to.isoformat() if self.window_to else None,
                "compared": self.compared, "matched": self.matched,
                "consistent": self.consistent, "rate": str(self.rate),
                "counts": self.counts(),
                "differences": [d.as_dict() for d in self.differences]}


def _in_window(moment: datetime | None, start: datetime | None, end: datetime | None) -> bool:
    if moment is None:
        return True
    return (start is None or moment >= start) and (end is None or moment < end)


def _sites(items: Iterable[str]) -> str:
    return ",".join(sorted(items))


def compare_one(hub: ShadowRecord, legacy: LegacyRow) -> list[Difference]:
    """Every difference between the hub's and the legacy system's handling of one order."""
    out: list[Difference] = []
    key, line = hub.external_id, legacy.line

    def diff(kind: DifferenceKind, mine: str, theirs: str) -> None:
        out.append(Difference(key, kind, mine, theirs, line))

    if hub.currency != legacy.currency:
        diff(DifferenceKind.CURRENCY, hub.currency, legacy.currency)
    elif abs(hub.grand_total - legacy.total) > AMOUNT_TOLERANCE:
        diff(DifferenceKind.AMOUNT, f"{hub.grand_total} {hub.currency}",
             f"{legacy.total} {legacy.currency}")
    hub_cancelled = hub.status == ShadowStatus.CANCELLED
    if hub_cancelled != legacy.cancelled:
        diff(DifferenceKind.CANCELLED, hub.status.value, legacy.status)
        return out
    if hub_cancelled:
        return out
    hub_held = hub.status == ShadowStatus.ON_HOLD
    if hub_held != legacy.held:
        diff(DifferenceKind.HOLD,
             "held: " + ",".join(hub.hold_codes) if hub_held else "not held",
             ("held: " + legacy.hold_reason).rstrip(": ") if legacy.held else "not held")
        return out
    if not hub_held and set(hub.warehouses) != set(legacy.warehouses):
        diff(DifferenceKind.WAREHOUSE, _sites(hub.warehouses), _sites(legacy.warehouses))
    return out


def compare(channel: str, hub: Sequence[ShadowRecord], legacy: Sequence[LegacyRow],
            start: datetime | None = None, end: datetime | None = None) -> CutoverReport:
    """The hub's shadow records against the legacy rows, per external id, over the window
    [start, end). A shadow record counts by when it was placed (else received); a legacy
    row by its own order time if the export has one, else by its hub counterpart's, and an
    undated legacy row with no counterpart always counts (as missing in the hub)."""
    mine = {r.external_id: r for r in hub}
    theirs = {r.external_id: r for r in legacy}
    keys: set[str] = set()
    for r in hub:
        if _in_window(r.moment, start, end):
            keys.add(r.external_id)
    for row in legacy:
        moment = row.placed_at
        if moment is None and row.external_id in mine:
            moment = mine[row.external_id].moment
        if _in_window(moment, start, end):
            keys.add(row.external_id)
    differences: list[Difference] = []
    matched = consistent = 0
    for key in sorted(keys):
        h, lg = mine.get(key), theirs.get(key)
        if h is None:
            assert lg is not None
            differences.append(Difference(key, DifferenceKind.MISSING_IN_HUB, "",
                                          f"{lg.status} {lg.total} {lg.currency}".strip(),
                                          lg.line))
            continue
        if lg is None:
            differences.append(Difference(key, DifferenceKind.MISSING_IN_LEGACY,
                                          f"{h.status.value} {h.grand_total} {h.currency}",
                                          ""))
            continue
        matched += 1
        found = compare_one(h, lg)
        if found:
            differences.extend(found)
        else:
            consistent += 1
    return CutoverReport(channel, start, end, len(keys), matched, consistent, differences)


@dataclass(frozen=True, slots=True)
class PromotionBar:
    """What a user asks of the shadow run before the channel goes live."""

    min_rate: Decimal
    min_orders: int = 1

    def shortfalls(self, report: CutoverReport) -> list[str]:
        """Why the report does not meet the bar (empty: it does)."""
        out = []
        # The exact ratio (the four-place `rate` rounds 0.97999 up to 0.9800).
        if Decimal(report.consistent) < self.min_rate * report.compared:
            out.append(f"consistency rate {report.rate} is below {self.min_rate}")
        if report.compared < self.min_orders:
            out.append(f"{report.compared} orders compared, fewer than {self.min_orders}")
        return out
