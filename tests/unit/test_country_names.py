"""Country names as exports write them (adapters/country_names.py): ISO names in either
order, official names, alpha-3 codes and translations; nothing is guessed."""

from __future__ import annotations

import pytest

from orderhub.adapters.country_names import country_from_name


@pytest.mark.parametrize(("text", "code"), [
    ("Korea, Republic of", "KR"), ("Republic of Korea", "KR"), ("KOR", "KR"), ("大韩民国", "KR"),
    ("韩国", "KR"), ("Deutschland", "DE"), ("United Kingdom", "GB"), ("Viet Nam", "VN"),
    ("越南", "VN"), ("The Netherlands", "NL"), ("荷兰", "NL"), ("日本", "JP"),
    ("United States of America", "US"), ("中国台湾", "TW"), ("澳門", "MO"), ("Türkiye", "TR"),
    ("Allemagne", "DE"), ("Korea, Democratic People's Republic of", "KP"),
    ("Commonwealth of Australia", "AU"), ("Kingdom of Spain", "ES"),
    ("Democratic People's Republic of Korea", "KP"), ("Kingdom of the Netherlands", "NL"),
])
def test_names_in_many_forms(text: str, code: str) -> None:
    assert country_from_name(text) == code


@pytest.mark.parametrize("text", ["Narnia", "", "   ", "Korea Republic Democratic",
                                  "Republic of Narnia"])
def test_unknown_names_are_not_guessed(text: str) -> None:
    assert country_from_name(text) == ""


def test_a_purchase_order_file_may_name_its_country() -> None:
    from orderhub.adapters.channels.tabular.parse import parse_rows

    csv = ("order_id,sku,quantity,unit_price,currency,country,city,address,name,phone\n"
           "PO-1,A,2,10.00,USD,\"Korea, Republic of\",Seoul,1 Sejong-daero,Kim,+82 10 2345 6789\n"
           "PO-2,A,1,10.00,USD,Deutschland,Berlin,Unter den Linden 1,Max,+49 30 1234567\n")
    result = parse_rows(csv.encode(), fmt="csv")
    assert result.errors == []
    assert [o.shipping_address.country for _, o in result.orders] == ["KR", "DE"]
