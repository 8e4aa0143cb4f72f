"""The exception desk through the API (SQLite and PostgreSQL): held orders on one queue
with remedies priced by the router, L1 applied automatically, L2 four-eyes, L3 a person
only, expiry, stale bases, audit entries and tenant isolation."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

from fastapi.testclient import TestClient

from orderhub.bootstrap import Hub
from orderhub.services.access import users
from orderhub.services.access.tenants import provision_tenant
from tests.api import api_client, auth_headers, create_app
from tests.conftest import Clock
from tests.factories import ADDRESS_JSON, seed_network


def as_person(hub: Hub, name: str, role: str = "operations") -> TestClient:
    """A client acting as a named key: each name is a different approver."""
    return TestClient(create_app(hub), headers=auth_headers(hub, role=role, name=name))


def as_signed_in(hub: Hub, login: str, role: str = "operations") -> TestClient:
    """A client acting as a console user's session: a person, as L3 decisions need."""
    users.create_user(hub.uow, "default", login=login, role=role, password="pw-" + login * 3,
                      granter=None, actor="test", now=hub.clock())
    token = users.sign_in(hub.uow, "default", login, "pw-" + login * 3, now=hub.clock()).token
    return TestClient(create_app(hub), headers={"Authorization": f"Bearer {token}"})


BEIJING_JSON = {"country": "CN", "province": "北京市", "city": "北京市", "district": "朝阳区",
                "line1": "建国路 2 号", "name": "韩梅梅", "phone": "13912345678"}


def post_order(client: TestClient, ext: str, lines: list[tuple[str, int]],
               address: dict[str, str] | None = None) -> dict[str, Any]:
    r = client.post("/v1/orders", json={
        "external_id": ext, "channel": "web", "currency": "CNY",
        "shipping_address": address or ADDRESS_JSON,
        "lines": [{"sku": s, "quantity": q, "unit_price": "10.00"} for s, q in lines]})
    assert r.status_code == 201, r.text
    return dict(r.json())


def receive(client: TestClient, sku: str, wh: str, qty: int, ref: str) -> None:
    r = client.post("/v1/inventory/receipts", json={
        "sku": sku, "warehouse": wh, "quantity": qty, "reference": ref})
    assert r.status_code in (200, 201), r.text


def exception_of(client: TestClient, order_id: str) -> dict[str, Any]:
    r = client.get("/v1/exceptions", params={"order_id": order_id})
    assert r.status_code == 200, r.text
    [item] = r.json()["items"]
    d = client.get(f"/v1/exceptions/{item['id']}")
    assert d.status_code == 200, d.text
    return dict(d.json())


