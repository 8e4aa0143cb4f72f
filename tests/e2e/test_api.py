"""End to end through HTTP: set up a network, submit orders, drive one to paid and one to
cancelled, checking stock and timeline at each step; and bad input."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient

from orderhub.bootstrap import Hub
from tests.api import api_client, auth_headers
from tests.factories import ADDRESS_JSON

PROBLEM = "application/problem+json"


@pytest.fixture
def client(hub: Hub) -> Iterator[TestClient]:
    BOT.clear()
    BOT.update(auth_headers(hub, role="operations", name="warehouse-bot"))
    with api_client(hub) as c:
        yield c


def order_body(external_id: str, lines: list[tuple[str, int]], **extra: Any) -> dict[str, Any]:
    body = {
        "external_id": external_id,
        "channel": "web",
        "currency": "CNY",
        "customer": {"ref": "c-1", "name": "李雷"},
        "shipping_address": ADDRESS_JSON,
        "lines": [
            {"sku": s, "quantity": q, "unit_price": "19.90", "discount": "0.90", "tax": "1.20"}
            for s, q in lines
        ],
    }
    body.update(extra)
    return body


def stock(client: TestClient, sku: str) -> dict[str, tuple[int, int, int]]:
    r = client.get(f"/v1/inventory/{sku}")
    assert r.status_code == 200, r.text
    return {w["warehouse"]: (w["on_hand"], w["reserved"], w["atp"]) for w in r.json()["warehouses"]}


def setup_network(client: TestClient) -> None:
    assert client.post("/v1/channels", json={"code": "web", "name": "Web shop"}).status_code == 201
    for code, lat, lon in (("SH", 31.23, 121.47), ("BJ", 39.90, 116.40)):
        r = client.post(
            "/v1/warehouses",
            json={
                "code": code,
                "name": f"{code} DC",
                "lat": lat,
                "lon": lon,
                "daily_capacity": 1000,
                "cutoff": "18:00",
            },
        )
        assert r.status_code == 201, r.text
    r = client.post(
        "/v1/skus/batch",
        json=[
            {"code": "A", "name": "Apple", "list_price": "19.90"},
            {"code": "B", "name": "Banana"},
        ],
    )
    assert r.status_code == 201, r.text
    for sku, wh, qty in (("A", "SH", 10), ("A", "BJ", 5), ("B", "BJ", 4)):
        r = client.post(
            "/v1/inventory/receipts",
            json={"sku": sku, "warehouse": wh, "quantity": qty, "reference": "ASN-1"},
        )
        assert r.status_code == 201, r.text


BOT: dict[str, str] = {}  # a warehouse system's own key (set by the client fixture)


def step(client: TestClient, oid: str, action: str, **body: Any) -> dict[str, Any]:
    r = client.post(
        f"/v1/orders/{oid}/{action}", json=body or None, headers=BOT)
    assert r.status_code == 200, r.text
    return r.json()  # type: ignore[no-any-return]


def test_order_to_paid_and_order_to_cancelled(client: TestClient) -> None:
    setup_network(client)
    assert stock(client, "A") == {"BJ": (5, 0, 5), "SH": (10, 0, 10)}

    r = client.post("/v1/orders", json=order_body("WEB-1", [("A", 3)]))
    assert r.status_code == 201, r.text
    paid = r.json()
    assert paid["status"] == "allocated"
    assert r.headers["location"] == f"/v1/orders/{paid['id']}"
    assert paid["totals"]["grand_total"] == "60.00"  # 3 x 19.90 - 0.90 + 1.20
    assert stock(client, "A")["SH"] == (10, 3, 7)

    r = client.post("/v1/orders", json=order_body("WEB-2", [("A", 2), ("B", 1)]))
    cancelled = r.json()
    assert cancelled["status"] == "allocated"
    assert stock(client, "B")["BJ"] == (4, 1, 3)

    oid = paid["id"]
    for action, status in (("release", "released"), ("pick", "picked"), ("pack", "packed")):
        assert step(client, oid, action)["status"] == status
    assert stock(client, "A")["SH"] == (10, 3, 7)
    shipped = step(client, oid, "ship")
    assert shipped["status"] == "shipped" and shipped["shipments"][0]["status"] == "dispatched"
    assert stock(client, "A")["SH"] == (7, 0, 7)
    for action, status in (("deliver", "delivered"), ("invoice", "invoiced"), ("pay", "paid")):
        assert step(client, oid, action)["status"] == status
    timeline = client.get(f"/v1/orders/{oid}/timeline").json()
    assert [e["status"] for e in timeline] == [
        "created",
        "validated",
        "reserved",
        "allocated",
        "released",
        "picked",
        "packed",
        "shipped",
        "shipped",
        "delivered",
        "invoiced",
        "paid",
    ]
    assert timeline[-1]["actor"] == "key:warehouse-bot"  # the key that acted, not a header

    r = client.post(f"/v1/orders/{oid}/cancel", json={"reason": "too late"})
    assert r.status_code == 409 and r.headers["content-type"].startswith(PROBLEM)
    assert r.json()["current_status"] == "paid"

    c = step(client, cancelled["id"], "cancel", reason="customer request")
    assert c["status"] == "cancelled"
    assert stock(client, "B")["BJ"] == (4, 0, 4)
    assert sum(v[1] for v in stock(client, "A").values()) == 0
    last = client.get(f"/v1/orders/{cancelled['id']}/timeline").json()[-1]
    assert (last["type"], last["reason"]) == ("OrderCancelled", "customer request")


def test_idempotent_resubmission_and_conflict(client: TestClient) -> None:
    setup_network(client)
    body = order_body("WEB-9", [("A", 1)])
    codes = [client.post("/v1/orders", json=body).status_code for _ in range(3)]
    assert codes == [201, 200, 200]
    assert len(client.get("/v1/orders").json()["items"]) == 1
    body["lines"][0]["quantity"] = 2
    r = client.post("/v1/orders", json=body)
    assert r.status_code == 409 and "different content" in r.json()["detail"]
    h = {"Idempotency-Key": "k-123"}
    first = client.post("/v1/orders", json=order_body("WEB-10", [("A", 1)]), headers=h)
    again = client.post("/v1/orders", json=order_body("WEB-10", [("A", 1)]), headers=h)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"]
    other = client.post("/v1/orders", json=order_body("WEB-11", [("A", 1)]), headers=h)
    assert other.status_code == 409


def test_batch_endpoint_and_held_queue(client: TestClient) -> None:
    setup_network(client)
    orders = [order_body(f"BATCH-{i}", [("A", 1)]) for i in range(5)]
    orders.append(order_body("BATCH-X", [("ZZZ", 1)]))
    orders.append(order_body("BATCH-0", [("A", 1)]))
    r = client.post("/v1/orders/batch", json={"orders": orders})
    assert r.status_code == 200, r.text
    body = r.json()
    assert (body["created"], body["existing"], body["conflicts"]) == (6, 1, 0)
    held = client.get("/v1/orders/held").json()["items"]
    assert [(o["external_id"], o["hold_reasons"][0]["code"]) for o in held] == [
        ("BATCH-X", "unknown_sku")
    ]
    client.post("/v1/skus", json={"code": "ZZZ", "name": "Zebra cake"})
    client.post("/v1/inventory/receipts", json={"sku": "ZZZ", "warehouse": "SH", "quantity": 1})
    resumed = step(client, held[0]["id"], "resume")
    assert resumed["status"] == "allocated"


@pytest.mark.parametrize(
    ("mutate", "field"),
    [
        (lambda b: b["lines"][0].update(quantity=0), "lines.0.quantity"),
        (lambda b: b["lines"][0].update(quantity=-2), "lines.0.quantity"),
        (lambda b: b["lines"][0].update(unit_price="1.999"), "lines.0.unit_price"),
        (lambda b: b.update(currency="XYZ"), "currency"),
        (lambda b: b.update(currency="cny"), "currency"),
        (lambda b: b.update(lines=[]), "lines"),
        (lambda b: b.pop("external_id"), "external_id"),
        (lambda b: b.update(channel="nowhere"), "channel"),
        (lambda b: b.update(surprise=1), "surprise"),
        (lambda b: b["lines"][0].update(unit_price="abc"), "lines.0.unit_price"),
    ],
)
def test_bad_orders_get_field_level_422_and_store_nothing(
    client: TestClient, mutate: Any, field: str
) -> None:
    setup_network(client)
    body = order_body("BAD-1", [("A", 1)])
    mutate(body)
    r = client.post("/v1/orders", json=body)
    assert r.status_code == 422, r.text
    assert r.headers["content-type"].startswith(PROBLEM)
    problem = r.json()
    assert problem["status"] == 422 and problem["type"] == "/problems/invalid-request"
    assert field in [e["field"] for e in problem["errors"]]
    assert client.get("/v1/orders").json()["items"] == []
    assert stock(client, "A")["SH"] == (10, 0, 10)


def test_other_bad_input(client: TestClient) -> None:
    setup_network(client)
    r = client.post(
        "/v1/orders", content=b'{"external_id": "x", ', headers={"content-type": "application/json"}
    )
    assert r.status_code == 400 and r.json()["type"] == "/problems/malformed-json"
    r = client.post("/v1/inventory/receipts", json={"sku": "A", "warehouse": "NOPE", "quantity": 5})
    assert r.status_code == 422
    assert r.json()["errors"] == [{"field": "warehouse", "message": "unknown warehouse 'NOPE'"}]
    r = client.post(
        "/v1/inventory/adjustments",
        json={"sku": "A", "warehouse": "SH", "delta": -50, "reason": "count"},
    )
    assert r.status_code == 409 and "negative" in r.json()["detail"]
    assert stock(client, "A")["SH"] == (10, 0, 10)
    assert client.get("/v1/orders/ord_nope").status_code == 404
    assert client.get("/v1/orders", params={"cursor": "garbage"}).status_code == 422
    # X-Tenant-ID is ignored for a tenant's own credentials (the tenant is the key's)
    assert client.get("/v1/orders", headers={"X-Tenant-ID": "ghost"}).status_code == 200
    assert (
        client.post(
            "/v1/warehouses", json={"code": "SH", "name": "again", "lat": 1, "lon": 1}
        ).status_code
        == 409
    )


def test_openapi_docs_and_health(client: TestClient) -> None:
    spec = client.get("/openapi.json").json()
    assert spec["openapi"].startswith("3.1")
    for path in (
        "/v1/orders",
        "/v1/orders/batch",
        "/v1/orders/{order_id}/cancel",
        "/v1/warehouses",
        "/v1/skus",
        "/v1/inventory/{sku}",
        "/v1/inventory/receipts",
        "/v1/inventory/adjustments",
        "/healthz",
    ):
        assert path in spec["paths"], path
    assert client.get("/docs").status_code == 200
    assert client.get("/healthz").json()["status"] == "ok"
