"""Review of branch intake16 (issue 16 intake fixes): defects found, each pinned."""

from __future__ import annotations

from datetime import date

import pytest

from orderhub.adapters.channels.tabular.parse import match_columns
from orderhub.adapters.currency_names import currency_from_text
from orderhub.domain.buyer_notes import extract, find_age, find_self_age


@pytest.mark.parametrize("sign", ["¥", "￥", " ¥ "])
def test_yen_sign_is_not_guessed_as_renminbi(sign: str) -> None:
    # ¥ is the sign of both the yen and the renminbi: a Japanese file's ¥5000 read as
    # CNY 5000 is twenty times its value. It is refused (row and field), not guessed.
    assert currency_from_text(sign) == ""


def test_unambiguous_renminbi_names_still_read() -> None:
    for text in ("CN¥", "RMB¥", "人民币", "RMB", "元"):
        assert currency_from_text(text) == "CNY"
    assert currency_from_text("JP¥") == "JPY"
    assert currency_from_text("円") == "JPY"


def test_sap_net_order_value_is_a_line_value_not_the_order_total() -> None:
    # SAP ME2N's "Net Order Value" (EKPO-NETWR) is the item's value: read as the order
    # total, a PO of several items is refused (its rows disagree on the total)
    header = ["Purchasing Document", "Item", "Material", "Short Text", "Order Quantity",
              "Net Price", "Currency", "Net Order Value"]
    found = match_columns(header, None, 1)
    assert "order_total" not in found.columns
    assert found.columns["sku"] == 2
    assert found.columns["title"] == 3
    assert found.columns["unit_price"] == 5


@pytest.mark.parametrize("note", [
    "请问这款适合3岁以上的孩子吗？",
    "孩子8岁以上能用吗",
    "说明书上写12岁以上使用，送给侄子",
])
def test_product_age_range_in_chinese_is_not_the_buyers_age(note: str) -> None:
    # "3岁以上" in a Chinese note is a product's age range, not the buyer saying their age:
    # read as the buyer's age it holds every order of an age-restricted SKU
    assert find_self_age(note) is None


def test_japanese_buyer_confirming_age_still_read() -> None:
    found = find_self_age("20歳以上です。")
    assert found is not None and found[0] == 20


CLEAN_NOTES = [
    "Please deliver 17 items to the back door, my son will sign.",
    "Bitte vor 18 Uhr liefern, mein Sohn ist zu Hause. 3 Monate Garantie?",
    "Livrer avant le 3 mars svp, mon fils sera là.",
    "Für meine Tochter, gibt es 2 Jahre Gewährleistung?",
    "Merci de livrer au bureau, pour mon fils — 9 mois de garantie svp",
    "Please call before delivery, order 2024-11-30, the kids are home",
    "配送前请电话联系，宝宝在家，谢谢",
    "Ich bin 100% zufrieden, bitte schnell liefern",
    "息子の誕生日プレゼントです。12月24日までに届けてください",
    "For my daughter, 3 months warranty please",
]


@pytest.mark.parametrize("note", CLEAN_NOTES)
def test_clean_notes_give_no_age(note: str) -> None:
    facts = extract([("note", note, False)], date(2026, 12, 7))
    kinds = {f.kind for f in facts.facts}
    assert "baby_age_months" not in kinds, (note, facts)
    assert "buyer_age_years" not in kinds or note.startswith("Ich bin 100"), (note, facts)


def test_warranty_after_a_french_age_unit() -> None:
    assert find_age("pour mon fils, 9 mois de garantie svp") is None
    assert find_age("For my daughter, 3 months warranty please") is None


@pytest.mark.parametrize("note", [
    "Il a 2 semaines de retard, merci de livrer vite",
    "Elle a 3 jours pour répondre au livreur",
    "Er ist 3 Tage nicht da, bitte beim Nachbarn abgeben",
    "Sie ist 2 Wochen im Urlaub, bitte Paket beim Nachbarn",
    "He's 5 days away on business, leave with neighbour",
    "She was 2 weeks late last time, please be quick",
    "Kind regards, 2 months subscription",
])
def test_times_after_a_pronoun_or_kind_regards_are_no_baby_age(note: str) -> None:
    assert find_age(note) is None


@pytest.mark.parametrize("note", ["ich bin 16 Uhr zurück", "Ich bin 15.30 Uhr da",
                                  "j'ai 2 ans d'abonnement"])
def test_times_and_durations_are_not_the_buyers_age(note: str) -> None:
    assert find_self_age(note) is None


@pytest.mark.parametrize("attributes", [
    {"birthday_gift_delivery": "2026-12-01"},
    {"生日蛋糕配送日期": "2026-12-05"},
    {"rebirth_campaign": "2025-01-01"},
])
def test_a_date_about_a_birthday_is_no_date_of_birth(attributes: dict[str, str]) -> None:
    from orderhub.domain.buyer_notes import read_notes

    facts = read_notes(attributes, date(2026, 12, 7))
    assert "note_buyer_age_years" not in facts and "note_baby_age_months" not in facts


