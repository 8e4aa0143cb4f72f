"""Review of the compliance packs (issue 19 item 5): defects found, each pinned here."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from orderhub.domain import compliance_packs as cp
from orderhub.domain.inventory import Sku
from orderhub.domain.order import Address, Customer, Order, OrderLine, OrderType
from orderhub.domain.rules.checks import ValidationContext
from orderhub.domain.rules.model import parse_rule, to_check
from orderhub.domain.rules.validation import DEFAULT_RULES, validate

NOW = datetime(2026, 12, 7, tzinfo=UTC)
T = "t1"
ID_OK = {"buyer_id_number": "11010519491231002X", "buyer_id_name": "李雷"}


def order(country: str = "CN", *, price: str = "100", qty: int = 1, currency: str = "CNY",
          lines: int = 1, channel: str = "tmall") -> Order:
    return Order.create(
        tenant_id=T, channel=channel, external_id="E-1", order_type=OrderType.B2C,
        currency=currency,
        lines=[OrderLine(i + 1, "MILK", qty, Decimal(price), hs_code="1901101000",
                         origin_country="NZ") for i in range(lines)],
        customer=Customer(ref="c"), address=Address(country=country, name="李雷", line1="x"),
        now=NOW, attributes=dict(ID_OK), cross_border=True)


def ctx(**more: Any) -> ValidationContext:
    return ValidationContext(catalog={"MILK": Sku(T, "MILK", "formula", Decimal("100"),
                                                  attributes={"cn_cbec_positive_list": True})},
                             **more)


def pack_rules(country: str) -> list[Any]:
    return [to_check(parse_rule(r.doc())) for r in cp.load_pack(country).rules]


def test_one_breach_of_the_cn_limit_is_one_hold_citing_the_notice() -> None:
    """C4 (the default cross_border check, its customs table) and the CN pack's
    single-limit rule both judge 5,000 CNY: one hold, the pack's (it cites the notice)."""
    found = validate(order(price="3000", qty=2), [*DEFAULT_RULES, *pack_rules("CN")], ctx())
    limits = [h for h in found if h.code.value == "declared_value_limit"]
    assert len(limits) == 1, [h.message for h in limits]
    assert "财关税〔2018〕49号" in limits[0].message


def test_different_limits_for_one_order_are_both_kept() -> None:
    """Only the same figure is one breach: the DE pack's EUR 150 and C4's default cap
    are two different limits (shown with a rate to compare them)."""
    rates = {("CNY", "EUR"): Decimal("0.13")}

    def convert(amount: Decimal, src: str, dst: str, _on: Any) -> Decimal | None:
        return amount if src == dst else (amount * rates[(src, dst)]
                                          if (src, dst) in rates else None)

    found = validate(order("DE", price="3000", qty=2), [*DEFAULT_RULES, *pack_rules("DE")],
                     ctx(convert=convert))
    limits = [h for h in found if h.code.value == "declared_value_limit"]
    assert len(limits) == 2, [h.message for h in limits]


def test_pack_limit_is_compared_after_conversion() -> None:
    """A USD order to CN: 800 USD at 7.1 is 5,680 CNY, over the 5,000 CNY limit; 700 USD
    is 4,970 CNY, within it."""
    def convert(amount: Decimal, src: str, dst: str, _on: Any) -> Decimal | None:
        return amount * Decimal("7.1") if (src, dst) == ("USD", "CNY") else (
            amount if src == dst else None)

    rules = pack_rules("CN")
    over = validate(order(price="400", qty=2, currency="USD"), rules, ctx(convert=convert))
    assert [h.code.value for h in over] == ["declared_value_limit"]
    # the figure compared is shown: a person sees why 800 USD is over a CNY limit
    assert "800.00 USD (5680.00 CNY)" in over[0].message and "5000 CNY" in over[0].message
    assert validate(order(price="350", qty=2, currency="USD"), rules,
                    ctx(convert=convert)) == []


