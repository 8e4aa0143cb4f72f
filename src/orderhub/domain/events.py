"""Domain events: facts that happened, recorded by aggregates and written to the outbox.

Every event names its order (`order_id`, empty for stock-only events) and the status the
order was left in, so an order's events read in sequence are its timeline.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar


@dataclass(kw_only=True, slots=True)
class Event:
    type: ClassVar[str] = "Event"
    tenant_id: str
    occurred_at: datetime
    actor: str = "system"
    order_id: str = ""
    status: str = ""
    reason: str = ""

    def data(self) -> dict[str, Any]:
        """The event-specific payload (everything but the envelope fields)."""
        return {name: getattr(self, name) for name in self._data_fields()}

    @classmethod
    def _data_fields(cls) -> tuple[str, ...]:
        return ()


def _fields(*names: str) -> Any:
    return classmethod(lambda cls: names)


@dataclass(kw_only=True, slots=True)
class OrderCreated(Event):
    type: ClassVar[str] = "OrderCreated"
    channel: str
    external_id: str
    order_type: str
    currency: str
    grand_total: str
    line_count: int
    _data_fields = _fields(
        "channel", "external_id", "order_type", "currency", "grand_total", "line_count"
    )


@dataclass(kw_only=True, slots=True)
class OrderValidated(Event):
    type: ClassVar[str] = "OrderValidated"


@dataclass(kw_only=True, slots=True)
class OrderHeld(Event):
    type: ClassVar[str] = "OrderHeld"
    previous_status: str
    reasons: list[dict[str, Any]] = field(default_factory=list)
    _data_fields = _fields("previous_status", "reasons")


@dataclass(kw_only=True, slots=True)
class OrderReleasedFromHold(Event):
    """A held order was taken back into the pipeline; its checks run again."""

    type: ClassVar[str] = "OrderReleasedFromHold"


@dataclass(kw_only=True, slots=True)
class InventoryReserved(Event):
    type: ClassVar[str] = "InventoryReserved"
    reservations: list[dict[str, Any]] = field(default_factory=list)
    _data_fields = _fields("reservations")


@dataclass(kw_only=True, slots=True)
class InventoryReleased(Event):
    type: ClassVar[str] = "InventoryReleased"
    reservations: list[dict[str, Any]] = field(default_factory=list)
    _data_fields = _fields("reservations")


@dataclass(kw_only=True, slots=True)
class OrderAllocated(Event):
    type: ClassVar[str] = "OrderAllocated"
    strategy: str
    split: bool
    promised_delivery: str | None
    shipments: list[dict[str, Any]] = field(default_factory=list)
    _data_fields = _fields("strategy", "split", "promised_delivery", "shipments")


@dataclass(kw_only=True, slots=True)
class OrderStatusChanged(Event):
    """A status step with no event of its own (picked, packed, shipped, partially shipped)."""

    type: ClassVar[str] = "OrderStatusChanged"
    previous_status: str
    _data_fields = _fields("previous_status")


@dataclass(kw_only=True, slots=True)
class OrderReleasedToWarehouse(Event):
    type: ClassVar[str] = "OrderReleasedToWarehouse"
    previous_status: str
    warehouses: list[str] = field(default_factory=list)
    shipments: list[dict[str, str]] = field(default_factory=list)  # carrier and waybill each
    _data_fields = _fields("previous_status", "warehouses", "shipments")


@dataclass(kw_only=True, slots=True)
class ShipmentDelivered(Event):
    type: ClassVar[str] = "ShipmentDelivered"
    previous_status: str
    shipment_id: str
    warehouse: str
    _data_fields = _fields("previous_status", "shipment_id", "warehouse")


@dataclass(kw_only=True, slots=True)
class OrderInvoiced(Event):
    type: ClassVar[str] = "OrderInvoiced"
    previous_status: str
    amount: str
    currency: str
    _data_fields = _fields("previous_status", "amount", "currency")


@dataclass(kw_only=True, slots=True)
class PaymentCaptured(Event):
    type: ClassVar[str] = "PaymentCaptured"
    previous_status: str
    amount: str
    currency: str
    _data_fields = _fields("previous_status", "amount", "currency")


@dataclass(kw_only=True, slots=True)
class ShipmentDispatched(Event):
    type: ClassVar[str] = "ShipmentDispatched"
    shipment_id: str
    warehouse: str
    lines: list[dict[str, Any]] = field(default_factory=list)
    _data_fields = _fields("shipment_id", "warehouse", "lines")


@dataclass(kw_only=True, slots=True)
class OrderCancelled(Event):
    type: ClassVar[str] = "OrderCancelled"
    previous_status: str
    _data_fields = _fields("previous_status")


@dataclass(kw_only=True, slots=True)
class StockAdjusted(Event):
    """A receipt or an adjustment of on-hand stock, or a change of safety stock."""

    type: ClassVar[str] = "StockAdjusted"
    sku: str
    warehouse: str
    kind: str
    on_hand_delta: int
    safety_stock: int | None = None
    reference: str = ""
    _data_fields = _fields("sku", "warehouse", "kind", "on_hand_delta", "safety_stock", "reference")


@dataclass(kw_only=True, slots=True)
class OrderLineMapped(Event):
    """A line's channel code was mapped to a master SKU (crosswalk or operator)."""

    type: ClassVar[str] = "OrderLineMapped"
    line_no: int
    channel_sku: str
    title: str
    barcode: str
    master_sku: str
    matched_on: str
    _data_fields = _fields("line_no", "channel_sku", "title", "barcode", "master_sku", "matched_on")


