"""The buyer-notes extractor (domain/buyer_notes.py): ages, requested delivery dates,
invoice titles and tax ids in Chinese and English, each with the words it was read from;
text that only looks like a fact is left alone, and the extractor never raises."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from orderhub.domain import buyer_notes
from orderhub.domain.buyer_notes import (
    chinese_number,
    extract,
    find_age,
    find_delivery_date,
    find_invoice_title,
    find_tax_id,
    note_texts,
    read_notes,
)

MONDAY = date(2026, 12, 7)


@pytest.mark.parametrize(("text", "value"), [
    ("一", 1), ("十", 10), ("十二", 12), ("二十", 20), ("二十四", 24), ("两", 2),
    ("一百零五", 105), ("三百", 300), ("零", 0),
])
def test_chinese_numbers(text: str, value: int) -> None:
    assert chinese_number(text) == value


@pytest.mark.parametrize(("text", "months", "span"), [
    ("宝宝刚满3个月", 3, "宝宝刚满3个月"),
    ("宝宝两岁半", 30, "宝宝两岁半"),
    ("孩子一岁零三个月了，喝三段", 15, "孩子一岁零三个月"),
    ("8个月大", 8, "8个月大"),
    ("宝宝三个半月", 3, "宝宝三个半月"),
    ("女儿十个月，麻烦快点发", 10, "女儿十个月"),
    ("宝宝刚满月", 1, "宝宝刚满月"),
    ("宝宝百天了", 3, "宝宝百天"),
    ("宝宝半岁", 6, "宝宝半岁"),
    ("宝宝45天", 1, "宝宝45天"),
    ("宝宝1岁3个月", 15, "宝宝1岁3个月"),
    ("宝贝 11 个月", 11, "宝贝 11 个月"),
    ("宝宝６个月", 6, "宝宝６个月"),  # full-width digit
    ("宝宝6周", 1, "宝宝6周"),
    ("二十个月的宝宝喝几段", 20, "二十个月的宝宝"),
    ("Baby is 2 months old", 2, "2 months old"),
    ("my son is 1.5 years", 18, "1.5 years"),
    ("14 weeks old", 3, "14 weeks old"),
    ("for my 18-month-old daughter", 18, "18-month-old"),
    ("my baby is one year and 3 months", 15, "one year and 3 months"),
    ("Our newborn is 10 days", 0, "10 days"),
    ("the baby is two years old", 24, "two years old"),
    ("a year old", 12, "a year old"),
])
def test_ages(text: str, months: int, span: str) -> None:
    found = find_age(text)
    assert found is not None, text
    assert found[0] == months
    assert text[found[1]:found[2]] == span


@pytest.mark.parametrize("text", [
    "3个月前买过一次",            # a time, not an age
    "保质期6个月",               # shelf life
    "宝宝3个月前喝的一段",         # "3 months ago"
    "请在2个月内发货",
    "two weeks ago my baby got sick",
    "please deliver in a day, baby needs it",
    "买了3个",
    "12 months warranty",
    "",
])
def test_not_ages(text: str) -> None:
    assert find_age(text) is None


@pytest.mark.parametrize(("text", "when"), [
    ("12月24日前送达", date(2026, 12, 24)),
    ("请12月24号之前送到", date(2026, 12, 24)),
    ("十二月二十四日前到货", date(2026, 12, 24)),
    ("2027年1月3日前送达", date(2027, 1, 3)),
    ("1月3日前送到", date(2027, 1, 3)),        # past this year: next year's
    ("麻烦24号前送到", date(2026, 12, 24)),
    ("12/24前送达", date(2026, 12, 24)),
    ("周五前送到", date(2026, 12, 11)),
    ("下周五前到货", date(2026, 12, 18)),
    ("明天送到", date(2026, 12, 8)),
    ("期望送达：2026-12-20", date(2026, 12, 20)),
    ("deliver by 2026-12-24", date(2026, 12, 24)),
    ("before Dec 24", date(2026, 12, 24)),
    ("need it by December 24th, 2026", date(2026, 12, 24)),
    ("arrive by 24 Dec", date(2026, 12, 24)),
    ("by Friday please", date(2026, 12, 11)),
    ("Delivery date: 2026/12/30", date(2026, 12, 30)),
    ("no later than Jan 5", date(2027, 1, 5)),
])
def test_delivery_dates(text: str, when: date) -> None:
    found = find_delivery_date(text, MONDAY)
    assert found is not None, text
    assert found[0] == when


@pytest.mark.parametrize("text", [
    "12月24日生日",             # a date, no delivery
    "2月30日前送达",             # no such day
    "宝宝3个月",
    "born on Dec 24",
    "2025-01-01 前送达",          # long past
])
def test_not_delivery_dates(text: str) -> None:
    assert find_delivery_date(text, MONDAY) is None


@pytest.mark.parametrize(("text", "title", "tax_id"), [
    ("发票抬头：上海某某有限公司，税号：91310000MA1FL1234X", "上海某某有限公司",
     "91310000MA1FL1234X"),
    ("抬头为北京某某科技有限公司 税号 911100001234567890", "北京某某科技有限公司",
     "911100001234567890"),
    ("开票抬头: 深圳市某某电子有限公司。谢谢", "深圳市某某电子有限公司", None),
    ("invoice to: ACME Ltd, VAT GB123456789", "ACME Ltd", "GB123456789"),
    ("Invoice title: Foo GmbH; tax id: DE123456789", "Foo GmbH", "DE123456789"),
    ("纳税人识别号：91440300MA5ABCDE1X", None, "91440300MA5ABCDE1X"),
    ("开发票，个人", None, None),
    ("VAT included please", None, None),
])
def test_invoice_titles_and_tax_ids(text: str, title: str | None, tax_id: str | None) -> None:
    found = find_invoice_title(text)
    assert (found[0] if found else None) == title
    found_id = find_tax_id(text)
    assert (found_id[0] if found_id else None) == tax_id


def test_extract_keeps_each_fact_with_its_source_and_span() -> None:
    note = "宝宝刚满3个月，12月24日前送达，发票抬头：上海某某有限公司"
    facts = extract([("buyer_message", note, False)], MONDAY)
    assert facts.error == ""
    age = facts.get("baby_age_months")
    assert age is not None and (age.value, age.source, age.span) == ("3", "buyer_message",
                                                                     "宝宝刚满3个月")
    assert note[age.start:age.end] == "宝宝刚满3个月"
    when = facts.get("requested_delivery")
    assert when is not None and when.value == "2026-12-24" and when.span == "12月24日前送达"
    title = facts.get("invoice_title")
    assert title is not None and title.value == "上海某某有限公司"
    assert title.span == "发票抬头：上海某某有限公司"  # the buyer's own characters
    attrs = facts.as_attributes()
    assert attrs["note_baby_age_months"] == "3"
    assert attrs["note_baby_age_months_span"] == "buyer_message: 宝宝刚满3个月"
    assert attrs["note_requested_delivery"] == "2026-12-24"


def test_which_attributes_are_read() -> None:
    attributes = {"customer_note": "Baby is 2 months old", "Gift note": "x", "Baby age":
                  "3 months", "baby_age_months": "4", "order_number": "1001",
                  "wc_status": "processing"}
    sources = [name for name, _, _ in note_texts(attributes)]
    assert sources == ["customer_note", "Gift note", "Baby age"]
    # "Baby age: 3 months" needs no child word: the attribute says who it is about
    facts = extract(note_texts({"Baby age": "3 months"}), MONDAY)
    got = facts.get("baby_age_months")
    assert got is not None and got.value == "3"


def test_read_notes_replaces_old_facts_and_keeps_the_rest() -> None:
    first = read_notes({"buyer_message": "宝宝8个月大", "po": "1"}, MONDAY)
    assert first["note_baby_age_months"] == "8" and first["po"] == "1"
    again = read_notes({**first, "buyer_message": "没有备注"}, MONDAY)
    assert "note_baby_age_months" not in again and again["po"] == "1"
    assert read_notes({"po": "1"}, MONDAY) == {"po": "1"}


def test_the_extractor_never_raises(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(text: str, *, in_context: bool = False) -> None:
        raise RuntimeError("grammar bug")

    monkeypatch.setattr(buyer_notes, "find_age", broken)
    attrs = read_notes({"buyer_message": "宝宝3个月"}, MONDAY)
    assert "note_baby_age_months" not in attrs
    assert attrs["note_facts_error"] == "buyer note not read (RuntimeError)"


def test_long_notes_are_cut_not_refused() -> None:
    note = "好" * 5000 + "宝宝3个月"
    assert extract([("note", note, False)], MONDAY).facts == []


# ----- the formula-stage check reads the note when no age is declared ----------------------

def _formula_order(attributes: dict[str, str]) -> tuple[object, object]:
    from decimal import Decimal

    from orderhub.domain.inventory import Sku
    from orderhub.domain.rules.checks import ValidationContext
    from tests.factories import order

    o = order([("F2", 1)])
    o.attributes = attributes
    ctx = ValidationContext(catalog={"F2": Sku("default", "F2", "Stage 2 formula",
                                               Decimal("200"), attributes={"formula_stage": 2})})
    return o, ctx


PARAMS = {"attribute": "baby_age_months", "require_declaration": False,
          "stage_months": {"1": [0, 6], "2": [6, 12], "3": [12, 36]}}


def test_formula_stage_uses_the_age_read_from_the_note_and_quotes_it() -> None:
    from orderhub.domain.rules.checks import check_formula_stage

    attrs = read_notes({"buyer_message": "宝宝刚满3个月，请尽快发货"}, MONDAY)
    o, ctx = _formula_order(attrs)
    [reason] = check_formula_stage(o, ctx, PARAMS)  # type: ignore[arg-type]
    assert reason.code.value == "age_stage_mismatch"
    assert "age 3 months read from the buyer's note (buyer_message: 宝宝刚满3个月)" in \
        reason.message
    ok, ctx = _formula_order(read_notes({"customer_note": "Baby is 8 months old"}, MONDAY))
    assert check_formula_stage(ok, ctx, PARAMS) == []  # type: ignore[arg-type]


def test_a_declared_age_wins_over_the_note() -> None:
    from orderhub.domain.rules.checks import check_formula_stage

    attrs = read_notes({"buyer_message": "宝宝3个月", "baby_age_months": "7"}, MONDAY)
    o, ctx = _formula_order(attrs)
    assert check_formula_stage(o, ctx, PARAMS) == []  # type: ignore[arg-type]
    o, ctx = _formula_order(read_notes({"buyer_message": "宝宝3个月"}, MONDAY))
    off = {**PARAMS, "from_notes": False}
    assert check_formula_stage(o, ctx, off) == []  # type: ignore[arg-type]


def test_an_unread_note_is_named_when_a_declaration_is_required(
        monkeypatch: pytest.MonkeyPatch) -> None:
    from orderhub.domain.rules.checks import check_formula_stage

    def broken(*_: object, **__: object) -> None:
        raise ValueError("bug")

    monkeypatch.setattr(buyer_notes, "find_age", broken)
    o, ctx = _formula_order(read_notes({"buyer_message": "宝宝3个月"}, MONDAY))
    [reason] = check_formula_stage(o, ctx, {**PARAMS, "require_declaration": True})  # type: ignore[arg-type]
    assert "needs the baby's age" in reason.message and "buyer note not read" in reason.message


@pytest.mark.parametrize(("text", "months"), [
    ("宝宝两个多月", 2), ("孩子1岁多", 12), ("宝宝快6个月了", 5), ("宝宝将近两岁", 23),
    ("my baby is almost 6 months old", 5), ("宝宝40多天", 1), ("宝宝十一个月", 11),
])
def test_more_ages(text: str, months: int) -> None:
    found = find_age(text)
    assert found is not None and found[0] == months, (text, found)


@pytest.mark.parametrize("text", ["宝宝11月24日前要", "宝宝生日是3月", "宝宝的预产期5月"])
def test_dates_and_birthdays_are_not_ages(text: str) -> None:
    assert find_age(text) is None


@pytest.mark.parametrize(("text", "kind", "value"), [
    ("宝宝2025年6月出生", "baby_age_months", "18"),  # 2025-06-01 to 2026-12-07
    ("女儿生于2024-03-15，三段", "baby_age_months", "32"),
    ("出生日期：2026/1/20 宝宝", "baby_age_months", "10"),
    ("预产期2027年2月", "baby_age_months", "0"),  # not born yet: a newborn's formula
    ("our baby was born June 2025", "baby_age_months", "18"),
    ("DOB: Mar 15, 2024", "baby_age_months", "32"),
    ("本人今年16岁", "buyer_age_years", "16"),
    ("我17岁，帮爸爸买", "buyer_age_years", "17"),
    ("本人2008年生", "buyer_age_years", "17"),  # a year only: the lower bound
    ("I'm 16, is that ok?", "buyer_age_years", "16"),
    ("I was born in March 2008", "buyer_age_years", "18"),
])
def test_birth_dates_and_the_buyers_own_age(text: str, kind: str, value: str) -> None:
    [fact] = extract([("buyer_message", text, False)], MONDAY).facts
    assert (fact.kind, fact.value) == (kind, value), text


@pytest.mark.parametrize("text", [
    "我3岁的儿子要喝三段", "I'm 3 months behind on this", "2025年6月买过一次", "宝宝的预产期5月",
])
def test_not_a_birth_date_nor_the_buyers_age(text: str) -> None:
    kinds = {f.kind for f in extract([("buyer_message", text, False)], MONDAY).facts}
    assert "buyer_age_years" not in kinds and not (
        "baby_age_months" in kinds and "买" in text), text


def test_age_restricted_reads_the_buyers_own_age_from_the_note() -> None:
    from orderhub.domain.inventory import Sku
    from orderhub.domain.rules.checks import ValidationContext, check_age_restricted
    from tests.factories import order

    ctx = ValidationContext(catalog={"W": Sku("default", "W", "Whisky", Decimal("300"),
                                              attributes={"alcohol": True})})
    minor = order([("W", 1)])
    minor.attributes = read_notes({"buyer_message": "本人今年16岁"}, MONDAY)
    [reason] = check_age_restricted(minor, ctx, {})
    assert reason.code.value == "age_restricted" and "declared 16" in reason.message
    adult = order([("W", 1)])
    adult.attributes = read_notes({"buyer_message": "I'm 25"}, MONDAY)
    assert check_age_restricted(adult, ctx, {}) == []
    declared = order([("W", 1)])  # a declared age (a structured field) wins over the note
    declared.attributes = {**read_notes({"buyer_message": "我16岁"}, MONDAY), "buyer_age": "30"}
    assert check_age_restricted(declared, ctx, {}) == []
