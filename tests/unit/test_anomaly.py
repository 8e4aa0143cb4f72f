"""The pure anomaly detector (domain/anomaly): facts, features, reason codes, decisions,
settings and the quality figures."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from orderhub.domain.anomaly.decision import Action, assess, decide
from orderhub.domain.anomaly.facts import (
    PRICE,
    Facts,
    PriceBucket,
    Sighting,
    digits,
    hour_of,
    order_facts,
    price_buckets,
    province_key,
)
from orderhub.domain.anomaly.features import FEATURE_NAMES, Cutoffs, Features, Recent, extract
from orderhub.domain.anomaly.metrics import Outcome, quality
from orderhub.domain.anomaly.reasons import Reason, ReasonCode, rules_score
from orderhub.domain.anomaly.settings import AnomalySettings
from orderhub.domain.errors import InvalidInput
from orderhub.domain.order import Address, Customer, Order, OrderLine, OrderType

NOW = datetime(2026, 11, 24, 2, 0, tzinfo=UTC)
S = AnomalySettings()


def make(i: int = 0, *, account: str = "", phone: str = "13800000000",
         line1: str = "文三路 88 号", channel: str = "web", sku: str = "A", qty: int = 1,
         price: str = "10.00", attrs: dict[str, str] | None = None,
         province: str = "浙江省", b2b: bool = False) -> Order:
    return Order.create(
        tenant_id="t", channel=channel, external_id=f"E-{i}",
        order_type=OrderType.B2B if b2b else OrderType.B2C, currency="CNY",
        lines=[OrderLine(1, sku, qty, Decimal(price))], customer=Customer(ref=account),
        address=Address(country="CN", province=province, city="杭州市", district="西湖区",
                        line1=line1, phone=phone),
        now=NOW, attributes=attrs or {})


def run(orders: Sequence[Order], history: list[Sighting] | None = None,
        settings: AnomalySettings = S, now: datetime = NOW) -> list[tuple[str, list[str]]]:
    found, _ = assess([order_facts(o) for o in orders], history or [], now, settings)
    return [(a.action.value, a.codes) for a in found]


def test_facts_normalise_keys_so_spelling_does_not_hide_a_repeat() -> None:
    a = order_facts(make(line1="文三路 88 号 3 栋", phone="+86 138-0000-0000"))
    b = order_facts(make(line1="文三路８８号3栋", phone="13800000000"))
    assert a.address == b.address and a.phone == b.phone == "13800000000"
    assert digits("138****0000") == "" and province_key("广东省") == province_key(" 广东 ")
    assert order_facts(make(line1="")).address == ""  # no street: no address key


def test_brushing_accounts_at_one_address_are_held_from_the_fourth() -> None:
    orders = [make(i, account=f"acct-{i}", phone=f"1370000{i:04d}") for i in range(5)]
    out = run(orders)
    assert [a for a, _ in out] == ["pass", "pass", "pass", "hold", "hold"]
    assert out[3][1] == ["shared_address_accounts"]
    assert out[4][1] == ["shared_address_accounts", "address_velocity"]


def test_one_customer_or_guests_ordering_again_is_not_brushing() -> None:
    same = [make(i, account="loyal") for i in range(8)]
    guests = [make(i, account="") for i in range(8)]
    assert {a for a, _ in run(same)} == {"pass"}
    assert {a for a, _ in run(guests)} == {"pass"}


def test_phone_across_accounts_is_phone_velocity_with_counts_and_window() -> None:
    orders = [make(i, account=f"acct-{i}", line1=f"路 {i} 号") for i in range(3)]
    found, _ = assess([order_facts(o) for o in orders], [], NOW, S)
    assert [a.action for a in found] == [Action.PASS, Action.PASS, Action.HOLD]
    [reason] = found[2].reasons
    assert reason.code == ReasonCode.PHONE_VELOCITY
    assert reason.evidence == {"orders": 2, "accounts": 2, "burst_orders": 2,
                               "window_hours": 24.0, "burst_hours": 1.0}
    assert "2 other accounts" in reason.message and "另外2个账号" in reason.message_zh
    assert found[2].hold_code == "suspected_fraud"


def test_history_outside_the_window_does_not_count() -> None:
    old = [Sighting("address", order_facts(make()).address, NOW - timedelta(hours=30),
                    f"acct-{i}", "web", 10.0, 1) for i in range(5)]
    assert run([make(9, account="me")], old) == [("pass", [])]
    recent = [Sighting(s.kind, s.key, NOW - timedelta(hours=2), s.account, s.channel,
                       s.value, s.quantity) for s in old]
    assert run([make(9, account="me")], recent)[0][0] == "hold"


def test_new_account_high_value_needs_the_channels_age_or_a_much_larger_amount() -> None:
    young = make(account="new", price="3500", attrs={"account_age_days": "1.5"})
    old = make(account="old", price="3500", attrs={"account_age_days": "400"})
    unknown = make(account="who", price="3500")
    assert run([young]) == [("hold", ["new_account_high_value"])]
    assert run([old]) == [("pass", [])]
    assert run([unknown]) == [("pass", [])]
    # Never seen and three times the threshold: named, but weaker (a flag).
    assert run([make(account="who", price="9500")]) == [("flag", ["new_account_high_value"])]
    assert run([make(account="", price="9500")]) == [("pass", [])]  # no account: no age
    assert run([make(account="who", price="9500", b2b=True)]) == [("pass", [])]


def test_geo_mismatch_only_for_young_accounts_or_high_values() -> None:
    gift = make(account="a", attrs={"account_age_days": "900", "ip_province": "广东省"})
    young = make(account="b", attrs={"account_age_days": "3", "ip_province": "广东"})
    home = make(account="c", attrs={"account_age_days": "3", "ip_province": "浙江"})
    assert run([gift]) == [("pass", [])]
    assert run([young]) == [("flag", ["geo_mismatch"])]
    assert run([home]) == [("pass", [])]


def test_the_same_basket_from_another_channel_is_a_duplicate() -> None:
    out = run([make(1, account="a", channel="tmall"), make(2, account="a", channel="jd"),
               make(3, account="a", channel="jd", qty=2)])
    assert out == [("pass", []), ("flag", ["cross_channel_duplicate"]), ("pass", [])]


def test_channel_price_conflict_needs_enough_prices_from_other_channels() -> None:
    seen = [Sighting(PRICE, "A", NOW - timedelta(hours=1), "", "tmall", 10.0, 2)]
    assert run([make(account="x", price="5.00")], seen) == [("pass", [])]
    seen.append(Sighting(PRICE, "A", NOW - timedelta(hours=1), "", "jd", 10.5, 2))
    found, _ = assess([order_facts(make(account="x", price="5.00"))], seen, NOW, S)
    [a] = found
    assert a.codes == ["channel_price_conflict"] and a.action == Action.FLAG
    assert a.reasons[0].evidence["reference"] == 10.0
    assert a.hold_code == "anomaly_review"
    # The same channel's own price is no conflict; a small discount is none either.
    assert run([make(account="x", price="9.00")], seen) == [("pass", [])]


def test_unusual_quantity_against_the_accounts_history_or_a_first_consumer_order() -> None:
    history = [make(i, account="c", line1=f"{i}", phone=f"1{i:010d}") for i in range(3)]
    out = run([*history, make(9, account="c", qty=12, line1="9", phone="19")])
    assert out[-1] == ("flag", ["unusual_quantity"])
    assert run([make(account="n", qty=25)]) == [("flag", ["unusual_quantity"])]
    assert run([make(account="n", qty=25, b2b=True)]) == [("pass", [])]


def test_a_hold_needs_a_reason_code_and_the_model_alone_only_flags() -> None:
    class Always:
        version = "v9"

        def probabilities(self, rows: Sequence[Sequence[float]]) -> list[float]:
            assert all(len(r) == len(FEATURE_NAMES) for r in rows)
            return [0.99] * len(rows)

    found, _ = assess([order_facts(make(account="a"))], [], NOW, S, Always())
    [a] = found
    assert (a.action, a.codes, a.model_version) == (Action.FLAG, ["model_outlier"], "v9")
    off = AnomalySettings(use_model=False)
    found, _ = assess([order_facts(make(account="a"))], [], NOW, off, Always())
    assert (found[0].action, found[0].model_version) == (Action.PASS, "rules")
    strong = Reason(ReasonCode.SHARED_ADDRESS_ACCOUNTS, "m", "m", {}, 0.9)
    assert decide([strong], 0.79, S) == Action.FLAG
    assert decide([strong], 0.8, S) == Action.HOLD
    assert decide([], 0.4, S) == Action.PASS
    assert rules_score([strong, Reason(ReasonCode.GEO_MISMATCH, "", "", {}, 0.5)]) == 0.95


def test_the_batch_leaves_identity_rows_per_order_and_one_price_row_per_channel() -> None:
    orders = [make(i, account=f"a{i}", channel="web", price=p)
              for i, p in enumerate(["10", "12", "11", "10"])]
    _, rows = assess([order_facts(o) for o in orders], [], NOW, S)
    assert [(b.sku, b.channel, b.price, b.lines) for b in price_buckets(rows)] == [
        ("A", "web", 10.0, 2), ("A", "web", 11.0, 1), ("A", "web", 12.0, 1)]
    assert sum(r.kind == "account" for r in rows) == 4


def test_price_lines_are_summed_per_hour_and_the_window_starts_on_the_hour() -> None:
    late = NOW + timedelta(minutes=59, seconds=59)
    rows = [Sighting(PRICE, "B", NOW, "", "web", 10.004, 2),
            Sighting(PRICE, "A", late, "", "web", 9.999, 1),
            Sighting(PRICE, "A", NOW + timedelta(hours=1), "", "web", 10.0, 1),
            Sighting(PRICE, "A", NOW + timedelta(minutes=5), "", "web", 10.0, 3),
            Sighting("phone", "p", NOW, "", "web", 1.0, 1)]
    assert price_buckets(rows) == [  # key order; 9.999 is 10.00 to the cent
        PriceBucket("A", "web", 10.0, NOW, 4),
        PriceBucket("A", "web", 10.0, NOW + timedelta(hours=1), 1),
        PriceBucket("B", "web", 10.0, NOW, 2)]
    assert hour_of(late) == NOW
    # The price window is whole hours: a line seen in the hour now - 7 days falls in
    # counts, one in the hour before does not.
    now = NOW + timedelta(days=7, minutes=30)
    assert Cutoffs.at(now, S).price == NOW
    seen = [Sighting(PRICE, "A", NOW + timedelta(minutes=1), "", "jd", 10.0, 3),
            Sighting(PRICE, "A", NOW - timedelta(seconds=1), "", "jd", 10.0, 5)]
    probe = order_facts(make(1, channel="web", price="5.00"))
    got = extract(probe, Recent.of(seen), now, S)
    assert (got.price_seen, got.price_reference) == (3, 10.0)


def test_settings_change_is_validated_field_by_field() -> None:
    s = S.changed({"enabled": False, "hold_threshold": 0.9, "address_accounts": 5})
    assert (s.enabled, s.hold_threshold, s.address_accounts) == (False, 0.9, 5)
    with pytest.raises(InvalidInput) as bad:
        S.changed({"enabled": "no", "hold_threshold": 1.5, "address_accounts": 0.5,
                   "colour": 1})
    assert {e.loc for e in bad.value.errors} == {"enabled", "hold_threshold",
                                                 "address_accounts", "colour"}
    with pytest.raises(InvalidInput):
        S.changed({"flag_threshold": 0.95})  # above the hold threshold
    assert AnomalySettings.from_doc({"hold_threshold": 0.7, "gone": 1}, 3).version == 3


def test_quality_figures_per_pattern_and_on_clean_traffic() -> None:
    rows = [Outcome("clean", "pass", ()), Outcome("clean", "hold", ("phone_velocity",)),
            Outcome("brushing", "hold", ("shared_address_accounts",)),
            Outcome("brushing", "pass", ()),
            Outcome("phone_velocity", "flag", ("phone_velocity",))]
    q = quality(rows, {"brushing": frozenset({"shared_address_accounts"}),
                       "phone_velocity": frozenset({"phone_velocity"})})
    assert q["false_hold_rate"] == 0.5 and q["false_flag_rate"] == 0.0
    assert q["patterns"]["brushing"]["recall_held"] == 0.5
    assert q["patterns"]["phone_velocity"]["recall_detected"] == 1.0
    assert q["patterns"]["phone_velocity"]["precision_anomalous"] == 0.5
    assert q["precision_held"] == 0.5


def test_features_vector_follows_feature_names() -> None:
    f = Features(phone_orders=3, price_deviation=0.5)
    v = f.vector()
    assert len(v) == len(FEATURE_NAMES)
    assert v[FEATURE_NAMES.index("phone_orders")] == 3.0
    assert v[FEATURE_NAMES.index("price_deviation")] == 0.5


def test_keyed_facts_replace_identities_with_digests() -> None:
    f = order_facts(make(account="acct"))
    keys = {(k, v): f"b1.{k}" for k, v in f.identities()}
    keyed = f.keyed(keys)
    assert isinstance(keyed, Facts)
    assert (keyed.account, keyed.phone, keyed.address, keyed.basket) == (
        "b1.account", "b1.phone", "b1.address", "b1.basket")
