"""Review of pre-allocation (issue 18 item 3): a suggestion named twice is accepted once;
suggestions from one source accepted together are flagged against the stock the earlier
ones already reserved; an empty `only` accepts nothing."""

from __future__ import annotations

from datetime import date

import pytest

from orderhub.bootstrap import Hub
from orderhub.domain.errors import InvalidInput, NotFound
from orderhub.services.inventory import stock_control
from orderhub.services.planning import settings as planning_settings
from orderhub.services.planning import transfers, views
from tests.factories import T, seed_network
from tests.integration.test_preallocation import level, network, plan, store_forecasts

__all__ = ["network"]  # the fixture, imported for these tests


def test_a_suggestion_named_twice_is_reserved_once(network: Hub) -> None:
    hub = network
    store_forecasts(hub, {("A", "SH"): 3, ("A", "BJ"): 10})
    result = plan(hub)
    (s,) = views.plan(hub.read_uow, T, result.plan.id)["suggestions"]
    got = transfers.accept(hub.uow, T, result.plan.id, [1, 1], actor="ops",
                           now=hub.clock())
    assert len(got.transfer_ids) == 1, got
    assert level(hub, "A", "SH")[1] == s["quantity"]


def test_an_empty_only_accepts_nothing(network: Hub) -> None:
    hub = network
    store_forecasts(hub, {("A", "SH"): 3, ("A", "BJ"): 10})
    result = plan(hub)
    with pytest.raises(InvalidInput) as exc:
        transfers.accept(hub.uow, T, result.plan.id, [], actor="ops", now=hub.clock())
    assert exc.value.errors[0].loc == "only"
    assert level(hub, "A", "SH")[1] == 0


def test_two_transfers_from_one_source_are_flagged_together(hub: Hub) -> None:
    """SH feeds BJ and GZ. Since the plan SH lost stock: each transfer alone keeps its
    safety stock, both together do not. The rule must not accept both."""
    seed_network(hub, {("A", "SH"): 100, ("A", "BJ"): 2, ("A", "GZ"): 2})
    planning_settings.change(hub.uow, T, {"lost_sale_margin": "1",
                                          "auto_accept_min_benefit": "0"},
                             actor="t", now=hub.clock())
    store_forecasts(hub, {("A", "SH"): 3, ("A", "BJ"): 10, ("A", "GZ"): 10})
    result = plan(hub)
    found = views.plan(hub.read_uow, T, result.plan.id)["suggestions"]
    assert sorted(s["to"] for s in found) == ["BJ", "GZ"], found
    assert all(s["status"] == "suggested" for s in found)
    q1, q2 = (s["quantity"] for s in found)
    keep = found[0]["source_safety_stock"]
    assert keep > 0
    gone = 100 - q1 - q2 - keep + 1
    stock_control.adjust_stock(hub.uow, T, "A", "SH", -gone, reason="count",
                               reference="cnt-1", now=hub.clock(), actor="t")
    with hub.uow() as u:
        rule = transfers.accept_in(u, T, result.plan.id, None, quantities={},
                                   allow_below_safety=False, actor="rule",
                                   now=hub.clock(), rule=True)
        u.commit()
    assert len(rule.accepted) == 1, rule
    assert "flagged" in rule.skipped[0]["reason"]
    on_hand, reserved, _ = level(hub, "A", "SH")
    assert on_hand - reserved >= keep


def test_settings_and_start_that_would_overflow_are_field_errors(network: Hub) -> None:
    """A tiny km_per_day was stored and then made every plan fail with OverflowError (a
    500); a start near date.max overflowed the horizon's last day."""
    hub = network
    store_forecasts(hub, {("A", "SH"): 3, ("A", "BJ"): 10})
    with pytest.raises(InvalidInput) as exc:
        planning_settings.change(hub.uow, T, {"km_per_day": 5e-324}, actor="t",
                                 now=hub.clock())
    assert exc.value.errors[0].loc == "km_per_day"
    with pytest.raises(InvalidInput) as exc:
        plan(hub, start=date(9999, 12, 31))
    assert exc.value.errors[0].loc == "start"
    assert plan(hub).suggestions == 1  # nothing stored by the refused change


def test_rejecting_a_suggestion_is_audited_like_accepting_one(network: Hub) -> None:
    hub = network
    store_forecasts(hub, {("A", "SH"): 3, ("A", "BJ"): 10})
    result = plan(hub)
    assert transfers.reject(hub.uow, T, result.plan.id, [1], actor="ops",
                            now=hub.clock()) == [1]
    with hub.uow() as u:
        got = u.audit.entries(T, subject=f"preallocation-plan/{result.plan.id}")
    assert [(e.actor, e.kind) for e in got] == [("ops", "planning_change")], got


def test_allow_below_safety_without_only_accepts_the_flagged_ones(network: Hub) -> None:
    """`plan accept P --allow-below-safety` ("also accept flagged suggestions") used to
    accept nothing and say nothing when the plan's only suggestion was flagged."""
    hub = network
    store_forecasts(hub, {("A", "SH"): 3, ("A", "BJ"): 10})
    result = plan(hub)
    (s,) = views.plan(hub.read_uow, T, result.plan.id)["suggestions"]
    stock_control.adjust_stock(hub.uow, T, "A", "SH", -(100 - s["quantity"] - 1),
                               reason="count", reference="cnt-1", now=hub.clock(),
                               actor="t")
    first = transfers.accept(hub.uow, T, result.plan.id, None, actor="ops",
                             now=hub.clock())
    assert first.accepted == [] and "flagged" in first.skipped[0]["reason"]
    forced = transfers.accept(hub.uow, T, result.plan.id, None, allow_below_safety=True,
                              actor="ops", now=hub.clock())
    assert forced.accepted == [1], forced
    assert level(hub, "A", "SH")[1] == s["quantity"]


def test_another_tenant_cannot_accept_reject_or_move(network: Hub) -> None:
    hub = network
    store_forecasts(hub, {("A", "SH"): 3, ("A", "BJ"): 10})
    result = plan(hub)
    (tid,) = transfers.accept(hub.uow, T, result.plan.id, [1], actor="ops",
                              now=hub.clock()).transfer_ids
    before = level(hub, "A", "SH")
    with pytest.raises(NotFound):
        transfers.accept(hub.uow, "other", result.plan.id, None, actor="x", now=hub.clock())
    with pytest.raises(NotFound):
        transfers.reject(hub.uow, "other", result.plan.id, [1], actor="x", now=hub.clock())
    for step in (transfers.ship, transfers.cancel, transfers.receive):
        with pytest.raises(NotFound):
            step(hub.uow, "other", tid, actor="x", now=hub.clock())
    assert level(hub, "A", "SH") == before