def test_cn_single_item_order_up_to_the_annual_limit_is_not_held() -> None:
    """财关税〔2018〕49号 art. 2: an order of a single item whose value is over 5,000 but
    under the 26,000 CNY annual limit may still come in through cross-border retail
    (full duty): not held by the pack. Two units of 3,000 are held (no exception)."""
    rules = pack_rules("CN")
    assert validate(order(price="6000"), rules, ctx()) == []
    assert [h.code.value for h in validate(order(price="26000.01"), rules, ctx())] == [
        "declared_value_limit"]
    assert [h.code.value for h in validate(order(price="3000", qty=2), rules, ctx())] == [
        "declared_value_limit"]
    assert [h.code.value for h in validate(order(price="3000", lines=2), rules, ctx())] == [
        "declared_value_limit"]


def test_kr_list_clearance_is_usd_200_for_parcels_from_the_us() -> None:
    """Korea Customs Service: list clearance up to USD 150, USD 200 for goods from the US.
    A USD 180 parcel from a US warehouse is within it; from elsewhere it is not."""
    rules = [r for r in pack_rules("KR") if r.code == "pack.KR.list-clearance"]
    o = order("KR", price="180", currency="USD")
    from_us = ctx(assigned_countries={o.id: frozenset({"US"})})
    from_cn = ctx(assigned_countries={o.id: frozenset({"CN"})})
    assert validate(o, rules, from_us) == []
    assert [h.code.value for h in validate(o, rules, from_cn)] == ["declared_value_limit"]
    by_channel = ctx(channel_ship_from={"tmall": "US"})
    assert validate(o, rules, by_channel) == []
    assert [h.code.value for h in validate(order("KR", price="200.01", currency="USD"),
                                           rules, from_us)] != []


def test_jp_small_value_is_judged_on_60_percent_of_a_personal_import() -> None:
    """Japan Customs: for goods for personal use the taxable value is 60% of the overseas
    retail price; duty and consumption tax are exempt up to 10,000 JPY of it (retail about
    16,666 JPY). A 15,000 JPY B2C order is within it; 17,000 JPY is not."""
    rules = [r for r in pack_rules("JP") if r.code == "pack.JP.small-value"]
    assert validate(order("JP", price="15000", currency="JPY"), rules, ctx()) == []
    assert [h.code.value for h in validate(order("JP", price="17000", currency="JPY"),
                                           rules, ctx())] == ["declared_value_limit"]


def test_de_pack_does_not_say_parcels_under_eur_150_are_duty_free() -> None:
    """From 2026-07-01 the EU's EUR 150 customs-duty relief is gone (a flat EUR 3 per item
    category, Council decision of 2026-02-11); IOSS (VAT) still stops at EUR 150."""
    pack = cp.load_pack("DE")
    rule = pack.rule("pack.DE.ioss-150")
    assert rule is not None and "import duty" not in rule.description
    assert any("EUR 3" in n and "2026-07-01" in n for n in pack.notes)


def test_an_identifier_is_read_only_from_an_attribute_kept_encrypted() -> None:
    """The identifier rules read personal data (a resident ID, a PCCC): an override may
    point them at another attribute only if that one is stored encrypted and left out of
    masked views (privacy.FREE_TEXT_ATTRIBUTES); any other would invite a channel to keep
    the ID in clear."""
    pack = cp.load_pack("CN")
    try:
        cp.parse_override(pack, {"rule": "pack.CN.resident-id",
                                 "params": {"attribute": "payer_id"}, "reason": "r"},
                          actor="u", at=NOW)
    except cp.InvalidInput as exc:
        assert [e.loc for e in exc.errors] == ["params.attribute"]
    else:
        raise AssertionError("an attribute kept in clear was accepted")
    ok = cp.parse_override(pack, {"rule": "pack.CN.resident-id",
                                  "params": {"attribute": "invoice_tax_id"}, "reason": "r"},
                           actor="u", at=NOW)
    assert ok.params == {"attribute": "invoice_tax_id"}