@dataclass(kw_only=True, slots=True)
class OrderAddressCorrected(Event):
    type: ClassVar[str] = "OrderAddressCorrected"
    fields: list[str] = field(default_factory=list)
    _data_fields = _fields("fields")


@dataclass(kw_only=True, slots=True)
class BuyerNoteRead(Event):
    """Facts were read from the buyer's notes (domain/buyer_notes.py): which kinds, and the
    values that are not personal; the invoice title, tax id and the buyer's words stay on
    the order (encrypted), not in the event."""

    type: ClassVar[str] = "BuyerNoteRead"
    facts: list[str] = field(default_factory=list)
    baby_age_months: str = ""
    requested_delivery: str = ""
    error: str = ""
    _data_fields = _fields("facts", "baby_age_months", "requested_delivery", "error")


@dataclass(kw_only=True, slots=True)
class OrderHoldOverridden(Event):
    """An operator accepted hold reasons on purpose; `reason` says why (audited)."""

    type: ClassVar[str] = "OrderHoldOverridden"
    codes: list[str] = field(default_factory=list)
    _data_fields = _fields("codes")


@dataclass(kw_only=True, slots=True)
class OrderExceptionRaised(Event):
    """Something outside the order (a warehouse closed after release, ...) needs a person."""

    type: ClassVar[str] = "OrderExceptionRaised"


@dataclass(kw_only=True, slots=True)
class CarrierStatusChanged(Event):
    """A carrier service was marked down or up; routing stops or resumes offering it."""

    type: ClassVar[str] = "CarrierStatusChanged"
    carrier_service: str
    healthy: bool
    state: str = "up"  # up, degraded (slower by delay_days), down
    delay_days: int = 0
    previous_state: str = ""  # its state before the change ("" when not known)
    _data_fields = _fields("carrier_service", "healthy", "state", "delay_days",
                           "previous_state")


@dataclass(kw_only=True, slots=True)
class WarehouseStatusChanged(Event):
    """A site closed, reopened or had its picking capacity changed."""

    type: ClassVar[str] = "WarehouseStatusChanged"
    warehouse: str
    active: bool
    daily_capacity: int
    previous_capacity: int
    # closed, reopened, capacity_down (its queue holds less), capacity_up, or updated
    change: str = "updated"
    # open orders its picking queue may hold (daily capacity x queue days; 0: no limit)
    queue_limit: int = 0
    previous_queue_limit: int = 0
    _data_fields = _fields("warehouse", "active", "daily_capacity", "previous_capacity",
                           "change", "queue_limit", "previous_queue_limit")


@dataclass(kw_only=True, slots=True)
class SkuMappingConfirmed(Event):
    """A channel's code (SKU, barcode or title) was confirmed as a master SKU; the orders
    held for an unmapped line it covers are validated again in the same transaction."""

    type: ClassVar[str] = "SkuMappingConfirmed"
    channel: str
    key_type: str  # sku, barcode, title
    channel_key: str
    master_sku: str
    _data_fields = _fields("channel", "key_type", "channel_key", "master_sku")


@dataclass(kw_only=True, slots=True)
class RegionBlocked(Event):
    type: ClassVar[str] = "RegionBlocked"
    block_id: int
    area: str
    direction: str
    _data_fields = _fields("block_id", "area", "direction")


