"""Every administrative change is audited in its own transaction, with who did it and what
changed (before/after), never a secret: warehouses, stock, SKUs, carriers, region blocks,
webhooks, channels, tenants. Driven through the API as an operator would."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from orderhub.bootstrap import Hub
from orderhub.domain.audit import AUDITED_KINDS
from orderhub.services import audit, catalog
from tests.api import api_client
from tests.factories import T, seed_network

WAREHOUSE = {"code": "WH9", "name": "Hangzhou DC", "lat": 30.27, "lon": 120.15,
             "province": "浙江", "daily_capacity": 100}
CHANNEL_SECRET = "chan-secret-do-not-log-0123456789"
WEBHOOK_SECRET = "whsec_" + "A" * 40


def _entry(client: TestClient, subject: str, n: int = 0) -> dict[str, Any]:
    """The n-th newest entry about `subject`."""
    found = client.get("/v1/audit", params={"subject": subject}).json()
    assert len(found) > n, (subject, found)
    entry: dict[str, Any] = found[n]
    return entry


def _ok(r: Any, status: int = 200) -> Any:
    assert r.status_code == status, r.text
    return r.json() if r.content else None


def test_administrative_changes_are_audited_with_actor_and_changes(hub: Hub) -> None:
    seed_network(hub)
    with api_client(hub) as client:
        # Who the API records as the actor: the same as on a rule change (audited before).
        _ok(client.put("/v1/routing/rules/probe", json={
            "when": {"channel": ["web"]}, "then": {"exclude_sites": ["GZ"]}, "reason": "t"}))
        actor = _entry(client, "routing-rule/probe")["actor"]
        assert actor

        # warehouses: create, capacity and cost, close, reopen
        _ok(client.post("/v1/warehouses", json=WAREHOUSE), 201)
        e = _entry(client, "warehouse/WH9")
        assert (e["kind"], e["actor"], e["detail"]["change"]) == (
            "warehouse_change", actor, "created")
        assert e["detail"]["daily_capacity"] == 100
        _ok(client.patch("/v1/warehouses/WH9", json={
            "daily_capacity": 40, "handling_per_order": "4.50", "reason": "fewer pickers"}))
        e = _entry(client, "warehouse/WH9")
        assert e["actor"] == actor and e["detail"]["reason"] == "fewer pickers"
        assert e["detail"]["fields"] == {
            "daily_capacity": {"before": 100, "after": 40},
            "handling_per_order": {"before": "3.00", "after": "4.50"}}
        _ok(client.post("/v1/warehouses/WH9/close", json={"reason": "flood"}))
        e = _entry(client, "warehouse/WH9")
        assert e["detail"]["change"] == "closed" and e["detail"]["reason"] == "flood"
        assert e["detail"]["fields"] == {"active": {"before": True, "after": False}}
        _ok(client.patch("/v1/warehouses/WH9", json={"active": True, "reason": "dry"}))
        e = _entry(client, "warehouse/WH9")
        assert e["detail"]["change"] == "reopened" and e["actor"] == actor

        # stock: receipt, adjustment, safety stock; a SKU made unsellable
        _ok(client.post("/v1/inventory/receipts", json={
            "sku": "A", "warehouse": "SH", "quantity": 5, "reference": "ASN-1"}), 201)
        e = _entry(client, "stock/A@SH")
        assert (e["kind"], e["actor"]) == ("stock_change", actor)
        assert e["detail"] == {"change": "receipt", "delta": 5, "reason": "receipt",
                               "reference": "ASN-1", "on_hand": 15}
        _ok(client.post("/v1/inventory/adjustments", json={
            "sku": "A", "warehouse": "SH", "delta": -2, "reason": "damaged",
            "reference": "CNT-1"}), 201)
        e = _entry(client, "stock/A@SH")
        assert e["detail"]["change"] == "adjustment" and e["detail"]["delta"] == -2
        _ok(client.put("/v1/inventory/A/SH/safety-stock", json={"safety_stock": 3,
                                                                 "reason": "peak"}))
        e = _entry(client, "stock/A@SH")
        assert e["detail"]["fields"] == {"safety_stock": {"before": 0, "after": 3}}
        _ok(client.post("/v1/skus", json={"code": "Z9", "name": "Zest", "list_price": "2.50"}),
            201)
        e = _entry(client, "sku/Z9")
        assert (e["kind"], e["actor"]) == ("sku_change", actor)
        assert e["detail"] == {"change": "created", "name": "Zest", "list_price": "2.50",
                               "active": True}
        _ok(client.patch("/v1/skus/B", json={"active": False}))
        e = _entry(client, "sku/B")
        assert (e["kind"], e["actor"]) == ("sku_change", actor)
        assert e["detail"] == {"active": {"before": True, "after": False}}

        # carriers: state and lanes
        _ok(client.patch("/v1/carriers/ZTO:standard", json={
            "state": "degraded", "delay_days": 2, "reason": "typhoon"}))
        e = _entry(client, "carrier/ZTO:standard")
        assert (e["kind"], e["actor"], e["detail"]["reason"]) == (
            "carrier_change", actor, "typhoon")
        assert e["detail"]["fields"] == {"state": {"before": "up", "after": "degraded"},
                                         "delay_days": {"before": 0, "after": 2}}
        _ok(client.put("/v1/carriers/ZTO:standard/lanes", json={"lanes": {"east>south": 3}}))
        e = _entry(client, "carrier/ZTO:standard")
        assert e["detail"]["change"] == "lanes"
        assert e["detail"]["fields"]["lanes"]["after"] == {"east>south": 3}

        # routing blocks and lifts
        block = _ok(client.post("/v1/routing/blocks", json={
            "area": "福建", "direction": "inbound", "reason": "storm"}), 201)
        e = _entry(client, f"block/{block['id']}")
        assert (e["kind"], e["actor"], e["detail"]["change"]) == (
            "routing_block", actor, "blocked")
        assert e["detail"]["direction"] == "inbound" and e["detail"]["reason"] == "storm"
        _ok(client.post(f"/v1/routing/blocks/{block['id']}/lift", json={"reason": "calm"}))
        e = _entry(client, f"block/{block['id']}")
        assert e["detail"]["change"] == "lifted" and e["actor"] == actor

        # webhooks: create, update, rotate the secret, delete; never the secret or a token
        hook = _ok(client.post("/v1/webhooks", json={
            "url": "https://hooks.example.com/in?token=tok-do-not-log",
            "secret": WEBHOOK_SECRET, "event_types": ["OrderCreated"]}), 201)
        subject = f"webhook/{hook['id']}"
        e = _entry(client, subject)
        assert (e["kind"], e["actor"], e["detail"]["change"]) == (
            "webhook_change", actor, "created")
        assert e["detail"]["url"] == "https://hooks.example.com/in?…"
        _ok(client.patch(f"/v1/webhooks/{hook['id']}", json={"active": False}))
        e = _entry(client, subject)
        assert e["detail"] == {"change": "updated",
                               "fields": {"active": {"before": True, "after": False}}}
        rotated = _ok(client.post(f"/v1/webhooks/{hook['id']}/rotate-secret"))
        e = _entry(client, subject)
        assert e["detail"] == {"change": "secret_rotated", "secret_given": False}
        _ok(client.delete(f"/v1/webhooks/{hook['id']}"), 204)
        e = _entry(client, subject)
        assert e["detail"]["change"] == "deleted" and e["actor"] == actor

        # channels: created with a secret, which the log never holds
        _ok(client.post("/v1/channels", json={"code": "shop2", "name": "Shop 2",
                                              "adapter": "shopify",
                                              "secret": CHANNEL_SECRET}), 201)
        e = _entry(client, "channel/shop2")
        assert (e["kind"], e["actor"]) == ("channel_change", actor)
        assert e["detail"] == {"change": "created", "name": "Shop 2", "kind": "web",
                               "active": True, "adapter": "shopify", "has_secret": True,
                               "cross_border": False, "ship_from_country": ""}

        everything = str(client.get("/v1/audit", params={"limit": 1000}).json())
        for secret in (CHANNEL_SECRET, WEBHOOK_SECRET, rotated["secret"], "tok-do-not-log"):
            assert secret not in everything
        kinds = {e["kind"] for e in client.get("/v1/audit", params={"limit": 1000}).json()}
        assert {"warehouse_change", "stock_change", "sku_change", "carrier_change",
                "routing_block", "webhook_change", "channel_change"} <= kinds
        for kind in kinds:  # every kind written is a documented one, and filterable
            assert kind in AUDITED_KINDS
            assert {e["kind"] for e in client.get("/v1/audit", params={"kind": kind}).json()
                    } == {kind}
        assert client.get("/v1/audit/verify").json()["ok"] is True


def test_the_actor_given_to_a_service_is_the_one_recorded(hub: Hub) -> None:
    now = hub.clock()
    assert catalog.ensure_tenant(hub.uow, "acme", "Acme Ltd", now, actor="alice")
    [e] = audit.entries(hub.read_uow, "acme")
    assert (e["kind"], e["actor"], e["subject"]) == ("tenant_change", "alice", "tenant/acme")
    assert e["detail"] == {"change": "created", "name": "Acme Ltd"}
    assert audit.verify_chain(hub.read_uow, "acme").ok
    assert audit.entries(hub.read_uow, T, subject="tenant/acme") == []  # its own chain


def test_a_failed_change_leaves_no_entry(hub: Hub) -> None:
    seed_network(hub)
    with api_client(hub) as client:
        before = len(client.get("/v1/audit", params={"limit": 1000}).json())
        r = client.patch("/v1/warehouses/NOPE", json={"daily_capacity": 1})
        assert r.status_code == 404
        r = client.post("/v1/warehouses", json={**WAREHOUSE, "code": "SH"})
        assert r.status_code == 409
        assert len(client.get("/v1/audit", params={"limit": 1000}).json()) == before
        r = client.get("/v1/audit", params={"kind": "not_a_kind"})
        assert r.status_code == 422
