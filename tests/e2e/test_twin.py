"""The order twin through the API: stages with due times, stalled-step alerts raised by the
sweep, escalated, resolved when the order moves; at-risk alerts; SLA policies and
working calendars as versioned data."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from fastapi.testclient import TestClient

from orderhub.bootstrap import Hub
from orderhub.services import catalog
from orderhub.services.twin import alerts, desk_link
from tests.api import api_client, create_app, issue_key
from tests.conftest import Clock
from tests.factories import ADDRESS_JSON, seed_network

STAGES = ["created", "validated", "reserved", "allocated", "released", "picked", "packed",
          "shipped", "in_transit", "delivered", "invoiced"]


def post_order(client: TestClient, ext: str, **extra: Any) -> str:
    r = client.post("/v1/orders", json={
        "external_id": ext, "channel": "web", "currency": "CNY",
        "shipping_address": ADDRESS_JSON,
        "lines": [{"sku": "A", "quantity": 1, "unit_price": "10.00"}], **extra})
    assert r.status_code == 201, r.text
    return str(r.json()["id"])


def catch_up(hub: Hub) -> None:
    """What the background does: publish, then let the twin consumer read everything."""
    hub.relay.drain()
    consumer = hub.enable_twin()
    while consumer.process_once(wait=0):
        pass


def test_twin_shows_stages_due_times_and_slack(hub: Hub, clock: Clock) -> None:
    seed_network(hub)
    with api_client(hub) as client:
        oid = post_order(client, "T-1")
        clock.now += timedelta(minutes=10)
        assert client.post(f"/v1/orders/{oid}/release").status_code == 200
        twin = client.get(f"/v1/orders/{oid}/twin").json()
        assert [s["stage"] for s in twin["stages"]] == STAGES
        by = {s["stage"]: s for s in twin["stages"]}
        assert [by[s]["state"] for s in STAGES[:6]] == ["done"] * 4 + ["current", "next"]
        assert by["released"]["entered_at"] is not None and by["allocated"]["left_at"]
        assert by["picked"]["expected"] == "within 2h working"
        assert by["picked"]["expected_zh"] == "2h 内（工作时间）"
        assert by["delivered"]["projected_at"] is not None
        assert twin["current_stage"] == "released" and twin["team"] == "warehouse"
        assert twin["health"] == 100 and twin["reasons"] == []
        assert twin["slack_hours"] == 0 and twin["risk"] == 0.25  # on plan: the cut-off holds
        assert twin["policy_version"] == 0  # the built-in policy


def test_a_stalled_step_alerts_escalates_and_resolves(hub: Hub, clock: Clock) -> None:
    seed_network(hub)
    with api_client(hub) as client:
        oid = post_order(client, "T-2")
        client.post(f"/v1/orders/{oid}/release")
        catch_up(hub)
        assert alerts.sweep(hub.uow, clock.now) == {"stalled": 0, "escalated": 0}

        clock.now += timedelta(hours=3)  # picking was due within 2 working hours
        assert alerts.sweep(hub.uow, clock.now)["stalled"] == 1
        assert alerts.sweep(hub.uow, clock.now)["stalled"] == 0  # once per stage pass
        assert desk_link.sync(hub.uow, clock.now) == (1, 0)  # the alert-desk job
        page = client.get("/v1/alerts", params={"state": "open"}).json()
        [alert] = page["items"]
        assert alert["kind"] == "stalled" and alert["stage"] == "picked"
        assert alert["team"] == "warehouse" and "picking at SH" in alert["reason"]
        assert page["open"] == {"stalled": 1}
        timeline = client.get(f"/v1/orders/{oid}/timeline").json()
        assert [e["type"] for e in timeline[-2:]] == ["OrderStalled", "ExceptionOpened"]
        stalled = timeline[-2]
        assert stalled["data"]["alert_id"] == alert["id"] and stalled["status"] == "released"
        # on the exception desk, with remedies priced by the router
        [item] = client.get("/v1/exceptions", params={"order_id": oid}).json()["items"]
        assert item["kind"] == "stalled" and item["source"] == f"alert:{alert['id']}"
        detail = client.get(f"/v1/exceptions/{item['id']}").json()
        # already with its warehouse: only what is still possible there, or pulling it back
        assert {r["kind"] for r in detail["remedies"]} == {"contact_customer",
                                                            "cancel_and_refund",
                                                            "recall_and_reroute"}
        twin = client.get(f"/v1/orders/{oid}/twin").json()
        assert twin["health"] < 100 and twin["reasons"][0]["code"] == "step_overdue"
        assert [a["id"] for a in twin["alerts"]] == [alert["id"]]

        clock.now += timedelta(minutes=31)  # nobody acknowledged it
        assert alerts.sweep(hub.uow, clock.now)["escalated"] == 1
        [alert] = client.get("/v1/alerts").json()["items"]
        assert alert["level"] == 1 and alert["team"] == "ops-lead"
        assert client.get(f"/v1/orders/{oid}/timeline").json()[-1]["type"] == "AlertEscalated"

        assert client.post(f"/v1/orders/{oid}/pick").status_code == 200
        catch_up(hub)
        assert desk_link.sync(hub.uow, clock.now) == (0, 1)
        [alert] = client.get("/v1/alerts").json()["items"]
        assert alert["state"] == "resolved" and alert["resolution"] == "the order reached picked"
        types = [e["type"] for e in client.get(f"/v1/orders/{oid}/timeline").json()]
        assert types[-3:] == ["OrderStatusChanged", "AlertResolved", "ExceptionResolved"]
        [item] = client.get("/v1/exceptions", params={"order_id": oid}).json()["items"]
        assert item["state"] == "resolved"
        assert client.get("/v1/alerts", params={"state": "unresolved"}).json()["items"] == []


def test_acknowledging_stops_escalation(hub: Hub, clock: Clock) -> None:
    seed_network(hub)
    with api_client(hub) as client:
        oid = post_order(client, "T-3")
        client.post(f"/v1/orders/{oid}/release")
        catch_up(hub)
        clock.now += timedelta(hours=3)
        alerts.sweep(hub.uow, clock.now)
        [alert] = client.get("/v1/alerts").json()["items"]
        with api_client(hub, role="analyst") as analyst:
            r = analyst.post(f"/v1/alerts/{alert['id']}/acknowledge", json={"note": "x"})
            assert r.status_code == 403
        r = client.post(f"/v1/alerts/{alert['id']}/acknowledge",
                        json={"note": "picker shortage, on it"})
        assert r.status_code == 200, r.text
        assert r.json()["state"] == "acknowledged"
        assert client.post(f"/v1/alerts/{alert['id']}/acknowledge").status_code == 409
        clock.now += timedelta(hours=1)
        assert alerts.sweep(hub.uow, clock.now)["escalated"] == 0
        audit = client.get("/v1/audit", params={"kind": "alert_change"}).json()
        assert any(e["subject"] == f"alert/{alert['id']}" for e in audit)
    catalog.ensure_tenant(hub.uow, "other", "Other", hub.clock())
    with api_client(hub, tenant="other") as other:
        assert other.post(f"/v1/alerts/{alert['id']}/acknowledge").status_code == 404
        assert other.get(f"/v1/orders/{oid}/twin").status_code == 404
        assert other.get("/v1/alerts").json()["items"] == []


def test_a_promise_at_risk_raises_an_alert(hub: Hub, clock: Clock) -> None:
    seed_network(hub)
    with api_client(hub) as client:
        oid = post_order(client, "T-4", service_level="same_day")
        client.post(f"/v1/orders/{oid}/release")
        clock.now += timedelta(hours=9)  # same day: nothing picked by the evening
        client.post(f"/v1/orders/{oid}/pick")
        catch_up(hub)
        desk_link.sync(hub.uow, clock.now)
        page = client.get("/v1/alerts", params={"kind": "at_risk"}).json()
        [alert] = page["items"]
        assert alert["details"]["risk"] >= 0.5
        event, opened = client.get(f"/v1/orders/{oid}/timeline").json()[-2:]
        assert event["type"] == "OrderAtRisk" and event["data"]["reasons"]
        assert opened["type"] == "ExceptionOpened" and opened["data"]["kind"] == "at_risk"
        twins = client.get("/v1/twins", params={"min_risk": 0.5}).json()["items"]
        assert [t["order_id"] for t in twins] == [oid]


def test_sla_policy_is_versioned_validated_and_audited(hub: Hub, clock: Clock) -> None:
    seed_network(hub)
    with api_client(hub) as client:
        bad = client.put("/v1/sla/policy", json={"reason": "x", "document": {
            "targets": [{"name": "t", "when": {"colour": "red"},
                         "stages": {"picked": {"within": "soon"}, "nowhere": {"by": "9"}}}],
            "calendars": {"SH": {"shifts": {"mon": ["09:00-08:00"]},
                                 "holidays": ["2027-02-30"]}}}})
        assert bad.status_code == 422
        fields = {e["field"] for e in bad.json()["errors"]}
        assert {"targets.0.when.colour", "targets.0.stages.picked", "targets.0.stages.nowhere",
                "calendars.SH.shifts.mon.0", "calendars.SH.holidays.0"} <= fields, fields
        assert client.get("/v1/sla/policy").json()["version"] == 0

        doc = {"targets": [{"name": "fast pick at SH", "when": {"warehouse": "SH"},
                            "stages": {"picked": {"within": "30m"}}}]}
        r = client.put("/v1/sla/policy", json={"document": doc, "reason": "peak",
                                               "expected_version": 0})
        assert r.status_code == 200, r.text
        assert r.json()["version"] == 1
        stale = client.put("/v1/sla/policy", json={"document": doc, "reason": "again",
                                                   "expected_version": 0})
        assert stale.status_code == 409
        # Spring Festival at SH: no working time on the day picking is due.
        day = clock.now.date()
        cal = {"timezone": "Asia/Shanghai", "shifts": {"mon-sun": ["08:00-22:00"]},
               "holidays": [f"{day.isoformat()}..{(day + timedelta(days=1)).isoformat()}"]}
        r = client.put("/v1/sla/calendars/SH", json={"calendar": cal, "reason": "春节"})
        assert r.status_code == 200 and r.json()["version"] == 2
        assert client.put("/v1/sla/calendars/NOPE", json={"calendar": cal, "reason": "x"}
                          ).status_code == 422
        versions = client.get("/v1/sla/policy/versions").json()
        assert [v["version"] for v in versions] == [2, 1]
        oid = post_order(client, "T-5")
        client.post(f"/v1/orders/{oid}/release")
        twin = client.get(f"/v1/orders/{oid}/twin").json()
        picked = next(s for s in twin["stages"] if s["stage"] == "picked")
        assert picked["expected"] == "within 30m working"
        assert picked["expected_rule"] == "fast pick at SH"
        # due two days later, 08:30 Shanghai = 00:30 UTC
        assert picked["due_at"].startswith((day + timedelta(days=2)).isoformat() + "T00:30")
        audit = client.get("/v1/audit", params={"kind": "sla_change"}).json()
        assert len(audit) == 2
        with api_client(hub, role="operations") as ops:
            assert ops.put("/v1/sla/policy", json={"document": doc, "reason": "x"}
                           ).status_code == 403
            assert ops.get("/v1/sla/policy").status_code == 200


def test_a_trained_champion_model_scores_the_twin(hub: Hub, clock: Clock) -> None:
    from orderhub.services.risk import clear_cache, training
    from orderhub.tools.month_simulation import MonthConfig, month_history

    seed_network(hub)
    clear_cache()
    history = month_history(MonthConfig(days=8, orders_per_day=60, seed=5))
    result = training.train_and_store(hub.uow, "default", history, train_days=6, seed=5,
                                      source={"source": "test"}, actor="test",
                                      now=clock.now, promote=False)
    with api_client(hub) as client:
        oid = post_order(client, "T-6")
        client.post(f"/v1/orders/{oid}/release")
        baseline = client.get(f"/v1/orders/{oid}/twin").json()
        assert baseline["risk_source"] == "sla"
        training.promote(hub.uow, "default", result.version, actor="test", reason="try",
                         now=clock.now)
        clock.now += timedelta(hours=30)  # far behind: the model has something to say
        twin = client.get(f"/v1/orders/{oid}/twin").json()
        assert twin["risk_source"] == f"model:v{result.version}"
        assert 0 <= twin["risk"] <= 1
        learned = [r for r in twin["reasons"] if r["code"] == "risk_model"]
        assert twin["risk"] < 0.3 or learned
        catch_up(hub)
        [row] = client.get("/v1/twins").json()["items"]
        assert row["order_id"] == oid and 0 <= row["risk"] <= 1
    clear_cache()


def test_review_findings_stay_fixed(hub: Hub, clock: Clock) -> None:
    """Warehouse-bound keys see only their orders' twins and alerts; a stall is raised
    once even when the consumer writes back a twin it read before the sweep; bad cursors
    and odd policies are 422s."""
    seed_network(hub)
    with api_client(hub) as client:
        oid = post_order(client, "T-9")
        client.post(f"/v1/orders/{oid}/release")
        catch_up(hub)
        with hub.read_uow() as uow:
            stale = uow.twins.twins("default", [oid])[oid]  # what a consumer read before
        clock.now += timedelta(hours=3)
        assert alerts.sweep(hub.uow, clock.now)["stalled"] == 1
        with hub.uow() as uow:  # the consumer's late upsert of what it read
            uow.twins.save_twins([stale])
            uow.commit()
        assert alerts.sweep(hub.uow, clock.now)["stalled"] == 0
        types = [e["type"] for e in client.get(f"/v1/orders/{oid}/timeline").json()]
        assert types.count("OrderStalled") == 1
        [alert] = client.get("/v1/alerts").json()["items"]
        assert client.get("/v1/twins", params={"cursor": "99999999999999999999|ord_x"}
                          ).status_code == 422
        assert client.put("/v1/sla/policy", json={"reason": "x", "document": {
            "calendars": {"SH": {"timezone": "America"}}}}).status_code == 422
    bj = {"Authorization": f"Bearer {issue_key(hub, role='logistics', warehouses=['BJ'])}"}
    sh = {"Authorization": f"Bearer {issue_key(hub, role='logistics', warehouses=['SH'])}"}
    with TestClient(create_app(hub)) as c:
        assert c.get("/v1/twins", headers=bj).json()["items"] == []
        assert c.get("/v1/alerts", headers=bj).json()["items"] == []
        assert c.post(f"/v1/alerts/{alert['id']}/acknowledge", headers=bj).status_code == 404
        assert [t["order_id"] for t in c.get("/v1/twins", headers=sh).json()["items"]] == [oid]
        assert c.post(f"/v1/alerts/{alert['id']}/acknowledge", headers=sh).status_code == 200


def test_overdue_twins_are_recomputed_as_time_passes(hub: Hub, clock: Clock) -> None:
    """Without any new event, an overdue order's health falls and its promise comes at
    risk: the twin-rescore job recomputes overdue twins, each at most every 5 minutes."""
    from orderhub.services.twin.projection import rescore

    seed_network(hub)
    with api_client(hub) as client:
        oid = post_order(client, "T-10", service_level="same_day")
        client.post(f"/v1/orders/{oid}/release")
        catch_up(hub)
        assert rescore(hub.uow, clock.now) == 0  # nothing overdue yet
        [before] = client.get("/v1/twins").json()["items"]
        assert before["health"] == 100
        clock.now += timedelta(hours=9)  # nothing happened since the release
        assert rescore(hub.uow, clock.now) == 1
        [after] = client.get("/v1/twins").json()["items"]
        assert after["health"] < 100 and after["risk"] > before["risk"]
        assert any(r["code"] == "step_overdue" for r in after["reasons"])
        [alert] = client.get("/v1/alerts", params={"kind": "at_risk"}).json()["items"]
        assert alert["order_id"] == oid
        assert rescore(hub.uow, clock.now) == 0  # recomputed just now
        clock.now += timedelta(minutes=6)
        assert rescore(hub.uow, clock.now) == 1
        assert len(client.get("/v1/alerts", params={"kind": "at_risk"}).json()["items"]) == 1


def test_the_champion_reads_the_carriers_measured_state(hub: Hub, clock: Clock) -> None:
    """The live model is fed what the hub measured of the order's carrier, as training
    from the hub computes it: its deliveries into the region in the last 48 h (here three,
    days late) and its declared state (degraded, two days slower). Each raises the order's
    risk, in the order's twin and in the twin consumer's."""
    from orderhub.domain.risk.history import CarrierDelays
    from orderhub.services.risk import RiskScorer, carrier_delays, clear_cache, training
    from orderhub.tools.month_simulation import MonthConfig, month_history

    seed_network(hub)
    clear_cache()
    # (a month big enough that the model learns what carrier delays do)
    history = month_history(MonthConfig(days=14, orders_per_day=120, seed=5))
    result = training.train_and_store(hub.uow, "default", history, train_days=10, seed=5,
                                      source={"source": "test"}, actor="test",
                                      now=clock.now, promote=False)
    training.promote(hub.uow, "default", result.version, actor="test", reason="try",
                     now=clock.now)
    with api_client(hub) as client:
        early = [post_order(client, f"D-{i}") for i in range(3)]
        for oid in early:
            for step in ("release", "pick", "pack", "ship"):
                r = client.post(f"/v1/orders/{oid}/{step}", json={} if step == "ship" else None)
                assert r.status_code == 200, (step, r.text)
        services = {s["carrier_service"] for oid in early
                    for s in client.get(f"/v1/orders/{oid}").json()["shipments"]}
        clock.now += timedelta(days=5)
        target = post_order(client, "T-9")
        client.post(f"/v1/orders/{target}/release")
        [ship] = client.get(f"/v1/orders/{target}").json()["shipments"]
        assert services == {ship["carrier_service"]}  # the same carrier, the same region
        clear_cache()
        calm = client.get(f"/v1/orders/{target}/twin").json()
        assert calm["risk_source"] == f"model:v{result.version}"

        for oid in early:  # delivered five days after dispatch: far behind the lane
            assert client.post(f"/v1/orders/{oid}/deliver").status_code == 200
        clear_cache()
        measured = carrier_delays.measured(hub.read_uow, "default")
        assert isinstance(measured, CarrierDelays)
        [(key, (times, lates))] = measured.deliveries.items()
        assert key[0] == ship["carrier_service"] and len(times) == 3
        assert min(lates) > 72  # hours late against the lane's quoted days
        scorer = RiskScorer.for_tenant(hub.read_uow, "default")
        assert scorer.carrier_delays is not None
        assert scorer.carrier_delays.hours(key[0], key[1], clock.now) > 72
        late = client.get(f"/v1/orders/{target}/twin").json()
        assert late["risk"] > calm["risk"], (calm, late)

        r = client.patch(f"/v1/carriers/{ship['carrier_service']}",
                         json={"state": "degraded", "delay_days": 2, "reason": "backlog"})
        assert r.status_code == 200, r.text
        degraded = client.get(f"/v1/orders/{target}/twin").json()
        assert degraded["risk"] > late["risk"], (late, degraded)
        # The twin consumer scores the same way.
        catch_up(hub)
        row = next(t for t in client.get("/v1/twins").json()["items"]
                   if t["order_id"] == target)
        assert abs(row["risk"] - degraded["risk"]) < 1e-6
    clear_cache()