@dataclass(kw_only=True, slots=True)
class RegionUnblocked(Event):
    type: ClassVar[str] = "RegionUnblocked"
    block_id: int
    area: str
    direction: str
    _data_fields = _fields("block_id", "area", "direction")


@dataclass(kw_only=True, slots=True)
class RoutingRuleChanged(Event):
    type: ClassVar[str] = "RoutingRuleChanged"
    code: str
    version: int
    enabled: bool
    change: str  # created, updated, disabled, enabled
    _data_fields = _fields("code", "version", "enabled", "change")


@dataclass(kw_only=True, slots=True)
class RuleSetChanged(Event):
    """A routing rule set moved in its lifecycle (created, tested, canary, active,
    retired, rolled back)."""

    type: ClassVar[str] = "RuleSetChanged"
    rule_set: int
    version: int
    state: str
    change: str
    _data_fields = _fields("rule_set", "version", "state", "change")


@dataclass(kw_only=True, slots=True)
class RuleNotification(Event):
    """A rule with a `notify` action matched the order: someone should know."""

    type: ClassVar[str] = "RuleNotification"
    rule: str
    version: int
    message: str
    to: list[str] = field(default_factory=list)
    _data_fields = _fields("rule", "version", "message", "to")


@dataclass(kw_only=True, slots=True)
class OrderStalled(Event):
    """A step of the order showed no progress within its window (the order twin)."""

    type: ClassVar[str] = "OrderStalled"
    alert_id: str
    stage: str  # the stage the order is waiting to reach
    since: str  # when it entered the stage before (ISO)
    due_at: str  # when the window passed (ISO)
    team: str
    health: int
    _data_fields = _fields("alert_id", "stage", "since", "due_at", "team", "health")


@dataclass(kw_only=True, slots=True)
class OrderAtRisk(Event):
    """The order will probably miss its promised delivery (the order twin)."""

    type: ClassVar[str] = "OrderAtRisk"
    alert_id: str
    risk: float
    health: int
    promise_at: str | None
    slack_hours: float | None
    team: str
    reasons: list[str] = field(default_factory=list)
    _data_fields = _fields("alert_id", "risk", "health", "promise_at", "slack_hours", "team",
                           "reasons")


@dataclass(kw_only=True, slots=True)
class AlertEscalated(Event):
    """Nobody acknowledged an alert in time: it goes to the next level."""

    type: ClassVar[str] = "AlertEscalated"
    alert_id: str
    kind: str
    level: int
    team: str
    _data_fields = _fields("alert_id", "kind", "level", "team")


@dataclass(kw_only=True, slots=True)
class AlertResolved(Event):
    """An alert closed by itself: the order moved on, or is no longer at risk."""

    type: ClassVar[str] = "AlertResolved"
    alert_id: str
    kind: str
    resolution: str
    _data_fields = _fields("alert_id", "kind", "resolution")


@dataclass(kw_only=True, slots=True)
class RiskModelTrained(Event):
    """A late-delivery risk model version was trained and stored, with its held-out
    figures beside the SLA-arithmetic baseline's; `champion`: it is now the one scored."""

    type: ClassVar[str] = "RiskModelTrained"
    version: int
    champion: bool
    metrics: dict[str, Any] = field(default_factory=dict)
    _data_fields = _fields("version", "champion", "metrics")


@dataclass(kw_only=True, slots=True)
class ForecastFitted(Event):
    """A demand forecast run (a version) was fitted and stored: how many series, which
    models serve them, how many fell back to a baseline."""

    type: ClassVar[str] = "ForecastFitted"
    run_id: str
    series: int
    horizon: int
    models: dict[str, int] = field(default_factory=dict)
    fallbacks: int = 0
    _data_fields = _fields("run_id", "series", "horizon", "models", "fallbacks")


@dataclass(kw_only=True, slots=True)
class ForecastDrifted(Event):
    """A series' live forecast error left its backtest band (domain/forecasting/drift.py):
    its WAPE since the fit is above `band`, over `days` days with actuals."""

    type: ClassVar[str] = "ForecastDrifted"
    run_id: str
    sku: str
    location: str
    model: str
    live_wape: float
    band: float
    days: int
    _data_fields = _fields("run_id", "sku", "location", "model", "live_wape", "band", "days")


