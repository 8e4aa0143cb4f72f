"""Live network events through the API: a carrier goes down or slows, a warehouse loses
capacity, a region is blocked and unblocked; routing rules as data; waves."""

from __future__ import annotations

from typing import Any

from fastapi.testclient import TestClient

from orderhub.bootstrap import Hub
from tests.api import api_client
from tests.factories import ADDRESS_JSON, seed_network

GUANGZHOU_JSON = {**ADDRESS_JSON, "province": "广东省", "city": "广州市", "district": "天河区",
                  "line1": "体育西路 3 号"}
WUHAN_JSON = {**ADDRESS_JSON, "province": "湖北省", "city": "武汉市", "district": "武昌区",
              "line1": "中北路 9 号"}


def post(client: TestClient, ext: str, lines: list[tuple[str, int]] | None = None,
         address: dict[str, str] | None = None) -> dict[str, Any]:
    r = client.post("/v1/orders", json={
        "external_id": ext, "channel": "web", "currency": "CNY",
        "shipping_address": address or ADDRESS_JSON,
        "lines": [{"sku": s, "quantity": q, "unit_price": "10.00"}
                  for s, q in (lines or [("A", 1)])]})
    assert r.status_code == 201, r.text
    body: dict[str, Any] = r.json()
    return body


def planned(client: TestClient, oid: str) -> list[tuple[str, str]]:
    order = client.get(f"/v1/orders/{oid}").json()
    return sorted((s["warehouse"], s["carrier_service"]) for s in order["shipments"]
                  if s["status"] == "planned")


def levels(client: TestClient, sku: str) -> dict[str, tuple[int, int]]:
    ws = client.get(f"/v1/inventory/{sku}").json()["warehouses"]
    return {w["warehouse"]: (w["on_hand"], w["reserved"]) for w in ws}


def test_carrier_down_reroutes_open_orders_on_it(hub: Hub) -> None:
    seed_network(hub, {("A", "SH"): 10})
    with api_client(hub) as client:
        open_order = post(client, "CD-1")["id"]
        released = post(client, "CD-2")["id"]
        client.post(f"/v1/orders/{released}/release")
        assert planned(client, open_order) == [("SH", "ZTO:standard")]  # cheapest

        r = client.patch("/v1/carriers/ZTO:standard",
                         json={"state": "down", "reason": "API timeouts"})
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["state"] == "down" and body["healthy"] is False
        assert body["reroute"]["rerouted"] == {open_order: ["SH"]}  # same site, next service
        assert body["reroute"]["flagged"] == [released]
        assert planned(client, open_order) == [("SH", "SF:express")]
        assert levels(client, "A") == {"SH": (10, 2)}  # nothing leaked or doubled
        timeline = client.get(f"/v1/orders/{released}/timeline").json()
        assert timeline[-1]["type"] == "OrderExceptionRaised"
        assert "ZTO:standard down: API timeouts" in timeline[-1]["reason"]
        assert planned(client, post(client, "CD-3")["id"]) == [("SH", "SF:express")]

        r = client.patch("/v1/carriers/ZTO:standard", json={"state": "degraded",
                                                             "reason": "backlog"})
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == "delay_days"
        r = client.patch("/v1/carriers/ZTO:standard", json={"state": "degraded", "delay_days": 2,
                                                             "reason": "hub backlog"})
        assert r.json()["state"] == "degraded"  # back in service, if slower
        assert r.json()["reroute"]["rerouted"] == {}  # nothing was held for it
        assert client.patch("/v1/carriers/NOPE:x", json={"healthy": False, "reason": "x"}
                            ).status_code == 404
        assert client.patch("/v1/carriers/ZTO:standard", json={"reason": "x"}).status_code == 422


