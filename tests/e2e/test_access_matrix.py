"""Generated from the one place scopes are declared (api/scopes.py): every operation in the
OpenAPI document has a requirement, every role gets 403 exactly where it lacks the scope,
docs/access.md is the same table, and a tenant's credentials never reach another tenant's
data, whatever the operation (issue 12)."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from orderhub.api.app import create_app as build_app
from orderhub.api.scopes import AUTHENTICATED, OPERATION_SCOPES, PUBLIC, scope_table
from orderhub.bootstrap import Hub
from orderhub.domain.access import ROLE_SCOPES, Role
from orderhub.domain.inventory import Sku, Warehouse
from orderhub.services import catalog
from tests.api import api_client, auth_headers, create_app, platform_headers
from tests.factories import ADDRESS_JSON, seed_network

DOCS = Path(__file__).resolve().parents[2] / "docs" / "access.md"
BODY_METHODS = {"POST", "PUT", "PATCH"}


def operations(hub: Hub) -> list[tuple[str, str]]:
    doc = create_app(hub).openapi()
    return [(m.upper(), path) for path, ops in doc["paths"].items() for m in ops]


def sqlite_only(database_url: str) -> None:
    if not database_url.startswith("sqlite"):
        pytest.skip("authorisation does not depend on the store: checked once, on SQLite")


def test_every_operation_declares_its_scope_and_the_docs_show_the_table(
        hub: Hub, database_url: str) -> None:
    sqlite_only(database_url)
    ops = operations(hub)
    undeclared = [f"{m} {p}" for m, p in ops if f"{m} {p}" not in OPERATION_SCOPES]
    assert undeclared == []
    doc = build_app(hub).openapi()  # built by this app, not the tests' copy (tests/api.py)
    for method, path in ops:
        op = doc["paths"][path][method.lower()]
        need = OPERATION_SCOPES[f"{method} {path}"]
        if need == PUBLIC:
            assert op["security"] == [], (method, path)
        else:
            assert op["security"] == [{"bearer": []}] and "401" in op["responses"]
            if need != AUTHENTICATED:
                assert op["x-required-scope"] == str(need) and "403" in op["responses"]
    assert DOCS.read_text(encoding="utf-8").count(scope_table()) == 1, \
        "docs/access.md is stale: regenerate with `orderhub access scopes --markdown`"


def fill(path: str, value: str = "x") -> str:
    return re.sub(r"\{[^}]+\}", value, path)


@pytest.mark.parametrize("role", list(Role))
def test_scope_matrix_every_operation_for_every_role(hub: Hub, database_url: str,
                                                     role: Role) -> None:
    sqlite_only(database_url)
    headers = (platform_headers(hub) if role is Role.PLATFORM_OPERATOR
               else auth_headers(hub, role=role.value))
    client = TestClient(create_app(hub), headers=headers)
    wrong: list[str] = []
    for method, path in operations(hub):
        need = OPERATION_SCOPES[f"{method} {path}"]
        if need == PUBLIC or path == "/v1/sessions/current":
            continue
        body = BODIES.get(f"{method} {path}", {}) if method in BODY_METHODS else None
        r = client.request(method, fill(path), json=body)
        assert r.status_code != 429, f"{method} {path}: rate-limited, the matrix saw nothing"
        allowed = need == AUTHENTICATED or need in ROLE_SCOPES[role]
        if allowed and r.status_code in (401, 403):
            wrong.append(f"{method} {path}: {r.status_code}, expected allowed")
        if not allowed and (r.status_code != 403 or r.json()["required_scope"] != need):
            wrong.append(f"{method} {path}: {r.status_code}, expected 403 for {need}")
    assert wrong == []


# ----- tenant isolation ------------------------------------------------------------------
VICTIM = "default"  # the victim's data; the attacker is the tenant admin of "acme"


def victim_objects(hub: Hub) -> dict[str, str]:
    """Tenant 'default' with one of everything, named so that it can be found in text."""
    seed_network(hub)
    now = hub.clock()
    catalog.add_warehouses(hub.uow, [Warehouse(VICTIM, "VICTIM-WH", "Victim DC", 31.2, 121.4,
                                               province="上海市")], now)
    catalog.add_skus(hub.uow, [Sku(VICTIM, "VICTIM-SKU", "Victim thing",
                                   __import__("decimal").Decimal("9.90"))], now)
    ids: dict[str, str] = {}
    with api_client(hub) as v:
        ids["sku"], ids["warehouse"] = "VICTIM-SKU", "VICTIM-WH"
        v.post("/v1/inventory/receipts", json={"sku": "VICTIM-SKU", "warehouse": "VICTIM-WH",
                                               "quantity": 7, "reference": "VICTIM-ASN"})
        r = v.post("/v1/orders", json={
            "external_id": "VICTIM-ORDER-1", "channel": "web", "currency": "CNY",
            "shipping_address": ADDRESS_JSON,
            "lines": [{"sku": "A", "quantity": 1, "unit_price": "10.00"}]})
        assert r.status_code == 201, r.text
        ids["order_id"] = r.json()["id"]
        r = v.post("/v1/webhooks", json={"url": "https://victim.example.com/hook"})
        assert r.status_code == 201, r.text
        ids["endpoint_id"] = r.json()["id"]
        r = v.put("/v1/routing/rules/victim-rule", json={
            "when": {"channel": ["web"]}, "then": {"exclude_sites": ["GZ"]},
            "reason": "victim rule"})
        assert r.status_code in (200, 201), r.text
        ids["code"] = "victim-rule"
        r = v.post("/v1/rules/sets", json={"reason": "victim draft"})
        assert r.status_code == 201, r.text
        ids["set_id"] = str(r.json()["id"])
        r = v.post("/v1/routing/blocks", json={"area": "福建", "reason": "victim block"})
        assert r.status_code == 201, r.text
        ids["block_id"] = str(r.json()["id"])
        r = v.post("/v1/channels", json={"code": "victim-channel", "name": "Victim shop",
                                         "adapter": "taobao", "secret": "victim-secret"})
        assert r.status_code == 201, r.text
        ids["channel"] = "victim-channel"
        r = v.post("/v1/access/keys", json={"name": "victim-key", "role": "analyst"})
        ids["key_id"] = r.json()["id"]
        r = v.post("/v1/access/users", json={"login": "victim.user", "role": "finance"})
        ids["user_id"] = r.json()["id"]
    return ids


MARKERS = ("VICTIM", "victim")

# Path parameters by name; `code` means a different object under each prefix.
def path_value(path: str, name: str, ids: dict[str, str]) -> str:
    if name == "code":
        if path.startswith("/v1/warehouses"):
            return ids["warehouse"]
        if path.startswith("/v1/skus"):
            return ids["sku"]
        if path.startswith("/v1/carriers"):
            return "SF"
        return ids["code"]
    return ids.get(name, "victim-unknown")


def ghost_of(value: str) -> str:
    """An id of the same shape that names nothing."""
    if value.isdigit():
        return str(int(value) + 1000)
    return value[:-4] + "zzzz" if len(value) > 4 else value + "zz"


BODIES: dict[str, dict[str, Any]] = {
    "POST /v1/orders/{order_id}/cancel": {"reason": "attack"},
    "POST /v1/orders/{order_id}/override": {"codes": ["x"], "reason": "attack"},
    "PATCH /v1/orders/{order_id}/shipping-address": {"address": ADDRESS_JSON},
    "PATCH /v1/webhooks/{endpoint_id}": {"active": False},
    "PATCH /v1/warehouses/{code}": {"active": False},
    "POST /v1/warehouses/{code}/close": {"reason": "attack"},
    "PATCH /v1/skus/{code}": {"active": False},
    "PUT /v1/inventory/{sku}/{warehouse}/safety-stock": {"quantity": 5},
    "POST /v1/routing/blocks/{block_id}/lift": {"reason": "attack"},
    "POST /v1/routing/rules/{code}/enabled": {"enabled": False, "reason": "attack"},
    "POST /v1/rules/sets/{set_id}/activate": {"reason": "attack"},
    "POST /v1/rules/sets/{set_id}/rollback": {"reason": "attack"},
    "POST /v1/rules/sets/{set_id}/canary": {"slice": {"percent": 50}, "reason": "attack"},
    "PATCH /v1/access/users/{user_id}": {"disabled": True},
    "POST /v1/access/keys/{key_id}/rotate": {"grace_hours": 0},
    "PATCH /v1/validation/rules/{code}": {"enabled": False, "reason": "attack"},
    # the smallest month the API accepts: {} trains on 30 days of 600 orders (seconds each)
    "POST /v1/risk/models/train": {"days": 8, "train_days": 5, "orders_per_day": 50},
}
LIST_QUERIES: dict[str, dict[str, str]] = {
    "GET /v1/orders": {"external_id": "VICTIM-ORDER-1"},
    "GET /v1/audit": {"limit": "1000"},
}


def normalise(text: str, *values: str) -> str:
    for v in values:
        text = re.sub(rf"(?<![\w-]){re.escape(v)}(?![\w-])", "<ID>", text)
    return text


def test_a_tenant_never_reaches_another_tenants_data(hub: Hub, database_url: str) -> None:
    ids = victim_objects(hub)
    catalog.ensure_tenant(hub.uow, "acme", "Acme", hub.clock())
    # a 429 answers the same for every id: limits out of the way, and any 429 is a failure
    hub.settings = hub.settings.model_copy(update={"rate_limit_key_burst": 100_000,
                                                   "rate_limit_tenant_burst": 100_000})
    attacker = api_client(hub, tenant="acme")
    leaks: list[str] = []
    for method, path in operations(hub):
        op = f"{method} {path}"
        if OPERATION_SCOPES[op] == PUBLIC or path in ("/v1/sessions/current",):
            continue
        names = re.findall(r"\{([^}]+)\}", path)
        body = BODIES.get(op, {}) if method in BODY_METHODS else None
        if names:
            real = {n: path_value(path, n, ids) for n in names}
            ghost = {n: ghost_of(v) for n, v in real.items()}
            url_real, url_ghost = path, path
            for n in names:
                url_real = url_real.replace("{" + n + "}", real[n])
                url_ghost = url_ghost.replace("{" + n + "}", ghost[n])
            a = attacker.request(method, url_real, json=body)
            b = attacker.request(method, url_ghost, json=body)
            assert 429 not in (a.status_code, b.status_code), op
            if (a.status_code, normalise(a.text, *real.values())) != (
                    b.status_code, normalise(b.text, *ghost.values())):
                leaks.append(f"{op}: {a.status_code} {a.text[:120]} vs ghost "
                             f"{b.status_code} {b.text[:120]}")
            elif 200 <= a.status_code < 300 and any(m in a.text for m in MARKERS):
                leaks.append(f"{op}: answer holds the other tenant's data")
        else:
            r = attacker.request(method, path, params=LIST_QUERIES.get(op), json=body)
            assert r.status_code != 429, op
            if any(m in r.text for m in MARKERS):
                leaks.append(f"{op}: {r.status_code} {r.text[:200]}")
    assert leaks == [], "\n".join(leaks)

    # and nothing of the victim changed
    with api_client(hub) as v:
        assert v.get(f"/v1/orders/{ids['order_id']}").json()["status"] == "allocated"
        assert v.get(f"/v1/webhooks/{ids['endpoint_id']}").json()["active"] is True
        assert v.get("/v1/warehouses/VICTIM-WH").json()["active"] is True
        assert v.get("/v1/skus/VICTIM-SKU").json()["active"] is True
        assert v.get("/v1/routing/rules/victim-rule").json()["enabled"] is True
        level = v.get("/v1/inventory/VICTIM-SKU").json()
        assert (level["on_hand"], level["safety_stock"]) == (7, 0)
        keys = {k["id"]: k for k in v.get("/v1/access/keys").json()}
        assert keys[ids["key_id"]]["state"] == "active"
        users = {u["id"]: u for u in v.get("/v1/access/users").json()}
        assert users[ids["user_id"]]["state"] == "active"
        blocks = v.get("/v1/routing/blocks").json()
        assert any(str(b["id"]) == ids["block_id"] for b in blocks)


def test_openapi_documents_every_error_as_a_problem(hub: Hub, database_url: str) -> None:
    sqlite_only(database_url)
    doc = build_app(hub).openapi()
    wrong = []
    for path, ops in doc["paths"].items():
        for method, op in ops.items():
            codes = op["responses"]
            for code, answer in codes.items():
                if code[0] in "45" and list(answer.get("content", {})) != [
                        "application/problem+json"]:
                    wrong.append(f"{method} {path} {code}")
            if "{" in path and "404" not in codes:
                wrong.append(f"{method} {path}: no 404")
            json_body = "application/json" in op.get("requestBody", {}).get("content", {})
            if json_body and not {"400", "413", "415", "422"} <= set(codes):
                wrong.append(f"{method} {path}: body errors missing")
    assert wrong == []
    assert "HTTPValidationError" not in doc["components"]["schemas"]
    assert "$defs" not in str(doc["paths"]["/v1/orders/batch"])
    assert "format': 'time'" not in str(doc)


def test_the_tests_copy_of_the_openapi_document_is_what_an_app_builds(
        hub: Hub, database_url: str) -> None:
    """tests/api.py gives each test's app the document of the first app of the process: it
    must be what this app, with this hub, builds itself."""
    sqlite_only(database_url)
    create_app(hub)  # the process's copy exists (made now if this test runs first)
    served = create_app(hub).openapi()
    assert served is not create_app(hub).openapi()  # each app its own copy to change
    assert served == build_app(hub).openapi()