@pytest.mark.parametrize("name", ["Geburtsdatum", "Date de naissance", "生年月日",
                                  "Baby birth date", "宝宝出生日期", "buyer_birth_date"])
def test_dates_of_birth_under_any_name_are_personal(name: str) -> None:
    # The branch reads a date of birth from any attribute named like one, but stored and
    # showed in plain all but five exact names
    from orderhub.adapters.db.order_repository import _split_personal
    from orderhub.domain.privacy import PiiView, shape_attributes
    from tests.unit.test_floor_currency import order as make_order

    assert shape_attributes({name: "2010-05-20", "gift_wrap": "yes"},
                            PiiView.NONE) == {"gift_wrap": "yes"}
    order = make_order("CNY", "10")
    order.attributes[name] = "2010-05-20"
    _, _, attributes, secret = _split_personal(order)
    assert name not in attributes and secret["t"][name] == "2010-05-20"


def test_birthday_delivery_dates_stay_plain() -> None:
    from orderhub.domain.privacy import is_personal_attribute

    assert not is_personal_attribute("birthday_gift_delivery")


@pytest.mark.parametrize("address", [
    {"province": "", "city": "Hong Kong",
     "line1": "Flat A, 12/F, 1 Nathan Road, Tsim Sha Tsui, Kowloon"},
    {"province": "HK", "city": "Hong Kong", "line1": "PO Box 1234, General Post Office"},
    {"province": "香港", "city": "香港", "line1": "九龍旺角彌敦道600號, 旺角"},
])
def test_hong_kong_filed_under_the_territory_name_only(address: dict[str, str]) -> None:
    # Only the territory filed as province and city, the area in the street line (or a PO
    # box, which has none): the address is complete
    from orderhub.adapters.world_address import address_problems
    from orderhub.domain.order import Address

    assert address_problems(Address(country="HK", **address)) == {}


def test_hong_kong_with_only_a_street_still_lacks_its_area() -> None:
    from orderhub.adapters.world_address import address_problems
    from orderhub.domain.order import Address

    assert address_problems(Address(country="HK", city="Hong Kong", line1="1 Some Road"))


def test_an_iso_name_two_currencies_share_is_not_guessed() -> None:
    # pycountry names both VES and VED "Bolívar Soberano": the first one listed won
    assert currency_from_text("Bolívar Soberano") == ""
    assert currency_from_text("Swiss Franc") == "CHF"


def test_a_word_that_is_no_currency_is_shown_in_chinese_on_the_console() -> None:
    from orderhub.adapters.channels.tabular.parse import parse_rows
    from orderhub.console.i18n import Translator
    from orderhub.console.pages.imports import row_message

    data = "订单号,SKU,数量,单价,币种\nA1,S1,1,10,￥\n".encode()
    [error] = [e for e in parse_rows(data, fmt="csv").errors if e.field == "currency"]
    shown = row_message(Translator("zh"), error.message)
    assert "不是货币" in shown and "￥" in shown


@pytest.mark.parametrize("note", ["私は3歳の娘がいます", "僕は5歳児の父です",
                                  "I'm 5 minutes away, ring twice", "I'm 2 hours late"])
def test_a_childs_age_or_a_time_after_i_is_not_the_buyers_age(note: str) -> None:
    assert find_self_age(note) is None


def test_japanese_self_age_still_read() -> None:
    found = find_self_age("私は17歳です")
    assert found is not None and found[0] == 17


@pytest.mark.parametrize("note", ["赤ちゃん用、2ヶ月分まとめ買い",
                                  "Für meinen Sohn, 2 Tage Lieferung ok",
                                  "For my son, 2 days shipping please",
                                  "Pour ma fille, 3 jours de livraison max"])
def test_a_supply_or_a_delivery_time_is_no_baby_age(note: str) -> None:
    assert find_age(note) is None


def test_sap_net_price_is_per_its_price_unit() -> None:
    # SAP's Net Price is per "Price Unit" units (PEINH): 250.00 per 100 PC is 2.50 a unit,
    # read as 250.00 a unit the order was a hundred times its value
    from decimal import Decimal

    from orderhub.adapters.channels.tabular.parse import parse_rows

    data = (b"Purchasing Document,Item,Material,Order Quantity,Net Price,Price Unit,Currency\n"
            b"4500000001,10,M-1,200,250.00,100,EUR\n4500000001,20,M-2,3,12.00,1,EUR\n")
    result = parse_rows(data, fmt="csv")
    assert result.errors == []
    lines = result.orders[0][1].lines
    assert [ln.unit_price for ln in lines] == [Decimal("2.5"), Decimal("12.00")]