@dataclass(kw_only=True, slots=True)
class ShipmentCheckpointRecorded(Event):
    """A carrier checkpoint (picked up, at a hub, customs, out for delivery, failed attempt,
    delivered, returned) recorded for one of the order's shipments; `checkpoint_at` is the
    carrier's time (ISO 8601), `occurred_at` when the hub recorded it. Recorded in arrival
    order: the shipment's tracking state is its most advanced checkpoint
    (domain/tracking.py), so one that arrives late never moves it backwards."""

    type: ClassVar[str] = "ShipmentCheckpointRecorded"
    shipment_id: str
    carrier: str
    waybill: str
    checkpoint: str
    checkpoint_at: str
    location: str = ""
    description: str = ""
    _data_fields = _fields("shipment_id", "carrier", "waybill", "checkpoint", "checkpoint_at",
                           "location", "description")


# ----- the exception desk (domain/exceptions) -----------------------------------------------
@dataclass(kw_only=True, slots=True)
class ExceptionOpened(Event):
    """Something about the order needs a decision: it is on the exception desk."""

    type: ClassVar[str] = "ExceptionOpened"
    exception_id: str
    kind: str
    source: str
    remedies: int = 0  # candidates computed
    _data_fields = _fields("exception_id", "kind", "source", "remedies")


@dataclass(kw_only=True, slots=True)
class RemedyProposed(Event):
    """Someone asked for a remedy that needs approval (L2 four-eyes, L3 a person)."""

    type: ClassVar[str] = "RemedyProposed"
    exception_id: str
    proposal_id: str
    remedy: str
    tier: str
    cost_delta: str
    delay_days: int
    approvals_needed: int
    expires_at: str
    _data_fields = _fields("exception_id", "proposal_id", "remedy", "tier", "cost_delta",
                           "delay_days", "approvals_needed", "expires_at")


@dataclass(kw_only=True, slots=True)
class RemedyApproved(Event):
    type: ClassVar[str] = "RemedyApproved"
    exception_id: str
    proposal_id: str
    remedy: str
    approvals: int
    approvals_needed: int
    _data_fields = _fields("exception_id", "proposal_id", "remedy", "approvals",
                           "approvals_needed")


@dataclass(kw_only=True, slots=True)
class RemedyRejected(Event):
    type: ClassVar[str] = "RemedyRejected"
    exception_id: str
    proposal_id: str
    remedy: str
    _data_fields = _fields("exception_id", "proposal_id", "remedy")


@dataclass(kw_only=True, slots=True)
class RemedyProposalExpired(Event):
    """A proposal lapsed before it had the approvals its tier needs (the periodic
    proposal-expiry job); the exception stays open, the remedy may be proposed again."""

    type: ClassVar[str] = "RemedyProposalExpired"
    exception_id: str
    proposal_id: str
    remedy: str
    tier: str
    approvals: int
    expires_at: str
    _data_fields = _fields("exception_id", "proposal_id", "remedy", "tier", "approvals",
                           "expires_at")


@dataclass(kw_only=True, slots=True)
class RemedyApplied(Event):
    """A remedy was carried out (automatically for L1, after approval otherwise)."""

    type: ClassVar[str] = "RemedyApplied"
    exception_id: str
    proposal_id: str  # "" when applied without a proposal (L1)
    remedy: str
    tier: str
    automatic: bool
    cost_delta: str
    delay_days: int
    _data_fields = _fields("exception_id", "proposal_id", "remedy", "tier", "automatic",
                           "cost_delta", "delay_days")


@dataclass(kw_only=True, slots=True)
class ExceptionResolved(Event):
    type: ClassVar[str] = "ExceptionResolved"
    exception_id: str
    kind: str
    resolution: str
    _data_fields = _fields("exception_id", "kind", "resolution")


@dataclass(kw_only=True, slots=True)
class OrderAnomalyDetected(Event):
    """Intake's anomaly detection found the order suspect: `action` hold (also held, with
    hold code suspected_fraud or anomaly_review) or flag (it goes on); `reasons` are the
    reason codes with their evidence, in English and Chinese."""

    type: ClassVar[str] = "OrderAnomalyDetected"
    action: str  # hold | flag
    score: float
    model_version: str  # "rules" when no trained model scored
    reasons: list[dict[str, Any]] = field(default_factory=list)
    _data_fields = _fields("action", "score", "model_version", "reasons")


@dataclass(kw_only=True, slots=True)
class CompensationStarted(Event):
    """A failure after stock was reserved or a waybill booked: the compensation saga
    `saga_id` of `kind` starts, with its `steps` in order; `reason` is the cause."""

    type: ClassVar[str] = "CompensationStarted"
    saga_id: str
    kind: str
    steps: list[str] = field(default_factory=list)
    _data_fields = _fields("saga_id", "kind", "steps")


