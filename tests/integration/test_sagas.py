"""Compensation sagas on a real database (SQLite and PostgreSQL): a warehouse refusing a
released order (stock released once, waybill voided, routed elsewhere or held, the channel
told), a crash mid-saga resumed by the job, a permanent failure left to a human, a partial
booking failure at release, and two runners of one saga at once (PostgreSQL)."""

from __future__ import annotations

import threading
from datetime import timedelta

import pytest

from orderhub.adapters.carriers.base import CarrierUnavailable
from orderhub.bootstrap import Hub
from orderhub.domain.errors import Conflict
from orderhub.domain.saga import SagaKind, SagaState, StepState
from orderhub.services.exceptions import views as exception_views
from orderhub.services.network.waybills import NoCarrierAvailable
from orderhub.services.orders import views
from orderhub.services.sagas import compensation, runner
from orderhub.services.sagas import desk_link as saga_desk
from orderhub.services.sagas import views as saga_views
from tests.conftest import Clock
from tests.factories import T, draft, seed_network
from tests.integration.test_events import submit
from tests.sagas_support import Crash, FakeCarriers, install


def reserved(hub: Hub, sku: str = "A") -> dict[str, int]:
    with hub.read_uow() as uow:
        return {wh: lv.reserved for (_, wh), lv in uow.stock.levels(T, [sku]).items()}


def timeline(hub: Hub, oid: str) -> list[dict[str, object]]:
    return views.get_timeline(hub.read_uow, T, oid)


def types(hub: Hub, oid: str) -> list[str]:
    return [str(e["type"]) for e in timeline(hub, oid)]


def released_at_sh(hub: Hub, fake: FakeCarriers, ext: str = "SG-1") -> str:
    """An order released to SH with a booked waybill; another order keeps one unit of A
    reserved at SH, so a second release of the first's stock would show."""
    seed_network(hub, {("A", "SH"): 10, ("A", "BJ"): 10})
    oid, _other = submit(hub, draft(ext), draft(ext + "-other"))
    hub.waybills.release(T, oid, actor="wms")
    with hub.read_uow() as uow:
        order = uow.orders.get(T, oid)
    assert order.status.value == "released" and order.shipments[0].warehouse == "SH"
    assert order.shipments[0].waybill
    assert reserved(hub) == {"SH": 2, "BJ": 0}
    return oid


def test_a_rejected_release_is_recalled_voided_rerouted_and_the_channel_told(
        hub: Hub) -> None:
    fake = install(hub)
    oid = released_at_sh(hub, fake)
    with hub.read_uow() as uow:
        waybill = uow.orders.get(T, oid).shipments[0].waybill
    saga = compensation.reject_release(hub.compensator, T, oid, "rack damaged", actor="wms-sh")
    assert saga.state == SagaState.DONE, saga.as_dict()
    assert [s.attempts for s in saga.steps] == [1, 1, 1, 1]
    assert reserved(hub) == {"SH": 1, "BJ": 1}  # its unit at SH released once, now at BJ
    assert [w for _, w in fake.voids] == [waybill]
    with hub.read_uow() as uow:
        order = uow.orders.get(T, oid)
    assert order.status.value == "allocated"
    assert [s.warehouse for s in order.shipments if s.status.value == "planned"] == ["BJ"]
    seen = [t for t in types(hub, oid) if t != "OrderExceptionRaised"]  # a later promise
    assert seen[seen.index("CompensationStarted"):] == [
        "CompensationStarted", "InventoryReleased", "OrderHeld", "OrderReleasedFromHold",
        "OrderValidated", "InventoryReserved", "OrderAllocated", "OrderCompensated"]
    held = next(e for e in timeline(hub, oid) if e["type"] == "OrderHeld")
    assert held["data"]["reasons"][0]["code"] == "release_rejected"  # type: ignore[index]
    done = timeline(hub, oid)[-1]
    assert done["data"]["voided_waybills"] == [waybill]  # type: ignore[index]
    # Once recalled, the order is not with the warehouse: a second refusal is refused.
    with pytest.raises(Conflict):
        compensation.reject_release(hub.compensator, T, oid, "again", actor="wms-sh")


def test_with_no_other_site_the_order_stays_held_with_the_reason(hub: Hub) -> None:
    fake = install(hub)
    seed_network(hub, {("A", "SH"): 5})
    [oid] = submit(hub, draft("SG-ONLY"))
    hub.waybills.release(T, oid, actor="wms")
    saga = compensation.reject_release(hub.compensator, T, oid, "no pickers", actor="wms")
    assert saga.state == SagaState.DONE
    assert reserved(hub) == {"SH": 0}
    assert len(fake.voids) == 1
    with hub.read_uow() as uow:
        order = uow.orders.get(T, oid)
    assert order.status.value == "on_hold"
    assert [r.code.value for r in order.hold_reasons] == ["backorder"]
    assert types(hub, oid)[-1] == "OrderCompensated"


