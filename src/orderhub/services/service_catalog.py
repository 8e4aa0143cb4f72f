"""The service catalogue (issue 12, Order-as-a-Service): what the hub sells, as data. Each
entry is a service passport: the operations it covers, its input and output schemas (JSON
pointers into the OpenAPI document, checked by a test), SLA targets, price per unit, owner
and version. `GET /v1/services` publishes it; the monthly statement prices usage with it.

Units: `order` (orders taken in), `call` (successful calls), `row` (rows written or read).
Only calls answered 2xx are billed; refused and failed calls are metered, not charged.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Literal

Unit = Literal["order", "call", "row"]
CURRENCY = "CNY"


def component(name: str) -> str:
    return f"#/components/schemas/{name}"


def _operation(method: str, path: str) -> str:
    return f"#/paths/{path.replace('~', '~0').replace('/', '~1')}/{method.lower()}"


def response_of(method: str, path: str, status: int = 200) -> str:
    """A pointer to an operation's response (for answers without a named schema)."""
    return f"{_operation(method, path)}/responses/{status}"


def request_of(method: str, path: str) -> str:
    """A pointer to an operation's JSON request body schema (for bodies described inline)."""
    return f"{_operation(method, path)}/requestBody/content/application~1json/schema"


@dataclass(frozen=True, slots=True)
class Service:
    code: str
    name_en: str
    name_zh: str
    description: str
    operations: tuple[str, ...]  # "METHOD /path/template", as metered
    inputs: tuple[str, ...]
    outputs: tuple[str, ...]
    p99_latency_ms: int
    availability_pct: Decimal
    unit: Unit
    unit_price: Decimal  # CNY per unit
    owner: str
    version: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "name": {"en": self.name_en, "zh": self.name_zh},
            "description": self.description,
            "operations": [{"method": op.split(" ", 1)[0], "path": op.split(" ", 1)[1]}
                           for op in self.operations],
            "schemas": {"input": list(self.inputs), "output": list(self.outputs)},
            "sla": {"p99_latency_ms": self.p99_latency_ms,
                    "availability_pct": str(self.availability_pct)},
            "price": {"amount": str(self.unit_price), "currency": CURRENCY, "unit": self.unit},
            "owner": self.owner,
            "version": self.version,
        }


SERVICES: tuple[Service, ...] = (
    Service(
        code="intake", name_en="Order intake", name_zh="订单接入",
        description="Take orders in from the API or a channel's signed webhook: validated, "
        "allocated and stock reserved in one transaction; held with the reason if they cannot "
        "be served.",
        operations=("POST /v1/orders", "POST /v1/orders/batch",
                    "POST /v1/channels/{channel}/webhook"),
        inputs=(component("OrderIn"), request_of("POST", "/v1/orders/batch")),
        outputs=(component("OrderOut"), component("BatchOut"), component("IngestOut")),
        p99_latency_ms=300, availability_pct=Decimal("99.95"),
        unit="order", unit_price=Decimal("0.050"), owner="order-intake team",
        version="1.0.0"),
    Service(
        code="routing-decision", name_en="Routing decision", name_zh="路由决策",
        description="Why an order ships from where it does: the plans considered with their "
        "costs and promise dates, the chosen one and the sites excluded.",
        operations=("GET /v1/orders/{order_id}/routing",),
        inputs=(),
        outputs=(response_of("GET", "/v1/orders/{order_id}/routing"),),
        p99_latency_ms=200, availability_pct=Decimal("99.9"),
        unit="call", unit_price=Decimal("0.010"), owner="routing team", version="1.0.0"),
    Service(
        code="atp-check", name_en="Available-to-promise check", name_zh="可承诺量查询",
        description="Stock on hand, reserved and available to promise per SKU and site.",
        operations=("GET /v1/inventory", "GET /v1/inventory/{sku}"),
        inputs=(),
        outputs=(component("StockPage"), component("SkuStockOut")),
        p99_latency_ms=100, availability_pct=Decimal("99.95"),
        unit="call", unit_price=Decimal("0.002"), owner="inventory team", version="1.0.0"),
    Service(
        code="order-status", name_en="Order status", name_zh="订单状态查询",
        description="Orders with their status, lines, shipments and holds; their timelines.",
        operations=("GET /v1/orders", "GET /v1/orders/held", "GET /v1/orders/{order_id}",
                    "GET /v1/orders/{order_id}/timeline"),
        inputs=(),
        outputs=(component("OrderPage"), component("OrderOut"),
                 component("TimelineEntryOut")),
        p99_latency_ms=150, availability_pct=Decimal("99.9"),
        unit="call", unit_price=Decimal("0.001"), owner="order-intake team",
        version="1.0.0"),
    Service(
        code="webhook-subscriptions", name_en="Webhook subscriptions", name_zh="事件订阅",
        description="Signed event webhooks: endpoints, secrets, deliveries and replays.",
        operations=("POST /v1/webhooks", "GET /v1/webhooks", "GET /v1/webhooks/{endpoint_id}",
                    "PATCH /v1/webhooks/{endpoint_id}", "DELETE /v1/webhooks/{endpoint_id}",
                    "POST /v1/webhooks/{endpoint_id}/rotate-secret",
                    "GET /v1/webhooks/{endpoint_id}/deliveries"),
        inputs=(component("WebhookEndpointIn"), component("WebhookEndpointPatch")),
        outputs=(component("WebhookEndpointWithSecret"), component("WebhookEndpointOut"),
                 component("DeliveryPageOut")),
        p99_latency_ms=200, availability_pct=Decimal("99.9"),
        unit="call", unit_price=Decimal("0.010"), owner="events team", version="1.0.0"),
    Service(
        code="catalogue-sync", name_en="Catalogue sync", name_zh="商品主数据同步",
        description="Master SKUs loaded one by one or in batches.",
        operations=("POST /v1/skus", "POST /v1/skus/batch"),
        inputs=(component("SkuIn"), request_of("POST", "/v1/skus/batch")),
        outputs=(component("SkuOut"),),
        p99_latency_ms=2000, availability_pct=Decimal("99.5"),
        unit="row", unit_price=Decimal("0.0005"), owner="catalogue team", version="1.0.0"),
)


def by_code(code: str) -> Service | None:
    return next((s for s in SERVICES if s.code == code), None)


def service_of(operation: str) -> Service | None:
    """The service an operation ("METHOD /template") is sold under, if any."""
    return _BY_OPERATION.get(operation)


_BY_OPERATION = {op: s for s in SERVICES for op in s.operations}