def by_kind(exc: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {r["kind"]: r for r in exc["remedies"]}


def test_held_order_remedies_backorder_applied(hub: Hub) -> None:
    seed_network(hub, {("A", "BJ"): 5})
    with api_client(hub) as admin:
        order = post_order(admin, "EX-1", [("A", 3), ("B", 2)])
        assert order["status"] == "on_hold"
        exc = exception_of(admin, order["id"])
        assert exc["kind"] == "held" and exc["state"] == "open"
        assert exc["details"]["hold_reasons"][0]["code"] == "backorder"
        assert exc["order"]["status"] == "on_hold" and exc["order"]["grand_total"] == "50.00"
        kinds = by_kind(exc)
        assert len(exc["remedies"]) >= 3
        assert {"ship_available_backorder_rest", "contact_customer",
                "cancel_and_refund"} <= set(kinds)
        bo = kinds["ship_available_backorder_rest"]
        assert Decimal(bo["cost_delta"]) > 0 and bo["delay_days"] > 0  # two parcels, later
        assert Decimal(kinds["cancel_and_refund"]["cost_delta"]) == Decimal("50.00")
        assert [r["n"] for r in exc["remedies"]] == list(range(1, len(exc["remedies"]) + 1))
        scores = [Decimal(r["score"]) for r in exc["remedies"]]
        assert scores == sorted(scores)
        # Backorder is not L1 (later promise): proposing needs two others.
        ops = as_person(hub, "ops-lily")
        r = ops.post(f"/v1/exceptions/{exc['id']}/remedies/{bo['n']}/apply",
                     json={"reason": "customer wants the apples now"})
        assert r.status_code == 202, r.text
        assert r.json()["proposal"]["tier"] == "L2"
        r = ops.post(f"/v1/exceptions/{exc['id']}/remedies/{bo['n']}/approve", json={})
        assert r.status_code == 403 and "four-eyes" in r.json()["detail"]
        wang = as_person(hub, "wang")
        r = wang.post(f"/v1/exceptions/{exc['id']}/remedies/{bo['n']}/approve", json={})
        assert r.status_code == 200 and r.json()["outcome"] == "approved", r.text
        r = wang.post(f"/v1/exceptions/{exc['id']}/remedies/{bo['n']}/approve", json={})
        assert r.status_code == 409 and "already approved" in r.json()["detail"]
        r = as_person(hub, "zhao").post(
            f"/v1/exceptions/{exc['id']}/remedies/{bo['n']}/approve", json={"reason": "ok"})
        assert r.status_code == 200 and r.json()["outcome"] == "applied", r.text
        assert r.json()["exception"]["state"] == "resolved"
        got = admin.get(f"/v1/orders/{order['id']}").json()
        assert got["status"] == "allocated"
        assert [(ln["sku"], ln["quantity"]) for ln in got["lines"]] == [("A", 3)]
        child_id = r.json()["exception"]["details"]["backorder_order"]
        child = admin.get(f"/v1/orders/{child_id}").json()
        assert child["status"] == "on_hold"
        assert [(ln["sku"], ln["quantity"]) for ln in child["lines"]] == [("B", 2)]
        # approving after it was applied is refused
        r = as_person(hub, "qian").post(
            f"/v1/exceptions/{exc['id']}/remedies/{bo['n']}/approve", json={})
        assert r.status_code == 409
        entries = admin.get("/v1/audit", params={"kind": "exception_remedy"}).json()
        actions = [(e["actor"], e["detail"]["action"]) for e in entries]
        assert ("key:ops-lily", "proposed") in actions
        assert ("key:wang", "approved") in actions and ("key:zhao", "applied") in actions
        types = [e["type"] for e in admin.get(f"/v1/orders/{order['id']}/timeline").json()]
        for t in ("ExceptionOpened", "RemedyProposed", "RemedyApproved", "RemedyApplied",
                  "ExceptionResolved"):
            assert t in types


def test_l1_switch_applied_automatically_and_stale_basis(hub: Hub) -> None:
    seed_network(hub, {})
    with api_client(hub) as admin:
        held = post_order(admin, "EX-2", [("A", 2)])
        assert held["status"] == "on_hold"
        receive(admin, "A", "SH", 5, "r-sh")  # stock arrives where it should ship from
        exc = exception_of(admin, held["id"])
        assert exc["state"] == "resolved", exc
        [applied] = exc["details"]["applied"]
        assert applied["automatic"] is True and applied["remedy"] == "switch_warehouse"
        got = admin.get(f"/v1/orders/{held['id']}").json()
        assert got["status"] == "allocated" and got["shipments"][0]["warehouse"] == "SH"

        # a second held order, stock at BJ only (4 CNY dearer): L2 once L1 allows 1 CNY
        r = admin.put("/v1/exceptions/policy", json={
            "policy": {"l1": {"max_cost_delta": "1.00"}}, "reason": "tighter L1"})
        assert r.status_code == 200 and r.json()["l1"]["max_cost_delta"] == "1.00"
        other = post_order(admin, "EX-3", [("C", 2)])
        assert other["status"] == "on_hold"
        receive(admin, "C", "BJ", 2, "r-bj")
        exc = exception_of(admin, other["id"])
        switch = by_kind(exc)["switch_warehouse"]
        assert switch["tier"] == "L2" and exc["state"] == "open"
        assert Decimal(switch["cost_delta"]) == Decimal("4.00") and switch["delay_days"] == 0
        assert switch["basis"]["stock"] == {"C@BJ": {"atp": 2, "needed": 2}}
        # someone else takes the stock: applying is refused with a fresh list
        post_order(admin, "EX-4", [("C", 2)])
        r = admin.post(f"/v1/exceptions/{exc['id']}/remedies/{switch['n']}/apply", json={})
        assert r.status_code == 409, r.text
        body = r.json()
        assert body["type"] == "/problems/stale-remedy"
        assert any("stock gone" in why for why in body["reasons"])
        assert "switch_warehouse" not in {x["kind"] for x in body["remedies"]}
        assert len(body["remedies"]) >= 3


def test_l3_is_never_automatic_and_proposals_expire(hub: Hub, clock: Clock) -> None:
    seed_network(hub, {})
    with api_client(hub) as admin:
        r = admin.put("/v1/exceptions/policy", json={
            "policy": {"l3": {"order_value_above": "5.00"}}, "reason": "small test orders"})
        assert r.status_code == 200, r.text
        assert r.json()["version"] == 1
        held = post_order(admin, "EX-5", [("A", 1)])
        receive(admin, "A", "SH", 5, "r-sh")
        exc = exception_of(admin, held["id"])
        assert exc["state"] == "open" and exc["tier"] == "L3"  # would be L1, but L3 value
        assert all(r["tier"] == "L3" for r in exc["remedies"])
        assert admin.get(f"/v1/orders/{held['id']}").json()["status"] == "on_hold"
        switch = by_kind(exc)["switch_warehouse"]
        ops = as_person(hub, "ops-lily")
        r = ops.post(f"/v1/exceptions/{exc['id']}/remedies/{switch['n']}/apply", json={})
        assert r.status_code == 202 and r.json()["proposal"]["tier"] == "L3"
        r = ops.post(f"/v1/exceptions/{exc['id']}/remedies/{switch['n']}/apply", json={})
        assert r.status_code == 409 and "already proposed" in r.json()["detail"]
        clock.now += timedelta(hours=25)
        r = as_person(hub, "wang").post(
            f"/v1/exceptions/{exc['id']}/remedies/{switch['n']}/approve", json={})
        assert r.status_code == 409 and "expired" in r.json()["detail"]
        # proposed again: an API key may not decide L3, one signed-in person does
        r = ops.post(f"/v1/exceptions/{exc['id']}/remedies/{switch['n']}/apply", json={})
        assert r.status_code == 202, r.text
        r = as_person(hub, "wang").post(
            f"/v1/exceptions/{exc['id']}/remedies/{switch['n']}/approve", json={})
        assert r.status_code == 403 and "signed-in person" in r.json()["detail"], r.text
        r = as_signed_in(hub, "wang").post(
            f"/v1/exceptions/{exc['id']}/remedies/{switch['n']}/approve", json={})
        assert r.status_code == 200 and r.json()["outcome"] == "applied", r.text
        applied = admin.get("/v1/audit", params={"kind": "exception_remedy"}).json()
        assert any(e["actor"] == "user:wang" for e in applied)
        assert admin.get(f"/v1/orders/{held['id']}").json()["status"] == "allocated"
        entries = admin.get("/v1/audit", params={"kind": "exception_policy"}).json()
        assert entries[0]["detail"]["version"] == 1


def test_reject_and_tenant_isolation(hub: Hub) -> None:
    seed_network(hub, {})
    provision_tenant(hub.uow, "acme", name="Acme", admin="root", granter=None, actor="t",
                     now=hub.clock())
    with api_client(hub) as admin, api_client(hub, tenant="acme") as acme:
        held = post_order(admin, "EX-6", [("A", 1)])
        exc = exception_of(admin, held["id"])
        cancel = by_kind(exc)["cancel_and_refund"]
        ops = as_person(hub, "ops-lily")
        assert ops.post(f"/v1/exceptions/{exc['id']}/remedies/{cancel['n']}/apply",
                        json={}).status_code == 202
        r = as_person(hub, "wang").post(
            f"/v1/exceptions/{exc['id']}/remedies/{cancel['n']}/reject", json={})
        assert r.status_code == 422
        r = as_person(hub, "wang").post(
            f"/v1/exceptions/{exc['id']}/remedies/{cancel['n']}/reject",
            json={"reason": "customer will wait"})
        assert r.status_code == 200 and r.json()["proposal"]["state"] == "rejected"
        assert admin.get(f"/v1/orders/{held['id']}").json()["status"] == "on_hold"
        assert acme.get(f"/v1/exceptions/{exc['id']}").status_code == 404
        assert acme.post(f"/v1/exceptions/{exc['id']}/remedies/1/apply",
                         json={}).status_code == 404
        assert acme.get("/v1/exceptions").json()["items"] == []
        # a carrier's logistics key bound to BJ sees no order not released to BJ
        bound = TestClient(create_app(hub), headers=auth_headers(
            hub, role="logistics", warehouses=["BJ"], name="bj-logistics"))
        assert bound.get(f"/v1/exceptions/{exc['id']}").status_code == 404
        assert bound.post(f"/v1/exceptions/{exc['id']}/remedies/1/apply",
                          json={}).status_code == 404
        assert bound.get("/v1/exceptions").json()["items"] == []
        # scopes: an analyst reads, cannot act
        analyst = api_client(hub, role="analyst")
        assert analyst.get(f"/v1/exceptions/{exc['id']}").status_code == 200
        assert analyst.post(f"/v1/exceptions/{exc['id']}/remedies/1/apply",
                            json={}).status_code == 403


def levels(client: TestClient, sku: str) -> dict[str, tuple[int, int]]:
    ws = client.get(f"/v1/inventory/{sku}").json()["warehouses"]
    return {w["warehouse"]: (w["on_hand"], w["reserved"]) for w in ws}


def test_transfer_stock_and_upgrade_carrier_applied(hub: Hub, clock: Clock) -> None:
    from orderhub.domain.exceptions import ExceptionKind
    from orderhub.services.exceptions import desk

    seed_network(hub, {("A", "SH"): 5})
    with api_client(hub) as admin:
        r = admin.put("/v1/exceptions/policy", json={"policy": {"l1": {
            "remedies": ["transfer_stock", "upgrade_carrier"], "max_cost_delta": "100.00",
            "max_delay_days": 10}, "l2": {"exceptions": []}}, "reason": "move stock freely"})
        assert r.status_code == 200, r.text
        held = post_order(admin, "EX-7", [("C", 2)])
        receive(admin, "C", "BJ", 2, "r-bj")
        exc = exception_of(admin, held["id"])
        if exc["state"] == "open":  # the best remedy was not the transfer: apply it by hand
            transfer = by_kind(exc)["transfer_stock"]
            assert transfer["tier"] == "L1"
            r = admin.post(f"/v1/exceptions/{exc['id']}/remedies/{transfer['n']}/apply",
                           json={"reason": "keep the parcel local"})
            assert r.status_code == 200 and r.json()["outcome"] == "applied", r.text
        exc = admin.get(f"/v1/exceptions/{exc['id']}").json()
        assert exc["state"] == "resolved"
        assert exc["details"]["applied"][-1]["remedy"] == "transfer_stock"
        order = admin.get(f"/v1/orders/{held['id']}").json()
        assert order["status"] == "allocated"
        assert levels(admin, "C") == {"SH": (2, 2), "BJ": (0, 0)}  # moved, then reserved
        assert [s["warehouse"] for s in order["shipments"]] == ["SH"]

        # an allocated order at risk: a faster carrier from the same site
        fast = post_order(admin, "EX-8", [("A", 1)], address=BEIJING_JSON)
        assert fast["status"] == "allocated"
        before = fast["shipments"][0]["carrier_service"]
        with hub.uow() as uow:
            eid = desk.open_exception(uow, tenant_id="default", order_id=fast["id"],
                                      kind=ExceptionKind.AT_RISK, source="alert:transit",
                                      reason="transit slow", now=clock(), actor="system")
            uow.commit()
        exc = admin.get(f"/v1/exceptions/{eid}").json()
        upgrade = by_kind(exc)["upgrade_carrier"]
        assert upgrade["promised"] < fast["promised_delivery"]
        # cancelling (10 CNY) ranks above the upgrade (+13 CNY): nothing applied on its own
        assert exc["state"] == "open" and exc["remedies"][0]["kind"] == "cancel_and_refund"
        assert upgrade["tier"] == "L1" and Decimal(upgrade["cost_delta"]) == Decimal("13.00")
        r = admin.post(f"/v1/exceptions/{eid}/remedies/{upgrade['n']}/apply", json={})
        assert r.status_code == 200 and r.json()["exception"]["state"] == "resolved", r.text
        after = admin.get(f"/v1/orders/{fast['id']}").json()
        assert after["status"] == "allocated"
        assert before == "ZTO:standard" and after["shipments"][-1]["carrier_service"] == \
            "SF:express"
        assert after["promised_delivery"] == upgrade["promised"]
        assert after["shipments"][-1]["warehouse"] == "SH"


def test_a_stale_basis_at_the_last_approval(hub: Hub) -> None:
    seed_network(hub, {})
    with api_client(hub) as admin:
        assert admin.put("/v1/exceptions/policy", json={
            "policy": {"l1": {"remedies": []}}, "reason": "all by hand"}).status_code == 200
        held = post_order(admin, "EX-9", [("C", 2)])
        receive(admin, "C", "BJ", 2, "r-bj")
        exc = exception_of(admin, held["id"])
        switch = by_kind(exc)["switch_warehouse"]
        url = f"/v1/exceptions/{exc['id']}/remedies/{switch['n']}"
        assert as_person(hub, "ops-lily").post(f"{url}/apply", json={}).status_code == 202
        assert as_person(hub, "wang").post(f"{url}/approve", json={}).status_code == 200
        post_order(admin, "EX-10", [("C", 1)])  # takes one of the two units
        r = as_person(hub, "zhao").post(f"{url}/approve", json={})
        assert r.status_code == 409 and r.json()["type"] == "/problems/stale-remedy", r.text
        assert "stock gone: 2 x C needed at BJ, 1 available now" in r.json()["detail"]
        got = admin.get(f"/v1/exceptions/{exc['id']}").json()
        assert got["proposals"][0]["state"] == "stale"
        assert admin.get(f"/v1/orders/{held['id']}").json()["status"] == "on_hold"


def test_an_unapproved_proposal_lapses_and_may_be_proposed_again(hub: Hub, clock: Clock) -> None:
    seed_network(hub, {})
    with api_client(hub) as admin:
        held = post_order(admin, "EX-11", [("A", 1)])
        exc = exception_of(admin, held["id"])
        cancel = by_kind(exc)["cancel_and_refund"]
        url = f"/v1/exceptions/{exc['id']}/remedies/{cancel['n']}"
        first = admin.post(f"{url}/apply", json={}).json()["proposal"]["id"]
        clock.now += timedelta(hours=24, seconds=1)
        r = admin.post(f"{url}/apply", json={"reason": "again"})
        assert r.status_code == 202, r.text
        states = {p["id"]: p["state"] for p in r.json()["exception"]["proposals"]}
        assert states[first] == "expired" and list(states.values()).count("pending") == 1
