"""The compensation saga as pure state: steps in order, each done once, backoff between
failed attempts, a human after the last, a retry from the failed step."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from orderhub.domain.errors import Conflict
from orderhub.domain.saga import (
    BACKOFF_CAP,
    MAX_ATTEMPTS,
    RESUME_AFTER,
    Saga,
    SagaKind,
    SagaState,
    Step,
    StepName,
    StepState,
    backoff,
)

NOW = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)


def saga(kind: SagaKind = SagaKind.RELEASE_REJECTED) -> Saga:
    return Saga.start(kind, tenant_id="t", order_id="ord_1", cause="rack damaged", now=NOW,
                      actor="wms", data={"waybills": [{"shipment_id": "s1",
                                                       "service": "ZTO:standard",
                                                       "waybill": "73"}]})


def test_steps_by_kind_in_order() -> None:
    assert [s.name for s in saga().steps] == [StepName.RECALL, StepName.VOID_WAYBILLS,
                                             StepName.REROUTE, StepName.NOTIFY]
    assert [s.name for s in saga(SagaKind.BOOKING_FAILED).steps] == [
        StepName.VOID_WAYBILLS, StepName.NOTIFY]
    s = saga()
    assert s.state == SagaState.RUNNING and s.next_attempt_at == NOW + RESUME_AFTER
    assert s.id.startswith("sga_") and s.waybills[0]["waybill"] == "73"


def test_each_step_completes_once_and_in_order() -> None:
    s = saga()
    with pytest.raises(Conflict):
        s.complete(StepName.REROUTE, NOW)  # not the next one
    for name in (StepName.RECALL, StepName.VOID_WAYBILLS, StepName.REROUTE):
        s.complete(name, NOW)
        assert s.state == SagaState.RUNNING
    with pytest.raises(Conflict):
        s.complete(StepName.RECALL, NOW)  # done already: never again
    s.complete(StepName.NOTIFY, NOW)
    assert s.state == SagaState.DONE and s.next_attempt_at is None and s.current() is None
    with pytest.raises(Conflict):
        s.fail(StepName.NOTIFY, "late", NOW)


def test_backoff_doubles_up_to_a_cap() -> None:
    assert [backoff(n) for n in (0, 1, 2, 3)] == [
        timedelta(0), timedelta(seconds=30), timedelta(minutes=1), timedelta(minutes=2)]
    assert backoff(30) == BACKOFF_CAP


def test_failed_attempts_back_off_then_need_a_human_and_a_retry_starts_over() -> None:
    s = saga()
    s.complete(StepName.RECALL, NOW)
    for attempt in range(1, MAX_ATTEMPTS):
        s.fail(StepName.VOID_WAYBILLS, "HTTP 503", NOW)
        assert s.state == SagaState.RUNNING
        assert s.next_attempt_at == NOW + backoff(attempt)
    s.fail(StepName.VOID_WAYBILLS, "HTTP 503", NOW)
    step = s.step(StepName.VOID_WAYBILLS)
    assert (s.state, step.state, step.attempts, step.last_error) == (
        SagaState.NEEDS_HUMAN, StepState.FAILED, MAX_ATTEMPTS, "HTTP 503")
    assert s.next_attempt_at is None
    later = NOW + timedelta(hours=1)
    s.retry(later, "ops")
    assert (s.state, step.state, step.attempts, s.next_attempt_at, s.actor) == (
        SagaState.RUNNING, StepState.PENDING, 0, later, "ops")
    assert s.step(StepName.RECALL).state == StepState.DONE  # done steps stay done
    with pytest.raises(Conflict):
        s.retry(later, "ops")  # only a saga that needs a human


def test_a_claim_keeps_a_second_runner_off_the_external_step_until_it_lapses() -> None:
    s = saga(SagaKind.BOOKING_FAILED)
    assert not s.claimed(StepName.VOID_WAYBILLS, NOW)
    s.claim(StepName.VOID_WAYBILLS, NOW)
    assert s.claimed(StepName.VOID_WAYBILLS, NOW + timedelta(seconds=10))
    assert not s.claimed(StepName.VOID_WAYBILLS, NOW + timedelta(hours=1))
    s.complete(StepName.VOID_WAYBILLS, NOW)
    assert s.step(StepName.VOID_WAYBILLS).claimed_until is None


def test_round_trips_through_its_stored_form() -> None:
    s = saga()
    s.complete(StepName.RECALL, NOW)
    s.fail(StepName.VOID_WAYBILLS, "timeout", NOW)
    again = [Step.from_dict(d) for d in s.as_dict()["steps"]]
    assert again == s.steps
