"""Strict input at the API boundary: a wrong type, an integer the store cannot keep or a
control character is a 422 naming the field, never a coerced order, a 503 or a stored byte."""

from __future__ import annotations

import json
from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from fastapi.testclient import TestClient

from orderhub.bootstrap import Hub
from tests.api import api_client
from tests.e2e.test_api import PROBLEM, order_body, setup_network


@pytest.fixture
def client(hub: Hub) -> Iterator[TestClient]:
    with api_client(hub) as c:
        setup_network(c)
        yield c


def refused(r: Any, field: str) -> None:
    assert r.status_code == 422, r.text
    assert r.headers["content-type"].startswith(PROBLEM)
    fields = [e["field"] for e in r.json()["errors"]]
    assert field in fields, fields


def with_line(external_id: str, **line: Any) -> dict[str, Any]:
    body = order_body(external_id, [("A", 1)])
    body["lines"][0].update(line)
    return body


# ----- 1. strict types --------------------------------------------------------------------

@pytest.mark.parametrize("quantity", [True, "2", 2.0])
def test_an_order_quantity_is_a_json_integer(client: TestClient, quantity: Any) -> None:
    refused(client.post("/v1/orders", json=with_line("Q-1", quantity=quantity)),
            "lines.0.quantity")
    refused(client.post("/v1/orders/batch",
                        json={"orders": [with_line("Q-2", quantity=quantity)]}),
            "orders.0.lines.0.quantity")
    assert client.get("/v1/orders").json()["items"] == []


@pytest.mark.parametrize(("field", "value"), [
    ("requested_delivery", 0), ("requested_delivery", "0"),
    ("placed_at", 1_700_000_000), ("placed_at", "1700000000"),
])
def test_dates_are_iso_strings_not_numbers(client: TestClient, field: str, value: Any) -> None:
    r = client.post("/v1/orders", json=order_body("D-1", [("A", 1)], **{field: value}))
    refused(r, field)
    assert client.get("/v1/orders").json()["items"] == []


def test_iso_dates_and_money_as_strings_or_numbers_still_pass(client: TestClient) -> None:
    body = order_body("OK-1", [("A", 2)], requested_delivery="2026-12-01",
                      placed_at="2026-11-24T09:00:00+08:00")
    body["lines"][0].update(unit_price=19.9, discount=0, tax="1.20")  # numbers stay accepted
    r = client.post("/v1/orders", json=body)
    assert r.status_code == 201, r.text
    order = r.json()
    assert order["requested_delivery"] == "2026-12-01"
    assert order["lines"][0]["quantity"] == 2
    assert Decimal(order["lines"][0]["unit_price"]) == Decimal("19.90")
    refused(client.post("/v1/orders", json=with_line("OK-3", unit_price=True)),
            "lines.0.unit_price")
    refused(client.post("/v1/orders", json=order_body(
        "OK-2", [("A", 1)], order_type="pre_sale", presale={"release_date": 20261220})),
        "presale.release_date")


def test_address_coordinates_are_numbers_not_booleans(client: TestClient) -> None:
    body = order_body("G-1", [("A", 1)])
    body["shipping_address"] = {**body["shipping_address"], "lat": True}
    refused(client.post("/v1/orders", json=body), "shipping_address.lat")


@pytest.mark.parametrize(("field", "value"), [
    ("active", 0), ("active", "false"), ("daily_capacity", "10"), ("daily_capacity", True),
    ("max_queue_days", 2.0), ("cutoff", 3600),
])
def test_warehouse_patch_types(client: TestClient, field: str, value: Any) -> None:
    refused(client.patch("/v1/warehouses/SH", json={field: value}), field)
    wh = next(w for w in client.get("/v1/warehouses").json() if w["code"] == "SH")
    assert wh["active"] is True and wh["daily_capacity"] == 1000 and wh["cutoff"] == "18:00:00"