@dataclass(kw_only=True, slots=True)
class OrderCompensated(Event):
    """Every compensating step ran: the channel learns what became of the order (recalled
    and routed again, held, its waybills void)."""

    type: ClassVar[str] = "OrderCompensated"
    saga_id: str
    kind: str
    steps: list[str] = field(default_factory=list)
    voided_waybills: list[str] = field(default_factory=list)
    _data_fields = _fields("saga_id", "kind", "steps", "voided_waybills")


@dataclass(kw_only=True, slots=True)
class CompensationNeedsHuman(Event):
    """A compensating step failed its last attempt: a person decides (the exception desk
    lists the saga; `POST /v1/sagas/{id}/retry` runs it again)."""

    type: ClassVar[str] = "CompensationNeedsHuman"
    saga_id: str
    kind: str
    step: str
    attempts: int
    error: str
    _data_fields = _fields("saga_id", "kind", "step", "attempts", "error")


@dataclass(kw_only=True, slots=True)
class SettlementImported(Event):
    """A settlement file or carrier bill was imported for a scope and period
    (domain/reconciliation.py)."""

    type: ClassVar[str] = "SettlementImported"
    import_id: str
    scope: str
    source: str
    period: str
    rows: int
    skipped: int = 0
    _data_fields = _fields("import_id", "scope", "source", "period", "rows", "skipped")


@dataclass(kw_only=True, slots=True)
class ReconciliationRun(Event):
    """A scope's period was reconciled: its rows matched to orders, refunds, shipments."""

    type: ClassVar[str] = "ReconciliationRun"
    run_id: str
    scope: str
    period: str
    rows: int
    problems: int
    counts: dict[str, int] = field(default_factory=dict)
    _data_fields = _fields("run_id", "scope", "period", "rows", "problems", "counts")


@dataclass(kw_only=True, slots=True)
class ReconciliationPeriodClosed(Event):
    """A reconciled period was closed: frozen, no more imports or runs."""

    type: ClassVar[str] = "ReconciliationPeriodClosed"
    run_id: str
    scope: str
    period: str
    problems: int
    _data_fields = _fields("run_id", "scope", "period", "problems")


@dataclass(kw_only=True, slots=True)
class ChannelModeChanged(Event):
    """A channel was put into shadow mode, or promoted live (domain/cutover.py)."""

    type: ClassVar[str] = "ChannelModeChanged"
    channel: str
    mode: str  # live | shadow
    previous_mode: str
    # the cut-over figures a promotion was judged on (empty when put into shadow)
    consistency_rate: str = ""
    orders_compared: int = 0
    min_rate: str = ""
    min_orders: int = 0
    _data_fields = _fields("channel", "mode", "previous_mode", "consistency_rate",
                           "orders_compared", "min_rate", "min_orders")


@dataclass(kw_only=True, slots=True)
class ShippingDocumentsProduced(Event):
    """A released shipment's label and packing list were produced (domain/labels.py): their
    records and hashes, never their content (it holds the receiver's personal data)."""

    type: ClassVar[str] = "ShippingDocumentsProduced"
    shipment_id: str
    order: str  # the order's id (the event's subject is the shipment)
    warehouse: str
    carrier: str
    waybill: str
    documents: list[dict[str, Any]] = field(default_factory=list)
    _data_fields = _fields("shipment_id", "order", "warehouse", "carrier", "waybill",
                           "documents")


@dataclass(kw_only=True, slots=True)
class LabelLayoutSaved(Event):
    """A tenant saved a new version of a carrier's label layout."""

    type: ClassVar[str] = "LabelLayoutSaved"
    carrier: str
    version: int
    fields: list[str] = field(default_factory=list)
    _data_fields = _fields("carrier", "version", "fields")


@dataclass(kw_only=True, slots=True)
class OrderEdited(Event):
    """One edit of an order after placement (services/orders/editing.py): what changed,
    before and after (`changes`: lines and fields; personal fields by name only), the
    order's version after the edit, how it was carried out (`outcome`), and the money
    difference (new grand total minus old: positive to collect, negative to refund)."""

    type: ClassVar[str] = "OrderEdited"
    changes: dict[str, Any] = field(default_factory=dict)
    version: int = 0
    outcome: str = ""
    grand_total_before: str = "0"
    grand_total_after: str = "0"
    money_difference: str = "0"
    currency: str = ""
    _data_fields = _fields("changes", "version", "outcome", "grand_total_before",
                           "grand_total_after", "money_difference", "currency")


