"""Money across currencies (issue 16, class 1), pure: dated rates and their staleness, rate
files refused by line and field, conversion in the price floor and in rule thresholds, the
hold for a missing rate, and amounts with currency in rule sentences."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal as D

import pytest

from orderhub.domain.errors import InvalidInput
from orderhub.domain.fx import (
    Conversion,
    FxMissing,
    FxRate,
    FxSettings,
    RateTable,
    check_settings,
    parse_rates_csv,
)
from orderhub.domain.inventory import Sku
from orderhub.domain.money import is_known_currency, quantize
from orderhub.domain.order import Address, Customer, HoldCode, Order, OrderLine, OrderType
from orderhub.domain.routing.strategy import route_order
from orderhub.domain.rules.checks import ValidationContext, check_price_floor
from orderhub.domain.rules.conditions import Condition
from orderhub.domain.rules.facts import RouteOrder
from orderhub.domain.rules.language import parse_sentence
from orderhub.domain.rules.model import parse_rule
from orderhub.domain.rules.validation import DEFAULT_RULES, validate

DAY = date(2026, 12, 3)
RATES = [FxRate("USD", date(2026, 12, 1), D("7.12"), "manual"),
         FxRate("USD", date(2026, 11, 20), D("7.05"), "PBOC central parity"),
         FxRate("EUR", date(2026, 11, 1), D("7.70"), "manual")]
TABLE = RateTable.of(FxSettings("CNY", 7), RATES)


def order(currency: str = "USD", price: str = "12.00", qty: int = 1, discount: str = "0",
          day: date = DAY, sku: str = "A") -> Order:
    at = datetime(day.year, day.month, day.day, 3, 0, tzinfo=UTC)
    return Order.create(tenant_id="t", channel="web", external_id="E1", order_type=OrderType.B2C,
                        currency=currency, lines=[OrderLine(1, sku, qty, D(price), D(discount))],
                        customer=Customer(), address=Address(), now=at, placed_at=at)


def test_iso_4217_is_the_whole_list() -> None:
    assert all(is_known_currency(c) for c in ("CNY", "USD", "ZAR", "KES", "UYW", "XOF"))
    assert not any(is_known_currency(c) for c in ("XYZ", "ABC", "usd", "RMB", "XAU"))
    assert quantize(D("1.2346"), "KWD") == D("1.235") and quantize(D("9.6"), "JPY") == D("10")
    assert quantize(D("1.234"), "XYZ") == D("1.23")  # stored and held, still with a scale


def test_the_rate_in_force_is_the_latest_on_or_before_the_day_until_it_is_stale() -> None:
    assert TABLE.rate_for("USD", DAY) == RATES[0]
    assert TABLE.rate_for("USD", date(2026, 11, 27)) == RATES[1]
    assert TABLE.rate_for("USD", date(2026, 12, 8)) == RATES[0]  # 7 days old: still used
    stale = TABLE.rate_for("USD", date(2026, 12, 9))
    assert isinstance(stale, FxMissing) and stale.reason == "stale" and stale.latest == RATES[0]
    assert "older than 7 days" in stale.message() and "超过 7 天" in stale.message_zh()
    before = TABLE.rate_for("USD", date(2026, 11, 1))
    assert isinstance(before, FxMissing) and before.reason == "no_rate"
    # before the first rate, within the staleness limit of it: that first rate
    assert TABLE.rate_for("USD", RATES[1].effective_date - timedelta(days=7)) == RATES[1]
    early = TABLE.rate_for("USD", RATES[1].effective_date - timedelta(days=8))
    assert isinstance(early, FxMissing) and early.reason == "no_rate"
    eur = TABLE.rate_for("EUR", DAY)
    assert isinstance(eur, FxMissing) and eur.reason == "stale"
    none = TABLE.rate_for("GBP", DAY)
    assert isinstance(none, FxMissing) and none.reason == "no_rate"
    assert "no GBP->CNY exchange rate" in none.message()
    assert TABLE.rate_for("CNY", DAY).rate == 1  # type: ignore[union-attr]
    assert isinstance(TABLE.rate_for("XYZ", DAY), FxMissing)


def test_a_conversion_says_what_it_used() -> None:
    found = TABLE.convert(D("12.00"), "USD", DAY)
    assert isinstance(found, Conversion)
    assert found.converted == D("85.44")
    assert found.describe() == "USD 12.00 = CNY 85.44 at 7.12 (2026-12-01, manual)"
    assert found.as_dict()["text"] == found.describe()


def test_a_rate_file_is_refused_whole_with_line_and_field() -> None:
    good = parse_rates_csv("currency,rate,effective_date,source\nUSD,7.12,2026-12-01,manual\n"
                           "eur,7.7,2026-12-01,\n")
    assert [(r.currency, r.rate, r.source) for r in good] == [
        ("USD", D("7.12"), "manual"), ("EUR", D("7.7"), "manual")]
    with pytest.raises(InvalidInput) as err:
        parse_rates_csv("currency,rate,effective_date\nUSD,7.12,2026-12-01\nUSD,-1,2026-12-01\n"
                        "XYZ,7,2026-13-01\nCNY,1,2026-12-01\nGBP,9.1234567,2026-12-01\n")
    locs = {e.loc for e in err.value.errors}
    assert locs == {"line 3: rate", "line 4: currency", "line 4: effective_date",
                    "line 5: currency", "line 6: rate"}
    with pytest.raises(InvalidInput) as err:
        parse_rates_csv("currency,rate,effective_date\nUSD,7.12,2026-12-01\nUSD,7.2,2026-12-01\n")
    assert err.value.errors[0].loc == "line 3: effective_date"
    for text, loc in (("code,rate\nUSD,7\n", "line 1"), ("currency,rate,effective_date,x\n",
                                                          "line 1"),
                      ("currency,rate,effective_date\n", "line 2")):
        with pytest.raises(InvalidInput) as err:
            parse_rates_csv(text)
        assert err.value.errors[0].loc == loc
    with pytest.raises(InvalidInput):
        check_settings("XYZ", 7)
    with pytest.raises(InvalidInput):
        check_settings("CNY", -1)


def test_price_floor_converts_before_comparing() -> None:
    sku = Sku("t", "A", "Apple", D("80.00"), attributes={"floor_price": "80.00"})  # CNY
    ctx = ValidationContext(catalog={"A": sku}, fx=TABLE)
    assert check_price_floor(order("USD", "12.00"), ctx, {}) == []  # 85.44 CNY >= 80
    [low] = check_price_floor(order("USD", "11.00"), ctx, {})  # 78.32 CNY
    assert low.code == HoldCode.PRICE_BELOW_FLOOR
    assert "USD 11.00 = CNY 78.32 at 7.12 (2026-12-01, manual)" in low.message
    assert low.details is not None and low.details["floor_base"] == "80.00"
    # number to number was the bug: 12 < 80 held every foreign order
    assert check_price_floor(order("USD", "12.00"), ValidationContext(catalog={"A": sku}),
                             {})[0].code == HoldCode.PRICE_BELOW_FLOOR
    # the floor in the order's own currency needs no rate
    usd_sku = Sku("t", "A", "Apple", None, attributes={"floor_price": "10", "currency": "USD"})
    assert check_price_floor(order("USD", "11.00", day=date(2027, 6, 1)),
                             ValidationContext(catalog={"A": usd_sku}, fx=TABLE), {}) == []
    # a USD floor, an EUR-less day for a CNY order: converted both sides
    assert check_price_floor(order("CNY", "72.00"), ValidationContext(
        catalog={"A": usd_sku}, fx=TABLE), {}) == []  # 10 USD = 71.20 CNY


def test_no_usable_rate_holds_for_the_rate_not_the_price() -> None:
    sku = Sku("t", "A", "Apple", D("80.00"), attributes={"floor_price": "80.00"})
    ctx = ValidationContext(catalog={"A": sku}, fx=TABLE)
    [reason] = check_price_floor(order("GBP", "1.00"), ctx, {})
    assert reason.code == HoldCode.FX_RATE_MISSING
    assert reason.details is not None and reason.details["reason"] == "no_rate"
    [stale] = check_price_floor(order("EUR", "1.00"), ctx, {})
    assert stale.code == HoldCode.FX_RATE_MISSING and "older than 7 days" in stale.message
    # through the default rules: one reason, though two checks needed the rate
    held = validate(order("XYZ", "1.00"), DEFAULT_RULES, ctx)
    assert [r.code for r in held].count(HoldCode.FX_RATE_MISSING) == 1
    assert HoldCode.PRICE_BELOW_FLOOR not in {r.code for r in held}


def test_rule_thresholds_keep_their_currency_and_compare_converted() -> None:
    usd_order = order("USD", "1500.00")  # 10,680 CNY
    route = route_order(usd_order, {}, fx=TABLE)
    assert route.value_currency == "CNY" and route.value == D("10680.0000")
    above_10k_cny = Condition(order_value_above=D("10000"))
    above_2k_usd = Condition(order_value_above=D("2000"), value_currency="USD")
    above_1k_usd = Condition(order_value_above=D("1000"), value_currency="USD")
    assert above_10k_cny.matches(route)
    assert not above_2k_usd.matches(route) and above_1k_usd.matches(route)
    # unconvertible: the rule cannot judge it (a scoped check runs, a routing rule does not)
    gbp = route_order(order("GBP", "5000.00"), {}, fx=TABLE)
    assert gbp.value_in("") is None
    assert not above_10k_cny.matches(gbp) and above_10k_cny.matches(gbp, on_error=True)
    # without rates (legacy callers): number to number, as before
    legacy = RouteOrder("o", "", 0.0, 0.0, (), value=D("12000"))
    assert above_10k_cny.matches(legacy)
    # a view built without rates knows the order's currency: a threshold in that currency
    # is compared as it is, one in another currency cannot be judged
    plain = route_order(order("CNY", "12000.00"), {})
    assert Condition(order_value_above=D("10000"), value_currency="CNY").matches(plain)
    assert not Condition(order_value_above=D("1000"), value_currency="USD").matches(plain)
    rule = parse_rule({"code": "big-usd", "when": {"order_value_above": "1500",
                                                   "value_currency": "usd"},
                       "then": {"hold": "review"}})
    assert rule.when.value_currency == "USD"
    with pytest.raises(InvalidInput):
        parse_rule({"code": "x", "when": {"order_value_above": "1", "value_currency": "XYZ"},
                    "then": {"hold": "review"}})


@pytest.mark.parametrize(("sentence", "amount", "currency"), [
    ("当金额大于1万元时，转人工复核", "10000", "CNY"),
    ("当订单金额超过500美元时，转人工复核", "500", "USD"),
    ("如果订单金额大于1,500港币，转人工复核", "1500", "HKD"),
    ("when the order value is over USD 1,500, hold it", "1500", "USD"),
    ("if order value above 10,000 CNY, hold the order", "10000", "CNY"),
    ("when the order is over $2k, hold it", "2000", "USD"),
    ("when the order total is at least 250 EUR, hold it", "250", "EUR"),
    ("when the order value is above 10000, hold it", "10000", ""),
])
def test_sentences_accept_amounts_with_currency(sentence: str, amount: str,
                                                currency: str) -> None:
    parsed = parse_sentence(sentence)
    assert parsed.not_understood == [] and parsed.conflicts == []
    key = "min_order_value" if "at least" in sentence else "order_value_above"
    assert parsed.when[key] == amount
    assert parsed.when.get("value_currency", "") == currency
    rule = parse_rule(parsed.rule("r1", sentence))
    assert rule.when.value_currency == currency


def test_a_sentence_with_a_word_that_is_no_currency_says_so() -> None:
    parsed = parse_sentence("when the order value is over 100 QQQ, hold it")
    assert parsed.conflicts and "not a currency" in parsed.conflicts[0]