def test_warehouse_create_types(client: TestClient) -> None:
    base = {"code": "GZ", "name": "GZ DC", "lat": 23.13, "lon": 113}  # an integer is a number
    for field, value in (("active", 1), ("lat", "23.1"), ("daily_capacity", "5"),
                         ("cutoff", 0)):
        refused(client.post("/v1/warehouses", json={**base, field: value}), field)
    assert client.post("/v1/warehouses", json=base).status_code == 201


def test_sku_and_channel_flags(client: TestClient) -> None:
    refused(client.post("/v1/skus", json={"code": "Z", "name": "z", "active": 1}), "active")
    refused(client.patch("/v1/skus/A", json={"active": 0}), "active")
    refused(client.post("/v1/channels", json={"code": "pos", "name": "P", "active": "true"}),
            "active")
    assert client.patch("/v1/skus/A", json={"active": False}).status_code == 200


@pytest.mark.parametrize(("path", "body", "field"), [
    ("/v1/inventory/receipts", {"sku": "A", "warehouse": "SH", "quantity": "3"}, "quantity"),
    ("/v1/inventory/receipts", {"sku": "A", "warehouse": "SH", "quantity": True}, "quantity"),
    ("/v1/inventory/adjustments",
     {"sku": "A", "warehouse": "SH", "delta": "-1", "reason": "count"}, "delta"),
    ("/v1/inventory/adjustments",
     {"sku": "A", "warehouse": "SH", "delta": 1.0, "reason": "count"}, "delta"),
])
def test_inventory_quantities_are_integers(client: TestClient, path: str,
                                           body: dict[str, Any], field: str) -> None:
    refused(client.post(path, json=body), field)
    assert client.get("/v1/inventory/A").json()["on_hand"] == 15


def test_safety_stock_is_an_integer(client: TestClient) -> None:
    refused(client.put("/v1/inventory/A/SH/safety-stock", json={"safety_stock": True}),
            "safety_stock")
    refused(client.put("/v1/inventory/A/SH/safety-stock", json={"safety_stock": "2"}),
            "safety_stock")


# ----- 2. integers beyond 64 bits -----------------------------------------------------------

@pytest.mark.parametrize("attributes", [
    {"x": 2**63}, {"x": -(2**63) - 1}, {"x": [1, {"y": 10**30}]},
])
def test_sku_attributes_hold_only_64_bit_integers(client: TestClient,
                                                 attributes: dict[str, Any]) -> None:
    r = client.post("/v1/skus", json={"code": "Z", "name": "z", "attributes": attributes})
    refused(r, "attributes")
    assert "64-bit" in r.json()["detail"]
    assert client.get("/v1/skus/Z").status_code == 404
    edge = {"lo": -(2**63), "hi": 2**63 - 1}
    r = client.post("/v1/skus", json={"code": "Z", "name": "z", "attributes": edge})
    assert r.status_code == 201, r.text
    assert r.json()["attributes"] == edge


def test_a_huge_integer_in_a_free_form_field_elsewhere_is_422_not_503(
        client: TestClient) -> None:
    # Validation rule parameters are a free-form object checked by the service, not the
    # schema: the store's JSON encoder refuses the integer, and that is the client's error.
    r = client.patch("/v1/validation/rules/C4-cross-border",
                     json={"params": {"declared_value_limit": 2**64}, "reason": "x"})
    assert r.status_code == 422, r.text
    assert r.headers["content-type"].startswith(PROBLEM)
    assert "64-bit" in r.json()["detail"]


def test_big_integers_in_typed_fields_are_422(client: TestClient) -> None:
    # A guard (bounded fields refused these before): keeps them from reaching the store.
    refused(client.post("/v1/orders", json=with_line("B-1", quantity=2**64)), "lines.0.quantity")
    refused(client.post("/v1/inventory/receipts",
                        json={"sku": "A", "warehouse": "SH", "quantity": 2**70}), "quantity")


# ----- 3. control characters ----------------------------------------------------------------

