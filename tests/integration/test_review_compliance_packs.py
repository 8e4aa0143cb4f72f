"""Review of the compliance packs against a real store: a rule a new pack version drops
must not stay live after the upgrade (nor after the pack is disabled), and an override
of a pack whose tenant state is an older version says that it upgrades it."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from orderhub.adapters.db.compliance_pack_repository import PackState
from orderhub.bootstrap import Hub
from orderhub.services import compliance_packs
from orderhub.services.rules import rollout, rule_sets, validation_rules
from tests.factories import T

DROPPED = "pack.CN.old-rule"


def _enable(hub: Hub, **kw: Any) -> dict[str, Any]:
    return compliance_packs.set_enabled(hub.uow, T, "CN", True, actor="user:c",
                                        reason="selling on Tmall Global", now=hub.clock(),
                                        strategy=hub.strategy, **kw)


def _as_if_an_older_version_had_one_more_rule(hub: Hub) -> None:
    """The tenant enabled 2025.1.1, which had a rule the shipped version no longer has;
    that rule is live."""
    with hub.uow() as uow:
        st = uow.compliance_packs.get(T, "CN")
        assert st is not None
        old = {"code": DROPPED, "description": "an old rule", "when": {},
               "then": {"check": "hs_code_required",
                        "params": {"countries": ["CN"], "min_digits": 8}},
               "enabled": True}
        uow.compliance_packs.save(T, PackState("CN", True, "2025.1.1", [*st.rules, old],
                                               st.overrides, st.rule_set, "x", hub.clock()))
        uow.commit()
    # its rule is live, as the old version's activation made it
    with hub.uow() as uow:
        d = rule_sets.draft_in(uow, T, [old], actor="x", reason="old version", now=hub.clock())
        row = uow.rule_sets.get(T, d["id"], lock=True)
        assert row is not None
        rollout.activate_in(uow, T, row, actor="x", reason="old version", now=hub.clock())
        uow.commit()
    assert _live(hub)[DROPPED]["enabled"] is True


def _live(hub: Hub) -> dict[str, Any]:
    return {r["code"]: r for r in validation_rules.list_rules(hub.read_uow, T)}


def test_an_upgrade_switches_off_the_rules_the_new_version_dropped(hub: Hub) -> None:
    _enable(hub, activate=True)
    _as_if_an_older_version_had_one_more_rule(hub)
    up = _enable(hub, activate=True)
    assert up["change"] == "upgraded" and DROPPED in up["upgrade_diff"]["removed"]
    assert _live(hub)[DROPPED]["enabled"] is False


def test_disabling_switches_off_the_rules_of_the_version_last_drafted(hub: Hub) -> None:
    _enable(hub, activate=True)
    _as_if_an_older_version_had_one_more_rule(hub)
    compliance_packs.set_enabled(hub.uow, T, "CN", False, actor="user:c", reason="stop",
                                 now=hub.clock(), activate=True, strategy=hub.strategy)
    live = _live(hub)
    assert live[DROPPED]["enabled"] is False
    assert not any(r["enabled"] for c, r in live.items() if c.startswith("pack.CN."))


def test_an_override_that_drafts_a_newer_version_says_it_upgrades(hub: Hub) -> None:
    _enable(hub, activate=True)
    _as_if_an_older_version_had_one_more_rule(hub)
    out = compliance_packs.override(hub.uow, T, "CN", {
        "rule": "pack.CN.hs-code", "enabled": False, "reason": "broker classifies"},
        actor="user:c", now=hub.clock(), activate=True, strategy=hub.strategy)
    assert out["enabled_version"] == "2026.12.2"
    assert _live(hub)[DROPPED]["enabled"] is False
    with hub.read_uow() as uow:
        [entry] = [e for e in uow.audit.entries(T, limit=1000)
                   if e.subject == "compliance-pack/CN" and e.detail["change"] == "overridden"]
    assert entry.detail["from_version"] == "2025.1.1"
    assert DROPPED in entry.detail["upgrade"]["removed"]


def test_two_first_overrides_at_once_keep_both(hub: Hub, database_url: str,
                                               monkeypatch: Any) -> None:
    """Two people override two rules of a pack the tenant has no state of yet, at the same
    time (PostgreSQL): FOR UPDATE locks no row when there is none, so each read no
    overrides and the later upsert dropped the other's. Both must be kept."""
    if not database_url.startswith("postgresql"):
        pytest.skip("the race is PostgreSQL's (SQLite has one writer)")
    first_read, release = threading.Event(), threading.Event()
    real = compliance_packs.merge_override

    def slow_merge(overrides: Any, new: Any) -> Any:
        if new.code == "pack.CN.hs-code":  # the first one waits inside its transaction
            first_read.set()
            release.wait(5)
        return real(overrides, new)

    monkeypatch.setattr(compliance_packs, "merge_override", slow_merge)

    def override(rule: str) -> None:
        compliance_packs.override(hub.uow, T, "CN", {"rule": rule, "enabled": False,
                                                     "reason": "broker"},
                                  actor="user:c", now=hub.clock())

    one = threading.Thread(target=override, args=("pack.CN.hs-code",))
    one.start()
    assert first_read.wait(10)
    two = threading.Thread(target=override, args=("pack.CN.positive-list",))
    two.start()
    two.join(1.5)  # blocked behind the first, as it should be (or done: the race)
    release.set()
    one.join(10)
    two.join(10)
    shown = compliance_packs.show_pack(hub.read_uow, T, "CN")
    assert {o["code"] for o in shown["overrides"]} == {"pack.CN.hs-code",
                                                       "pack.CN.positive-list"}