def test_capacity_cut_moves_the_newest_overflow(hub: Hub) -> None:
    seed_network(hub, {("A", "SH"): 10, ("A", "BJ"): 10})
    with api_client(hub) as client:
        assert client.patch("/v1/warehouses/SH", json={"daily_capacity": 5}).status_code == 200
        ids = [post(client, f"CC-{i}")["id"] for i in range(3)]
        assert all(planned(client, i)[0][0] == "SH" for i in ids)
        r = client.patch("/v1/warehouses/SH", json={"daily_capacity": 1,
                                                    "reason": "half the pickers are ill"})
        assert r.status_code == 200, r.text
        body = r.json()
        assert body["daily_capacity"] == 1
        # One a day, two days of queue: the newest of the three moves.
        assert body["reroute"]["rerouted"] == {ids[2]: ["BJ"]}
        assert "capacity cut to 1/day" in body["reroute"]["cause"]
        [decision, *_] = reversed(client.get(f"/v1/orders/{ids[2]}/routing").json())
        assert decision["excluded"]["SH"].startswith("picking queue full (2 orders waiting")
        r = client.patch("/v1/warehouses/SH", json={"daily_capacity": -1})
        assert r.status_code == 422


def test_outbound_block_reroutes_and_lifting_restores(hub: Hub) -> None:
    seed_network(hub, {("A", "SH"): 10, ("A", "BJ"): 10})
    with api_client(hub) as client:
        oid = post(client, "OB-1")["id"]
        r = client.post("/v1/routing/blocks", json={"area": "east", "direction": "outbound",
                                                     "reason": "typhoon"})
        assert r.status_code == 201, r.text
        block = r.json()
        assert block["reroute"]["rerouted"] == {oid: ["BJ"]}
        assert levels(client, "A") == {"SH": (10, 0), "BJ": (10, 1)}
        fresh = post(client, "OB-2")["id"]
        assert planned(client, fresh)[0][0] == "BJ"
        decision = client.get(f"/v1/orders/{fresh}/routing").json()[-1]
        assert decision["excluded"]["SH"] == "east blocked: typhoon"
        again = client.post("/v1/routing/blocks", json={"area": "east", "direction": "outbound",
                                                         "reason": "typhoon"})
        assert again.status_code == 409
        bad = client.post("/v1/routing/blocks", json={"area": "Atlantis", "reason": "x"})
        assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "area"
        assert [b["id"] for b in client.get("/v1/routing/blocks").json()] == [block["id"]]
        r = client.post(f"/v1/routing/blocks/{block['id']}/lift", json={"reason": "clear"})
        assert r.status_code == 200 and r.json()["active"] is False
        assert planned(client, post(client, "OB-3")["id"])[0][0] == "SH"
        assert client.get("/v1/routing/blocks").json() == []
        assert client.post("/v1/routing/blocks/999/lift", json={"reason": "x"}
                           ).status_code == 404


def test_inbound_block_holds_and_lifting_resumes(hub: Hub) -> None:
    seed_network(hub, {("A", "SH"): 10, ("A", "GZ"): 10})
    with api_client(hub) as client:
        to_gz = post(client, "IB-1", address=GUANGZHOU_JSON)["id"]
        to_sh = post(client, "IB-2")["id"]
        r = client.post("/v1/routing/blocks", json={"area": "广东省", "direction": "inbound",
                                                     "reason": "flooded roads"})
        block = r.json()
        assert block["area"] == "广东" and block["reroute"]["held"] == [to_gz]
        held = client.get(f"/v1/orders/{to_gz}").json()
        assert held["status"] == "on_hold"
        assert held["hold_reasons"][0]["code"] == "region_blocked"
        assert client.get(f"/v1/orders/{to_sh}").json()["status"] == "allocated"
        assert levels(client, "A")["GZ"] == (10, 0)  # its stock went back
        late = post(client, "IB-3", address=GUANGZHOU_JSON)
        assert late["status"] == "on_hold"
        assert late["hold_reasons"][0]["message"] == "deliveries to 广东 are blocked: flooded roads"
        r = client.post(f"/v1/routing/blocks/{block['id']}/lift", json={"reason": "roads open"})
        assert sorted(r.json()["reroute"]["rerouted"]) == sorted([to_gz, late["id"]])
        assert client.get(f"/v1/orders/{to_gz}").json()["status"] == "allocated"