@pytest.mark.parametrize("bad", ["\x00", "\x1b[31m", "\x07", "\x7f", "\x85", "a\nb"])
@pytest.mark.parametrize(("where", "field"), [
    ("customer", "name"), ("customer", "phone"), ("customer", "email"), ("customer", "ref"),
    ("shipping_address", "line1"), ("shipping_address", "name"),
    ("shipping_address", "phone"), ("shipping_address", "city"),
])
def test_order_text_refuses_control_characters(client: TestClient, bad: str, where: str,
                                               field: str) -> None:
    body = order_body("C-1", [("A", 1)])
    body[where] = {**body[where], field: f"x{bad}y"}
    refused(client.post("/v1/orders", json=body), f"{where}.{field}")
    assert client.get("/v1/orders").json()["items"] == []


def test_a_lone_surrogate_is_refused_not_a_storage_error(client: TestClient) -> None:
    # A guard: pydantic refuses a string it cannot encode before any rule here runs.
    body = json.dumps(order_body("S-1", [("A", 1)]), ensure_ascii=False)
    text = body.replace("李雷", "\\ud800", 1)
    assert "\\ud800" in text
    r = client.post("/v1/orders", content=text, headers={"content-type": "application/json"})
    refused(r, "customer.name")


def test_order_ids_and_sku_refuse_control_characters(client: TestClient) -> None:
    refused(client.post("/v1/orders", json=order_body("E\x85-1", [("A", 1)])), "external_id")
    refused(client.post("/v1/orders", json=with_line("E-2", sku="A\x7f")), "lines.0.sku")


def test_catalogue_and_network_text_refuses_control_characters(client: TestClient) -> None:
    refused(client.post("/v1/skus", json={"code": "Z", "name": "z\x00"}), "name")
    refused(client.post("/v1/skus", json={"code": "Z", "name": "z", "barcode": "1\x1b"}),
            "barcode")
    refused(client.post("/v1/channels", json={"code": "pos", "name": "P\x00"}), "name")
    refused(client.post("/v1/warehouses", json={"code": "GZ", "name": "GZ\x1bDC",
                                                "lat": 23.1, "lon": 113.3}), "name")
    refused(client.patch("/v1/warehouses/SH", json={"name": "S\x00H"}), "name")
    refused(client.post("/v1/inventory/adjustments", json={
        "sku": "A", "warehouse": "SH", "delta": -1, "reason": "lost\x00"}), "reason")
    refused(client.post("/v1/inventory/receipts", json={
        "sku": "A", "warehouse": "SH", "quantity": 1, "reference": "ASN\x1b9"}), "reference")


def test_free_text_keeps_tab_and_line_breaks(client: TestClient) -> None:
    r = client.post("/v1/inventory/adjustments", json={
        "sku": "A", "warehouse": "SH", "delta": -1, "reason": "count:\tshelf 3\r\nbroken"})
    assert r.status_code in (200, 201), r.text
    oid = client.post("/v1/orders", json=order_body("T-1", [("A", 1)])).json()["id"]
    refused(client.post(f"/v1/orders/{oid}/cancel", json={"reason": "dup\x00"}), "reason")
    r = client.post(f"/v1/orders/{oid}/cancel", json={"reason": "duplicate\nof T-0"})
    assert r.status_code == 200, r.text


# ----- request models defined beside their routes ------------------------------------------

def test_a_rule_patch_takes_a_json_boolean_and_64_bit_parameters(client: TestClient) -> None:
    code = client.get("/v1/validation/rules").json()[0]["code"]
    r = client.patch(f"/v1/validation/rules/{code}", json={"enabled": 0, "reason": "x"})
    refused(r, "enabled")
    r = client.patch(f"/v1/validation/rules/{code}",
                     json={"params": {"limit": 2**64}, "reason": "x"})
    refused(r, "params")


def test_a_carrier_state_change_takes_a_whole_number_of_days(client: TestClient) -> None:
    code = client.get("/v1/carriers").json()[0]["code"]
    r = client.patch(f"/v1/carriers/{code}",
                     json={"state": "degraded", "delay_days": "2", "reason": "slow"})
    refused(r, "delay_days")
