"""The rule and rule-set repositories: a rule file is written in a handful of statements
whatever its size, audit entries keep the file's order across both kinds of rule, and a
set's row moves through its lifecycle."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

from sqlalchemy import event

from orderhub.bootstrap import Hub
from orderhub.domain.rules.rule_sets import SetState
from orderhub.domain.rules.validation import Level, Rule
from orderhub.services import audit
from orderhub.services.rules import routing_rules
from tests.conftest import Clock
from tests.factories import T, seed_network


@contextmanager
def _statements(hub: Hub) -> Iterator[list[str]]:
    seen: list[str] = []

    def count(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        seen.append(statement)

    event.listen(hub.engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        event.remove(hub.engine, "before_cursor_execute", count)


def _file(n: int, site: str = "SH") -> list[dict[str, Any]]:
    docs: list[dict[str, Any]] = []
    for i in range(n):
        if i % 5 == 0:
            docs.append({"code": f"chk-{i:03d}", "when": {"channel": ["web"]},
                         "then": {"check": "price_floor",
                                  "params": {"min_ratio_of_list": "0.3"}}})
        else:
            docs.append({"code": f"r-{i:03d}", "when": {"channel": ["tmall"]},
                         "then": {"exclude_sites": [site]}, "priority": i})
    return docs


def test_a_rule_file_is_written_in_a_few_statements(hub: Hub, clock: Clock) -> None:
    seed_network(hub)
    seeded = audit.verify_chain(hub.read_uow, T).checked  # warehouses, channels, stock
    with _statements(hub) as seen:
        out = routing_rules.import_rules(hub.uow, T, _file(200), actor="ops", reason="load",
                                         now=clock.now)
    assert len(out) == 200 and all(r["changed"] for r in out)
    assert len(seen) < 30, seen  # not one per rule (it was about 4 per rule)
    clock.now += timedelta(minutes=1)
    with _statements(hub) as seen:
        out = routing_rules.import_rules(hub.uow, T, _file(200, "BJ"), actor="ops",
                                         reason="move", now=clock.now)
    assert [r["version"] for r in out if r["code"].startswith("r-")] == [2] * 160
    assert [r["changed"] for r in out if r["code"].startswith("chk-")] == [False] * 40
    assert len(seen) < 30, seen
    assert routing_rules.history(hub.read_uow, T, "r-001")[-1]["rule"]["then"] == {
        "exclude_sites": ["BJ"]}
    assert audit.verify_chain(hub.read_uow, T).checked == seeded + 200 + 160


def test_audit_entries_follow_the_file_order_across_kinds(hub: Hub, clock: Clock) -> None:
    seed_network(hub)
    routing_rules.import_rules(hub.uow, T, _file(7), actor="ops", reason="load",
                               now=clock.now)
    subjects = [e["subject"] for e in reversed(audit.entries(hub.read_uow, T,
                                                             kind="rule_change"))]
    assert subjects == ["validation-rule/chk-000", *[f"routing-rule/r-{i:03d}"
                                                     for i in range(1, 5)],
                        "validation-rule/chk-005", "routing-rule/r-006"]


def test_check_states_change_without_touching_the_rest(hub: Hub, clock: Clock) -> None:
    seed_network(hub)
    routing_rules.import_rules(hub.uow, T, _file(1), actor="ops", reason="load",
                               now=clock.now)
    with hub.uow() as uow:
        [check] = uow.rules.checks_by_code(T, ["chk-000"]).values()
        assert check.scope is not None and check.version == 1
        uow.rules.update_check_states(T, [Rule(check.code, Level.FORMAT, "other",
                                               {"min_ratio_of_list": "0.5"}, False, "x", 2)],
                                      actor="t", at=clock.now)
        uow.commit()
    with hub.read_uow() as uow:
        [after] = uow.rules.checks_by_code(T, ["chk-000"]).values()
    assert (after.enabled, after.version, dict(after.params)) == (
        False, 2, {"min_ratio_of_list": "0.5"})
    assert (after.level, after.check, after.description, after.scope) == (
        check.level, check.check, check.description, check.scope)


def test_a_rule_set_row_through_its_lifecycle(hub: Hub, clock: Clock) -> None:
    rule = {"code": "r", "when": {}, "then": {"exclude_sites": ["GZ"]}}
    with hub.uow() as uow:
        a = uow.rule_sets.add_draft(T, [rule], [], reason="a", actor="t", at=clock.now)
        b = uow.rule_sets.add_draft(T, [rule], ["w"], reason="b", actor="t", at=clock.now)
        assert (a.version, b.version, b.state, b.warnings) == (1, 2, "draft", ["w"])
        uow.rule_sets.record_sandbox(T, a.id, {"passed": True}, SetState.TESTED, clock.now)
        uow.rule_sets.start_canary(T, a.id, {"percent": 10}, clock.now)
        assert uow.rule_sets.in_canary(T) == 1
        uow.rule_sets.activate(T, a.id, [rule], clock.now + timedelta(hours=1))
        uow.rule_sets.start_canary(T, b.id, {"percent": 5}, clock.now)
        uow.rule_sets.activate(T, b.id, [], clock.now + timedelta(hours=2))
        uow.commit()
    with hub.read_uow() as uow:
        a2, b2 = uow.rule_sets.get(T, a.id), uow.rule_sets.get(T, b.id)
        assert [s.version for s in uow.rule_sets.newest_first(T)] == [2, 1]
        assert uow.rule_sets.get("other-tenant", a.id) is None
        assert uow.rule_sets.in_canary(T) is None
    assert a2 is not None and b2 is not None
    assert (a2.state, a2.sandbox, a2.slice, a2.previous) == (
        "retired", {"passed": True}, {"percent": 10}, [rule])
    assert a2.canary_until == clock.now + timedelta(hours=1)
    assert (b2.state, b2.canary_until) == ("active", clock.now + timedelta(hours=2))
    with hub.uow() as uow:
        uow.rule_sets.retire(T, b.id, clock.now + timedelta(hours=3), end_canary=False)
        uow.commit()
    with hub.read_uow() as uow:
        b3 = uow.rule_sets.get(T, b.id)
    assert b3 is not None and (b3.state, b3.canary_until) == (
        "retired", clock.now + timedelta(hours=2))
