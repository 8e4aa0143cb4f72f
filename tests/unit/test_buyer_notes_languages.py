"""The buyer-notes extractor in more phrasings and languages (issue 16, class 6): French,
German and Japanese ages next to a child word, "he's"/"turned" for months, Chinese
numerals; the buyer's own age in French, German, Japanese, "turning 17" and "my own 17th
birthday" (not yet 17); dates of birth in structured attributes (WooCommerce checkout-field
meta, Shopify cart attributes): the buyer's, or the baby's when the name says so."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest

from orderhub.domain.buyer_notes import date_value, find_age, find_self_age, read_notes

DAY = date(2027, 3, 15)


@pytest.mark.parametrize(("text", "months"), [
    ("Notre fille a 7 mois", 7),
    ("mon fils a 1 an et 2 mois", 14),
    ("bébé de 3 semaines", 0),
    ("Unsere Tochter ist 11 Monate alt", 11),
    ("mein Sohn ist 2 Jahre alt", 24),
    ("das Kind ist 4 Monate", 4),
    ("娘は6ヶ月です", 6),
    ("息子は1歳2か月", 14),
    ("子供が8カ月", 8),
    ("宝宝七个月了", 7),
    ("孩子两岁", 24),
    ("儿子十一个月大", 11),
    ("She's 5 months", 5),
    ("he turned 10 months yesterday", 10),
])
def test_ages_in_more_languages(text: str, months: int) -> None:
    found = find_age(text)
    assert found is not None, text
    assert found[0] == months


@pytest.mark.parametrize("text", [
    "il y a 3 mois mon fils a commandé",   # 3 months ago
    "vor 2 Monaten hat mein Sohn",          # 2 months ago
    "my daughter starts school in 2 weeks",
    "Kind regards, ship within 3 weeks",
    "garantie 6 mois",
    "she is 30",
])
def test_times_that_are_not_ages(text: str) -> None:
    assert find_age(text) is None


@pytest.mark.parametrize(("text", "years"), [
    ("j'ai 16 ans, c'est pour une fête", 16),
    ("ich bin 17 Jahre alt", 17),
    ("私は18歳です", 18),
    ("20歳以上です", 20),
    ("I'm turning 18 next month", 17),
    ("it's for my own 21st birthday", 20),
    ("for my 16th birthday party", 15),
    ("本人今年十七岁", 17),
])
def test_the_buyers_own_age(text: str, years: int) -> None:
    found = find_self_age(text)
    assert found is not None, text
    assert found[0] == years


@pytest.mark.parametrize("text", ["for my son's 1st birthday", "my daughter is turning 2",
                                  "happy 18th birthday to my nephew"])
def test_someone_elses_birthday_is_not_the_buyers_age(text: str) -> None:
    assert find_self_age(text) is None


@pytest.mark.parametrize(("written", "day"), [
    ("2010-05-20", date(2010, 5, 20)), ("2010/5/20", date(2010, 5, 20)),
    ("2010年5月20日", date(2010, 5, 20)), ("20.05.2010", date(2010, 5, 20)),
    ("20100520", date(2010, 5, 20)), ("2010-05-20T00:00:00", date(2010, 5, 20)),
])
def test_dates_of_birth_as_forms_write_them(written: str, day: date) -> None:
    assert date_value(written) == day


@pytest.mark.parametrize(("attributes", "fact", "value"), [
    ({"buyer_birth_date": "2010-05-20"}, "note_buyer_age_years", "16"),
    ({"date_of_birth": "1990-01-02"}, "note_buyer_age_years", "37"),
    ({"Geburtsdatum": "16.03.2009"}, "note_buyer_age_years", "17"),
    ({"Date de naissance": "2009-03-15"}, "note_buyer_age_years", "18"),
    ({"生年月日": "2010年1月1日"}, "note_buyer_age_years", "17"),
    ({"Baby birth date": "2026-09-01"}, "note_baby_age_months", "6"),
    ({"宝宝出生日期": "2026-12-20"}, "note_baby_age_months", "2"),
])
def test_structured_dates_of_birth(attributes: dict[str, str], fact: str, value: str) -> None:
    facts = read_notes(attributes, DAY)
    assert facts[fact] == value
    assert facts[f"{fact}_span"].endswith(next(iter(attributes.values())))


def test_a_note_wins_over_a_date_of_birth_and_garbage_is_ignored() -> None:
    facts = read_notes({"note": "本人今年19岁", "dob": "2012-01-01"}, DAY)
    assert facts["note_buyer_age_years"] == "19"
    assert "note_buyer_age_years" not in read_notes({"dob": "n/a"}, DAY)
    assert "note_buyer_age_years" not in read_notes({"dob": "2030-01-01"}, DAY)


FIXTURES = Path(__file__).parents[1] / "fixtures" / "channels"


@pytest.mark.parametrize("key", ["_billing_birthdate", "billing_birth_date", "date_of_birth",
                                 "dob"])
def test_woocommerce_checkout_birthdate_meta_is_the_buyers_age(key: str) -> None:
    from orderhub.adapters.channels.registry import get_adapter

    data = json.loads((FIXTURES / "woocommerce_order_cny.json").read_text(encoding="utf-8"))
    data["meta_data"] = [*data.get("meta_data", []),
                         {"id": 99001, "key": key, "value": "2010-04-01"}]
    order = get_adapter("woocommerce").parse(json.dumps(data).encode())
    assert order.attributes["buyer_birth_date"] == "2010-04-01"
    assert read_notes(order.attributes, DAY)["note_buyer_age_years"] == "16"


def test_dates_of_birth_are_personal() -> None:
    from orderhub.domain.privacy import FREE_TEXT_ATTRIBUTES

    assert {"buyer_birth_date", "date_of_birth", "dob"} <= FREE_TEXT_ATTRIBUTES


@pytest.mark.parametrize(("text", "months"), [
    ("孩子出生才两周", 0), ("宝宝出生了45天", 1), ("宝宝出生5个月", 5), ("女儿刚出生10天", 0),
])
def test_time_since_birth_is_an_age(text: str, months: int) -> None:
    found = find_age(text)
    assert found is not None and found[0] == months


@pytest.mark.parametrize("text", ["宝宝生日是5月", "宝宝出生于4月", "出生日期6月8日"])
def test_a_birth_month_is_not_an_age(text: str) -> None:
    assert find_age(text) is None