def test_a_crash_after_the_recall_resumes_from_the_job_and_repeats_nothing(
        hub: Hub, clock: Clock) -> None:
    fake = install(hub)
    oid = released_at_sh(hub, fake)
    fake.void_failures = [Crash()]  # the process dies as it calls the carrier
    with pytest.raises(Crash):
        compensation.reject_release(hub.compensator, T, oid, "rack damaged", actor="wms")
    [saga] = saga_views.list_sagas(hub.read_uow, T, order_id=oid)["items"]
    assert [s["state"] for s in saga["steps"]] == ["done", "pending", "pending", "pending"]
    assert reserved(hub) == {"SH": 1, "BJ": 0}  # the recall committed with its step
    jobs = {j.name: j for j in hub.periodic_jobs()}
    assert jobs["saga-resume"].run_once(clock.now) == 0  # its runner may still be alive
    clock.now += timedelta(minutes=3)
    assert jobs["saga-resume"].run_once(clock.now) == 1
    after = saga_views.get_saga(hub.read_uow, T, saga["id"])
    assert after["state"] == "done"
    assert [s["attempts"] for s in after["steps"]] == [1, 1, 1, 1]
    assert reserved(hub) == {"SH": 1, "BJ": 1}  # released once, reserved once elsewhere
    assert len(fake.voids) == 1 and fake.void_calls == 2  # the crashed call, then one void
    seen = types(hub, oid)
    assert seen.count("InventoryReleased") == 1 and seen.count("OrderCompensated") == 1
    assert jobs["saga-resume"].run_once(clock.now + timedelta(hours=1)) == 0


def test_a_step_that_keeps_failing_needs_a_human_then_a_retry_finishes_it(
        hub: Hub, clock: Clock) -> None:
    fake = install(hub)
    oid = released_at_sh(hub, fake)
    fake.void_always = CarrierUnavailable("ZTO:standard: HTTP 503")
    saga = compensation.reject_release(hub.compensator, T, oid, "flooded", actor="wms")
    assert saga.state == SagaState.RUNNING and saga.step(saga.steps[1].name).attempts == 1
    job = {j.name: j for j in hub.periodic_jobs()}["saga-resume"]
    waits = []
    for _ in range(4):
        due = saga_views.get_saga(hub.read_uow, T, saga.id)["next_attempt_at"]
        assert job.run_once(clock.now) == 0  # not before its backoff
        waits.append(due)
        clock.now += timedelta(hours=1)
        assert job.run_once(clock.now) == 1
    after = saga_views.get_saga(hub.read_uow, T, saga.id)
    assert after["state"] == "needs_human" and after["next_attempt_at"] is None
    void = after["steps"][1]
    assert (void["state"], void["attempts"]) == ("failed", 5)
    assert "HTTP 503" in void["last_error"]
    needs = timeline(hub, oid)[-1]
    assert needs["type"] == "CompensationNeedsHuman"
    assert needs["data"]["step"] == "void_waybills"  # type: ignore[index]
    assert saga_views.list_sagas(hub.read_uow, T, state="needs_human")["items"][0]["id"] \
        == saga.id
    assert job.run_once(clock.now + timedelta(days=1)) == 0  # the job leaves it to people
    assert reserved(hub) == {"SH": 1, "BJ": 0}  # recalled once, nothing repeated
    # ... and the exception desk shows it (the exception-sync job)
    assert saga_desk.sync(hub.uow, clock.now) == (1, 0)
    assert saga_desk.sync(hub.uow, clock.now) == (0, 0)
    [item] = exception_views.list_exceptions(hub.read_uow, T, order_id=oid,
                                             kind="compensation")["items"]
    assert item["source"] == f"saga:{saga.id}" and item["state"] == "open"
    fake.void_always = None
    done = saga_views.retry_saga(hub.compensator, T, saga.id, actor="ops")
    assert done["state"] == "done" and len(fake.voids) == 1
    assert saga_desk.sync(hub.uow, clock.now) == (0, 1)  # off the desk once it went on
    [item] = exception_views.list_exceptions(hub.read_uow, T, order_id=oid,
                                             kind="compensation")["items"]
    assert item["state"] == "resolved"
    assert reserved(hub) == {"SH": 1, "BJ": 1}
    with pytest.raises(Conflict):
        saga_views.retry_saga(hub.compensator, T, saga.id, actor="ops")


