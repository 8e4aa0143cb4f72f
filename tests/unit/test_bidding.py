"""The auction domain, pure: providers and the policy parsed with field errors, bids read
from anything a provider sends (never raising), the award by the weighted score, the
fallback, and the explanation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from orderhub.domain import bidding as bd
from orderhub.domain.errors import InvalidInput
from orderhub.domain.rules.facts import RouteOrder
from orderhub.domain.rules.model import Vocabulary

NOW = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)


def policy(**doc: Any) -> bd.BiddingPolicy:
    return bd.parse_policy({"when": {"channel": ["tmall"]}, **doc})


def offer(providers: tuple[str, ...] = ("A", "B", "C"), window: float = 3.0) -> bd.Offer:
    ps = [bd.Provider(p, p) for p in providers]
    return bd.open_offer("bof_1", "t", "ord_1", "SH", "CNY", ps, policy(window_seconds=window),
                         NOW)


def accepted(o: bd.Offer, provider: str, price: str, hours: int,
             after: float = 0.5) -> bd.Bid:
    b = bd.read_bid({"price": price, "promised_by": (NOW + timedelta(hours=hours)).isoformat()},
                    o, provider, NOW + timedelta(seconds=after))
    assert b.status == bd.ACCEPTED, b
    return b


def test_the_policy_selects_by_a_rules_conditions_and_checks_its_fields() -> None:
    p = policy(window_seconds=2, cost_weight="0.8")
    assert p.window_seconds == 2.0 and p.cost_weight == Decimal("0.8")
    tmall = RouteOrder("o", "上海", 31.2, 121.4, (), channel="tmall")
    assert p.selects(tmall) and not p.selects(RouteOrder("o", "上海", 31.2, 121.4, (),
                                                         channel="web"))
    assert not policy(enabled=False).selects(tmall)
    assert bd.parse_policy(bd.policy_doc(p)) == p
    with pytest.raises(InvalidInput) as exc:
        bd.parse_policy({"when": {"channel": ["jd"], "colour": "red"}, "window_seconds": 0,
                         "cost_weight": "1.5", "extra": 1}, Vocabulary(channels=frozenset(
                             {"tmall"})))
    fields = {e.loc for e in exc.value.errors}
    assert fields == {"when.channel", "when.colour", "window_seconds", "cost_weight", "extra"}


def test_providers_parse_and_serve_their_sites() -> None:
    p = bd.parse_provider({"code": "SF-3PL", "name": "SF", "sites": ["SH"]})
    assert p.serves("SH") and not p.serves("BJ")
    assert bd.parse_provider({"code": "ANY"}).serves("BJ")
    with pytest.raises(InvalidInput) as exc:
        bd.parse_provider({"code": "bad code!", "kind": "ship", "endpoint": "http://x",
                           "sites": "SH"})
    assert {e.loc for e in exc.value.errors} == {"code", "kind", "endpoint", "sites"}


def test_an_offer_invites_the_active_providers_serving_its_site() -> None:
    ps = [bd.Provider("A", "A", sites=frozenset({"SH"})), bd.Provider("B", "B",
                                                                   sites=frozenset({"BJ"})),
          bd.Provider("C", "C"), bd.Provider("D", "D", active=False)]
    o = bd.open_offer("bof_1", "t", "ord_1", "SH", "CNY", ps, policy(), NOW)
    assert o.providers == ("A", "C") and o.closes_at == NOW + timedelta(seconds=3)


@pytest.mark.parametrize(("doc", "problem"), [
    (None, "body"), ([1, 2], "body"), ("x", "body"),
    ({"price": "1.00", "promised_by": "2026-11-25T00:00:00+00:00", "bonus": 1}, "bonus"),
    ({"price": "abc", "promised_by": "2026-11-25T00:00:00+00:00"}, "price"),
    ({"price": "-1", "promised_by": "2026-11-25T00:00:00+00:00"}, "price"),
    ({"price": "1.001", "promised_by": "2026-11-25T00:00:00+00:00"}, "price"),
    ({"price": "NaN", "promised_by": "2026-11-25T00:00:00+00:00"}, "price"),
    ({"price": True, "promised_by": "2026-11-25T00:00:00+00:00"}, "price"),
    ({"price": "1.00", "currency": "USD", "promised_by": "2026-11-25T00:00:00+00:00"},
     "currency"),
    ({"price": "1.00", "promised_by": "tomorrow"}, "promised_by"),
    ({"price": "1.00", "promised_by": "2026-11-25T00:00:00"}, "promised_by"),  # no offset
    ({"price": "1.00", "promised_by": "2026-11-23T00:00:00+00:00"}, "promised_by"),
    ({"price": "1.00", "promised_by": "2027-06-01T00:00:00+00:00"}, "promised_by"),
    ({"price": "1.00", "promised_by": 5}, "promised_by"),
])
def test_malformed_bids_are_read_never_raised(doc: Any, problem: str) -> None:
    b = bd.read_bid(doc, offer(), "A", NOW)
    assert b.status == bd.MALFORMED and b.problem.startswith(problem), b


def test_a_bid_after_the_window_or_from_a_stranger_is_not_accepted() -> None:
    o = offer()
    doc = {"price": "10.00", "promised_by": (NOW + timedelta(hours=5)).isoformat()}
    assert bd.read_bid(doc, o, "A", NOW + timedelta(seconds=3)).status == bd.ACCEPTED
    assert bd.read_bid(doc, o, "A", NOW + timedelta(seconds=3.01)).status == bd.LATE
    assert bd.read_bid(doc, o, "Z", NOW).status == bd.MALFORMED


def test_the_award_weighs_cost_against_promise() -> None:
    o = offer()
    bids = [accepted(o, "A", "10.00", 24), accepted(o, "B", "8.00", 72),
            accepted(o, "C", "12.00", 20)]
    assert bd.decide(o, bids, Decimal(1)).winner.provider == "B"  # type: ignore[union-attr]
    assert bd.decide(o, bids, Decimal(0)).winner.provider == "C"  # type: ignore[union-attr]
    half = bd.decide(o, bids, Decimal("0.5"))
    # A: .5*10/8 + .5*24/20 = 1.225; B: .5 + .5*72/20 = 2.3; C: .75 + .5 = 1.25
    assert [(s.provider, str(s.score)) for s in half.ranked] == [
        ("A", "1.2250"), ("C", "1.2500"), ("B", "2.3000")]
    assert half.status == bd.AWARDED and half.missing == ()


def test_a_providers_last_accepted_bid_counts_and_ties_go_to_price_then_code() -> None:
    o = offer()
    first, second = accepted(o, "A", "20.00", 24, 0.1), accepted(o, "A", "9.00", 24, 0.2)
    b = accepted(o, "B", "9.00", 24)
    award = bd.decide(o, [second, first, b], Decimal("0.5"))
    assert [s.provider for s in award.ranked] == ["A", "B"]
    assert award.ranked[0].price == Decimal("9.00")


def test_no_valid_bid_falls_back_naming_late_malformed_and_missing() -> None:
    o = offer()
    late = bd.read_bid({"price": "1.00", "promised_by": (NOW + timedelta(hours=3)).isoformat()},
                       o, "A", NOW + timedelta(seconds=9))
    bad = bd.read_bid({"price": "x"}, o, "B", NOW)
    award = bd.decide(o, [late, bad], Decimal("0.5"))
    assert award.winner is None and award.status == bd.FELL_BACK
    assert (award.late, award.malformed, award.missing) == (("A",), ("B",), ("C",))
    assert award.reason == "no valid bid within the window"
    nobody = bd.decide(offer(()), [], Decimal("0.5"))
    assert nobody.reason == "no provider serves the reserved site"


def test_the_explanation_says_what_happened_in_english_and_chinese() -> None:
    o = offer()
    a = accepted(o, "A", "10.00", 24)
    award = bd.decide(o, [a], Decimal("0.5"))
    stored = {"opened_at": o.opened_at, "closes_at": o.closes_at, "providers": o.providers,
              "site": "SH", "currency": "CNY", "reference": {"cost": "14.00",
                                                             "promise": "2026-11-26"},
              "status": award.status, "winner": "A", "price": "10.00",
              "decision": bd.award_doc(award)}
    bids = [{"provider": "A", "received_at": a.received_at, "status": "accepted",
             "price": "10.00", "promised_by": a.promised_by, "problem": ""},
            {"provider": "B", "received_at": NOW, "status": "malformed", "price": None,
             "promised_by": None, "problem": "price: bad"}]
    en = "\n".join(bd.explain(stored, bids))
    assert "Offered for bids" in en and "window 3 s" in en and "14.00" in en
    assert "Awarded to A at 10.00 CNY" in en and "B's bid was malformed" in en
    assert "No bid from: B, C" in en or "No bid from: C" in en
    zh = "\n".join(bd.explain(stored, bids, zh=True))
    assert "中标：A" in zh and "格式错误" in zh