def test_routing_rules_as_data(hub: Hub) -> None:
    seed_network(hub, {("A", "SH"): 10, ("A", "BJ"): 10})
    with api_client(hub) as client:
        rule = {"description": "web orders not from SH", "when": {"channel": ["web"]},
                "then": {"exclude_sites": ["SH"]}, "reason": "SH reserved for Tmall"}
        r = client.put("/v1/routing/rules/no-sh-web", json=rule)
        assert r.status_code == 200, r.text
        assert r.json()["version"] == 1 and r.json()["changed"] is True
        assert client.put("/v1/routing/rules/no-sh-web", json=rule).json()["changed"] is False
        oid = post(client, "RR-1")["id"]
        assert planned(client, oid)[0][0] == "BJ"
        decision = client.get(f"/v1/orders/{oid}/routing").json()[-1]
        assert decision["excluded"]["SH"] == ("excluded by rule no-sh-web v1 (web orders not "
                                              "from SH)")
        assert decision["rules_matched"] == ["rule no-sh-web v1 (web orders not from SH)"]
        assert decision["model_version"].startswith("routing-v2/")

        r = client.post("/v1/routing/rules/no-sh-web/enabled",
                        json={"enabled": False, "reason": "peak over"})
        assert r.json()["version"] == 2 and r.json()["enabled"] is False
        assert planned(client, post(client, "RR-2")["id"])[0][0] == "SH"
        history = client.get("/v1/routing/rules/no-sh-web/history").json()
        assert [(h["version"], h["reason"]) for h in history] == [
            (1, "SH reserved for Tmall"), (2, "peak over")]

        bad = client.put("/v1/routing/rules/typo", json={
            "when": {"chanel": ["web"]}, "then": {"exclude_sites": ["SHH"]}, "reason": "x"})
        assert bad.status_code == 422
        fields = {e["field"] for e in bad.json()["errors"]}
        assert fields == {"when.chanel", "then.exclude_sites"}
        r = client.post("/v1/routing/rules/import", json={"reason": "from git", "rules": [
            {"code": "ok", "when": {}, "then": {"exclude_sites": ["GZ"]}},
            {"code": "broken", "when": {}, "then": {"require_capability": "teleport"}}]})
        assert r.status_code == 422 and r.json()["errors"][0]["field"] == \
            "rules.1.then.require_capability"
        assert [x["code"] for x in client.get("/v1/routing/rules").json()] == ["no-sh-web"]
        exported = client.get("/v1/routing/rules/export").json()
        assert exported["rules"][0]["code"] == "no-sh-web"
        assert client.get("/v1/routing/rules/nope").status_code == 404


def test_wave_fixes_what_streaming_got_wrong(hub: Hub) -> None:
    # Streaming gives the first order (to Wuhan) Shanghai's only A; the second order (to
    # Shanghai) then needs A from Beijing and B from Shanghai: two parcels. Together: the
    # first from Beijing by express (its promised date kept), the second whole from Shanghai.
    seed_network(hub, {("A", "SH"): 1, ("A", "BJ"): 1, ("B", "SH"): 1})
    with api_client(hub) as client:
        first = post(client, "WV-1", address=WUHAN_JSON)["id"]
        second = post(client, "WV-2", [("A", 1), ("B", 1)])["id"]
        assert [w for w, _ in planned(client, second)] == ["BJ", "SH"]
        r = client.post("/v1/routing/waves", json={"dry_run": True})
        assert r.status_code == 200, r.text
        dry = r.json()
        assert dry["method"] == "mip" and dry["applied"] is False
        assert dry["changed"] == {first: ["BJ"], second: ["SH"]}
        assert float(dry["saving"]) > 0 and dry["gap"] <= 1e-4
        assert [w for w, _ in planned(client, second)] == ["BJ", "SH"]  # nothing moved yet

        done = client.post("/v1/routing/waves", json={}).json()
        assert done["applied"] is True and done["saving"] == dry["saving"]
        assert planned(client, first) == [("BJ", "SF:express")]
        assert [w for w, _ in planned(client, second)] == ["SH"]
        assert levels(client, "A") == {"SH": (1, 1), "BJ": (1, 1)}
        assert levels(client, "B") == {"SH": (1, 1)}
        decision = client.get(f"/v1/orders/{second}/routing").json()[-1]
        assert decision["strategy"] == "routing-v2-wave" and decision["wave"]["orders"] == 2
        again = client.post("/v1/routing/waves", json={}).json()
        assert again["changed"] == {} and again["saving"] == "0.00"