def test_a_partial_booking_failure_at_release_voids_the_booked_waybill(hub: Hub) -> None:
    fake = install(hub)
    seed_network(hub)
    [oid] = submit(hub, draft("SG-SPLIT", [("A", 1), ("C", 1)]))
    with hub.read_uow() as uow:
        assert len(uow.orders.get(T, oid).shipments) == 2
    fake.book_only_first = True
    with pytest.raises(NoCarrierAvailable):
        hub.waybills.release(T, oid, actor="wms")
    [saga] = saga_views.list_sagas(hub.read_uow, T, order_id=oid)["items"]
    assert (saga["kind"], saga["state"]) == (SagaKind.BOOKING_FAILED.value, "done")
    [booked] = saga["data"]["waybills"]
    assert fake.voids == [(booked["service"], booked["waybill"])]
    with hub.read_uow() as uow:
        order = uow.orders.get(T, oid)
    assert order.status.value == "allocated" and not any(s.waybill for s in order.shipments)
    assert types(hub, oid)[-3:] == ["OrderExceptionRaised", "CompensationStarted",
                                    "OrderCompensated"]


@pytest.mark.postgres
def test_two_runners_of_one_saga_do_each_step_once(hub: Hub, database_url: str) -> None:
    if not database_url.startswith("postgresql"):
        pytest.skip("a race needs real row locks: PostgreSQL")
    fake = install(hub)
    oid = released_at_sh(hub, fake)
    fake.void_delay = 0.3  # the second runner arrives while the first calls the carrier
    saga = compensation.reject_release(hub.compensator, T, oid, "rack damaged", actor="wms",
                                       run_now=False)
    start = threading.Barrier(2)
    errors: list[BaseException] = []

    def go() -> None:
        try:
            start.wait()
            runner.run(hub.compensator, T, saga.id)
        except BaseException as exc:  # a Crash too: reported below
            errors.append(exc)

    threads = [threading.Thread(target=go) for _ in range(2)]
    for th in threads:
        th.start()
    for th in threads:
        th.join(30)
    assert errors == []
    after = saga_views.get_saga(hub.read_uow, T, saga.id)
    assert after["state"] == "done"
    assert [s["attempts"] for s in after["steps"]] == [1, 1, 1, 1]
    assert all(s["state"] == StepState.DONE.value for s in after["steps"])
    assert len(fake.voids) == 1 and fake.void_calls == 1
    assert reserved(hub) == {"SH": 1, "BJ": 1}
    seen = types(hub, oid)
    assert seen.count("InventoryReleased") == 1 and seen.count("OrderCompensated") == 1
    assert seen.count("InventoryReserved") == 2  # first allocation, then the re-route


def test_the_http_gateway_voids_idempotently() -> None:
    """`POST {endpoint}/waybills/{waybill}/void`: 2xx and the carrier's "unknown or already
    void" (404, 409, 410) are done; 5xx is a failure the saga retries; other 4xx refused."""
    from orderhub.adapters.carriers.base import CarrierRejected
    from orderhub.adapters.carriers.http import HttpCarrierGateway
    from orderhub.adapters.carriers.simulated import LocalWaybills
    from tests.webhook_receiver import Receiver

    api = Receiver()
    gateway = HttpCarrierGateway({"ZTO": api.url("/zto")}, LocalWaybills(), timeout=1.0)
    try:
        path = "/zto/waybills/73100000001/void"
        api.script(path, 200, 409, 503, 400)
        gateway.void("ZTO:standard", "73100000001")
        gateway.void("ZTO:standard", "73100000001")  # already void: done
        with pytest.raises(CarrierUnavailable):
            gateway.void("ZTO:standard", "73100000001")
        with pytest.raises(CarrierRejected):
            gateway.void("ZTO:standard", "73100000001")
        sent = api.received(path)
        assert len(sent) == 4 and sent[0].json() == {"service": "ZTO:standard",
                                                     "waybill": "73100000001"}
        gateway.void("SF:express", "SF1")  # no endpoint: the local label stock, no call
        assert len(api.received()) == 4
    finally:
        gateway.close()
        api.close()


