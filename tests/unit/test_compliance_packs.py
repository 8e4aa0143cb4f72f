"""The shipped compliance packs and the checks they are made of: every pack loads and
passes its own checks (ordinary rules, each citing a source), agrees with the customs
table C4 reads, and its checks hold what they should and nothing else."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from decimal import Decimal
from importlib import resources
from typing import Any

import pytest

from orderhub.domain import compliance_packs as cp
from orderhub.domain.errors import InvalidInput, NotFound
from orderhub.domain.inventory import Sku
from orderhub.domain.order import Address, Customer, Order, OrderLine, OrderType
from orderhub.domain.rules import compliance
from orderhub.domain.rules.checks import ValidationContext
from orderhub.domain.rules.customs import LIMITS
from orderhub.domain.rules.model import parse_rule, to_check
from orderhub.domain.rules.validation import validate

NOW = datetime(2026, 12, 7, tzinfo=UTC)
T = "t1"


@pytest.mark.parametrize("country", ["CN", "US", "DE", "GB", "JP", "KR", "AU", "SG", "HK"])
def test_each_pack_loads_as_ordinary_rules_citing_sources(country: str) -> None:
    pack = cp.load_pack(country.lower())
    assert pack.country == country and pack.version
    for rule in pack.rules:
        parsed = parse_rule(rule.doc())  # the same model as a user's rule
        assert parsed.is_check and parsed.code.startswith(f"pack.{country}.")
        assert rule.source["url"].startswith("http") and rule.source["read_on"]
        assert rule.params["source"]["pack"] == f"{country} {pack.version}"
        assert country in rule.params["countries"] and rule.description_zh


def test_unknown_country_and_broken_pack_files_are_refused() -> None:
    with pytest.raises(NotFound, match="no compliance pack for country 'XX'"):
        cp.load_pack("XX")
    data: dict[str, Any] = json.loads(
        resources.files(cp.PACKAGE).joinpath("CN.json").read_text("utf-8"))
    data["rules"][0]["source"] = {"title": "no url"}
    data["rules"][1]["code"] = "mine"
    data["rules"][2]["then"]["params"]["min_digits"] = 3
    with pytest.raises(InvalidInput) as exc:
        cp.parse_pack(data, expect="CN")
    assert {e.loc for e in exc.value.errors} == {
        "rules.0.source", "rules.1.code", "rules.2.then.params.min_digits"}


def test_pack_figures_agree_with_the_customs_table_of_c4() -> None:
    """One figure per destination: the pack's value rules and C4's table say the same."""
    for country in cp.available():
        for rule in cp.load_pack(country).rules:
            if rule.check != "value_cap" or country not in LIMITS or country == "US":
                continue  # (the US de minimis is suspended: the pack holds from 0)
            limit = LIMITS[country]
            assert (Decimal(rule.params["limit"]["amount"]), rule.params["limit"]["currency"]
                    ) == (limit.amount, limit.currency), country


def test_resident_id_and_pccc_formats() -> None:
    assert compliance.valid_cn_resident_id("11010519491231002X")
    assert compliance.valid_cn_resident_id("11010519491231002x")
    assert not compliance.valid_cn_resident_id("110105194912310021")  # check digit
    assert not compliance.valid_cn_resident_id("1101051949123100")
    assert compliance.valid_kr_pccc("P123456789012")
    assert not compliance.valid_kr_pccc("123456789012")


def order(country: str = "CN", *, attrs: dict[str, str] | None = None, price: str = "100",
          hs: str = "1901101000", cross_border: bool = True, name: str = "李雷") -> Order:
    return Order.create(
        tenant_id=T, channel="tmall", external_id="E-1", order_type=OrderType.B2C,
        currency="CNY", lines=[OrderLine(1, "MILK", 1, Decimal(price), hs_code=hs,
                                         origin_country="NZ")],
        customer=Customer(ref="c"), address=Address(country=country, name=name, line1="x"),
        now=NOW, attributes=attrs, cross_border=cross_border)


def ctx(**facts: Any) -> ValidationContext:
    return ValidationContext(catalog={"MILK": Sku(T, "MILK", "formula", Decimal("100"),
                                                  attributes={"category": "infant_formula",
                                                              **facts})})


def run(country: str, o: Order, context: ValidationContext | None = None
        ) -> list[tuple[str, str]]:
    rules = [to_check(parse_rule(r.doc())) for r in cp.load_pack(country).rules]
    return [(h.code.value, h.message) for h in validate(o, rules, context or ctx())]


def test_cn_pack_on_orders() -> None:
    ok = {"buyer_id_number": "11010519491231002X", "buyer_id_name": "李 雷"}
    held = run("CN", order(attrs=ok))
    # only the positive list: the SKU is not marked as on it
    assert [c for c, _ in held] == ["restricted_goods"]
    assert "positive list" in held[0][1] and "2019年第96号" in held[0][1]
    listed = ctx(cn_cbec_positive_list=True)
    assert run("CN", order(attrs=ok), listed) == []
    codes = dict(run("CN", order(attrs=ok, price="26000.01"), listed))  # one item: 26,000
    assert ("26000.01 CNY is over CN's per-parcel limit of 26000 CNY"
            in codes["declared_value_limit"])
    assert [c for c, _ in run("CN", order(attrs=ok, hs="190110"), listed)] == [
        "cross_border_docs"]
    bad_id = run("CN", order(attrs={**ok, "buyer_id_number": "110105194912310021"}), listed)
    assert "invalid the payer's resident ID" in bad_id[0][1]
    assert "110105194912310021" not in bad_id[0][1]
    assert run("US", order(attrs=ok), listed) == []  # another country's pack: not its orders
    banned = ctx(cn_cbec_positive_list=True, e_cigarette=True)
    assert [c for c, _ in run("SG", order("SG", attrs={}), banned)] == ["restricted_goods"]


def test_domestic_orders_are_not_judged_and_thresholds_are_worded_as_such() -> None:
    ctx_cn_sites = ValidationContext(catalog=ctx().catalog,
                                     warehouse_countries=frozenset({"CN"}))
    rules = [to_check(parse_rule(r.doc())) for r in cp.load_pack("CN").rules]
    assert validate(order(cross_border=False), rules, ctx_cn_sites) == []
    us = order("US", attrs={}, price="10")
    msgs = [m for c, m in run("US", us) if c == "declared_value_limit"]
    # CNY order, USD threshold, no rate: not judged (never held for a currency)
    assert msgs == []


def test_overrides_are_checked_field_by_field_and_merged() -> None:
    pack = cp.load_pack("CN")
    with pytest.raises(InvalidInput) as exc:
        cp.parse_override(pack, {"rule": "pack.CN.single-limit", "params": {
            "limit": {"amount": "x", "currency": "CNY"}, "source": {}}, "reason": "r",
            "extra": 1}, actor="u", at=NOW)
    assert {e.loc for e in exc.value.errors} == {"params.limit", "params.source", "extra"}
    a = cp.parse_override(pack, {"rule": "pack.CN.single-limit", "params": {
        "limit": {"amount": "3000", "currency": "CNY"}}, "reason": "broker"}, actor="u", at=NOW)
    b = cp.parse_override(pack, {"rule": "pack.CN.single-limit", "enabled": False,
                                 "reason": "off"}, actor="v", at=NOW)
    [merged] = cp.merge_override([a], b)
    assert merged.enabled is False and merged.params["limit"]["amount"] == "3000"
    docs = {d["code"]: d for d in cp.effective_docs(pack, [merged])}
    assert docs["pack.CN.single-limit"]["enabled"] is False
    assert docs["pack.CN.single-limit"]["then"]["params"]["limit"]["amount"] == "3000"
    assert docs["pack.CN.single-limit"]["then"]["params"]["source"]["pack"] == "CN 2026.12.2"
    assert cp.Override.from_doc(merged.doc()) == merged
    diff = cp.diff_docs(cp.effective_docs(pack, []), list(docs.values()))
    assert set(diff["changed"]["pack.CN.single-limit"]) == {"params.limit", "enabled"}
