"""The exception desk's values: what needs a decision (an exception), what could be done
about it (remedy candidates, each with its cost, its effect on the promise and the basis it
was computed from), and the proposals people approve or reject. Pure: no I/O, time comes
in as an argument."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any

import orjson

from orderhub.domain.errors import NotFound
from orderhub.domain.order import Order


class ExceptionKind(StrEnum):
    HELD = "held"  # an order on hold (its hold reasons say why)
    STALLED = "stalled"  # a step made no progress within its window
    AT_RISK = "at_risk"  # likely to miss its promise
    ANOMALY = "anomaly"  # fraud or brushing pattern at intake
    CARRIER_FAILURE = "carrier_failure"  # no carrier booked a waybill
    RESERVATION_EXPIRED = "reservation_expired"  # a pre-sale lock lapsed
    CHANNEL_UPDATE_CONFLICT = "channel_update_conflict"  # the channel changed the order
    COMPENSATION = "compensation"  # a saga that needs a person


class ExceptionState(StrEnum):
    OPEN = "open"
    RESOLVED = "resolved"


class RemedyKind(StrEnum):
    SWITCH_WAREHOUSE = "switch_warehouse"
    SPLIT_SHIPMENT = "split_shipment"
    UPGRADE_CARRIER = "upgrade_carrier"
    SHIP_AVAILABLE_BACKORDER_REST = "ship_available_backorder_rest"
    SUBSTITUTE_SKU = "substitute_sku"
    TRANSFER_STOCK = "transfer_stock"
    RECALL_AND_REROUTE = "recall_and_reroute"  # a released order, taken back and re-routed
    CONTACT_CUSTOMER = "contact_customer"
    CANCEL_AND_REFUND = "cancel_and_refund"


class Tier(StrEnum):
    L1 = "L1"  # applied automatically
    L2 = "L2"  # two different people approve; the proposer cannot
    L3 = "L3"  # only a person decides; never applied automatically


class ProposalState(StrEnum):
    PENDING = "pending"
    APPLIED = "applied"
    REJECTED = "rejected"
    EXPIRED = "expired"
    STALE = "stale"  # its basis changed before it was applied


def fingerprint(doc: dict[str, Any]) -> str:
    """A short, stable hash of a JSON document (sorted keys)."""
    return hashlib.sha256(orjson.dumps(doc, option=orjson.OPT_SORT_KEYS)).hexdigest()[:24]


def order_fingerprint(order: Order) -> str:
    """What a remedy depends on in the order: status, lines, destination, service level,
    due date and current plan (not its version: events alone bump that)."""
    a = order.shipping_address
    return fingerprint({
        "status": order.status.value,
        "lines": [[ln.line_no, ln.sku, ln.quantity] for ln in order.lines],
        "to": [a.country, a.province, a.city, a.district, a.line1, a.postal_code],
        "sla": order.service_level, "pickup": order.pickup_store,
        "requested": order.requested_delivery.isoformat() if order.requested_delivery else "",
        "promised": order.promised_delivery.isoformat() if order.promised_delivery else "",
        "plan": sorted([r.line_no, r.sku, r.warehouse, r.quantity]
                       for r in order.active_reservations()),
        "holds": sorted(r.code.value for r in order.hold_reasons),
    })


@dataclass(frozen=True, slots=True)
class Basis:
    """What a remedy was computed from: the order as it stood (version, status), the
    network revision, and the stock it counts on: (sku, site) -> (ATP seen, units needed).
    Applying it later is refused if the order moved on, the network changed, or the stock
    it needs is no longer there."""

    order_state: str  # `order_fingerprint`: what the order is, not how often it was saved
    order_status: str
    network_revision: int
    stock: dict[str, tuple[int, int]] = field(default_factory=dict)  # "SKU@SITE" -> seen, need

    def as_dict(self) -> dict[str, Any]:
        return {"order_state": self.order_state, "order_status": self.order_status,
                "network_revision": self.network_revision,
                "stock": {k: {"atp": seen, "needed": need}
                          for k, (seen, need) in sorted(self.stock.items())}}

    @classmethod
    def from_dict(cls, doc: dict[str, Any]) -> Basis:
        return cls(str(doc["order_state"]), str(doc["order_status"]),
                   int(doc.get("network_revision", 0)),
                   {k: (int(v["atp"]), int(v["needed"])) for k, v in doc["stock"].items()})

    @property
    def hash(self) -> str:
        return fingerprint(self.as_dict())

    def changes(self, order_state: str, order_status: str, network_revision: int,
                atp: dict[str, int]) -> list[str]:
        """Why this basis no longer holds (empty: it still does)."""
        why = []
        if order_status != self.order_status:
            why.append(f"the order moved on: it was {self.order_status}, it is now "
                       f"{order_status}")
        elif order_state != self.order_state:
            why.append("the order changed (its lines, address, service level or plan)")
        if network_revision != self.network_revision:
            why.append("the network changed (sites, carriers, rules or blocks)")
        for key, (seen, need) in sorted(self.stock.items()):
            now = atp.get(key, 0)
            if now < need:
                sku, _, site = key.partition("@")
                why.append(f"stock gone: {need} x {sku} needed at {site}, {now} available "
                           f"now ({seen} when proposed)")
        return why


@dataclass(frozen=True, slots=True)
class Remedy:
    """One candidate remedy, priced by the router: `cost_delta` (CNY, against the plan the
    order would have had: its current one, or the router's plan with stock where it is
    needed) and `delay_days` (its promised date against the order's due date; negative is
    earlier). `plan` is what applying it does (picks, carrier services, lines)."""

    kind: RemedyKind
    description: str
    description_zh: str
    cost_delta: Decimal
    delay_days: int
    promised: date | None
    basis: Basis
    plan: dict[str, Any] = field(default_factory=dict)
    n: int = 0  # rank, from 1 (set when ranked)
    score: Decimal = Decimal(0)
    tier: Tier = Tier.L2
    changes_order: bool = True  # False: it only records a decision (contact the customer)

    def as_dict(self) -> dict[str, Any]:
        return {"n": self.n, "kind": self.kind.value, "description": self.description,
                "description_zh": self.description_zh, "cost_delta": str(self.cost_delta),
                "currency": "CNY", "delay_days": self.delay_days, "delay_hours": 24 *
                self.delay_days, "promised": self.promised.isoformat() if self.promised
                else None, "score": str(self.score), "tier": self.tier.value,
                "basis": self.basis.as_dict(), "basis_hash": self.basis.hash,
                "plan": self.plan, "changes_order": self.changes_order}

    @classmethod
    def from_dict(cls, doc: dict[str, Any]) -> Remedy:
        return cls(RemedyKind(doc["kind"]), doc["description"], doc["description_zh"],
                   Decimal(doc["cost_delta"]), int(doc["delay_days"]),
                   date.fromisoformat(doc["promised"]) if doc.get("promised") else None,
                   Basis.from_dict(doc["basis"]), dict(doc.get("plan") or {}),
                   int(doc.get("n", 0)), Decimal(doc.get("score", "0")),
                   Tier(doc.get("tier", "L2")), bool(doc.get("changes_order", True)))


@dataclass(slots=True)
class ExceptionRecord:
    """One thing on the desk for one order: idempotent on (tenant, kind, source) while
    open. `remedies` are the current ranked candidates (`generation` counts recomputes)."""

    id: str
    tenant_id: str
    order_id: str
    kind: ExceptionKind
    source: str
    reason: str
    opened_at: datetime
    opened_by: str
    state: ExceptionState = ExceptionState.OPEN
    details: dict[str, Any] = field(default_factory=dict)
    remedies: list[Remedy] = field(default_factory=list)
    remedies_at: datetime | None = None
    generation: int = 0
    updated_at: datetime | None = None
    resolved_at: datetime | None = None
    resolved_by: str = ""
    resolution: str = ""

    @property
    def tier(self) -> Tier | None:
        """The tier of the best remedy (what a decision here needs first)."""
        return self.remedies[0].tier if self.remedies else None

    def remedy(self, n: int) -> Remedy:
        for r in self.remedies:
            if r.n == n:
                return r
        raise NotFound(f"exception {self.id} has no remedy {n}; it has "
                       f"{len(self.remedies)} (1..{len(self.remedies)})")


@dataclass(frozen=True, slots=True)
class Approval:
    approver: str
    decision: str  # approve | reject
    reason: str
    at: datetime


@dataclass(slots=True)
class Proposal:
    """A remedy someone asked to apply that needs approval (L2, L3)."""

    id: str
    tenant_id: str
    exception_id: str
    remedy: Remedy
    tier: Tier
    proposed_by: str
    proposed_at: datetime
    expires_at: datetime
    reason: str = ""
    state: ProposalState = ProposalState.PENDING
    approvals: list[Approval] = field(default_factory=list)
    decided_at: datetime | None = None
    decided_by: str = ""
    outcome: str = ""  # why it ended: rejected because ..., stale because ...

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "exception_id": self.exception_id, "remedy_n": self.remedy.n,
                "kind": self.remedy.kind.value, "tier": self.tier.value,
                "state": self.state.value, "proposed_by": self.proposed_by,
                "proposed_at": self.proposed_at.isoformat(),
                "expires_at": self.expires_at.isoformat(), "reason": self.reason,
                "approvals": [{"approver": a.approver, "decision": a.decision,
                               "reason": a.reason, "at": a.at.isoformat()}
                              for a in self.approvals],
                "decided_at": self.decided_at.isoformat() if self.decided_at else None,
                "decided_by": self.decided_by, "outcome": self.outcome}