@dataclass(kw_only=True, slots=True)
class PreallocationPlanned(Event):
    """A pre-allocation plan (72 hours ahead by default) was computed and stored: how many
    transfers it suggests, how many are flagged (below safety stock), how many a rule
    accepted at once."""

    type: ClassVar[str] = "PreallocationPlanned"
    plan_id: str
    horizon_hours: int
    suggestions: int
    flagged: int = 0
    auto_accepted: int = 0
    _data_fields = _fields("plan_id", "horizon_hours", "suggestions", "flagged",
                           "auto_accepted")


@dataclass(kw_only=True, slots=True)
class TransferOrderCreated(Event):
    """An accepted suggestion became a transfer order; its units are reserved at the source."""

    type: ClassVar[str] = "TransferOrderCreated"
    transfer_id: str
    sku: str
    origin: str
    destination: str
    quantity: int
    plan_id: str = ""
    below_safety: bool = False
    _data_fields = _fields("transfer_id", "sku", "origin", "destination", "quantity",
                           "plan_id", "below_safety")


@dataclass(kw_only=True, slots=True)
class TransferShipped(Event):
    """A transfer left its source: on hand there fell by `quantity`, now in transit."""

    type: ClassVar[str] = "TransferShipped"
    transfer_id: str
    sku: str
    origin: str
    destination: str
    quantity: int
    _data_fields = _fields("transfer_id", "sku", "origin", "destination", "quantity")


@dataclass(kw_only=True, slots=True)
class TransferReceived(Event):
    """A transfer arrived: on hand (and ATP) at the destination rose by `quantity`."""

    type: ClassVar[str] = "TransferReceived"
    transfer_id: str
    sku: str
    origin: str
    destination: str
    quantity: int
    _data_fields = _fields("transfer_id", "sku", "origin", "destination", "quantity")


@dataclass(kw_only=True, slots=True)
class TransferCancelled(Event):
    """A transfer not yet shipped was cancelled; its reservation at the source released."""

    type: ClassVar[str] = "TransferCancelled"
    transfer_id: str
    sku: str
    origin: str
    destination: str
    quantity: int
    _data_fields = _fields("transfer_id", "sku", "origin", "destination", "quantity")
# ----- returns (RMA, domain/returns.py): on the order's timeline ---------------------------

@dataclass(kw_only=True, slots=True)
class ReturnRequested(Event):
    """A return (RMA) of some shipped units of the order was asked for."""

    type: ClassVar[str] = "ReturnRequested"
    return_id: str
    kind: str  # refund | exchange
    return_reason: str
    source: str  # api | cli | channel
    channel_ref: str = ""
    lines: list[dict[str, Any]] = field(default_factory=list)
    replacement: list[dict[str, Any]] = field(default_factory=list)
    _data_fields = _fields("return_id", "kind", "return_reason", "source", "channel_ref",
                           "lines", "replacement")


@dataclass(kw_only=True, slots=True)
class ReturnApproved(Event):
    type: ClassVar[str] = "ReturnApproved"
    return_id: str
    automatic: bool
    exchange_order_id: str = ""
    seller_pays_shipping: bool = True
    _data_fields = _fields("return_id", "automatic", "exchange_order_id",
                           "seller_pays_shipping")


@dataclass(kw_only=True, slots=True)
class ReturnRejected(Event):
    type: ClassVar[str] = "ReturnRejected"
    return_id: str
    _data_fields = _fields("return_id")


@dataclass(kw_only=True, slots=True)
class ReturnCancelled(Event):
    type: ClassVar[str] = "ReturnCancelled"
    return_id: str
    _data_fields = _fields("return_id")


@dataclass(kw_only=True, slots=True)
class ReturnWaybillBooked(Event):
    type: ClassVar[str] = "ReturnWaybillBooked"
    return_id: str
    carrier_service: str
    waybill: str
    origin: str
    destination: str
    paid_by: str  # seller | buyer
    _data_fields = _fields("return_id", "carrier_service", "waybill", "origin", "destination",
                           "paid_by")


@dataclass(kw_only=True, slots=True)
class ReturnReceived(Event):
    type: ClassVar[str] = "ReturnReceived"
    return_id: str
    warehouse: str
    restocked: int
    units: list[dict[str, Any]] = field(default_factory=list)
    _data_fields = _fields("return_id", "warehouse", "restocked", "units")


