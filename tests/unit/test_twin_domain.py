"""The twin's pure parts: working calendars, SLA policy matching, stage folding, twins."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest

from orderhub.domain.errors import InvalidInput
from orderhub.domain.twin.calendar import WorkingCalendar
from orderhub.domain.twin.sla import SlaPolicy, parse_policy
from orderhub.domain.twin.stages import Stage, entries_from_events
from orderhub.domain.twin.twin import OrderFacts, build_twin

T0 = datetime(2027, 2, 4, 1, 0, tzinfo=UTC)  # Thursday 09:00 in Shanghai


def cal() -> WorkingCalendar:
    return WorkingCalendar.from_doc({
        "timezone": "Asia/Shanghai", "shifts": {"mon-fri": ["09:00-12:00", "13:00-18:00"]},
        "holidays": ["2027-02-05..2027-02-12"], "workdays": ["2027-02-13"]})


def test_working_time_skips_nights_lunch_holidays_and_uses_make_up_days() -> None:
    c = cal()
    # Thursday 09:00 + 4 working hours: 3 h before lunch, 1 h after -> 14:00 local
    assert c.add_working(T0, timedelta(hours=4)) == datetime(2027, 2, 4, 6, 0, tzinfo=UTC)
    # + 9 h: all of Thursday (8 h), then Friday to Friday is Spring Festival; Saturday
    # 13th is a make-up working day -> 10:00 local on the 13th
    assert c.add_working(T0, timedelta(hours=9)) == datetime(2027, 2, 13, 2, 0, tzinfo=UTC)
    assert c.working_between(T0, T0 + timedelta(days=1)) == timedelta(hours=8)
    # a cut-off on a holiday moves to the next working day
    assert c.next_at(T0 + timedelta(hours=10), time(17)) == datetime(2027, 2, 13, 9, 0,
                                                                      tzinfo=UTC)


def test_calendar_errors_name_their_field() -> None:
    with pytest.raises(InvalidInput) as exc:
        WorkingCalendar.from_doc({"timezone": "Mars/Base", "shifts": {"someday": ["x"]},
                                  "holidays": ["2027-13-01"]})
    assert {e.loc for e in exc.value.errors} == {"calendar.timezone", "calendar.shifts.someday",
                                                 "calendar.holidays.0"}


def test_the_most_specific_target_wins_per_stage() -> None:
    policy = parse_policy({"targets": [
        {"name": "all", "when": {}, "stages": {"picked": {"within": "3h"}}},
        {"name": "vip", "when": {"customer_tier": "vip"}, "stages": {"picked": {"within": "1h"}}},
        {"name": "vip at SH", "when": {"customer_tier": ["vip"], "warehouse": "SH"},
         "stages": {"picked": {"within": "30m"}}}]}, version=1)
    facts = {"channel": "web", "service_level": "standard", "warehouse": "SH",
             "customer_tier": "vip"}
    assert policy.targets_for(facts)[Stage.PICKED].rule == "vip at SH"
    assert policy.targets_for({**facts, "warehouse": "BJ"})[Stage.PICKED].rule == "vip"
    assert policy.targets_for({**facts, "customer_tier": ""})[Stage.PICKED].rule == "all"
    assert policy.targets_for(facts)[Stage.PACKED].rule == "built-in"


def test_entering_an_earlier_stage_again_forgets_the_later_ones() -> None:
    ev = [("OrderCreated", "created", T0, {}), ("OrderValidated", "validated", T0, {}),
          ("InventoryReserved", "reserved", T0, {}), ("OrderAllocated", "allocated", T0, {}),
          ("InventoryReserved", "reserved", T0 + timedelta(hours=1), {})]  # re-routed
    entries = entries_from_events(ev)
    assert set(entries) == {Stage.CREATED, Stage.VALIDATED, Stage.RESERVED}
    assert entries[Stage.RESERVED] == T0 + timedelta(hours=1)
    # a checkpoint before dispatch does not start the transit stage
    assert Stage.IN_TRANSIT not in entries_from_events(
        [("ShipmentCheckpointRecorded", "packed", T0, {"checkpoint": "picked_up"})])


def test_an_internal_step_stalls_after_fifteen_minutes() -> None:
    twin = build_twin(OrderFacts("ord_x", "created"), {Stage.CREATED: T0},
                      SlaPolicy.default(), T0)
    assert twin.next_stage == Stage.VALIDATED and twin.team == "order-ops"
    assert twin.watch_at == T0 + timedelta(minutes=15)  # due in 5, stalled after 15
    assert twin.health == 100


def test_a_missed_promise_is_certain_and_costs_health() -> None:
    entries = {s: T0 for s in list(Stage)[:8]}
    entries[Stage.DELIVERED] = T0 + timedelta(days=3)
    facts = OrderFacts("ord_y", "delivered", warehouse="SH", promised_delivery=date(2027, 2, 5))
    twin = build_twin(facts, entries, SlaPolicy.default(), T0 + timedelta(days=3))
    assert twin.risk == 1.0 and twin.health < 100
    assert twin.reasons[-1].code == "promise_missed"
    states = {v.stage: v.state for v in twin.stages}
    assert states[Stage.IN_TRANSIT] == "skipped" and states[Stage.INVOICED] == "next"


def test_overlapping_shifts_count_once() -> None:
    c = WorkingCalendar.from_doc({"shifts": {"mon-fri": ["08:00-18:00"],
                                             "mon": ["08:00-18:00", "10:00-20:00"]}})
    monday = datetime(2027, 3, 1, 0, 0, tzinfo=UTC)  # 08:00 in Shanghai
    assert c.working_between(monday, monday + timedelta(hours=12)) == timedelta(hours=12)
    assert c.add_working(monday, timedelta(hours=13)) == datetime(2027, 3, 2, 1, 0, tzinfo=UTC)


@pytest.mark.parametrize("doc", [
    {"targets": [{"stages": {"picked": {"within": "1000000000d"}}}]},
    {"targets": [{"stages": {"shipped": {"by": "99999999999999999999:00"}}}]},
    {"calendars": {"SH": {"shifts": {"mon": ["99999999999999999999:00-10:00"]}}}},
    {"calendars": {"SH": {"timezone": "America"}}},
])
def test_odd_policy_input_is_a_field_error(doc: dict[str, object]) -> None:
    with pytest.raises(InvalidInput):
        parse_policy(doc, version=1)


def test_folding_a_failed_attempt_twice_counts_it_once() -> None:
    from orderhub.services.twin.twins import read_events

    ev = [("ShipmentCheckpointRecorded", "shipped", T0,
           {"shipment_id": "shp_1", "checkpoint": "failed_attempt",
            "checkpoint_at": T0.isoformat()})]
    _, _, failed, _ = read_events(ev)
    _, _, again, _ = read_events(ev, failed=failed)
    assert len(again) == 1