def test_network_view_and_lane_tables(hub: Hub) -> None:
    seed_network(hub, {("A", "SH"): 10, ("A", "BJ"): 10})
    with api_client(hub) as client:
        client.patch("/v1/warehouses/SH", json={"daily_capacity": 4})
        post(client, "NV-1")
        view = client.get("/v1/routing/network").json()
        sh = next(s for s in view["sites"] if s["code"] == "SH")
        assert (sh["queue"], sh["queue_days"], sh["daily_capacity"]) == (1, 0.25, 4)
        assert view["model_version"].startswith("routing-v2/")
        assert {c["code"] for c in view["carriers"]} == {"SF:express", "ZTO:standard",
                                                         "JD:b2b_freight"}
        r = client.put("/v1/carriers/ZTO:standard/lanes",
                       json={"lanes": {"east>east": 1, "north>east": 1}})
        assert r.status_code == 200 and r.json()["lanes"] == {"east>east": 1, "north>east": 1}
        bad = client.put("/v1/carriers/ZTO:standard/lanes",
                         json={"lanes": {"east>mars": 1, "north": 2}})
        assert bad.status_code == 422
        messages = [e["message"] for e in bad.json()["errors"]]
        assert any("unknown region 'mars'" in m for m in messages)
        assert any("origin>destination" in m for m in messages)
        assert client.put("/v1/carriers/NOPE:x/lanes", json={"lanes": {}}).status_code == 404


def test_when_the_network_recovers_held_orders_are_routed_again(hub: Hub) -> None:
    seed_network(hub, {("A", "SH"): 10})
    with api_client(hub) as client:
        first = post(client, "RC-1")["id"]
        block = client.post("/v1/routing/blocks", json={"area": "east", "direction": "outbound",
                                                         "reason": "typhoon"}).json()
        assert block["reroute"]["held"] == [first]
        second = post(client, "RC-2")
        assert second["status"] == "on_hold"
        assert second["hold_reasons"][0]["code"] == "no_route"
        lifted = client.post(f"/v1/routing/blocks/{block['id']}/lift",
                             json={"reason": "clear"}).json()
        assert sorted(lifted["reroute"]["rerouted"]) == sorted([first, second["id"]])
        assert levels(client, "A") == {"SH": (10, 2)}

        closed = client.post("/v1/warehouses/SH/close", json={"reason": "fire"}).json()
        assert sorted(closed["held"]) == sorted([first, second["id"]])
        r = client.patch("/v1/warehouses/SH", json={"active": True, "reason": "fire out"})
        assert r.status_code == 200
        assert sorted(r.json()["reroute"]["rerouted"]) == sorted([first, second["id"]])
        assert levels(client, "A") == {"SH": (10, 2)}

        client.patch("/v1/carriers/ZTO:standard", json={"state": "down", "reason": "x"})
        client.patch("/v1/carriers/SF:express", json={"state": "down", "reason": "x"})
        client.patch("/v1/carriers/JD:b2b_freight", json={"state": "down", "reason": "x"})
        stuck = post(client, "RC-3")
        assert stuck["status"] == "on_hold" and stuck["hold_reasons"][0]["code"] == "no_route"
        back = client.patch("/v1/carriers/SF:express", json={"state": "up", "reason": "ok"})
        assert stuck["id"] in back.json()["reroute"]["rerouted"]