@dataclass(kw_only=True, slots=True)
class RefundRequested(Event):
    type: ClassVar[str] = "RefundRequested"
    return_id: str
    amount: str
    currency: str
    components: dict[str, Any] = field(default_factory=dict)
    _data_fields = _fields("return_id", "amount", "currency", "components")


@dataclass(kw_only=True, slots=True)
class RefundCompleted(Event):
    type: ClassVar[str] = "RefundCompleted"
    return_id: str
    amount: str
    currency: str
    reference: str
    booked_in_ledger: bool = False
    _data_fields = _fields("return_id", "amount", "currency", "reference", "booked_in_ledger")


EVENT_TYPES: dict[str, type[Event]] = {
    cls.type: cls
    for cls in (
        OrderCreated,
        OrderValidated,
        OrderHeld,
        OrderReleasedFromHold,
        InventoryReserved,
        InventoryReleased,
        StockAdjusted,
        OrderAllocated,
        OrderReleasedToWarehouse,
        OrderStatusChanged,
        ShipmentDispatched,
        ShipmentDelivered,
        OrderCancelled,
        OrderInvoiced,
        PaymentCaptured,
        OrderLineMapped,
        OrderAddressCorrected,
        BuyerNoteRead,
        OrderHoldOverridden,
        OrderExceptionRaised,
        CarrierStatusChanged,
        WarehouseStatusChanged,
        RegionBlocked,
        RegionUnblocked,
        SkuMappingConfirmed,
        RoutingRuleChanged,
        RuleSetChanged,
        RuleNotification,
        OrderStalled,
        OrderAtRisk,
        AlertEscalated,
        AlertResolved,
        RiskModelTrained,
        ForecastFitted,
        ForecastDrifted,
        ShipmentCheckpointRecorded,
        ExceptionOpened,
        RemedyProposed,
        RemedyApproved,
        RemedyRejected,
        RemedyProposalExpired,
        RemedyApplied,
        ExceptionResolved,
        OrderAnomalyDetected,
        CompensationStarted,
        OrderCompensated,
        CompensationNeedsHuman,
        ChannelModeChanged,
        ShippingDocumentsProduced,
        LabelLayoutSaved,
        SettlementImported,
        ReconciliationRun,
        ReconciliationPeriodClosed,
        OrderEdited,
        PreallocationPlanned,
        TransferOrderCreated,
        TransferShipped,
        TransferReceived,
        TransferCancelled,
        ReturnRequested,
        ReturnApproved,
        ReturnRejected,
        ReturnCancelled,
        ReturnWaybillBooked,
        ReturnReceived,
        RefundRequested,
        RefundCompleted,
    )
}


# ----- partial fulfilment money (domain/line_money.py, domain/order_ledger.py) -----------------
@dataclass(kw_only=True, slots=True)
class OrderLinesCancelled(Event):
    """Some units of some lines were cancelled before they went to a warehouse; the rest
    of the order goes on."""

    type: ClassVar[str] = "OrderLinesCancelled"
    lines: list[dict[str, Any]] = field(default_factory=list)  # {line_no, sku, quantity}
    _data_fields = _fields("lines")


@dataclass(kw_only=True, slots=True)
class OrderMoneyBooked(Event):
    """An entry of the order's money ledger: an invoice (shipped units), a payment, a
    cancellation (units never shipped: not to capture), a credit or a refund."""

    type: ClassVar[str] = "OrderMoneyBooked"
    entry_id: str
    kind: str
    amount: str
    currency: str
    lines: list[dict[str, Any]] = field(default_factory=list)  # {line_no, units, amount}
    source: str = ""
    _data_fields = _fields("entry_id", "kind", "amount", "currency", "lines", "source")


EVENT_TYPES[OrderLinesCancelled.type] = OrderLinesCancelled
EVENT_TYPES[OrderMoneyBooked.type] = OrderMoneyBooked


# ----- a channel's refund before the goods are back (docs/returns.md) ----------------------
@dataclass(kw_only=True, slots=True)
class ReturnRefundedByChannel(Event):
    """The channel refunded the buyer before the return was received: the return keeps
    the channel's reference and its refund completes with it at receipt."""

    type: ClassVar[str] = "ReturnRefundedByChannel"
    return_id: str
    reference: str
    amount: str = ""  # as the channel stated it ("" when its notice named none)
    currency: str = ""
    _data_fields = _fields("return_id", "reference", "amount", "currency")


EVENT_TYPES[ReturnRefundedByChannel.type] = ReturnRefundedByChannel