def test_a_cancellation_after_release_voids_the_waybills_through_the_job(
        hub: Hub, clock: Clock) -> None:
    from decimal import Decimal

    from orderhub.adapters.channels.base import ChannelLine, ChannelOrder
    from orderhub.services.intake.submit import ingest_channel_orders
    from orderhub.services.orders import fulfilment
    from tests.factories import SHANGHAI

    fake = install(hub)
    seed_network(hub, {("A", "SH"): 10})
    [by_ops] = submit(hub, draft("SG-CXL"))
    line = ChannelLine("A", "Apple", 1, Decimal("10.00"))

    def channel(status: str, minutes: int) -> ChannelOrder:
        return ChannelOrder("CH-CXL", status, clock.now + timedelta(minutes=minutes), "CNY",
                            [line], shipping_address=SHANGHAI)

    [first] = ingest_channel_orders(hub.uow, T, "web", [channel("open", 0)],
                                    strategy=hub.strategy, now=clock.now, actor="tmall",
                                    presale_lock=hub.presale_lock)
    by_channel = str(first.order_id)
    for oid in (by_ops, by_channel):
        hub.waybills.release(T, oid, actor="wms")
    assert reserved(hub) == {"SH": 2}
    fulfilment.cancel_order(hub.uow, T, by_ops, "customer changed mind", now=clock.now,
                            actor="ops")
    ingest_channel_orders(hub.uow, T, "web", [channel("cancelled", 5)], strategy=hub.strategy,
                          now=clock.now, actor="tmall", presale_lock=hub.presale_lock)
    assert reserved(hub) == {"SH": 0}
    sagas = saga_views.list_sagas(hub.read_uow, T, state="running")["items"]
    assert sorted(s["order_id"] for s in sagas) == sorted([by_ops, by_channel])
    assert {s["kind"] for s in sagas} == {"cancelled_after_release"}
    assert fake.voids == []  # left to the job: due at once
    job = {j.name: j for j in hub.periodic_jobs()}["saga-resume"]
    assert job.run_once(clock.now) == 2
    assert len(fake.voids) == 2
    for oid in (by_ops, by_channel):
        seen = types(hub, oid)
        assert seen[-1] == "OrderCompensated" and seen.count("CompensationStarted") == 1
        assert seen.index("OrderCancelled") < seen.index("CompensationStarted")
    assert job.run_once(clock.now) == 0
    # A cancellation before release books nothing and starts no saga.
    [early] = submit(hub, draft("SG-EARLY"))
    fulfilment.cancel_order(hub.uow, T, early, "dup", now=clock.now, actor="ops")
    assert saga_views.list_sagas(hub.read_uow, T, order_id=early)["items"] == []


def test_a_failed_payment_cancels_before_the_goods_leave_else_a_human_decides(
        hub: Hub, clock: Clock) -> None:
    from orderhub.domain.lifecycle import OrderStatus as S
    from orderhub.services.orders import fulfilment

    fake = install(hub)
    seed_network(hub, {("A", "SH"): 10})
    in_warehouse, shipped = submit(hub, draft("SG-PAY-1"), draft("SG-PAY-2"))
    for oid in (in_warehouse, shipped):
        hub.waybills.release(T, oid, actor="wms")
    for st in (S.PICKED, S.PACKED):
        fulfilment.advance_order(hub.uow, T, shipped, st, now=clock.now, actor="wms")
    fulfilment.ship_order(hub.uow, T, shipped, None, now=clock.now, actor="wms")

    saga = compensation.payment_failed(hub.compensator, T, in_warehouse, "card declined",
                                       actor="psp")
    assert saga.state == SagaState.DONE
    with hub.read_uow() as uow:
        assert uow.orders.get(T, in_warehouse).status == S.CANCELLED
    assert reserved(hub) == {"SH": 0} and len(fake.voids) == 1
    assert types(hub, in_warehouse)[-1] == "OrderCompensated"

    saga = compensation.payment_failed(hub.compensator, T, shipped, "card declined",
                                       actor="psp")
    assert saga.state == SagaState.NEEDS_HUMAN  # at once: no retry can un-ship it
    cancel = saga.steps[0]
    assert (cancel.state, cancel.attempts) == (StepState.FAILED, 1)
    assert "left the warehouse" in cancel.last_error
    assert types(hub, shipped)[-1] == "CompensationNeedsHuman"
    assert len(fake.voids) == 1  # nothing voided for goods on their way
    with pytest.raises(Conflict):
        compensation.payment_failed(hub.compensator, T, in_warehouse, "again", actor="psp")


def test_waybills_booked_for_an_order_that_changed_meanwhile_are_voided(
        hub: Hub, clock: Clock) -> None:
    from orderhub.services.orders import fulfilment

    fake = install(hub)
    seed_network(hub, {("A", "SH"): 10})
    [oid] = submit(hub, draft("SG-RACE"))
    # While its waybill is being booked, the order is cancelled.
    fake.on_book = lambda _req: fulfilment.cancel_order(hub.uow, T, oid, "customer",
                                                        now=clock.now, actor="ops") and None
    with pytest.raises(Conflict):
        hub.waybills.release(T, oid, actor="wms")
    [saga] = saga_views.list_sagas(hub.read_uow, T, order_id=oid)["items"]
    assert (saga["kind"], saga["state"]) == ("booking_failed", "done")
    assert [w for _, w in fake.voids] == [saga["data"]["waybills"][0]["waybill"]]
    assert "OrderExceptionRaised" not in types(hub, oid)
