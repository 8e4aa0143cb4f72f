"""Returns (RMA) through the API (issue 17 part 2): request -> approve -> return waybill ->
receive with grades -> restock to ATP -> RefundRequested -> RefundCompleted; automatic vs a
person's approval; non-returnable, outside the window, over-shipped and unshipped lines
refused; refunds never above what was paid; exchanges as linked orders that reserve stock;
return rates; scopes. Every test runs on SQLite and PostgreSQL (the `hub` fixture)."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

from fastapi.testclient import TestClient

from orderhub.api.app import create_app
from orderhub.bootstrap import Hub
from orderhub.domain.inventory import Sku
from orderhub.services import catalog
from orderhub.services.inventory import stock_control
from tests.api import api_client
from tests.conftest import Clock
from tests.factories import ADDRESS_JSON, T, seed_network

PROBLEM = "application/problem+json"


def seed(hub: Hub) -> None:
    seed_network(hub, {("A", "SH"): 10, ("B", "SH"): 10, ("C", "SH"): 5})
    catalog.add_skus(hub.uow, [Sku(T, "F", "Infant formula stage 1", Decimal("200.00"),
                                   attributes={"category": "infant_formula"}),
                               Sku(T, "W", "Final sale watch", Decimal("99.00"),
                                   attributes={"category": "final_sale"})], hub.clock())
    stock_control.receive_stock_many(hub.uow, T, [("F", "SH", 5), ("W", "SH", 5)],
                                     reference="seed-2", now=hub.clock(), actor="test")


def shipped_order(client: TestClient, ext: str, lines: list[dict[str, Any]],
                  shipping_fee: str = "0") -> dict[str, Any]:
    r = client.post("/v1/orders", json={
        "external_id": ext, "channel": "web", "currency": "CNY",
        "shipping_address": ADDRESS_JSON, "shipping_fee": shipping_fee, "lines": lines})
    assert r.status_code == 201, r.text
    oid = r.json()["id"]
    for step in ("release", "pick", "pack", "ship"):
        r = client.post(f"/v1/orders/{oid}/{step}", json={} if step == "ship" else None)
        assert r.status_code == 200, (step, r.text)
    return dict(client.get(f"/v1/orders/{oid}").json())


def atp(client: TestClient, sku: str, wh: str = "SH") -> int:
    [row] = client.get("/v1/inventory", params={"sku": sku, "warehouse": wh}).json()["items"]
    return int(row["atp"])


def types(client: TestClient, oid: str) -> list[str]:
    return [e["type"] for e in client.get(f"/v1/orders/{oid}/timeline").json()]


def test_full_chain_request_to_refund_completed(hub: Hub) -> None:
    seed(hub)
    with api_client(hub) as client:
        order = shipped_order(client, "R-1", [
            {"sku": "A", "quantity": 2, "unit_price": "50.00", "discount": "10.00"},
            {"sku": "B", "quantity": 1, "unit_price": "30.00"}], shipping_fee="12.00")
        oid = order["id"]
        before = atp(client, "A")
        r = client.post(f"/v1/orders/{oid}/returns", json={
            "lines": [{"line_no": 1, "quantity": 1}], "reason": "damaged", "note": "crushed"})
        assert r.status_code == 201, r.text
        rma = r.json()
        assert rma["status"] == "approved" and rma["approved_by"] == "policy"
        assert rma["reason_zh"] == "商品破损" and rma["return_shipping_paid_by"] == "seller"
        assert rma["return_waybill"]["waybill"]  # booked with the outbound carrier
        rid = rma["id"]

        r = client.post(f"/v1/returns/{rid}/receive", json={
            "warehouse": "SH", "lines": [{"line_no": 1, "quantity": 1, "grade": "resell"}]})
        assert r.status_code == 200, r.text
        got = r.json()
        assert got["status"] == "received"
        assert atp(client, "A") == before + 1  # restocked at once
        refund = got["refund"]
        # line 1: 2 x 50 - 10 = 90 paid; one unit: 45.00; shipping 12.00 over 120.00 of
        # goods: line 1's share 9.00 (90/120 x 12), half of it for one unit: 4.50
        assert refund["merchandise"] == "45.00" and refund["shipping"] == "4.50"
        assert refund["total"] == "49.50" and refund["restocking_fee"] == "0.00"

        for step in ("deliver", "invoice", "pay"):  # the payment is in the money ledger
            assert client.post(f"/v1/orders/{oid}/{step}").status_code == 200, step
        r = client.post(f"/v1/returns/{rid}/refund-complete", json={"reference": "PAY-1"})
        assert r.status_code == 200 and r.json()["status"] == "refunded"
        assert r.json()["refund_reference"] == "PAY-1"
        assert r.json()["refund_booked_in_ledger"] is True
        balance = client.get(f"/v1/orders/{oid}/balance").json()
        assert balance["totals"]["refunded"] == "49.50", balance["totals"]
        line1 = next(x for x in balance["lines"] if x["line_no"] == 1)
        assert line1["refunded"] == "49.50"
        again = client.post(f"/v1/returns/{rid}/refund-complete", json={"reference": "PAY-1"})
        assert again.status_code == 409

        timeline = types(client, oid)
        for t in ("ReturnRequested", "ReturnApproved", "ReturnWaybillBooked",
                  "ReturnReceived", "RefundRequested", "RefundCompleted"):
            assert t in timeline, timeline
        requested = next(e for e in client.get(f"/v1/orders/{oid}/timeline").json()
                         if e["type"] == "RefundRequested")
        assert requested["data"]["amount"] == "49.50"
        listed = client.get(f"/v1/orders/{oid}/returns").json()
        assert [x["id"] for x in listed["returns"]] == [rid]
        twin = client.get(f"/v1/orders/{oid}/twin")
        assert twin.status_code == 200, twin.text
        reverse = twin.json()["reverse"]
        assert [x["step"] for x in reverse] == [
            "ReturnRequested", "ReturnApproved", "ReturnWaybillBooked", "ReturnReceived",
            "RefundRequested", "RefundCompleted"]
        assert reverse[-1]["reference"] == "PAY-1" and reverse[4]["amount"] == "49.50"


def test_manual_approval_grading_and_reject(hub: Hub) -> None:
    seed(hub)
    with api_client(hub) as client:
        oid = shipped_order(client, "R-2", [
            {"sku": "A", "quantity": 3, "unit_price": "20.00"}])["id"]
        # "other" needs a person under the default policy
        r = client.post(f"/v1/orders/{oid}/returns", json={
            "lines": [{"line_no": 1, "quantity": 2}], "reason": "other"})
        assert r.status_code == 201 and r.json()["status"] == "requested", r.text
        rid = r.json()["id"]
        early = client.post(f"/v1/returns/{rid}/receive", json={
            "warehouse": "SH", "lines": [{"line_no": 1, "quantity": 1, "grade": "resell"}]})
        assert early.status_code == 409
        r = client.post(f"/v1/returns/{rid}/approve", json={"reason": "ok"})
        assert r.status_code == 200 and r.json()["status"] == "approved"
        assert r.json()["approved_by"].startswith("key:")
        before = atp(client, "A")
        bad = client.post(f"/v1/returns/{rid}/receive", json={
            "warehouse": "SH", "lines": [{"line_no": 1, "quantity": 1, "grade": "shiny"}]})
        assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "lines.0.grade"
        r = client.post(f"/v1/returns/{rid}/receive", json={
            "warehouse": "SH", "lines": [{"line_no": 1, "quantity": 1, "grade": "scrap"},
                                         {"line_no": 1, "quantity": 1, "grade": "refurbish"}]})
        assert r.status_code == 200, r.text
        assert atp(client, "A") == before  # nothing resellable: not available
        assert r.json()["refund"]["total"] == "40.00"
        # the hub never recorded this order's payment: kept in the return's records only
        r = client.post(f"/v1/returns/{rid}/refund-complete", json={"reference": "P-2"})
        assert r.status_code == 200 and r.json()["refund_booked_in_ledger"] is False
        assert Decimal(client.get(f"/v1/orders/{oid}/balance").json()["totals"]["refunded"]) == 0

        r2 = client.post(f"/v1/orders/{oid}/returns", json={
            "lines": [{"line_no": 1, "quantity": 1}], "reason": "other"})
        rid2 = r2.json()["id"]
        r = client.post(f"/v1/returns/{rid2}/reject", json={"reason": ""})
        assert r.status_code == 422
        r = client.post(f"/v1/returns/{rid2}/reject", json={"reason": "worn"})
        assert r.status_code == 200 and r.json()["status"] == "rejected"
        assert "ReturnRejected" in types(client, oid)


def test_refused_returns(hub: Hub, clock: Clock) -> None:
    seed(hub)
    with api_client(hub) as client:
        oid = shipped_order(client, "R-3", [
            {"sku": "A", "quantity": 2, "unit_price": "20.00"},
            {"sku": "F", "quantity": 1, "unit_price": "200.00"},
            {"sku": "W", "quantity": 1, "unit_price": "99.00"}])["id"]
        r = client.put("/v1/returns/policy", json={
            "non_returnable_categories": ["final_sale"], "window_days_by_channel": {"web": 10}})
        assert r.status_code == 200 and r.json()["version"] == 1, r.text
        stale = client.put("/v1/returns/policy", json={"version": 0, "window_days": 30})
        assert stale.status_code == 409
        bad = client.put("/v1/returns/policy", json={"window_days": -3, "colour": "red"})
        assert bad.status_code == 422
        assert {e["field"] for e in bad.json()["errors"]} == {"window_days", "colour"}
        assert client.get("/v1/returns/policy").json()["window_days_by_channel"] == {"web": 10}

        def ask(lines: list[dict[str, int]], **kw: Any) -> Any:
            return client.post(f"/v1/orders/{oid}/returns",
                               json={"lines": lines, "reason": "changed_mind", **kw})

        r = ask([{"line_no": 1, "quantity": 3}])
        assert r.status_code == 422 and r.headers["content-type"] == PROBLEM
        assert r.json()["errors"][0]["field"] == "lines.0.quantity"
        assert "at most 2" in r.json()["errors"][0]["message"]
        r = ask([{"line_no": 3, "quantity": 1}])
        assert r.status_code == 422 and "not returnable" in r.text
        r = ask([{"line_no": 2, "quantity": 1}], opened=True)
        assert r.status_code == 422 and "only unopened" in r.text
        assert ask([{"line_no": 9, "quantity": 1}]).status_code == 422
        assert ask([{"line_no": 1, "quantity": 0}]).status_code == 422
        bad_reason = client.post(f"/v1/orders/{oid}/returns", json={
            "lines": [{"line_no": 1, "quantity": 1}], "reason": "bored"})
        assert bad_reason.status_code == 422 and "unknown reason" in bad_reason.text

        # two returns of one line: the second may take only what is left
        assert ask([{"line_no": 1, "quantity": 1}]).status_code == 201
        r = ask([{"line_no": 1, "quantity": 2}])
        assert r.status_code == 422 and "1 already in returns" in r.text

        clock.now += timedelta(days=11)  # past the channel's 10-day window
        r = ask([{"line_no": 1, "quantity": 1}])
        assert r.status_code == 422 and "return window closed" in r.text
        # nothing stored by the refused requests
        assert len(client.get(f"/v1/orders/{oid}/returns").json()["returns"]) == 1

        # an order that has not shipped
        r = client.post("/v1/orders", json={
            "external_id": "R-3b", "channel": "web", "currency": "CNY",
            "shipping_address": ADDRESS_JSON,
            "lines": [{"sku": "A", "quantity": 1, "unit_price": "10.00"}]})
        r = client.post(f"/v1/orders/{r.json()['id']}/returns",
                        json={"lines": [{"line_no": 1, "quantity": 1}], "reason": "damaged"})
        assert r.status_code == 409 and "shipped nothing" in r.text


def test_refund_never_above_paid_over_two_returns(hub: Hub) -> None:
    seed(hub)
    with api_client(hub) as client:
        # 3 units for 100.00 in all (a 3-way split does not divide evenly)
        oid = shipped_order(client, "R-4", [
            {"sku": "A", "quantity": 3, "unit_price": "40.00", "discount": "20.00"}],
            shipping_fee="10.00")["id"]
        client.put("/v1/returns/policy", json={"restocking_fee_percent": "0"})
        totals = []
        for qty in (1, 2):
            r = client.post(f"/v1/orders/{oid}/returns", json={
                "lines": [{"line_no": 1, "quantity": qty}], "reason": "wrong_item"})
            rid = r.json()["id"]
            r = client.post(f"/v1/returns/{rid}/receive", json={
                "warehouse": "SH",
                "lines": [{"line_no": 1, "quantity": qty, "grade": "resell"}]})
            assert r.status_code == 200, r.text
            totals.append(Decimal(r.json()["refund"]["total"]))
        paid = Decimal(client.get(f"/v1/orders/{oid}").json()["totals"]["grand_total"])
        assert sum(totals) == paid == Decimal("110.00")  # everything back, not a cent more
        assert totals[0] == Decimal("36.66")  # the first unit rounded down
        r = client.post(f"/v1/orders/{oid}/returns", json={
            "lines": [{"line_no": 1, "quantity": 1}], "reason": "wrong_item"})
        assert r.status_code == 422  # nothing left to return


def test_exchange_creates_a_linked_order_with_stock_reserved(hub: Hub) -> None:
    seed(hub)
    with api_client(hub) as client:
        oid = shipped_order(client, "R-5", [
            {"sku": "A", "quantity": 1, "unit_price": "20.00"}])["id"]
        before_c = atp(client, "C")
        r = client.post(f"/v1/orders/{oid}/returns", json={
            "lines": [{"line_no": 1, "quantity": 1}], "reason": "size", "kind": "exchange",
            "replacement": [{"sku": "C", "quantity": 1}]})
        assert r.status_code == 201, r.text
        rma = r.json()
        new_id = rma["exchange_order_id"]
        assert rma["status"] == "approved" and new_id
        new = client.get(f"/v1/orders/{new_id}").json()
        assert new["external_id"] == "R-5-EX1" and new["channel"] == "web"
        assert new["status"] == "allocated", new["hold_reasons"]
        assert new["totals"]["grand_total"] == "20.00"  # priced as the returned unit
        assert new["attributes"]["settled_by_return"] == rma["id"]
        assert [(ln["sku"], ln["quantity"]) for ln in new["lines"]] == [("C", 1)]
        assert atp(client, "C") == before_c - 1  # reserved at once
        back = client.get(f"/v1/orders/{new_id}/returns").json()
        assert back["exchange_for_order"] == oid and back["exchange_return_id"] == rma["id"]
        approved = next(e for e in client.get(f"/v1/orders/{oid}/timeline").json()
                        if e["type"] == "ReturnApproved")
        assert approved["data"]["exchange_order_id"] == new_id
        r = client.post(f"/v1/returns/{rma['id']}/receive", json={
            "warehouse": "SH", "lines": [{"line_no": 1, "quantity": 1, "grade": "resell"}]})
        assert r.status_code == 200 and r.json()["status"] == "completed"
        assert r.json()["refund"] is None


def test_return_rates_and_forecasting_feed(hub: Hub) -> None:
    seed(hub)
    with api_client(hub) as client:
        oid = shipped_order(client, "R-6", [
            {"sku": "A", "quantity": 4, "unit_price": "20.00"},
            {"sku": "B", "quantity": 2, "unit_price": "5.00"}])["id"]
        r = client.post(f"/v1/orders/{oid}/returns", json={
            "lines": [{"line_no": 1, "quantity": 1}], "reason": "damaged"})
        client.post(f"/v1/returns/{r.json()['id']}/receive", json={
            "warehouse": "SH", "lines": [{"line_no": 1, "quantity": 1, "grade": "resell"}]})
        stats = client.get("/v1/returns/stats").json()
        a = next(x for x in stats["by_sku"] if x["sku"] == "A")
        assert (a["returned"], a["shipped"], a["rate"]) == (1, 4, "0.2500")
        web = next(x for x in stats["by_channel"] if x["channel"] == "web")
        assert (web["returned"], web["shipped"]) == (1, 6)
        day = hub.clock().date().isoformat()
        feed = client.get("/v1/returns/returned-units",
                          params={"from": day, "to": day}).json()
        assert feed == [{"sku": "A", "warehouse": "SH", "day": day, "received": 1,
                         "restocked": 1}]


def test_scopes(hub: Hub) -> None:
    seed(hub)
    with api_client(hub) as admin:
        oid = shipped_order(admin, "R-7", [{"sku": "A", "quantity": 1,
                                            "unit_price": "20.00"}])["id"]
        rid = admin.post(f"/v1/orders/{oid}/returns", json={
            "lines": [{"line_no": 1, "quantity": 1}], "reason": "other"}).json()["id"]
    with api_client(hub, role="analyst") as analyst:
        assert analyst.get(f"/v1/returns/{rid}").status_code == 200
        r = analyst.post(f"/v1/returns/{rid}/approve", json={})
        assert r.status_code == 403 and r.json()["required_scope"] == "returns:approve"
    with api_client(hub, role="logistics") as logistics:
        r = logistics.post(f"/v1/returns/{rid}/approve", json={})
        assert r.status_code == 403
        assert logistics.get("/v1/returns/stats").status_code == 200
    with api_client(hub, role="finance") as finance:
        assert finance.put("/v1/returns/policy", json={}).status_code == 403
    with api_client(hub, role="operations") as ops:
        assert ops.post(f"/v1/returns/{rid}/approve", json={}).status_code == 200


def test_warehouse_bound_keys_see_and_act_only_on_their_warehouses_returns(hub: Hub) -> None:
    """A key bound to warehouses reads and acts only on the returns of orders shipped from
    them, as for the orders themselves: any other return reads like one that does not
    exist (404), lists and rates leave it out, and a receipt at another warehouse is
    refused."""
    from tests.api import auth_headers

    seed(hub)
    with api_client(hub) as admin:
        oid = shipped_order(admin, "R-WH", [{"sku": "A", "quantity": 2,
                                             "unit_price": "20.00"}])["id"]
        rid = admin.post(f"/v1/orders/{oid}/returns", json={
            "lines": [{"line_no": 1, "quantity": 1}], "reason": "other"}).json()["id"]
        shipped_from = {s["warehouse"] for s in admin.get(f"/v1/orders/{oid}").json()
                        ["shipments"]}
    assert shipped_from == {"SH"}
    app = create_app(hub)
    other = TestClient(app, headers=auth_headers(hub, role="operations", warehouses=["BJ"],
                                                 name="bj-ops"))
    for path in (f"/v1/returns/{rid}", f"/v1/orders/{oid}/returns"):
        assert other.get(path).status_code == 404, path
    assert other.get("/v1/returns").json() == []
    assert other.get("/v1/returns/stats").json()["shipped"] == 0
    for action, body in (("approve", {}), ("reject", {"reason": "no"}), ("cancel", {}),
                         ("waybill", None), ("refund-complete", {"reference": "X"}),
                         ("receive", {"warehouse": "BJ", "lines": [
                             {"line_no": 1, "quantity": 1, "grade": "resell"}]})):
        r = other.post(f"/v1/returns/{rid}/{action}", json=body)
        assert r.status_code == 404, (action, r.text)
    own = TestClient(app, headers=auth_headers(hub, role="operations", warehouses=["SH"],
                                               name="sh-ops"))
    assert own.get(f"/v1/returns/{rid}").status_code == 200
    assert [x["id"] for x in own.get("/v1/returns").json()] == [rid]
    assert own.get("/v1/returns/stats").json()["shipped"] == 2
    assert own.post(f"/v1/returns/{rid}/approve", json={}).status_code == 200
    r = own.post(f"/v1/returns/{rid}/receive", json={
        "warehouse": "BJ", "lines": [{"line_no": 1, "quantity": 1, "grade": "resell"}]})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "warehouse", r.text
    r = own.post(f"/v1/returns/{rid}/receive", json={
        "warehouse": "SH", "lines": [{"line_no": 1, "quantity": 1, "grade": "resell"}]})
    assert r.status_code == 200, r.text