@dataclass(kw_only=True, slots=True)
class CompliancePackChanged(Event):
    """A country's compliance pack was enabled, upgraded, disabled or had one of its rules
    overridden; `rule_set` is the rule set drafted (or activated) for it."""

    type: ClassVar[str] = "CompliancePackChanged"
    country: str
    version: str
    change: str
    rule_set: int | None = None
    _data_fields = _fields("country", "version", "change", "rule_set")


EVENT_TYPES[CompliancePackChanged.type] = CompliancePackChanged


# ----- approvals and alerts in chat apps (issue 19 item 3; docs/chat.md) ----------------------
@dataclass(kw_only=True, slots=True)
class ChatChannelChanged(Event):
    """A chat channel (DingTalk, WeCom, Slack) was added, enabled or disabled: which cards
    go where. Its secrets are never in the event."""

    type: ClassVar[str] = "ChatChannelChanged"
    channel_id: str
    app: str
    name: str
    change: str  # added | enabled | disabled
    subjects: list[str] = field(default_factory=list)
    _data_fields = _fields("channel_id", "app", "name", "change", "subjects")


@dataclass(kw_only=True, slots=True)
class ChatUserMapped(Event):
    """A chat app's user was mapped to a hub user (their clicks on cards act as `login`),
    or unmapped (`login` empty)."""

    type: ClassVar[str] = "ChatUserMapped"
    app: str
    chat_user_id: str
    login: str
    change: str  # mapped | unmapped
    _data_fields = _fields("app", "chat_user_id", "login", "change")


EVENT_TYPES[ChatChannelChanged.type] = ChatChannelChanged
EVENT_TYPES[ChatUserMapped.type] = ChatUserMapped


# ----- group-buy pooling (domain/pools, docs/pools.md) ----------------------------------
@dataclass(kw_only=True, slots=True)
class OrderPooled(Event):
    """The order joined a group-buy pool: it waits (validated, no stock reserved) for the
    pool to close, then is routed with the pool's delivery to the pickup point."""

    type: ClassVar[str] = "OrderPooled"
    pool_id: str
    pickup_site: str
    distance_km: float
    closes_at: str
    position: int  # the order's place in the pool (1 = the order that opened it)
    _data_fields = _fields("pool_id", "pickup_site", "distance_km", "closes_at", "position")


@dataclass(kw_only=True, slots=True)
class PoolClosed(Event):
    """A pool closed (threshold, window or a person) and was routed as its deliveries."""

    type: ClassVar[str] = "PoolClosed"
    pool_id: str
    channel: str
    pickup_site: str
    close_reason: str
    orders: list[str] = field(default_factory=list)
    deliveries: list[dict[str, Any]] = field(default_factory=list)
    unrouted: list[str] = field(default_factory=list)
    _data_fields = _fields("pool_id", "channel", "pickup_site", "close_reason", "orders",
                           "deliveries", "unrouted")


EVENT_TYPES[OrderPooled.type] = OrderPooled
EVENT_TYPES[PoolClosed.type] = PoolClosed


# ----- 3PL bidding (domain/bidding.py) ---------------------------------------------------------
@dataclass(kw_only=True, slots=True)
class BidRequested(Event):
    """An order routing reserved was offered to the providers serving its site; bids are
    taken until `closes_at`."""

    type: ClassVar[str] = "BidRequested"
    offer_id: str
    order: str
    site: str
    providers: list[str] = field(default_factory=list)
    closes_at: str = ""
    _data_fields = _fields("offer_id", "order", "site", "providers", "closes_at")


@dataclass(kw_only=True, slots=True)
class BidAwarded(Event):
    """An offer was decided for the provider with the best score (cost against promise)."""

    type: ClassVar[str] = "BidAwarded"
    offer_id: str
    order: str
    provider: str
    price: str
    currency: str
    promised_by: str
    score: str
    bids: int = 0
    _data_fields = _fields("offer_id", "order", "provider", "price", "currency",
                           "promised_by", "score", "bids")


@dataclass(kw_only=True, slots=True)
class BidFellBack(Event):
    """An offer closed without a valid bid in time: the order keeps routing's plan."""

    type: ClassVar[str] = "BidFellBack"
    offer_id: str
    order: str
    late: list[str] = field(default_factory=list)
    malformed: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    _data_fields = _fields("offer_id", "order", "late", "malformed", "missing")


EVENT_TYPES[BidRequested.type] = BidRequested
EVENT_TYPES[BidAwarded.type] = BidAwarded
EVENT_TYPES[BidFellBack.type] = BidFellBack