def test_rules_written_as_sentences(hub: Hub) -> None:
    seed_network(hub, {("A", "SH"): 100, ("A", "BJ"): 100})
    with api_client(hub) as client:
        r = client.post("/v1/routing/rules/from-text", json={
            "text": "当订单金额大于1000且客户等级为VIP时，转人工复核", "code": "big-vip"})
        assert r.status_code == 200, r.text
        rule = r.json()["rule"]
        assert r.json()["language"] == "zh"
        assert rule["when"] == {"customer_tier": ["VIP"], "order_value_above": "1000"}
        assert rule["then"] == {"hold": "manual review"}
        assert client.get("/v1/routing/rules").json() == []  # nothing saved yet
        body = {k: rule[k] for k in ("description", "when", "then", "enabled", "priority")}
        assert client.put("/v1/routing/rules/big-vip",
                          json={**body, "reason": "fraud check"}).status_code == 200

        big = client.post("/v1/orders", json={
            "external_id": "NL-1", "channel": "web", "currency": "CNY",
            "customer": {"tier": "VIP"}, "shipping_address": ADDRESS_JSON,
            "lines": [{"sku": "A", "quantity": 20, "unit_price": "100.00"}]}).json()
        assert big["status"] == "on_hold"
        assert big["hold_reasons"][0]["code"] == "rule_review"
        message = big["hold_reasons"][0]["message"]
        assert message == ("held by rule big-vip v1 (当订单金额大于1000且客户等级为VIP时，"
                           "转人工复核): manual review")
        r = client.post(f"/v1/orders/{big['id']}/override",
                        json={"codes": ["rule_review"], "reason": "customer called back"})
        assert r.status_code == 200 and r.json()["status"] == "allocated"
        assert post(client, "NL-2")["status"] == "allocated"  # not VIP, small: not held

        bad = client.post("/v1/routing/rules/from-text",
                          json={"text": "when the moon is full, route to SH"})
        assert bad.status_code == 422
        assert bad.json()["errors"][0] == {"field": "text",
                                           "message": "not understood: 'the moon is full'"}
        unknown = client.post("/v1/routing/rules/from-text",
                              json={"text": "when channel is tmall, route to W9"})
        assert unknown.status_code == 422
        assert unknown.json()["errors"][0]["field"] == "then.only_sites"
        assert "conditions" in client.get("/v1/routing/rules/phrases").json()


def counts(report: dict[str, Any]) -> dict[str, int]:
    """The non-zero counts of a re-routing report, after checking they add up."""
    assert sum(report["counts"].values()) == report["looked_at"] == len(report["orders"])
    return {k: n for k, n in report["counts"].items() if n}


def test_reopening_counts_kept_promises_and_orders_still_held(hub: Hub) -> None:
    seed_network(hub, {("A", "SH"): 10})  # B is stocked nowhere
    with api_client(hub) as client:
        first, second = (post(client, f"RO-{i}") for i in (1, 2))
        no_b = post(client, "RO-3", [("B", 1)])
        assert no_b["status"] == "on_hold"  # backorder, never promised a date
        closed = client.post("/v1/warehouses/SH/close", json={"reason": "fire"}).json()
        assert counts(closed) == {"held": 2}
        while_closed = post(client, "RO-4")
        assert while_closed["status"] == "on_hold"

        r = client.patch("/v1/warehouses/SH", json={"active": True, "reason": "fire out"})
        report = r.json()["reroute"]
        # Back where they were, on the dates promised before the fire; the order placed
        # meanwhile gets its first date; B is still nowhere: that order stays held.
        assert counts(report) == {"promise_kept": 2, "first_promise": 1, "still_held": 1}
        assert report["promises_kept"] == 2 and report["promises_later"] == {}
        assert report["held"] == [] and report["still_held"] == [no_b["id"]]
        assert sorted(report["rerouted"]) == sorted([first["id"], second["id"],
                                                     while_closed["id"]])
        kept = {o["order_id"]: o for o in report["orders"] if o["outcome"] == "promise_kept"}
        assert kept[first["id"]]["promised"] == first["promised_delivery"]
        assert kept[first["id"]]["promised_before"] == first["promised_delivery"]


