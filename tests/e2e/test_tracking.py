"""Carrier tracking through the API (issue 14): signed, idempotent bulk pushes; orphans kept
and matched at release (or by the job); out-of-order checkpoints never move a shipment
back; `delivered` delivers the shipment; item-indexed 422s; tenants kept apart."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient

from orderhub.adapters.carriers.base import WaybillRequest
from orderhub.adapters.carriers.simulated import LocalWaybills
from orderhub.adapters.carriers.tracking_signing import HEADER, sign
from orderhub.bootstrap import Hub
from orderhub.services import catalog
from orderhub.services.jobs import tracking_match
from orderhub.services.tracking.views import checkpoints_for_order
from tests.api import api_client, auth_headers
from tests.factories import ADDRESS_JSON, seed_network

PROBLEM = "application/problem+json"


def new_order(client: TestClient, ext: str) -> dict[str, Any]:
    r = client.post("/v1/orders", json={
        "external_id": ext, "channel": "web", "currency": "CNY",
        "shipping_address": ADDRESS_JSON,
        "lines": [{"sku": "A", "quantity": 1, "unit_price": "10.00"}]})
    assert r.status_code == 201, r.text
    assert r.json()["status"] == "allocated", r.json()
    return dict(r.json())


def to_shipped(client: TestClient, oid: str) -> dict[str, Any]:
    for step in ("release", "pick", "pack", "ship"):
        r = client.post(f"/v1/orders/{oid}/{step}", json={} if step == "ship" else None)
        assert r.status_code == 200, (step, r.text)
    [s] = client.get(f"/v1/orders/{oid}").json()["shipments"]
    return dict(s)


def secret_for(client: TestClient, carrier: str) -> str:
    r = client.put(f"/v1/carriers/{carrier}/tracking/secret", json={"generate": True})
    assert r.status_code == 200, r.text
    return str(r.json()["secret"])


def cp(event_id: str, waybill: str, kind: str, hour: int, **extra: str) -> dict[str, Any]:
    return {"event_id": event_id, "waybill": waybill, "kind": kind,
            "at": f"2026-11-25T{hour:02d}:00:00+08:00", **extra}


def push(client: TestClient, carrier: str, secret: str, items: list[dict[str, Any]],
         *, signature: str | None = None) -> Any:
    body = json.dumps(items).encode()
    return client.post(f"/v1/carriers/{carrier}/tracking", content=body,
                       headers={"Content-Type": "application/json",
                                HEADER: signature or sign(secret, body)})


def carrier_of(shipment: dict[str, Any]) -> str:
    return str(shipment["carrier_service"]).split(":")[0]


def test_signed_push_records_checkpoints_idempotently_and_delivers(hub: Hub) -> None:
    seed_network(hub)
    with api_client(hub) as admin, api_client(hub, role="carrier_integration") as carrier_key:
        oid = new_order(admin, "TR-1")["id"]
        s = to_shipped(admin, oid)
        carrier, waybill = carrier_of(s), s["waybill"]
        assert waybill
        secret = secret_for(admin, carrier)
        batch = [cp("e1", waybill, "picked_up", 9, location="上海浦东"),
                 cp("e2", waybill, "arrived_at_hub", 13, location="上海转运中心")]
        r = push(carrier_key, carrier, secret, batch)
        assert r.status_code == 200, r.text
        assert r.json() == {"received": 2, "new": 2, "duplicates": 0, "matched": 2,
                            "orphaned": 0, "delivered": 0}
        # the same push again (a carrier retry) is stored once and records nothing
        events_before = len(admin.get(f"/v1/orders/{oid}/timeline").json())
        r = push(carrier_key, carrier, secret, batch)
        assert r.json()["duplicates"] == 2 and r.json()["new"] == 0
        assert len(admin.get(f"/v1/orders/{oid}/timeline").json()) == events_before

        # delivered: the shipment and the order are delivered through the lifecycle
        r = push(carrier_key, carrier, secret, [cp("e3", waybill, "out_for_delivery", 15),
                                                cp("e4", waybill, "delivered", 17)])
        assert r.json()["delivered"] == 1, r.text
        order = admin.get(f"/v1/orders/{oid}").json()
        assert order["status"] == "delivered"
        assert order["shipments"][0]["status"] == "delivered"
        assert order["shipments"][0]["delivered_at"].startswith("2026-11-25T09:00:00")
        timeline = admin.get(f"/v1/orders/{oid}/timeline").json()
        recorded = [e for e in timeline if e["type"] == "ShipmentCheckpointRecorded"]
        assert [e["data"]["checkpoint"] for e in recorded] == [
            "picked_up", "arrived_at_hub", "out_for_delivery", "delivered"]
        assert set(recorded[0]["data"]) >= {"shipment_id", "carrier", "waybill", "checkpoint",
                                            "checkpoint_at", "location", "description"}
        assert recorded[0]["data"]["location"] == "上海浦东"
        assert timeline[-1]["type"] == "ShipmentDelivered"
        assert timeline[-1]["data"]["previous_status"] == "shipped"

        # out of order: an earlier checkpoint arriving after delivery is kept in the
        # history, but the shipment stays delivered
        r = push(carrier_key, carrier, secret, [cp("e0", waybill, "arrived_at_hub", 11)])
        assert r.json()["matched"] == 1
        view = admin.get(f"/v1/orders/{oid}/tracking").json()
        [ship] = view["shipments"]
        assert ship["current"]["checkpoint"] == "delivered"
        assert ship["current"]["label_zh"] == "已签收"
        assert [c["checkpoint"] for c in ship["checkpoints"]] == [
            "picked_up", "arrived_at_hub", "arrived_at_hub", "out_for_delivery", "delivered"]
        assert admin.get(f"/v1/orders/{oid}").json()["status"] == "delivered"

        # a credential bound to other warehouses does not see it; one bound to its does
        wh = order["shipments"][0]["warehouse"]
        other = "BJ" if wh != "BJ" else "SH"
        with TestClient(admin.app, headers=auth_headers(
                hub, role="logistics", warehouses=[other])) as bound:
            assert bound.get(f"/v1/orders/{oid}/tracking").status_code == 404
        with TestClient(admin.app, headers=auth_headers(
                hub, role="logistics", warehouses=[wh])) as bound:
            assert bound.get(f"/v1/orders/{oid}/tracking").status_code == 200

        # the read model the twin calls
        with hub.read_uow() as uow:
            rows = checkpoints_for_order(uow, "default", oid)
        assert [r["event_id"] for r in rows] == ["e1", "e0", "e2", "e3", "e4"]
        assert rows[0]["at"].utcoffset() == timedelta(0)


def test_out_of_order_push_delivered_first_then_earlier_ones(hub: Hub) -> None:
    seed_network(hub)
    with api_client(hub) as admin, api_client(hub, role="carrier_integration") as carrier_key:
        oid = new_order(admin, "TR-2")["id"]
        s = to_shipped(admin, oid)
        carrier, waybill = carrier_of(s), s["waybill"]
        secret = secret_for(admin, carrier)
        r = push(carrier_key, carrier, secret, [cp("d", waybill, "delivered", 18)])
        assert r.json()["delivered"] == 1
        # arrived later, and even stamped after the delivery by a skewed carrier clock
        r = push(carrier_key, carrier, secret, [cp("a", waybill, "arrived_at_hub", 10),
                                                cp("f", waybill, "failed_attempt", 20)])
        assert r.json()["matched"] == 2 and r.json()["delivered"] == 0
        [ship] = admin.get(f"/v1/orders/{oid}/tracking").json()["shipments"]
        assert ship["current"]["checkpoint"] == "delivered"
        assert ship["status"] == "delivered"


def test_bad_signature_is_401_and_stores_nothing(hub: Hub) -> None:
    seed_network(hub)
    with api_client(hub) as admin, api_client(hub, role="carrier_integration") as carrier_key:
        secret = secret_for(admin, "ZTO")
        items = [cp("x1", "7000000001", "picked_up", 9)]
        r = push(carrier_key, "ZTO", secret, items, signature="sha256=" + "0" * 64)
        assert r.status_code == 401 and r.headers["content-type"].startswith(PROBLEM)
        # signed with another secret, or for a carrier with no secret, or no header at all
        assert push(carrier_key, "ZTO", "trsec_wrong-secret-wrong-secret",
                    items).status_code == 401
        assert push(carrier_key, "SF", secret, items).status_code == 401
        body = json.dumps(items).encode()
        r = carrier_key.post("/v1/carriers/ZTO/tracking", content=body,
                             headers={"Content-Type": "application/json"})
        assert r.status_code == 401
        # a body changed after signing
        sig = sign(secret, body)
        r = carrier_key.post("/v1/carriers/ZTO/tracking", content=body.replace(b"x1", b"x2"),
                             headers={"Content-Type": "application/json", HEADER: sig})
        assert r.status_code == 401
        # rotated: the old secret stops working
        new = secret_for(admin, "ZTO")
        assert push(carrier_key, "ZTO", secret, items).status_code == 401
        assert push(carrier_key, "ZTO", new, items).status_code == 200
        # a key without tracking:push is refused before anything else
        with api_client(hub, role="analyst") as analyst:
            assert push(analyst, "ZTO", new, items).status_code == 403
    with hub.read_uow() as uow:
        assert uow.tracking.orphan_count("default") == 1


def test_unknown_waybill_is_an_orphan_then_matched_at_release(hub: Hub) -> None:
    seed_network(hub)
    with api_client(hub) as admin, api_client(hub, role="carrier_integration") as carrier_key:
        o = new_order(admin, "TR-3")
        [s] = o["shipments"]
        service = s["carrier_service"]
        carrier = service.split(":")[0]
        # the waybill the (local) carrier will book at release, pushed before it is booked
        waybill = LocalWaybills().book(WaybillRequest(
            "default", o["id"], s["id"], service, "", "", "", "", "", "", "", "",
            __import__("decimal").Decimal(1), 1))
        secret = secret_for(admin, carrier)
        r = push(carrier_key, carrier, secret, [cp("o1", waybill, "info_received", 8),
                                                cp("o2", "NO-SUCH-WAYBILL", "picked_up", 9)])
        assert r.json() == {"received": 2, "new": 2, "duplicates": 0, "matched": 0,
                            "orphaned": 2, "delivered": 0}
        assert admin.get(f"/v1/orders/{o['id']}/tracking").json()["shipments"][0][
            "checkpoints"] == []
        r = admin.post(f"/v1/orders/{o['id']}/release")
        assert r.status_code == 200, r.text
        assert r.json()["shipments"][0]["waybill"] == waybill
        [ship] = admin.get(f"/v1/orders/{o['id']}/tracking").json()["shipments"]
        assert [c["event_id"] for c in ship["checkpoints"]] == ["o1"]
        assert ship["current"]["checkpoint"] == "info_received"
        timeline = admin.get(f"/v1/orders/{o['id']}/timeline").json()
        assert [e["type"] for e in timeline][-2:] == ["OrderReleasedToWarehouse",
                                                      "ShipmentCheckpointRecorded"]
        # a delivered checkpoint before dispatch is stored, not applied, and not an error
        r = push(carrier_key, carrier, secret, [cp("o3", waybill, "delivered", 12)])
        assert r.status_code == 200 and r.json()["delivered"] == 0
        assert admin.get(f"/v1/orders/{o['id']}").json()["status"] == "released"
        # ... and applied when the warehouse confirms the dispatch (late)
        for step in ("pick", "pack", "ship"):
            r = admin.post(f"/v1/orders/{o['id']}/{step}", json={} if step == "ship" else None)
            assert r.status_code == 200, r.text
        assert r.json()["status"] == "delivered"
        assert r.json()["shipments"][0]["delivered_at"].startswith("2026-11-25T04:00:00")
    with hub.read_uow() as uow:
        assert uow.tracking.orphan_count("default") == 1  # the unknown waybill stays


def test_the_match_job_picks_up_an_orphan_whose_waybill_exists_now(hub: Hub) -> None:
    """A push that raced the release (it saw no shipment, the release saw no orphan)."""
    seed_network(hub)
    with api_client(hub) as admin:
        oid = new_order(admin, "TR-4")["id"]
        s = to_shipped(admin, oid)
    carrier, waybill = carrier_of(s), s["waybill"]
    now = hub.clock()
    from orderhub.domain.tracking import Checkpoint, CheckpointKind

    with hub.uow() as uow:  # stored as an orphan, as if before the waybill was committed
        uow.tracking.add("default", [(Checkpoint(carrier, waybill, "late-1",
                                                 CheckpointKind.PICKED_UP, now), None)], now)
        uow.commit()
    # older than the job's window: left to the release that books its waybill
    assert tracking_match(hub.uow).run_once(now + timedelta(days=2)) == 0
    assert tracking_match(hub.uow).run_once(now) == 1
    assert tracking_match(hub.uow).run_once(now) == 0
    with hub.read_uow() as uow:
        assert [r["event_id"] for r in checkpoints_for_order(uow, "default", oid)] == ["late-1"]


def test_bad_items_are_422_naming_the_item_and_nothing_is_stored(hub: Hub) -> None:
    seed_network(hub)
    with api_client(hub) as admin, api_client(hub, role="carrier_integration") as carrier_key:
        secret = secret_for(admin, "ZTO")
        items = [cp("ok", "7000000001", "picked_up", 9),
                 {**cp("bad-kind", "7000000002", "teleported", 9)},
                 {**cp("naive", "7000000003", "picked_up", 9), "at": "2026-11-25T09:00:00"},
                 {"event_id": "", "waybill": "7000000004", "kind": "delivered",
                  "at": "2026-11-25T09:00:00Z", "extra": 1}]
        r = push(carrier_key, "ZTO", secret, items)
        assert r.status_code == 422 and r.headers["content-type"].startswith(PROBLEM)
        fields = {e["field"] for e in r.json()["errors"]}
        assert {"1.kind", "2.at", "3.event_id", "3.extra"} <= fields, fields
        assert not any(f.startswith("0") for f in fields)
        r = push(carrier_key, "ZTO", secret, [cp(str(i), "7", "picked_up", 9)
                                              for i in range(1001)])
        assert r.status_code == 422
        r = push(carrier_key, "ZTO", secret, {"not": "a list"})  # type: ignore[arg-type]
        assert r.status_code == 422
        r = admin.put("/v1/carriers/ZTO/tracking/secret", json={"secret": "short"})
        assert r.status_code == 422
        r = admin.put("/v1/carriers/ZTO/tracking/secret", json={})
        assert r.status_code == 422
    with hub.read_uow() as uow:
        assert uow.tracking.orphan_count("default") == 0


def test_another_tenants_waybill_is_an_orphan_for_the_pusher(hub: Hub) -> None:
    seed_network(hub)
    catalog.ensure_tenant(hub.uow, "acme", "Acme", hub.clock())
    with api_client(hub) as admin:
        oid = new_order(admin, "TR-5")["id"]
        s = to_shipped(admin, oid)
    carrier, waybill = carrier_of(s), s["waybill"]
    with api_client(hub, tenant="acme") as acme_admin, \
            api_client(hub, tenant="acme", role="carrier_integration") as acme_carrier:
        secret = secret_for(acme_admin, carrier)
        r = push(acme_carrier, carrier, secret, [cp("x", waybill, "delivered", 9)])
        assert r.status_code == 200, r.text
        assert r.json()["orphaned"] == 1 and r.json()["matched"] == 0
        assert acme_admin.get(f"/v1/orders/{oid}/tracking").status_code == 404
    assert tracking_match(hub.uow).run_once(hub.clock()) == 0
    with api_client(hub) as admin:
        assert admin.get(f"/v1/orders/{oid}").json()["status"] == "shipped"
        assert admin.get(f"/v1/orders/{oid}/tracking").json()["shipments"][0][
            "checkpoints"] == []
        # and the default tenant's own carrier secret is not acme's
        with api_client(hub, role="carrier_integration") as own:
            assert push(own, carrier, secret, [cp("y", waybill, "picked_up", 9)]
                        ).status_code == 401
