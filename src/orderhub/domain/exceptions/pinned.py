"""A remedy's plan as an allocation strategy: the intake pipeline reserves and allocates
exactly the picks the desk priced (no re-planning), or holds the order as a backorder when
that stock is no longer there. Pure, like every strategy."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date, datetime
from typing import Any

from orderhub.domain.allocation import AllocationOutcome, Availability
from orderhub.domain.inventory import Sku, Warehouse
from orderhub.domain.order import HoldCode, HoldReason, Order, PlannedPick
from orderhub.domain.routing.state import NetworkState


class PinnedStrategy:
    name = "exception-desk"

    def __init__(self, picks: Sequence[PlannedPick], promised: date | None = None,
                 services: Mapping[str, str] | None = None, why: str = "") -> None:
        self.picks = list(picks)
        self.promised = promised
        self.services = dict(services or {})
        self.why = why or "backordered on the exception desk: shipped when stock arrives"

    @classmethod
    def of_plan(cls, plan: Mapping[str, Any]) -> PinnedStrategy:
        picks = [PlannedPick(int(p["line_no"]), str(p["sku"]), str(p["warehouse"]),
                             int(p["quantity"])) for p in plan.get("picks", [])]
        promised = plan.get("promised")
        return cls(picks, date.fromisoformat(promised) if promised else None,
                   plan.get("services") or {})

    def prepare(self, network: NetworkState, catalog: Mapping[str, Sku]) -> None:
        return None

    def refresh(self) -> None:
        return None

    def plan(self, order: Order, warehouses: Sequence[Warehouse], available: Availability,
             now: datetime, context: Any = None) -> AllocationOutcome:
        if not self.picks:
            return AllocationOutcome(reasons=[HoldReason(HoldCode.BACKORDER, self.why)])
        need: dict[tuple[str, str], int] = {}
        for p in self.picks:
            need[(p.sku, p.warehouse)] = need.get((p.sku, p.warehouse), 0) + p.quantity
        reasons = [HoldReason(HoldCode.BACKORDER, f"SKU {sku}: {q} planned at {wh}, "
                              f"{available.get((sku, wh), 0)} available now", sku=sku)
                   for (sku, wh), q in sorted(need.items()) if available.get((sku, wh), 0) < q]
        by_line: dict[int, int] = {}
        for p in self.picks:
            by_line[p.line_no] = by_line.get(p.line_no, 0) + p.quantity
        reasons += [HoldReason(HoldCode.NO_ROUTE, f"line {ln.line_no}: the remedy's plan "
                               "no longer matches the order's lines", line_no=ln.line_no)
                    for ln in order.lines if by_line.get(ln.line_no, 0) != ln.quantity]
        if reasons:
            return AllocationOutcome(reasons=reasons)
        active = {w.code for w in warehouses if w.active}
        closed = sorted({p.warehouse for p in self.picks} - active)
        if closed:
            return AllocationOutcome(reasons=[HoldReason(
                HoldCode.NO_ROUTE, f"site(s) {', '.join(closed)} of the remedy's plan are "
                "not active")])
        return AllocationOutcome(picks=list(self.picks), promised=self.promised,
                                 services=dict(self.services))