def test_carrier_back_up_counts_kept_promises_and_orders_still_held(hub: Hub) -> None:
    seed_network(hub, {("A", "SH"): 10, ("C", "GZ"): 10})
    with api_client(hub) as client:
        from_sh = post(client, "CU-1")
        from_gz = post(client, "CU-2", [("C", 1)])
        for service in ("ZTO:standard", "SF:express", "JD:b2b_freight"):
            client.patch(f"/v1/carriers/{service}", json={"state": "down", "reason": "strike"})
        for oid in (from_sh["id"], from_gz["id"]):
            order = client.get(f"/v1/orders/{oid}").json()
            assert order["hold_reasons"][0]["code"] == "no_route"
        client.post("/v1/routing/blocks", json={"area": "south", "direction": "outbound",
                                                "reason": "typhoon"})
        r = client.patch("/v1/carriers/SF:express", json={"state": "up", "reason": "back"})
        report = r.json()["reroute"]
        # Express is the fastest service: the Shanghai order keeps its date; Guangzhou
        # cannot ship while the south is blocked.
        assert counts(report) == {"promise_kept": 1, "still_held": 1}
        assert list(report["rerouted"]) == [from_sh["id"]]
        assert report["still_held"] == [from_gz["id"]] and report["held"] == []


def test_lifting_a_block_counts_kept_promises_and_orders_still_held(hub: Hub) -> None:
    seed_network(hub, {("A", "SH"): 10})
    with api_client(hub) as client:
        to_sh = post(client, "UB-1")
        to_gz = post(client, "UB-2", address=GUANGZHOU_JSON)
        inbound = client.post("/v1/routing/blocks", json={
            "area": "广东", "direction": "inbound", "reason": "floods"}).json()
        assert counts(inbound["reroute"]) == {"held": 1}
        outbound = client.post("/v1/routing/blocks", json={
            "area": "east", "direction": "outbound", "reason": "typhoon"}).json()
        assert counts(outbound["reroute"]) == {"held": 1}
        r = client.post(f"/v1/routing/blocks/{outbound['id']}/lift", json={"reason": "clear"})
        report = r.json()["reroute"]
        assert counts(report) == {"promise_kept": 1, "still_held": 1}
        assert report["rerouted"] == {to_sh["id"]: ["SH"]}
        assert report["still_held"] == [to_gz["id"]] and report["held"] == []
        assert client.get(f"/v1/orders/{to_gz['id']}").json()["status"] == "on_hold"


def test_a_block_both_ways_flags_a_released_order_once(hub: Hub) -> None:
    seed_network(hub, {("A", "SH"): 10})
    with api_client(hub) as client:
        released = post(client, "BB-1")["id"]
        client.post(f"/v1/orders/{released}/release")
        r = client.post("/v1/routing/blocks", json={"area": "east", "direction": "both",
                                                     "reason": "typhoon"})
        report = r.json()["reroute"]
        # Its site stops shipping and its destination is closed: one order, one decision.
        assert report["flagged"] == [released] and counts(report) == {"flagged": 1}
        types = [e["type"] for e in client.get(f"/v1/orders/{released}/timeline").json()]
        assert types.count("OrderExceptionRaised") == 1


def test_reopening_with_less_capacity_counts_the_orders_left_held(hub: Hub) -> None:
    seed_network(hub, {("A", "SH"): 10})
    with api_client(hub) as client:
        ids = [post(client, f"RC-{i}")["id"] for i in range(3)]
        client.post("/v1/warehouses/SH/close", json={"reason": "fire"})
        r = client.patch("/v1/warehouses/SH", json={"active": True, "daily_capacity": 1,
                                                    "reason": "half the team back"})
        report = r.json()["reroute"]
        assert report["cause"] == "warehouse SH reopened: half the team back"
        # A queue of two days at one a day takes two of the three back, the second a day
        # later than promised; with no stock elsewhere the third stays held.
        assert counts(report) == {"promise_kept": 1, "promise_later": 1, "still_held": 1}
        assert sorted(report["rerouted"]) == sorted(ids[:2]) and report["still_held"] == [ids[2]]
        assert list(report["promises_later"]) == [ids[1]]
