"""The exception desk's recall_and_reroute through the API (SQLite and PostgreSQL): an
order released to its warehouse and stalled there is offered a recall priced by the
router; approved by two others it is taken back (waybill voided by the saga, stock
released) and allocated at another site, evented and audited; an order picked meanwhile
is a 409 with a fresh list. Pending proposals past their expiry are marked expired by the
proposal-expiry job."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

from fastapi.testclient import TestClient

from orderhub.bootstrap import Hub
from orderhub.domain.exceptions import ExceptionKind
from orderhub.services.exceptions import desk
from tests.api import api_client
from tests.conftest import Clock
from tests.e2e.test_exception_desk import (
    BEIJING_JSON,
    as_person,
    by_kind,
    exception_of,
    post_order,
)
from tests.factories import T, seed_network
from tests.sagas_support import install


def reserved(hub: Hub) -> dict[str, int]:
    with hub.read_uow() as uow:
        return {wh: lv.reserved for (_, wh), lv in uow.stock.levels(T, ["A"]).items()}


def released_and_stalled(hub: Hub, admin: TestClient, ext: str) -> tuple[dict[str, Any], str]:
    """An order released to SH (waybill booked) and the twin's stall alert on the desk (the
    service call services/twin/desk_link.py makes)."""
    order = post_order(admin, ext, [("A", 1)])
    assert order["status"] == "allocated" and order["shipments"][0]["warehouse"] == "SH"
    r = admin.post(f"/v1/orders/{order['id']}/release")
    assert r.status_code == 200 and r.json()["status"] == "released", r.text
    with hub.uow() as uow:
        exc_id = desk.open_exception(uow, tenant_id=T, order_id=order["id"],
                                     kind=ExceptionKind.STALLED, source=f"alert:{ext}",
                                     reason="pick 2 h late at SH", now=hub.clock(),
                                     actor="system", details={"stage": "released"})
        uow.commit()
    return r.json(), exc_id


def test_a_stalled_released_order_is_recalled_and_rerouted(hub: Hub) -> None:
    fake = install(hub)
    seed_network(hub, {("A", "SH"): 10, ("A", "BJ"): 10})
    with api_client(hub) as admin:
        order, exc_id = released_and_stalled(hub, admin, "RC-1")
        oid, old = order["id"], order["shipments"][0]
        assert old["waybill"] and reserved(hub) == {"SH": 1, "BJ": 0}
        exc = admin.get(f"/v1/exceptions/{exc_id}").json()
        assert exc["state"] == "open" and exc["kind"] == "stalled"
        kinds = by_kind(exc)
        assert len(exc["remedies"]) >= 3
        assert {"recall_and_reroute", "contact_customer", "cancel_and_refund"} <= set(kinds)
        rr = kinds["recall_and_reroute"]
        # the router's plan from BJ (dearer than SH's to Shanghai) plus the recall cost
        assert Decimal(rr["cost_delta"]) > Decimal("3.00"), rr
        assert isinstance(rr["delay_days"], int) and rr["promised"]
        assert rr["tier"] == "L2" and rr["plan"]["recall_from"] == ["SH"]
        assert rr["plan"]["sites"] == ["BJ"]
        assert rr["basis"]["order_status"] == "released"

        n = rr["n"]
        lily = as_person(hub, "ops-lily")
        r = lily.post(f"/v1/exceptions/{exc_id}/remedies/{n}/apply",
                      json={"reason": "SH is backlogged"})
        assert r.status_code == 202 and r.json()["proposal"]["tier"] == "L2", r.text
        r = as_person(hub, "wang").post(f"/v1/exceptions/{exc_id}/remedies/{n}/approve",
                                        json={})
        assert r.status_code == 200 and r.json()["outcome"] == "approved", r.text
        assert reserved(hub) == {"SH": 1, "BJ": 0} and fake.voids == []  # not yet
        r = as_person(hub, "zhao").post(f"/v1/exceptions/{exc_id}/remedies/{n}/approve",
                                        json={"reason": "ok"})
        assert r.status_code == 200 and r.json()["outcome"] == "applied", r.text
        assert r.json()["exception"]["state"] == "resolved"

        got = admin.get(f"/v1/orders/{oid}").json()
        assert got["status"] == "allocated"
        assert {(s["warehouse"], s["status"]) for s in got["shipments"]} == {
            ("SH", "cancelled"), ("BJ", "planned")}
        assert reserved(hub) == {"SH": 0, "BJ": 1}  # stock moved
        assert fake.voids == [(old["carrier_service"], old["waybill"])]  # the old waybill
        [saga] = admin.get("/v1/sagas", params={"order": oid}).json()["items"]
        assert (saga["kind"], saga["state"]) == ("recalled", "done"), saga

        types = [e["type"] for e in admin.get(f"/v1/orders/{oid}/timeline").json()]
        tail = types[types.index("RemedyApproved"):]
        for t in ("InventoryReleased", "OrderHeld", "CompensationStarted",
                  "OrderReleasedFromHold", "InventoryReserved", "OrderAllocated",
                  "RemedyApplied", "ExceptionResolved", "OrderCompensated"):
            assert t in tail, (t, tail)
        entries = admin.get("/v1/audit", params={"kind": "exception_remedy"}).json()
        actions = {(e["actor"], e["detail"]["action"], e["detail"]["remedy"]) for e in entries}
        assert {("key:ops-lily", "proposed", "recall_and_reroute"),
                ("key:wang", "approved", "recall_and_reroute"),
                ("key:zhao", "applied", "recall_and_reroute")} <= actions

        # released again at BJ: a new waybill, the order with its new warehouse
        r = admin.post(f"/v1/orders/{oid}/release")
        assert r.status_code == 200 and r.json()["status"] == "released", r.text


def test_a_recall_of_an_order_picked_meanwhile_is_a_409(hub: Hub) -> None:
    fake = install(hub)
    seed_network(hub, {("A", "SH"): 10, ("A", "BJ"): 10})
    with api_client(hub) as admin:
        order, exc_id = released_and_stalled(hub, admin, "RC-2")
        oid = order["id"]
        rr = by_kind(admin.get(f"/v1/exceptions/{exc_id}").json())["recall_and_reroute"]
        # the recall cost is the tier policy's (default 3 CNY)
        r = admin.put("/v1/exceptions/policy", json={"policy": {"recall": {"cost": "-1"}},
                                                     "reason": "bad"})
        assert r.status_code == 422 and "recall.cost" in r.text, r.text
        r = admin.put("/v1/exceptions/policy", json={"policy": {"recall": {"cost": "10.00"}},
                                                     "reason": "recalls are dear at SH"})
        assert r.status_code == 200 and r.json()["recall"] == {"cost": "10.00"}, r.text
        assert admin.post(f"/v1/exceptions/{exc_id}/remedies/refresh").status_code == 200
        dearer = by_kind(admin.get(f"/v1/exceptions/{exc_id}").json())["recall_and_reroute"]
        assert Decimal(dearer["cost_delta"]) - Decimal(rr["cost_delta"]) == Decimal("7.00")
        n = dearer["n"]
        r = as_person(hub, "ops-lily").post(f"/v1/exceptions/{exc_id}/remedies/{n}/apply",
                                            json={"reason": "SH is backlogged"})
        assert r.status_code == 202, r.text
        r = as_person(hub, "wang").post(f"/v1/exceptions/{exc_id}/remedies/{n}/approve",
                                        json={})
        assert r.status_code == 200, r.text
        assert admin.post(f"/v1/orders/{oid}/pick").status_code == 200  # SH caught up
        r = as_person(hub, "zhao").post(f"/v1/exceptions/{exc_id}/remedies/{n}/approve",
                                        json={})
        assert r.status_code == 409, r.text
        body = r.json()
        assert any("moved on" in reason for reason in body["reasons"]), body
        assert "recall_and_reroute" not in {x["kind"] for x in body["remedies"]}
        assert {"contact_customer"} <= {x["kind"] for x in body["remedies"]}
        got = admin.get(f"/v1/orders/{oid}").json()
        assert got["status"] == "picked" and got["shipments"][0]["warehouse"] == "SH"
        assert reserved(hub) == {"SH": 1, "BJ": 0} and fake.voids == []
        # the desk's list is the fresh one: no recall for a picked order
        exc = admin.get(f"/v1/exceptions/{exc_id}").json()
        assert exc["state"] == "open" and "recall_and_reroute" not in by_kind(exc)
        assert [p["state"] for p in exc["proposals"]] == ["stale"]


def test_the_proposal_expiry_job_marks_lapsed_proposals_expired(hub: Hub, clock: Clock) -> None:
    seed_network(hub, {})
    with api_client(hub) as admin:
        held = post_order(admin, "PX-1", [("A", 1)])
        exc = exception_of(admin, held["id"])
        kinds = by_kind(exc)
        url = f"/v1/exceptions/{exc['id']}/remedies"
        cancel = admin.post(f"{url}/{kinds['cancel_and_refund']['n']}/apply",
                            json={"reason": "customer asked"}).json()["proposal"]["id"]
        r = as_person(hub, "wang").post(
            f"{url}/{kinds['cancel_and_refund']['n']}/approve", json={})
        assert r.status_code == 200, r.text
        clock.now += timedelta(hours=20)
        contact = admin.post(f"{url}/{kinds['contact_customer']['n']}/apply",
                             json={}).json()["proposal"]["id"]
        [job] = [j for j in hub.periodic_jobs() if j.name == "proposal-expiry"]
        assert job.every_seconds == hub.settings.expiry_sweep_seconds
        assert job.run_once(clock.now) == 0  # nothing lapsed yet
        clock.now += timedelta(hours=4, seconds=1)  # the first is 24 h old, the second 4 h
        assert job.run_once(clock.now) == 1
        assert job.run_once(clock.now) == 0  # once
        got = admin.get(f"/v1/exceptions/{exc['id']}").json()
        assert got["state"] == "open"
        states = {p["id"]: (p["state"], p["outcome"]) for p in got["proposals"]}
        assert states == {cancel: ("expired", "expired before enough approvals"),
                          contact: ("pending", "")}, states
        # the queue shows it lapsed without anyone acting on it
        assert admin.get("/v1/orders/" + held["id"]).json()["status"] == "on_hold"
        [e] = [e for e in admin.get(f"/v1/orders/{held['id']}/timeline").json()
               if e["type"] == "RemedyProposalExpired"]
        assert e["data"]["proposal_id"] == cancel and e["data"]["approvals"] == 1
        assert e["data"]["remedy"] == "cancel_and_refund" and e["actor"] == "system"
        entries = admin.get("/v1/audit", params={"kind": "exception_remedy"}).json()
        [expired] = [x for x in entries if x["detail"]["action"] == "expired"]
        assert expired["detail"]["proposal"] == cancel and expired["actor"] == "system"
        clock.now += timedelta(hours=21)
        assert job.run_once(clock.now) == 1  # the second lapses in its turn


def test_a_released_order_is_released_again_with_a_faster_carrier(hub: Hub) -> None:
    """Released from SH (the only site with stock) with ZTO:standard and at risk: no other
    site can take it, but the same site can ship it faster. The desk offers taking the
    release back and releasing it again with SF:express (priced: the faster plan plus the
    recall cost); applied with four eyes, the old waybill is voided by the saga, the
    order is allocated again at SH with the faster service and an earlier promise, and the
    next release books the new waybill."""
    fake = install(hub)
    seed_network(hub, {("A", "SH"): 5})
    with api_client(hub) as admin:
        order = post_order(admin, "RU-1", [("A", 1)], address=BEIJING_JSON)
        assert order["status"] == "allocated"
        old = order["shipments"][0]
        assert (old["warehouse"], old["carrier_service"]) == ("SH", "ZTO:standard")
        r = admin.post(f"/v1/orders/{order['id']}/release")
        assert r.status_code == 200 and r.json()["status"] == "released", r.text
        old = r.json()["shipments"][0]
        with hub.uow() as uow:
            exc_id = desk.open_exception(uow, tenant_id=T, order_id=order["id"],
                                         kind=ExceptionKind.AT_RISK, source="alert:RU-1",
                                         reason="transit slow", now=hub.clock(),
                                         actor="system")
            uow.commit()
        exc = admin.get(f"/v1/exceptions/{exc_id}").json()
        kinds = by_kind(exc)
        assert "recall_and_reroute" not in kinds  # no other site has stock
        assert {"upgrade_carrier", "contact_customer", "cancel_and_refund"} <= set(kinds)
        up = kinds["upgrade_carrier"]
        assert up["plan"]["recall_from"] == ["SH"] and up["plan"]["sites"] == ["SH"]
        assert up["plan"]["services"] == {"SH": "SF:express"}
        assert up["promised"] < order["promised_delivery"] and up["delay_days"] < 0
        assert Decimal(up["cost_delta"]) > Decimal("3.00")  # dearer service + recall cost
        assert "release it again with SF:express" in up["description"]
        assert up["basis"]["order_status"] == "released"

        n = up["n"]
        r = as_person(hub, "ops-lily").post(f"/v1/exceptions/{exc_id}/remedies/{n}/apply",
                                            json={"reason": "promise at risk"})
        if r.status_code == 202:  # the tier policy asks for two approvals
            for person in ("wang", "zhao"):
                r = as_person(hub, person).post(
                    f"/v1/exceptions/{exc_id}/remedies/{n}/approve", json={})
                assert r.status_code == 200, r.text
        assert r.json()["outcome"] == "applied", r.text

        got = admin.get(f"/v1/orders/{order['id']}").json()
        assert got["status"] == "allocated" and got["promised_delivery"] == up["promised"]
        assert [(s["warehouse"], s["carrier_service"], s["status"])
                for s in got["shipments"]] == [("SH", "ZTO:standard", "cancelled"),
                                               ("SH", "SF:express", "planned")]
        assert reserved(hub) == {"SH": 1}  # released and reserved again, once
        assert fake.voids == [(old["carrier_service"], old["waybill"])]
        [saga] = admin.get("/v1/sagas", params={"order": order["id"]}).json()["items"]
        assert (saga["kind"], saga["state"]) == ("recalled", "done"), saga
        r = admin.post(f"/v1/orders/{order['id']}/release")
        assert r.status_code == 200 and r.json()["status"] == "released", r.text
        new = [s for s in r.json()["shipments"] if s["status"] != "cancelled"]
        assert new[0]["carrier_service"] == "SF:express" and new[0]["waybill"]
        assert new[0]["waybill"] != old["waybill"]
