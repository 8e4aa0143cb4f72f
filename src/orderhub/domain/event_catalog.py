"""The event catalogue: every event type with its JSON Schema and an example.

Served at /v1/events/catalog and rendered to docs/events.md (`orderhub events catalog`).
The `data` of every envelope carries `status` (the order's status after the event, empty
for stock events), `actor` and `reason`, plus the fields listed per type.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from orderhub.domain.events import EVENT_TYPES
from orderhub.domain.order import HoldCode
from orderhub.domain.saga import SagaKind, StepName
from orderhub.domain.tracking import CheckpointKind

SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"

_STR = {"type": "string"}
_INT = {"type": "integer"}
_AMOUNT = {"type": "string", "pattern": r"^-?\d+(\.\d+)?$", "description": "decimal amount"}
_STATUS = {"type": "string", "description": "order status after the event"}

_PICK = {
    "type": "object",
    "required": ["line_no", "sku", "quantity"],
    "properties": {"line_no": _INT, "sku": _STR, "quantity": {"type": "integer", "minimum": 1}},
}
_RESERVATION = {
    "type": "object",
    "required": ["line_no", "sku", "warehouse", "quantity", "expires_at"],
    "properties": {
        "line_no": _INT,
        "sku": _STR,
        "warehouse": _STR,
        "quantity": {"type": "integer", "minimum": 1},
        "expires_at": {"type": ["string", "null"], "format": "date-time"},
    },
}
_HOLD_REASON = {
    "type": "object",
    "required": ["code", "message"],
    "properties": {
        "details": {"type": "object"},
        "code": {"enum": [c.value for c in HoldCode]},
        "message": _STR,
        "line_no": {"type": ["integer", "null"]},
        "sku": {"type": ["string", "null"]},
    },
}


@dataclass(frozen=True)
class EventSpec:
    type: str
    description: str
    subject: str
    properties: dict[str, Any]
    example: dict[str, Any]

    def data_schema(self) -> dict[str, Any]:
        props = {"status": _STATUS, "actor": _STR, "reason": _STR, **self.properties}
        return {
            "$schema": SCHEMA_DIALECT,
            "$id": f"https://orderhub.dev/events/{self.type}.json",
            "title": f"{self.type} data",
            "type": "object",
            "required": sorted(props),
            "properties": props,
            "additionalProperties": False,
        }


def _spec(
    etype: str,
    description: str,
    properties: dict[str, Any],
    example: dict[str, Any],
    subject: str = "order id",
) -> EventSpec:
    return EventSpec(etype, description, subject, properties, example)


_PREV = {"previous_status": _STATUS}
_TRANSFER = {"transfer_id": _STR, "sku": _STR, "origin": _STR, "destination": _STR,
             "quantity": {"type": "integer", "minimum": 1}}
_TRANSFER_EXAMPLE = {"status": "", "actor": "user:ops", "reason": "",
                     "transfer_id": "tr_01JF0Z5Q8", "sku": "SKU-00001", "origin": "WH-SH",
                     "destination": "WH-CD", "quantity": 40}
_STEP = {"enum": [n.value for n in StepName]}
_SAGA_KIND = {"enum": [k.value for k in SagaKind]}

CATALOG: list[EventSpec] = [
    _spec(
        "OrderCreated",
        "An order was accepted from a channel and stored.",
        {
            "channel": _STR,
            "external_id": _STR,
            "order_type": {"enum": ["b2c", "b2b", "pre_sale"]},
            "currency": _STR,
            "grand_total": _AMOUNT,
            "line_count": {"type": "integer", "minimum": 1},
        },
        {
            "status": "created",
            "actor": "api",
            "reason": "",
            "channel": "tmall",
            "external_id": "TM-1001",
            "order_type": "b2c",
            "currency": "CNY",
            "grand_total": "109.80",
            "line_count": 1,
        },
    ),
    _spec(
        "OrderValidated",
        "The order passed its checks (catalogue, sellability).",
        {},
        {"status": "validated", "actor": "api", "reason": ""},
    ),
    _spec(
        "OrderHeld",
        "The order was put (or kept) on hold; `reasons` say why.",
        {**_PREV, "reasons": {"type": "array", "items": _HOLD_REASON, "minItems": 1}},
        {
            "status": "on_hold",
            "actor": "api",
            "reason": "SKU SKU-00042: 5 ordered, 2 available to promise across 8 active warehouses",
            "previous_status": "validated",
            "reasons": [
                {
                    "code": "backorder",
                    "line_no": 1,
                    "sku": "SKU-00042",
                    "message": "SKU SKU-00042: 5 ordered, 2 available to promise across "
                    "8 active warehouses",
                }
            ],
        },
    ),
    _spec(
        "OrderReleasedFromHold",
        "A held order was taken back into the pipeline; its "
        "checks run again and are followed by OrderValidated or OrderHeld.",
        {},
        {"status": "on_hold", "actor": "ops-lily", "reason": ""},
    ),
    _spec(
        "InventoryReserved",
        "Stock was reserved for the order's lines, per warehouse.",
        {"reservations": {"type": "array", "items": _RESERVATION, "minItems": 1}},
        {
            "status": "reserved",
            "actor": "api",
            "reason": "",
            "reservations": [
                {
                    "line_no": 1,
                    "sku": "SKU-00001",
                    "warehouse": "HZ-QT",
                    "quantity": 2,
                    "expires_at": None,
                }
            ],
        },
    ),
    _spec(
        "InventoryReleased",
        "Reserved stock went back to available (cancel or expiry).",
        {"reservations": {"type": "array", "items": _RESERVATION, "minItems": 1}},
        {
            "status": "cancelled",
            "actor": "api",
            "reason": "customer request",
            "reservations": [
                {
                    "line_no": 1,
                    "sku": "SKU-00001",
                    "warehouse": "HZ-QT",
                    "quantity": 2,
                    "expires_at": None,
                }
            ],
        },
    ),
    _spec(
        "StockAdjusted",
        "On-hand stock was received or adjusted, or safety stock set.",
        {
            "sku": _STR,
            "warehouse": _STR,
            "kind": {"enum": ["receipt", "adjustment", "safety_stock"]},
            "on_hand_delta": _INT,
            "safety_stock": {"type": ["integer", "null"]},
            "reference": _STR,
        },
        {
            "status": "",
            "actor": "wms",
            "reason": "receipt",
            "sku": "SKU-00001",
            "warehouse": "SH-JD",
            "kind": "receipt",
            "on_hand_delta": 120,
            "safety_stock": None,
            "reference": "ASN-7781",
        },
        subject="stock/<sku>/<warehouse>",
    ),
    _spec(
        "OrderAllocated",
        "The order was allocated: one shipment per warehouse.",
        {
            "strategy": _STR,
            "split": {"type": "boolean"},
            "promised_delivery": {"type": ["string", "null"], "format": "date"},
            "shipments": {
                "type": "array",
                "minItems": 1,
                "items": {
                    "type": "object",
                    "required": ["shipment_id", "warehouse", "lines"],
                    "properties": {
                        "shipment_id": _STR,
                        "warehouse": _STR,
                        "carrier_service": {"type": "string",
                                            "description": "carrier:service, '' if none"},
                        "lines": {"type": "array", "items": _PICK},
                    },
                },
            },
        },
        {
            "status": "allocated",
            "actor": "api",
            "reason": "",
            "strategy": "nearest-v1",
            "split": False,
            "promised_delivery": "2026-11-25",
            "shipments": [
                {
                    "shipment_id": "shp_0006883...",
                    "warehouse": "HZ-QT",
                    "carrier_service": "ZTO:standard",
                    "lines": [{"line_no": 1, "sku": "SKU-00001", "quantity": 2}],
                }
            ],
        },
    ),
    _spec(
        "OrderReleasedToWarehouse",
        "The order was released to its warehouse(s) to pick, each shipment with the carrier "
        "service and waybill booked for it (`reason` notes a fallback to another carrier).",
        {**_PREV, "warehouses": {"type": "array", "items": _STR},
         "shipments": {"type": "array", "items": {
             "type": "object", "required": ["shipment_id", "warehouse"],
             "properties": {"shipment_id": _STR, "warehouse": _STR, "carrier_service": _STR,
                            "waybill": _STR}}}},
        {
            "status": "released",
            "actor": "wms",
            "reason": "",
            "previous_status": "allocated",
            "warehouses": ["HZ-QT"],
            "shipments": [{"shipment_id": "shp_0006883...", "warehouse": "HZ-QT",
                           "carrier_service": "ZTO:standard", "waybill": "7304917223841"}],
        },
    ),
    _spec(
        "OrderStatusChanged",
        "A status step with no event of its own: picked, packed, shipped or partially_shipped.",
        _PREV,
        {"status": "picked", "actor": "wms", "reason": "", "previous_status": "released"},
    ),
    _spec(
        "ShipmentDispatched",
        "A shipment left its warehouse; its stock left on-hand.",
        {"shipment_id": _STR, "warehouse": _STR, "lines": {"type": "array", "items": _PICK}},
        {
            "status": "shipped",
            "actor": "wms",
            "reason": "",
            "shipment_id": "shp_0006883...",
            "warehouse": "HZ-QT",
            "lines": [{"line_no": 1, "sku": "SKU-00001", "quantity": 2}],
        },
    ),
    _spec(
        "ShipmentDelivered",
        "A shipment reached the customer.",
        {**_PREV, "shipment_id": _STR, "warehouse": _STR},
        {
            "status": "delivered",
            "actor": "carrier-sf",
            "reason": "",
            "previous_status": "shipped",
            "shipment_id": "shp_0006883...",
            "warehouse": "HZ-QT",
        },
    ),
    _spec(
        "OrderCancelled",
        "The order was cancelled; any reserved stock was released.",
        _PREV,
        {
            "status": "cancelled",
            "actor": "api",
            "reason": "customer request",
            "previous_status": "allocated",
        },
    ),
    _spec(
        "OrderInvoiced",
        "The order was invoiced.",
        {**_PREV, "amount": _AMOUNT, "currency": _STR},
        {
            "status": "invoiced",
            "actor": "erp",
            "reason": "",
            "previous_status": "delivered",
            "amount": "109.80",
            "currency": "CNY",
        },
    ),
    _spec(
        "PaymentCaptured",
        "Payment for the order was received.",
        {**_PREV, "amount": _AMOUNT, "currency": _STR},
        {
            "status": "paid",
            "actor": "erp",
            "reason": "",
            "previous_status": "invoiced",
            "amount": "109.80",
            "currency": "CNY",
        },
    ),
]

CATALOG += [
    _spec(
        "OrderLineMapped",
        "A line's channel code was mapped to a master SKU, by a confirmed "
        "crosswalk entry or an operator.",
        {
            "line_no": _INT,
            "channel_sku": _STR,
            "title": _STR,
            "barcode": _STR,
            "master_sku": _STR,
            "matched_on": {"enum": ["sku", "barcode", "title"]},
        },
        {
            "status": "on_hold",
            "actor": "ops-lily",
            "reason": "",
            "line_no": 1,
            "channel_sku": "TM-88231",
            "title": "飞鹤星飞帆 1段 700g",
            "barcode": "",
            "master_sku": "SKU-00042",
            "matched_on": "sku",
        },
    ),
    _spec(
        "OrderAddressCorrected",
        "An operator corrected the shipping address.",
        {"fields": {"type": "array", "items": _STR}},
        {
            "status": "on_hold",
            "actor": "ops-lily",
            "reason": "customer called",
            "fields": ["district", "line1"],
        },
    ),
    _spec(
        "BuyerNoteRead",
        "Facts were read from the buyer's notes when the order arrived or changed: the kinds "
        "found (baby_age_months, requested_delivery, invoice_title, invoice_tax_id), the "
        "age in months and the requested date; `error` when the note could not be read.",
        {
            "facts": {"type": "array", "items": _STR},
            "baby_age_months": _STR,
            "requested_delivery": _STR,
            "error": _STR,
        },
        {
            "status": "created",
            "actor": "channel:tmall",
            "reason": "",
            "facts": ["baby_age_months", "requested_delivery"],
            "baby_age_months": "3",
            "requested_delivery": "2026-12-24",
            "error": "",
        },
    ),
    _spec(
        "OrderHoldOverridden",
        "An operator accepted hold reasons on purpose (audited).",
        {"codes": {"type": "array", "items": _STR, "minItems": 1}},
        {
            "status": "on_hold",
            "actor": "ops-lead-wang",
            "reason": "B2B customer has a signed bulk agreement",
            "codes": ["quantity_limit"],
        },
    ),
    _spec(
        "OrderExceptionRaised",
        "The order needs a person: for example its warehouse closed after the order was "
        "released to it; `reason` says what happened.",
        {},
        {"status": "picked", "actor": "ops-lily",
         "reason": "warehouse WH-DX closed (flood) after release; recall, ship late or cancel"},
    ),
    _spec(
        "CarrierStatusChanged",
        "A carrier service was marked down, degraded (slower by `delay_days`) or up again, "
        "by an operator or by the circuit breaker; routing stops offering a service that is "
        "down and re-routes the open orders planned on it.",
        {"carrier_service": _STR, "healthy": {"type": "boolean"},
         "state": {"enum": ["up", "degraded", "down"]},
         "delay_days": {"type": "integer", "minimum": 0},
         "previous_state": {"enum": ["", "up", "degraded", "down"]}},
        {"status": "", "actor": "ops-lily", "reason": "API timeouts since 09:10",
         "carrier_service": "ZTO:standard", "healthy": False, "state": "down",
         "delay_days": 0, "previous_state": "up"},
        subject="carrier/<carrier:service>",
    ),
    _spec(
        "WarehouseStatusChanged",
        "A warehouse or store closed, reopened, or had its daily picking capacity changed; "
        "open orders it can no longer serve are re-routed in the same transaction.",
        {"warehouse": _STR, "active": {"type": "boolean"},
         "daily_capacity": {"type": "integer", "minimum": 0},
         "previous_capacity": {"type": "integer", "minimum": 0},
         "change": {"enum": ["closed", "reopened", "capacity_down", "capacity_up",
                             "updated"]},
         "queue_limit": {"type": "integer", "minimum": 0},
         "previous_queue_limit": {"type": "integer", "minimum": 0}},
        {"status": "", "actor": "ops-lily", "reason": "flooding in the yard",
         "warehouse": "WH-DX", "active": True, "daily_capacity": 5000,
         "previous_capacity": 20000, "change": "capacity_down", "queue_limit": 10000,
         "previous_queue_limit": 40000},
        subject="warehouse/<code>",
    ),
    _spec(
        "RegionBlocked",
        "A province or lane region was blocked (storm, road closure): `outbound` stops its "
        "sites shipping, `inbound` stops deliveries into it, `both` does both.",
        {"block_id": _INT, "area": _STR, "direction": {"enum": ["outbound", "inbound", "both"]}},
        {"status": "", "actor": "ops-lily", "reason": "typhoon warning", "block_id": 3,
         "area": "福建", "direction": "both"},
        subject="region/<area>",
    ),
    _spec(
        "RegionUnblocked",
        "A region block was lifted; orders held for it go back through routing.",
        {"block_id": _INT, "area": _STR, "direction": {"enum": ["outbound", "inbound", "both"]}},
        {"status": "", "actor": "ops-lily", "reason": "roads open", "block_id": 3,
         "area": "福建", "direction": "both"},
        subject="region/<area>",
    ),
    _spec(
        "SkuMappingConfirmed",
        "A channel's SKU code, barcode or title was confirmed as a master SKU (the "
        "crosswalk); orders held for an unmapped line it covers are validated again in "
        "the same transaction.",
        {"channel": _STR, "key_type": {"enum": ["sku", "barcode", "title"]},
         "channel_key": _STR, "master_sku": _STR},
        {"status": "", "actor": "ops-lily", "reason": "", "channel": "shopify",
         "key_type": "sku", "channel_key": "TSHIRT-RED-M", "master_sku": "SKU-00042"},
        subject="sku-mapping/<channel>/<key_type>",
    ),
    _spec(
        "RoutingRuleChanged",
        "A routing rule was created, changed, disabled or enabled (a new version).",
        {"code": _STR, "version": _INT, "enabled": {"type": "boolean"},
         "change": {"enum": ["created", "updated", "disabled", "enabled"]}},
        {"status": "", "actor": "ops-lily", "reason": "peak season", "code": "vip-same-day",
         "version": 2, "enabled": True, "change": "updated"},
        subject="routing-rule/<code>",
    ),
    _spec(
        "RuleSetChanged",
        "A routing rule set moved in its lifecycle: created (draft), tested (a passing "
        "sandbox run), canary (live for a slice), active (live for all), retired, or rolled "
        "back.",
        {"rule_set": _INT, "version": _INT,
         "state": {"enum": ["draft", "tested", "canary", "active", "retired"]},
         "change": {"enum": ["created", "tested", "sandbox_failed", "canary", "activated",
                             "retired", "rolled_back"]}},
        {"status": "", "actor": "ops-lily", "reason": "peak season plan", "rule_set": 7,
         "version": 3, "state": "canary", "change": "canary"},
        subject="rule-set/<version>",
    ),
    _spec(
        "RuleNotification",
        "A rule with a `notify` action matched the order while it was routed; `message` "
        "and `to` (team names) are the rule's. Subscribe a webhook to it to reach people.",
        {"rule": _STR, "version": _INT, "message": _STR,
         "to": {"type": "array", "items": _STR}},
        {"status": "allocated", "actor": "system", "reason": "", "rule": "big-b2b",
         "version": 2, "message": "large B2B order", "to": ["key-accounts"]},
    ),
    _spec(
        "OrderStalled",
        "A step of the order showed no progress within its window (the SLA policy's, 15 "
        "minutes by default for the hub's own steps): an alert for `team`, escalated if "
        "nobody acknowledges it, resolved (AlertResolved) when the order moves.",
        {"alert_id": _STR, "stage": _STR, "since": {"type": "string", "format": "date-time"},
         "due_at": {"type": "string", "format": "date-time"}, "team": _STR,
         "health": {"type": "integer", "minimum": 0, "maximum": 100}},
        {"status": "released", "actor": "twin", "reason": "picking at WH-SH 0.3 h behind",
         "alert_id": "alr_0006883a1b2c3d4e", "stage": "picked",
         "since": "2026-11-24T02:10:00+00:00", "due_at": "2026-11-24T04:10:00+00:00",
         "team": "warehouse", "health": 62},
    ),
    _spec(
        "OrderAtRisk",
        "The order's probability of missing its promised delivery passed the policy's "
        "threshold; `reasons` say what drives it.",
        {"alert_id": _STR, "risk": {"type": "number", "minimum": 0, "maximum": 1},
         "health": {"type": "integer", "minimum": 0, "maximum": 100},
         "promise_at": {"type": ["string", "null"], "format": "date-time"},
         "slack_hours": {"type": ["number", "null"]}, "team": _STR,
         "reasons": {"type": "array", "items": _STR}},
        {"status": "packed", "actor": "twin", "reason": "projected 6.0 h after the promise",
         "alert_id": "alr_0006883a1b2c3d4f", "risk": 0.73, "health": 41,
         "promise_at": "2026-11-27T16:00:00+00:00", "slack_hours": -6.0, "team": "logistics",
         "reasons": ["projected 6.0 h after the promised delivery"]},
    ),
    _spec(
        "AlertEscalated",
        "Nobody acknowledged an alert within the policy's `escalate_after`: it goes to the "
        "next level (`team`).",
        {"alert_id": _STR, "kind": {"enum": ["stalled", "at_risk"]}, "level": _INT,
         "team": _STR},
        {"status": "released", "actor": "twin", "reason": "not acknowledged in 30m",
         "alert_id": "alr_0006883a1b2c3d4e", "kind": "stalled", "level": 1,
         "team": "ops-lead"},
    ),
    _spec(
        "AlertResolved",
        "An alert closed: the order moved on, finished, or is no longer at risk.",
        {"alert_id": _STR, "kind": {"enum": ["stalled", "at_risk"]}, "resolution": _STR},
        {"status": "picked", "actor": "twin", "reason": "", "alert_id": "alr_0006883a1b2c3d4e",
         "kind": "stalled", "resolution": "the order reached picked"},
    ),
    _spec(
        "RiskModelTrained",
        "A late-delivery risk model version was trained and stored; `metrics` holds its "
        "AUC and Brier score on held-out days beside the SLA-arithmetic baseline's. "
        "`champion`: it beat the baseline and is now the model orders are scored with.",
        {"version": _INT, "champion": {"type": "boolean"},
         "metrics": {"type": "object", "description": "model and baseline: auc, brier, "
                     "n, positives (held-out days)"}},
        {"status": "", "actor": "ops-lily", "reason": "", "version": 3, "champion": True,
         "metrics": {"model": {"auc": 0.83, "brier": 0.066, "n": 22154, "positives": 2356},
                     "baseline": {"auc": 0.77, "brier": 0.075, "n": 22154,
                                  "positives": 2356}}},
        subject="risk-model/<version>",
    ),
    _spec(
        "ForecastFitted",
        "A demand forecast run (a version) was fitted and stored: `series` forecast per SKU "
        "× location, `models` how many each model serves, `fallbacks` how many fell back to "
        "a baseline that no model beat in backtest (docs/forecasting.md).",
        {"run_id": _STR, "series": _INT, "horizon": _INT,
         "models": {"type": "object", "additionalProperties": _INT}, "fallbacks": _INT},
        {"status": "", "actor": "ops-lily", "reason": "", "run_id": "fc_01JF0Z5Q8",
         "series": 120, "horizon": 28, "models": {"auto_ets": 70, "croston_optimized": 30,
                                                  "seasonal_naive": 20}, "fallbacks": 20},
        subject="forecast-run/<run_id>",
    ),
    _spec(
        "ForecastDrifted",
        "A series' live forecast error left its backtest band: its WAPE over the `days` "
        "days since the fit that have actuals is above `band` (the worst backtest window's "
        "WAPE with a tolerance). Refit, or look at what changed.",
        {"run_id": _STR, "sku": _STR, "location": _STR, "model": _STR,
         "live_wape": {"type": "number"}, "band": {"type": "number"}, "days": _INT},
        {"status": "", "actor": "system", "reason": "", "run_id": "fc_01JF0Z5Q8",
         "sku": "SKU-0001", "location": "warehouse:WH-SH", "model": "auto_ets",
         "live_wape": 0.92, "band": 0.55, "days": 14},
        subject="forecast-run/<run_id>",
    ),
    _spec(
        "ShipmentCheckpointRecorded",
        "A carrier tracking checkpoint was recorded for one of the order's shipments "
        "(pushed to POST /v1/carriers/{code}/tracking, or matched later when its waybill "
        "was booked). `checkpoint_at` is the carrier's time; checkpoints are recorded as "
        "they arrive, and the shipment's tracking state is its most advanced one by rank "
        "(a late one never moves it backwards). A `delivered` checkpoint for a dispatched "
        "shipment is followed by ShipmentDelivered.",
        {"shipment_id": _STR, "carrier": _STR, "waybill": _STR,
         "checkpoint": {"enum": [k.value for k in CheckpointKind]},
         "checkpoint_at": {"type": "string", "format": "date-time"},
         "location": _STR, "description": _STR},
        {"status": "shipped", "actor": "carrier:ZTO", "reason": "",
         "shipment_id": "shp_0006883...", "carrier": "ZTO", "waybill": "7304917223841",
         "checkpoint": "arrived_at_hub", "checkpoint_at": "2026-11-25T03:12:00+00:00",
         "location": "杭州转运中心", "description": "快件已到达杭州转运中心"},
    ),
    _spec(
        "ExceptionOpened",
        "The order is on the exception desk (`kind`: held, stalled, at_risk, anomaly, "
        "carrier_failure, reservation_expired, channel_update_conflict, compensation), with "
        "`remedies` candidates priced by the router; idempotent per (kind, source).",
        {"exception_id": _STR, "kind": _STR, "source": _STR, "remedies": _INT},
        {"status": "on_hold", "actor": "system", "reason": "SKU A: 3 ordered, 0 available",
         "exception_id": "exc_0006883a1b2c3d4e", "kind": "held",
         "source": "hold:ord_000688324f7e4400", "remedies": 4},
    ),
    _spec(
        "RemedyProposed",
        "Someone asked for a remedy that needs approval: L2 (two people other than the "
        "proposer) or L3 (a person only); it expires at `expires_at`.",
        {"exception_id": _STR, "proposal_id": _STR, "remedy": _STR,
         "tier": {"enum": ["L1", "L2", "L3"]}, "cost_delta": _AMOUNT, "delay_days": _INT,
         "approvals_needed": _INT, "expires_at": {"type": "string", "format": "date-time"}},
        {"status": "on_hold", "actor": "key:ops-lily", "reason": "customer agreed",
         "exception_id": "exc_0006883a1b2c3d4e", "proposal_id": "prp_0006883a1b2c3d4f",
         "remedy": "cancel_and_refund", "tier": "L2", "cost_delta": "129.00",
         "delay_days": 0, "approvals_needed": 2, "expires_at": "2026-11-25T02:00:00+00:00"},
    ),
    _spec(
        "RemedyApproved",
        "One approval of a proposed remedy (never by its proposer, once per person).",
        {"exception_id": _STR, "proposal_id": _STR, "remedy": _STR, "approvals": _INT,
         "approvals_needed": _INT},
        {"status": "on_hold", "actor": "user:wang", "reason": "ok",
         "exception_id": "exc_0006883a1b2c3d4e", "proposal_id": "prp_0006883a1b2c3d4f",
         "remedy": "cancel_and_refund", "approvals": 1, "approvals_needed": 2},
    ),
    _spec(
        "RemedyRejected",
        "A proposed remedy was rejected (`reason` says why); the exception stays open.",
        {"exception_id": _STR, "proposal_id": _STR, "remedy": _STR},
        {"status": "on_hold", "actor": "user:wang", "reason": "customer wants to wait",
         "exception_id": "exc_0006883a1b2c3d4e", "proposal_id": "prp_0006883a1b2c3d4f",
         "remedy": "cancel_and_refund"},
    ),
    _spec(
        "RemedyProposalExpired",
        "A proposed remedy lapsed before it had the approvals its tier needs (marked by "
        "the periodic `proposal-expiry` job); the exception stays open and the remedy may "
        "be proposed again. `approvals` is how many it had.",
        {"exception_id": _STR, "proposal_id": _STR, "remedy": _STR,
         "tier": {"enum": ["L1", "L2", "L3"]}, "approvals": _INT, "expires_at": _STR},
        {"status": "on_hold", "actor": "system", "reason": "expired before enough approvals",
         "exception_id": "exc_0006883a1b2c3d4e", "proposal_id": "prp_0006883a1b2c3d4f",
         "remedy": "switch_warehouse", "tier": "L2", "approvals": 1,
         "expires_at": "2026-03-02T09:00:00+00:00"},
    ),
    _spec(
        "RemedyApplied",
        "A remedy was carried out through the order's own services (re-route, reserve, "
        "cancel, ...): automatically for L1, after its approvals otherwise.",
        {"exception_id": _STR, "proposal_id": _STR, "remedy": _STR,
         "tier": {"enum": ["L1", "L2", "L3"]}, "automatic": {"type": "boolean"},
         "cost_delta": _AMOUNT, "delay_days": _INT},
        {"status": "allocated", "actor": "system", "reason": "L1: within policy",
         "exception_id": "exc_0006883a1b2c3d4e", "proposal_id": "",
         "remedy": "switch_warehouse", "tier": "L1", "automatic": True,
         "cost_delta": "3.50", "delay_days": 0},
    ),
    _spec(
        "ExceptionResolved",
        "The exception left the desk: a remedy fixed it, or its cause went away "
        "(`resolution` says which).",
        {"exception_id": _STR, "kind": _STR, "resolution": _STR},
        {"status": "allocated", "actor": "system", "reason": "",
         "exception_id": "exc_0006883a1b2c3d4e", "kind": "held",
         "resolution": "remedy switch_warehouse applied"},
    ),
    _spec(
        "OrderAnomalyDetected",
        "Anomaly detection at intake found the order suspect (brushing, fraud, a price "
        "conflict between channels, an unusual quantity). `action` is `hold` (the order is "
        "also held, OrderHeld with code suspected_fraud or anomaly_review, for a person to "
        "decide) or `flag` (the order goes on; someone should look). `score` is the model's "
        "probability (or the rules' score when `model_version` is `rules`); each reason has "
        "its code, messages in English and Chinese and its evidence (counts, window).",
        {"action": {"enum": ["hold", "flag"]},
         "score": {"type": "number", "minimum": 0, "maximum": 1},
         "model_version": _STR,
         "reasons": {"type": "array", "minItems": 1, "items": {
             "type": "object", "required": ["code", "message", "message_zh", "evidence"],
             "properties": {
                 "code": {"enum": ["shared_address_accounts", "address_velocity",
                                   "phone_velocity", "new_account_high_value",
                                   "geo_mismatch", "cross_channel_duplicate",
                                   "channel_price_conflict", "unusual_quantity",
                                   "model_outlier"]},
                 "message": _STR, "message_zh": _STR, "evidence": {"type": "object"}}}}},
        {"status": "on_hold", "actor": "api",
         "reason": "5 other accounts shipped to this address in the last 24 h (6 orders)",
         "action": "hold", "score": 0.97, "model_version": "v0001",
         "reasons": [{"code": "shared_address_accounts",
                      "message": "5 other accounts shipped to this address in the last "
                                 "24 h (6 orders)",
                      "message_zh": "过去24小时内另有5个账号向此地址下单（共6单）",
                      "evidence": {"accounts": 5, "orders": 6, "window_hours": 24.0}}]},
    ),
    _spec(
        "CompensationStarted",
        "A step failed after stock was reserved or a waybill booked (the warehouse refused "
        "a released order: `release_rejected`; a shipment found no carrier after others "
        "were booked: `booking_failed`; an order with booked waybills was cancelled, by "
        "the channel or a person: `cancelled_after_release`; capturing the payment "
        "failed: `payment_failed`; the exception desk recalled a released order and "
        "planned it elsewhere: `recalled`): the compensation saga `saga_id` starts and runs "
        "`steps` in order, each once, resuming after a crash. `reason` is the cause.",
        {"saga_id": _STR, "kind": _SAGA_KIND,
         "steps": {"type": "array", "items": _STEP}},
        {"status": "released", "actor": "wms-sh", "reason": "warehouse SH: rack damaged",
         "saga_id": "sga_0006883a1b2c3d4e", "kind": "release_rejected",
         "steps": ["recall", "void_waybills", "reroute", "notify"]},
    ),
    _spec(
        "OrderCompensated",
        "Every compensating step of saga `saga_id` ran: tells the channel what became of "
        "the order (`status`: routed again to another site, or on hold with the reason) and "
        "which waybills were voided with their carriers.",
        {"saga_id": _STR, "kind": _SAGA_KIND,
         "steps": {"type": "array", "items": _STEP},
         "voided_waybills": {"type": "array", "items": _STR}},
        {"status": "allocated", "actor": "wms-sh", "reason": "warehouse SH: rack damaged",
         "saga_id": "sga_0006883a1b2c3d4e", "kind": "release_rejected",
         "steps": ["recall", "void_waybills", "reroute", "notify"],
         "voided_waybills": ["7304917223841"]},
    ),
    _spec(
        "CompensationNeedsHuman",
        "A compensating step failed its last attempt (5, with backoff): the saga waits for "
        "a person (the exception desk lists it; `POST /v1/sagas/{id}/retry` runs it again).",
        {"saga_id": _STR, "kind": _SAGA_KIND,
         "step": _STEP, "attempts": {"type": "integer", "minimum": 1}, "error": _STR},
        {"status": "on_hold", "actor": "saga-resume", "reason": "carrier ZTO: HTTP 503",
         "saga_id": "sga_0006883a1b2c3d4e", "kind": "release_rejected",
         "step": "void_waybills", "attempts": 5, "error": "ZTO:standard: HTTP 503"},
    ),
    _spec(
        "ChannelModeChanged",
        "A channel was put into shadow mode, or promoted live after its cut-over report met "
        "the bar the user set (docs/channels.md, \"Cut-over in shadow mode\"). While a "
        "channel is in shadow its orders emit no order events at all: they are validated "
        "and routed, kept as shadow records (never orders), reserve nothing and never reach "
        "warehouses, webhooks, consumers or the twin; this event and the audit log are the "
        "trace. Shadow records stay as they are when the channel is promoted (for the "
        "report); the channel's later orders are live orders.",
        {"channel": _STR, "mode": {"enum": ["live", "shadow"]},
         "previous_mode": {"enum": ["live", "shadow"]},
         "consistency_rate": {"type": "string", "description": "decimal 0..1; empty when "
                              "put into shadow"},
         "orders_compared": {"type": "integer", "minimum": 0},
         "min_rate": {"type": "string", "description": "the bar a promotion met; empty "
                      "when put into shadow"},
         "min_orders": {"type": "integer", "minimum": 0}},
        {"status": "", "actor": "user:admin", "reason": "cut-over report met the bar",
         "channel": "jd-pop", "mode": "live", "previous_mode": "shadow",
         "consistency_rate": "0.9912", "orders_compared": 1364, "min_rate": "0.98",
         "min_orders": 500},
        subject="channel/<code>",
    ),
    _spec(
        "ShippingDocumentsProduced",
        "A released shipment's documents were produced after the release committed (the "
        "`labels` consumer; docs/labels.md): the carrier label as PDF and ZPL and the "
        "packing list, each with its layout version and the SHA-256 of its bytes. The "
        "bytes are not stored (they hold the receiver's name, phone and address): a "
        "reprint renders them again from the order.",
        {"shipment_id": _STR, "order": _STR, "warehouse": _STR, "carrier": _STR,
         "waybill": _STR,
         "documents": {"type": "array", "items": {
             "type": "object", "required": ["kind", "format", "layout_version", "sha256"],
             "properties": {"kind": {"enum": ["label", "packing_list"]},
                            "format": {"enum": ["pdf", "zpl"]}, "layout_version": _STR,
                            "sha256": _STR, "pages": _INT}}}},
        {"status": "released", "actor": "labels", "reason": "",
         "shipment_id": "shp_0006883a1b2c3d4e", "order": "ord_000688324f7e4400",
         "warehouse": "HZ-QT", "carrier": "ZTO", "waybill": "7304917223841",
         "documents": [{"kind": "label", "format": "pdf", "layout_version": "builtin-1",
                        "sha256": "9f2c...", "pages": 1}]},
        subject="shipment/<shipment_id>",
    ),
    _spec(
        "LabelLayoutSaved",
        "A tenant saved a new version of carrier `carrier`'s label layout (`default`: the "
        "layout of carriers without one); labels produced from now on use it.",
        {"carrier": _STR, "version": {"type": "integer", "minimum": 1},
         "fields": {"type": "array", "items": _STR}},
        {"status": "", "actor": "user:admin", "reason": "", "carrier": "SF", "version": 2,
         "fields": ["waybill", "receiver_name", "receiver_address"]},
        subject="label-layout/<carrier>",
    ),
    _spec(
        "SettlementImported",
        "A channel's settlement file (Tmall/Taobao Alipay statement, JD 结算单, 抖店 结算账单, "
        "Shopify payouts) or a carrier's freight bill was imported for a scope (a channel, "
        "or `carrier:<name>`) and a month; `rows` settlement rows stored, `skipped` rows "
        "with no order by their nature (withdrawals, payouts). docs/reconciliation.md.",
        {"import_id": _STR, "scope": _STR, "source": _STR,
         "period": {"type": "string", "pattern": r"^\d{4}-\d{2}$"}, "rows": _INT,
         "skipped": _INT},
        {"status": "", "actor": "user:fin-wang", "reason": "", "import_id": "stl_01JF0Z5Q8",
         "scope": "tmall", "source": "tmall", "period": "2026-11", "rows": 18234,
         "skipped": 3},
        subject="reconciliation/<scope>/<period>",
    ),
    _spec(
        "ReconciliationRun",
        "A scope's month was reconciled: every settlement row matched to an order, refund "
        "or shipment, or flagged with a reason code; `counts` the findings per code "
        "(matched, amount_mismatch, refund_mismatch, fee_mismatch, currency_mismatch, "
        "unmatched_row, unsettled_order, duplicate, freight_allocated, unmatched_waybill), "
        "`problems` those that are not matches.",
        {"run_id": _STR, "scope": _STR,
         "period": {"type": "string", "pattern": r"^\d{4}-\d{2}$"}, "rows": _INT,
         "problems": _INT, "counts": {"type": "object", "additionalProperties": _INT}},
        {"status": "", "actor": "user:fin-wang", "reason": "", "run_id": "rcn_01JF0Z5Q8",
         "scope": "tmall", "period": "2026-11", "rows": 18234, "problems": 12,
         "counts": {"matched": 6070, "amount_mismatch": 4, "unmatched_row": 2,
                    "unsettled_order": 3, "duplicate": 3}},
        subject="reconciliation/<scope>/<period>",
    ),
    _spec(
        "ReconciliationPeriodClosed",
        "A reconciled month of a scope was closed on its latest run: it is frozen, later "
        "imports and runs for it are refused.",
        {"run_id": _STR, "scope": _STR,
         "period": {"type": "string", "pattern": r"^\d{4}-\d{2}$"}, "problems": _INT},
        {"status": "", "actor": "user:fin-wang", "reason": "", "run_id": "rcn_01JF0Z5Q8",
         "scope": "tmall", "period": "2026-11", "problems": 12},
        subject="reconciliation/<scope>/<period>",
    ),
    _spec(
        "OrderEdited",
        "The order was edited after placement (API PATCH /v1/orders/{id}, `orderhub order "
        "edit`, a channel's update, an operator's address fix): one event per edit, with the "
        "lines and fields before and after (personal address and customer fields by name "
        "only), the order's version after the edit, how it was carried out (`outcome`: "
        "in_place, rerouted, replaced, held, recheck) and the money difference (new grand "
        "total minus old; positive: to collect, negative: to refund).",
        {"changes": {"type": "object", "properties": {
            "lines": {"type": "array", "items": {"type": "object"}},
            "fields": {"type": "object"}}},
         "version": _INT, "outcome": _STR, "grand_total_before": _AMOUNT,
         "grand_total_after": _AMOUNT, "money_difference": _AMOUNT, "currency": _STR},
        {"status": "allocated", "actor": "user:ops-lily", "reason": "customer wants two more",
         "changes": {"lines": [{"line_no": 1, "sku": "SKU-00042",
                                "before": {"quantity": 1, "unit_price": "259.00",
                                           "total": "259.00"},
                                "after": {"quantity": 3, "unit_price": "259.00",
                                          "total": "777.00"}}],
                     "fields": {}},
         "version": 4, "outcome": "in_place", "grand_total_before": "259.00",
         "grand_total_after": "777.00", "money_difference": "518.00", "currency": "CNY"},
    ),
    _spec(
        "PreallocationPlanned",
        "A pre-allocation plan was computed from the latest forecasts and stored "
        "(docs/preallocation.md): `suggestions` transfers suggested, `flagged` of them would "
        "leave their source below safety stock (never accepted automatically), "
        "`auto_accepted` accepted at once by the tenant's rule.",
        {"plan_id": _STR, "horizon_hours": _INT, "suggestions": _INT, "flagged": _INT,
         "auto_accepted": _INT},
        {"status": "", "actor": "user:ops", "reason": "", "plan_id": "pa_01JF0Z5Q8",
         "horizon_hours": 72, "suggestions": 37, "flagged": 2, "auto_accepted": 12},
        subject="preallocation-plan/<plan_id>",
    ),
    _spec(
        "TransferOrderCreated",
        "An accepted suggestion (or a person) created a transfer order; its units are "
        "reserved at the source so no order takes them. `below_safety`: a person accepted "
        "it although it leaves the source below safety stock.",
        {"transfer_id": _STR, "sku": _STR, "origin": _STR, "destination": _STR,
         "quantity": {"type": "integer", "minimum": 1}, "plan_id": _STR,
         "below_safety": {"type": "boolean"}},
        {"status": "", "actor": "user:ops", "reason": "", "transfer_id": "tr_01JF0Z5Q8",
         "sku": "SKU-00001", "origin": "WH-SH", "destination": "WH-CD", "quantity": 40,
         "plan_id": "pa_01JF0Z5Q8", "below_safety": False},
        subject="transfer/<transfer_id>",
    ),
    _spec(
        "TransferShipped",
        "A transfer left its source: on hand and reserved there fell by `quantity`; the "
        "units are in transit (the destination's ATP is unchanged until receipt).",
        _TRANSFER,
        _TRANSFER_EXAMPLE,
        subject="transfer/<transfer_id>",
    ),
    _spec(
        "TransferReceived",
        "A transfer arrived: on hand, and so ATP, at the destination rose by `quantity`.",
        _TRANSFER,
        _TRANSFER_EXAMPLE,
        subject="transfer/<transfer_id>",
    ),
    _spec(
        "TransferCancelled",
        "A transfer not yet shipped was cancelled; its reservation at the source released.",
        _TRANSFER,
        _TRANSFER_EXAMPLE,
        subject="transfer/<transfer_id>",
    ),
    # ----- returns (RMA, domain/returns.py) ------------------------------------------------
    _spec(
        "ReturnRequested",
        "A return (RMA, 退货/换货) of shipped units of the order was asked for, by the API, "
        "the CLI or a channel's refund notification; `kind` refund or exchange, `return_reason` "
        "one of damaged, wrong_item, not_as_described, size, changed_mind, late, other.",
        {"return_id": _STR, "kind": {"enum": ["refund", "exchange"]},
         "return_reason": {"enum": ["damaged", "wrong_item", "not_as_described", "size",
                                    "changed_mind", "late", "other"]},
         "source": {"enum": ["api", "cli", "channel"]}, "channel_ref": _STR,
         "lines": {"type": "array", "items": _PICK},
         "replacement": {"type": "array", "items": {
             "type": "object", "required": ["sku", "quantity"],
             "properties": {"sku": _STR, "quantity": {"type": "integer", "minimum": 1}}}}},
        {"status": "delivered", "actor": "user:ops", "reason": "box crushed",
         "return_id": "rma_000688324f7e4400", "kind": "refund", "return_reason": "damaged",
         "source": "api", "channel_ref": "",
         "lines": [{"line_no": 1, "sku": "SKU-00001", "quantity": 1}], "replacement": []},
    ),
    _spec(
        "ReturnApproved",
        "A return was approved: automatically when the tenant's return policy allows it "
        "(`automatic`), else by a person. An exchange's replacement order "
        "(`exchange_order_id`) was created and reserved in the same transaction.",
        {"return_id": _STR, "automatic": {"type": "boolean"}, "exchange_order_id": _STR,
         "seller_pays_shipping": {"type": "boolean"}},
        {"status": "delivered", "actor": "user:ops", "reason": "approved by the policy",
         "return_id": "rma_000688324f7e4400", "automatic": True, "exchange_order_id": "",
         "seller_pays_shipping": True},
    ),
    _spec(
        "ReturnRejected", "A person rejected a return request.",
        {"return_id": _STR},
        {"status": "delivered", "actor": "user:ops", "reason": "worn", "return_id":
         "rma_000688324f7e4400"},
    ),
    _spec(
        "ReturnCancelled", "A return was withdrawn before its goods arrived (the channel "
        "closed it, or a person cancelled it).",
        {"return_id": _STR},
        {"status": "delivered", "actor": "channel:tmall", "reason": "closed in the channel",
         "return_id": "rma_000688324f7e4400"},
    ),
    _spec(
        "ReturnWaybillBooked",
        "The carrier booked the return waybill (from the customer to the receiving "
        "warehouse); `paid_by` says who pays the return shipping under the policy.",
        {"return_id": _STR, "carrier_service": _STR, "waybill": _STR, "origin": _STR,
         "destination": _STR, "paid_by": {"enum": ["seller", "buyer"]}},
        {"status": "delivered", "actor": "user:ops", "reason": "",
         "return_id": "rma_000688324f7e4400", "carrier_service": "ZTO:standard",
         "waybill": "7000123456789", "origin": "上海市", "destination": "SH-JD",
         "paid_by": "seller"},
    ),
    _spec(
        "ReturnReceived",
        "The returned goods arrived at a warehouse and were graded resell, refurbish or "
        "scrap; `restocked` units (resell) went back on hand, available at once (a "
        "StockAdjusted of kind receipt, reason return, goes with it).",
        {"return_id": _STR, "warehouse": _STR, "restocked": {"type": "integer", "minimum": 0},
         "units": {"type": "array", "items": {"type": "object"}}},
        {"status": "delivered", "actor": "wms", "reason": "",
         "return_id": "rma_000688324f7e4400", "warehouse": "SH-JD", "restocked": 1,
         "units": [{"line_no": 1, "sku": "SKU-00001", "quantity": 1, "grade": "resell",
                    "warehouse": "SH-JD", "at": "2026-11-30T08:00:00+00:00"}]},
    ),
    _spec(
        "RefundRequested",
        "Finance is asked to refund the buyer (at receipt of a refund return): the returned "
        "lines' share of what was paid, shipping per the policy, less the restocking fee "
        "and the buyer's return shipping; never more than the order has left of what it "
        "paid (`components.capped`).",
        {"return_id": _STR, "amount": _AMOUNT, "currency": _STR,
         "components": {"type": "object"}},
        {"status": "delivered", "actor": "wms", "reason": "",
         "return_id": "rma_000688324f7e4400", "amount": "49.90", "currency": "CNY",
         "components": {"lines": {"1": "49.90"}, "merchandise": "49.90", "shipping": "0.00",
                        "restocking_fee": "0.00", "return_shipping": "0.00",
                        "capped": "0.00", "total": "49.90", "currency": "CNY"}},
    ),
    _spec(
        "RefundCompleted",
        "Finance or the channel confirmed the refund was paid (`reference`: theirs). "
        "`booked_in_ledger`: it was booked in the order's money ledger as a credit and a "
        "refund of the returned lines (an `OrderMoneyBooked` goes with it); false when the "
        "ledger holds no payment to refund (the order's payment was never recorded), the "
        "refund then lives in the return's records only.",
        {"return_id": _STR, "amount": _AMOUNT, "currency": _STR, "reference": _STR,
         "booked_in_ledger": {"type": "boolean"}},
        {"status": "paid", "actor": "user:finance", "reason": "",
         "return_id": "rma_000688324f7e4400", "amount": "49.90", "currency": "CNY",
         "reference": "ALIPAY-2026113000001", "booked_in_ledger": True},
    ),
]

# Partial fulfilment money (docs/money.md).
_MONEY_LINE = {
    "type": "object",
    "required": ["line_no", "units", "amount"],
    "properties": {"line_no": _INT, "units": {"type": "integer", "minimum": 0},
                   "amount": _AMOUNT},
}
CATALOG += [
    _spec(
        "OrderLinesCancelled",
        "Some units of some lines were cancelled before release; their stock went back "
        "and the rest of the order goes on.",
        {"lines": {"type": "array", "items": _PICK, "minItems": 1}},
        {"status": "allocated", "actor": "user:ops", "reason": "customer dropped an item",
         "lines": [{"line_no": 2, "sku": "SKU-00002", "quantity": 1}]},
    ),
    _spec(
        "OrderMoneyBooked",
        "An entry of the order's money ledger: `invoice` (units shipped), `payment`, "
        "`cancellation` (units that will not ship: not to capture), `credit` (what the "
        "customer no longer owes) or `refund` (money back), split by line.",
        {"entry_id": _STR,
         "kind": {"enum": ["invoice", "payment", "cancellation", "credit", "refund"]},
         "amount": _AMOUNT, "currency": _STR,
         "lines": {"type": "array", "items": _MONEY_LINE}, "source": _STR},
        {"status": "partially_shipped", "actor": "wms", "reason": "shipment dispatched",
         "entry_id": "mny_0006883...", "kind": "invoice", "amount": "112.00",
         "currency": "CNY", "lines": [{"line_no": 1, "units": 2, "amount": "112.00"}],
         "source": "ShipmentDispatched:shp_0006883..."},
    ),
]

# A channel's refund before the goods are back (docs/returns.md).
CATALOG += [
    _spec(
        "ReturnRefundedByChannel",
        "The channel refunded the buyer before the returned goods arrived (a Shopify "
        "`refunds/create`, a Taobao/Tmall SUCCESS notice): the return keeps the channel's "
        "`reference` (`<channel>:<refund id>`) and its refund completes with it at receipt "
        "(RefundCompleted), so finance never pays it again. `amount` and `currency` as the "
        "channel stated them (empty when its notice named none).",
        {"return_id": _STR, "reference": _STR,
         "amount": {"anyOf": [_AMOUNT, {"const": ""}]}, "currency": _STR},
        {"status": "delivered", "actor": "channel:shopify", "reason": "",
         "return_id": "rma_000688324f7e4400", "reference": "shopify:921298432",
         "amount": "49.90", "currency": "CNY"},
    ),
]

# Compliance packs (docs/compliance.md).
CATALOG += [
    _spec(
        "CompliancePackChanged",
        "A country's compliance pack was enabled, upgraded to the shipped version, disabled, "
        "or one of its rules overridden by the tenant; `rule_set` is the rule set drafted "
        "(or, with the explicit shortcut, activated) with the pack's rules.",
        {"country": _STR, "version": _STR,
         "change": {"enum": ["enabled", "upgraded", "disabled", "overridden"]},
         "rule_set": {"type": ["integer", "null"]}},
        {"status": "", "actor": "user:compliance", "reason": "selling into China via Tmall "
         "Global", "country": "CN", "version": "2026.12.1", "change": "enabled",
         "rule_set": 12},
        subject="compliance-pack/<country>",
    ),
]

# Approvals and alerts in chat apps (docs/chat.md).
CATALOG += [
    _spec(
        "ChatChannelChanged",
        "A chat channel (DingTalk, WeCom or Slack) was added, enabled or disabled: where "
        "approval, alert and rule-set cards go (docs/chat.md). Its secrets are never in "
        "the event.",
        {"channel_id": _STR, "app": {"enum": ["dingtalk", "wecom", "slack"]}, "name": _STR,
         "change": {"enum": ["added", "enabled", "disabled"]},
         "subjects": {"type": "array", "items": {"enum": ["approvals", "alerts",
                                                          "rule_sets"]}}},
        {"status": "", "actor": "user:admin", "reason": "", "channel_id": "cch_01JF0Z5Q8",
         "app": "dingtalk", "name": "ops-dingtalk", "change": "added",
         "subjects": ["alerts", "approvals"]},
        subject="chat-channel/<channel_id>",
    ),
    _spec(
        "ChatUserMapped",
        "A chat app's user was mapped to a hub user, whose approvals their clicks on cards "
        "are (four-eyes and scopes as in the console), or unmapped (`login` empty).",
        {"app": {"enum": ["dingtalk", "wecom", "slack"]}, "chat_user_id": _STR,
         "login": _STR, "change": {"enum": ["mapped", "unmapped"]}},
        {"status": "", "actor": "user:admin", "reason": "", "app": "wecom",
         "chat_user_id": "ZhangSan", "login": "zhang", "change": "mapped"},
        subject="chat-user/<app>/<chat_user_id>",
    ),
]

# Group-buy pooling (domain/pools, docs/pools.md).
_STRS = {"type": "array", "items": _STR}
CATALOG += [
    _spec(
        "OrderPooled",
        "The order joined a group-buy pool of its channel for a pickup point (`distance_km` "
        "from it; `position` 1 opened the pool): it waits validated, with no stock reserved, "
        "until the pool closes at its threshold or at `closes_at`, then is routed with the "
        "pool's delivery.",
        {"pool_id": _STR, "pickup_site": _STR, "distance_km": {"type": "number", "minimum": 0},
         "closes_at": {"type": "string", "format": "date-time"},
         "position": {"type": "integer", "minimum": 1}},
        {"status": "validated", "actor": "api", "reason": "", "pool_id": "pool_0006883a1f",
         "pickup_site": "SH-STORE", "distance_km": 1.42, "closes_at": "2026-12-07T12:00:00+00:00",
         "position": 3},
    ),
    _spec(
        "PoolClosed",
        "A group-buy pool closed (`close_reason`: threshold, window or manual) and was routed: "
        "each delivery is one warehouse's consolidated shipment of its `orders` to the pickup "
        "point; `unrouted` orders were held (backorder) on their own. Each order's own events "
        "(InventoryReserved, OrderAllocated or OrderHeld) go with it.",
        {"pool_id": _STR, "channel": _STR, "pickup_site": _STR,
         "close_reason": {"enum": ["threshold", "window", "manual"]},
         "orders": _STRS,
         "deliveries": {"type": "array", "items": {
             "type": "object", "required": ["warehouse", "orders", "distance_km"],
             "properties": {"warehouse": _STR, "orders": _STRS,
                            "distance_km": {"type": "number"}}}},
         "unrouted": _STRS},
        {"status": "", "actor": "scheduler", "reason": "", "pool_id": "pool_0006883a1f",
         "channel": "groupbuy", "pickup_site": "SH-STORE", "close_reason": "window",
         "orders": ["ord_0006883a20", "ord_0006883a21"],
         "deliveries": [{"warehouse": "SH", "orders": ["ord_0006883a20", "ord_0006883a21"],
                         "distance_km": 12.5}], "unrouted": []},
        subject="pool/<pool id>",
    ),
]

# 3PL bidding (docs/bidding.md).
_BID_BASE = {"status": "", "actor": "system", "reason": "",
             "offer_id": "bof_000688324f7e4400", "order": "ord_000688324f7e4400"}
CATALOG += [
    _spec(
        "BidRequested",
        "An order matching the bidding policy was offered to the providers serving the "
        "site routing reserved it at; signed bid requests go to them and bids are taken "
        "until `closes_at` (the policy's window, 3 s by default). The reservation stands "
        "meanwhile.",
        {"offer_id": _STR, "order": _STR, "site": _STR, "providers": _STRS,
         "closes_at": _STR},
        {**_BID_BASE, "site": "WH-SH", "providers": ["3PL-JD", "3PL-SF"],
         "closes_at": "2026-11-24T08:00:03.123456+00:00"},
        subject="offer/<offer_id>",
    ),
    _spec(
        "BidAwarded",
        "An offer was decided: the provider whose accepted bid scored lowest "
        "(cost_weight x price / cheapest + (1 - cost_weight) x hours / quickest) fulfils "
        "the order at `price`, promising `promised_by`.",
        {"offer_id": _STR, "order": _STR, "provider": _STR, "price": _AMOUNT,
         "currency": _STR, "promised_by": _STR, "score": _STR,
         "bids": {"type": "integer", "minimum": 0}},
        {**_BID_BASE, "provider": "3PL-SF", "price": "11.80", "currency": "CNY",
         "promised_by": "2026-11-25T18:00:00+00:00", "score": "1.0420", "bids": 3},
        subject="offer/<offer_id>",
    ),
    _spec(
        "BidFellBack",
        "An offer closed with no valid bid in time: the order keeps the plan routing gave "
        "it. Late, malformed and missing providers are named.",
        {"offer_id": _STR, "order": _STR, "late": _STRS, "malformed": _STRS,
         "missing": _STRS},
        {**_BID_BASE, "late": ["3PL-YT"], "malformed": ["3PL-BAD"], "missing": []},
        subject="offer/<offer_id>",
    ),
]

BY_TYPE: dict[str, EventSpec] = {s.type: s for s in CATALOG}

assert set(BY_TYPE) == set(EVENT_TYPES), "every event class needs a catalogue entry"


def envelope_example(spec: EventSpec) -> dict[str, Any]:
    subject = {"order id": "ord_000688324f7e4400",
               "carrier/<carrier:service>": "carrier/ZTO:standard",
               "warehouse/<code>": "warehouse/WH-DX", "region/<area>": "region/福建",
               "routing-rule/<code>": "routing-rule/vip-same-day",
               "rule-set/<version>": "rule-set/3",
               "risk-model/<version>": "risk-model/3",
               "channel/<code>": "channel/jd-pop",
               "reconciliation/<scope>/<period>": "reconciliation/tmall/2026-11",
               "preallocation-plan/<plan_id>": "preallocation-plan/pa_01JF0Z5Q8",
               "transfer/<transfer_id>": "transfer/tr_01JF0Z5Q8",
               "compliance-pack/<country>": "compliance-pack/CN",
               "chat-channel/<channel_id>": "chat-channel/cch_01JF0Z5Q8",
               "chat-user/<app>/<chat_user_id>": "chat-user/wecom/ZhangSan",
               "offer/<offer_id>": "offer/bof_000688324f7e4400"}.get(
        spec.subject, "stock/SKU-00001/SH-JD")
    return {
        "specversion": "1.0",
        "id": "evt_000688324f7e44002aae5c8ea6cc3aa9",
        "source": "/orderhub/tenants/default",
        "type": f"io.orderhub.{spec.type}",
        "subject": subject,
        "time": "2026-11-24T08:00:00.123456Z",
        "datacontenttype": "application/json",
        "tenant": "default",
        "sequence": 0 if spec.subject != "order id" else 1,
        "data": spec.example,
    }


def catalog_document() -> dict[str, Any]:
    return {
        "envelope": "CloudEvents 1.0, structured JSON; extension attributes `tenant` and "
        "`sequence` (per-order, starting at 1; 0 for stock events)",
        "nats_subject": "orderhub.<tenant>.<type>",
        "events": [
            {
                "type": s.type,
                "cloudevents_type": f"io.orderhub.{s.type}",
                "description": s.description,
                "subject": s.subject,
                "data_schema": s.data_schema(),
                "example": envelope_example(s),
            }
            for s in CATALOG
        ],
    }


def catalog_markdown() -> str:
    """docs/events.md: regenerate with `orderhub events catalog --markdown > docs/events.md`."""
    import json

    doc = catalog_document()
    out = [
        "# Event catalogue",
        "",
        "Generated by `orderhub events catalog --markdown`; do not edit by hand.",
        "",
        f"- Envelope: {doc['envelope']}.",
        f"- NATS subject: `{doc['nats_subject']}` on stream `ORDERHUB` (prefix and stream "
        "are set by ORDERHUB_NATS_SUBJECT_PREFIX and ORDERHUB_NATS_STREAM).",
        "- Every `data` carries `status` (order status after the event; empty for stock "
        "events), `actor` and `reason`, plus the fields below.",
        "- Delivery is at least once: de-duplicate by `id`, order an order's events by `sequence`.",
        "",
        "| type | subject | what happened |",
        "|---|---|---|",
    ]
    out += [
        f"| [{e['type']}](#{e['type'].lower()}) | {e['subject']} | {e['description']} |"
        for e in doc["events"]
    ]
    for e in doc["events"]:
        out += [
            "",
            f"## {e['type']}",
            "",
            e["description"],
            "",
            "Schema of `data`:",
            "",
            "```json",
            json.dumps(e["data_schema"], indent=2, ensure_ascii=False),
            "```",
            "",
            "Example:",
            "",
            "```json",
            json.dumps(e["example"], indent=2, ensure_ascii=False),
            "```",
        ]
    return "\n".join(out) + "\n"
