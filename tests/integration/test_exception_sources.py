"""Sources of the exception desk wired in services: a carrier booking that fails for good,
a lapsed pre-sale lock, and the service functions the alert code calls
(open_exception / resolve_exceptions: idempotent per (tenant, kind, source))."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest

from orderhub.bootstrap import Hub
from orderhub.domain.exceptions import ExceptionKind
from orderhub.domain.order import OrderType
from orderhub.services.exceptions import desk, views
from orderhub.services.intake.submit import submit_orders
from tests.api import api_client
from tests.conftest import Clock
from tests.factories import draft, seed_network
from tests.integration.test_waybills import carrier_api, hub_with_api, post  # noqa: F401
from tests.webhook_receiver import Json, Receiver


def test_a_carrier_failure_opens_an_exception(hub_with_api: Hub,  # noqa: F811
                                              carrier_api: Receiver) -> None:  # noqa: F811
    seed_network(hub_with_api, {("A", "SH"): 10, ("A", "BJ"): 10})
    carrier_api.script("/zto/waybills", 503)
    with api_client(hub_with_api) as client:
        r = client.put("/v1/exceptions/policy", json={"policy": {"l1": {"remedies": []}},
                                                      "reason": "nothing automatic"})
        assert r.status_code == 200, r.text
        oid = post(client, "CF-1")
        for code in ("SF:express", "JD:b2b_freight"):
            client.patch(f"/v1/carriers/{code}", json={"state": "down", "reason": "strike"})
        assert client.post(f"/v1/orders/{oid}/release").status_code == 503
        carrier_api.script("/zto/waybills", 400)  # refused request: the breaker stays closed
        assert client.post(f"/v1/orders/{oid}/release").status_code == 503  # same exception
        items = client.get("/v1/exceptions", params={"kind": "carrier_failure"}).json()["items"]
        assert [(i["order_id"], i["source"]) for i in items] == [(oid, f"carrier:{oid}")]
        exc = client.get(f"/v1/exceptions/{items[0]['id']}").json()
        kinds = {r["kind"] for r in exc["remedies"]}
        assert {"switch_warehouse", "contact_customer", "cancel_and_refund"} <= kinds
        assert "no carrier booked" not in exc["reason"] and "HTTP 503" in exc["reason"]
        carrier_api.script("/zto/waybills", Json({"waybill": "73100000009"}))
        r = client.post(f"/v1/orders/{oid}/release")
        assert r.status_code == 200, r.text
        exc = client.get(f"/v1/exceptions/{items[0]['id']}").json()
        assert exc["state"] == "resolved" and exc["resolution"].startswith("waybill booked")


def test_open_and_resolve_for_the_alert_code(hub: Hub, clock: Clock) -> None:
    seed_network(hub, {("A", "SH"): 10, ("A", "BJ"): 10})
    with api_client(hub) as client:
        r = client.post("/v1/orders", json={
            "external_id": "AL-1", "channel": "web", "currency": "CNY",
            "shipping_address": {"country": "CN", "province": "上海市", "city": "上海市",
                                 "district": "浦东新区", "line1": "世纪大道 1 号",
                                 "name": "李雷", "phone": "13800138000"},
            "lines": [{"sku": "A", "quantity": 1, "unit_price": "10.00"}]})
        oid = r.json()["id"]
    now = clock()
    with hub.uow() as uow:
        first = desk.open_exception(uow, tenant_id="default", order_id=oid,
                                    kind=ExceptionKind.STALLED, source="alert:release",
                                    reason="release 40 min late", now=now, actor="system",
                                    details={"stage": "released"})
        again = desk.open_exception(uow, tenant_id="default", order_id=oid,
                                    kind=ExceptionKind.STALLED, source="alert:release",
                                    reason="still late", now=now, actor="system")
        uow.commit()
    assert first == again
    exc = views.get_exception(hub.read_uow, "default", first)
    assert exc["kind"] == "stalled" and exc["details"] == {"stage": "released"}
    kinds = {r["kind"] for r in exc["remedies"]}
    assert {"switch_warehouse", "contact_customer", "cancel_and_refund"} <= kinds
    assert exc["state"] == "open"  # BJ is farther (later), so no L1 switch
    with hub.uow() as uow:
        n = desk.resolve_exceptions(uow, tenant_id="default", order_id=oid,
                                    source="alert:release", reason="order moved on",
                                    now=now + timedelta(minutes=5), actor="system")
        uow.commit()
    assert n == 1
    assert views.get_exception(hub.read_uow, "default", first)["state"] == "resolved"
    with hub.uow() as uow:  # the same cause again later: a new exception
        third = desk.open_exception(uow, tenant_id="default", order_id=oid,
                                    kind=ExceptionKind.STALLED, source="alert:release",
                                    reason="late again", now=now + timedelta(hours=1),
                                    actor="system")
        uow.commit()
    assert third != first


def test_a_lapsed_presale_lock_is_on_the_desk(hub: Hub, clock: Clock) -> None:
    seed_network(hub, {("A", "SH"): 10})
    [res] = submit_orders(hub.uow, "default", [draft(
        "PS-1", [("A", 1)], order_type=OrderType.PRE_SALE,
        presale_release=(clock.now + timedelta(days=3)).date())], strategy=hub.strategy,
        now=clock(), actor="t", presale_lock=hub.presale_lock)
    oid = res.order_id
    with api_client(hub) as client:
        clock.now += timedelta(hours=2)
        assert client.post("/v1/orders/expire-reservations").json()["orders_released"] == 1
        items = client.get("/v1/exceptions", params={"order_id": oid}).json()["items"]
        assert [(i["kind"], i["state"]) for i in items] == [("reservation_expired", "open")]
        exc = client.get(f"/v1/exceptions/{items[0]['id']}").json()
        switch = next(r for r in exc["remedies"] if r["kind"] == "switch_warehouse")
        assert switch["tier"] == "L2" and switch["cost_delta"] == "0.00"  # never automatic


def test_concurrent_opens_make_one_exception(hub: Hub, clock: Clock, database_url: str) -> None:
    if database_url.startswith("sqlite"):
        pytest.skip("SQLite serialises writers; the race needs PostgreSQL")
    seed_network(hub, {("A", "SH"): 10})
    [res] = submit_orders(hub.uow, "default", [draft("RACE-1")], strategy=hub.strategy,
                          now=clock(), actor="t", presale_lock=hub.presale_lock)
    oid = str(res.order_id)
    opened = threading.Event()
    ids: list[str] = []

    def first() -> None:
        with hub.uow() as uow:
            ids.append(desk.open_exception(uow, tenant_id="default", order_id=oid,
                                           kind=ExceptionKind.AT_RISK, source="alert:risk",
                                           reason="a", now=clock(), actor="system"))
            opened.set()
            threading.Event().wait(0.5)  # the second one waits on this transaction
            uow.commit()

    t = threading.Thread(target=first)
    t.start()
    opened.wait(10)
    with hub.uow() as uow:
        second = desk.open_exception(uow, tenant_id="default", order_id=oid,
                                     kind=ExceptionKind.AT_RISK, source="alert:risk",
                                     reason="b", now=clock(), actor="system")
        uow.commit()
    t.join()
    assert ids == [second]
    assert len(views.list_exceptions(hub.read_uow, "default", order_id=oid)["items"]) == 1


def test_an_anomaly_makes_every_remedy_of_the_order_l3(hub: Hub, clock: Clock) -> None:
    seed_network(hub, {})
    [res] = submit_orders(hub.uow, "default", [draft("FR-1", [("A", 1)])],
                          strategy=hub.strategy, now=clock(), actor="t",
                          presale_lock=hub.presale_lock)
    oid = str(res.order_id)  # held: no stock
    with hub.uow() as uow:
        fraud = desk.open_exception(uow, tenant_id="default", order_id=oid,
                                    kind=ExceptionKind.ANOMALY, source="anomaly:address",
                                    reason="20 orders to one address", now=clock(),
                                    actor="system")
        uow.commit()
    with api_client(hub) as client:
        client.post("/v1/inventory/receipts", json={"sku": "A", "warehouse": "SH",
                                                     "quantity": 5, "reference": "r"})
        items = client.get("/v1/exceptions", params={"order_id": oid}).json()["items"]
        assert sorted(i["kind"] for i in items) == ["anomaly", "held"]
        held = next(i for i in items if i["kind"] == "held")
        assert held["state"] == "open" and held["tier"] == "L3"  # not re-planned on its own
        assert client.get(f"/v1/orders/{oid}").json()["status"] == "on_hold"
        assert client.get(f"/v1/exceptions/{fraud}").json()["tier"] == "L3"


def test_an_order_held_as_suspected_fraud_is_an_l3_anomaly_on_the_desk(
        hub: Hub, clock: Clock) -> None:
    """Anomaly holds reach the desk as kind anomaly, decided by a person only (L3): no
    remedy is ever applied by itself."""
    from orderhub.domain.order import HoldCode, HoldReason

    seed_network(hub)
    [r] = submit_orders(hub.uow, "default", [draft("AN-1")], strategy=hub.strategy,
                        now=clock.now, actor="test", presale_lock=hub.presale_lock)
    with hub.uow() as uow:  # what intake's anomaly stage does for a brushing burst
        order = uow.orders.get("default", str(r.order_id), lock=True)
        freed = order.reroute("suspected brushing", clock.now, "anomaly",
                              hold=HoldReason(HoldCode.SUSPECTED_FRAUD, "6 accounts, 1 address"))
        from orderhub.domain.order import stock_quantities
        uow.stock.release("default", stock_quantities(freed), clock.now)
        uow.commit()
    desk.sync_holds(hub.uow, "default", now=clock.now)
    [item] = views.list_exceptions(hub.read_uow, "default", order_id=str(r.order_id))["items"]
    assert item["kind"] == ExceptionKind.ANOMALY.value and item["tier"] == "L3"
    detail = views.get_exception(hub.read_uow, "default", item["id"])
    assert detail["state"] == "open" and all(x["tier"] == "L3" for x in detail["remedies"])
