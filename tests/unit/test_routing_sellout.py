"""Routing reads forecasts (issue 18 item 3): the optional sell-out term. Off (the default)
nothing changes; on, reserving the last units at a site its forecast says will sell out
within the horizon costs a penalty per unit, and a near-equal site is chosen instead."""

from __future__ import annotations

from decimal import Decimal

from orderhub.domain.routing.network import Network, to_units
from orderhub.domain.routing.streaming import plan_order, sellout_units
from tests.unit.test_routing_batch import BJ, SH, TODAY, order, site

HZ = (30.2741, 120.1551, "浙江")  # near Shanghai: a little dearer from there than SH


def network(penalty: str | None, forecast_sh: float) -> Network:
    net = Network([site("SH", SH), site("HZ", HZ), site("BJ", BJ)],
                  stock={("X", "SH"): 5, ("X", "HZ"): 50, ("X", "BJ"): 50})
    if penalty is not None:
        net.sellout = {("X", "SH"): forecast_sh, ("X", "HZ"): 3.0}
        net.sellout_penalty_units = to_units(Decimal(penalty))
    return net


def chosen(net: Network) -> tuple[str, ...]:
    d = plan_order(order("o1", SH, ("X", 2)), net, TODAY)
    assert d.chosen is not None
    return d.chosen.sites


def test_off_by_default_changes_nothing() -> None:
    assert Network([]).sellout_penalty_units == 0
    base = chosen(network(None, 0))
    assert base == ("SH",)
    # the forecast alone, with no penalty, changes nothing
    net = network(None, 0)
    net.sellout = {("X", "SH"): 10.0}
    assert chosen(net) == base


def test_on_it_steers_away_from_a_site_that_will_sell_out() -> None:
    # SH holds 5 and expects to sell 6 in 72 h: taking 2 costs 2 units of its forecast
    assert sellout_units(network("2", 6.0), "SH", {"X": 2}) == 2
    assert chosen(network("2", 6.0)) == ("HZ",)
    # SH holds 5 and expects 2: taking 2 leaves 3 ≥ 2, no penalty, SH as before
    assert sellout_units(network("2", 2.0), "SH", {"X": 2}) == 0
    assert chosen(network("2", 2.0)) == ("SH",)
    # a penalty too small to outweigh HZ's extra cost keeps SH
    assert chosen(network("0.01", 6.0)) == ("SH",)
    # the plan's cost is the invoice's: only its score carries the penalty
    d = plan_order(order("o1", SH, ("X", 2)), network("2", 6.0), TODAY)
    sh = next(c for c in d.candidates if c.sites == ("SH",))
    assert sh.score_units == sh.total_units + to_units(Decimal("4"))
