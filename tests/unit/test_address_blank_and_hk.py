"""Address completeness (issue 16, class 4): a blank street, or one that only repeats the
divisions, is a missing street for every channel; Hong Kong addresses are judged however
their divisions are filed, in Chinese or English: the territory's own name as a province,
an area (九龍, Kowloon), one of the 18 districts (油尖旺區, Kwun Tong District) or a
neighbourhood; no postcode."""

from __future__ import annotations

import pytest

from orderhub.adapters.world_address import address_problems, hk_district_area
from orderhub.domain.address import street_beyond_divisions
from orderhub.domain.order import Address, Customer, HoldCode, Order, OrderType
from orderhub.domain.regions import recognise_region
from orderhub.domain.rules.checks import ValidationContext, check_address_complete
from orderhub.services.intake.address_enrichment import canonical_province


def _order(a: Address) -> Order:
    from datetime import UTC, datetime
    from decimal import Decimal

    from orderhub.domain.order import OrderLine

    now = datetime(2027, 1, 5, 2, tzinfo=UTC)
    return Order.create(tenant_id="t", channel="c", external_id="A1",
                        order_type=OrderType.B2C, currency="CNY",
                        lines=[OrderLine(1, "S", 1, Decimal("10"))], customer=Customer(),
                        address=a, now=now)


def _holds(a: Address) -> list[str]:
    ctx = ValidationContext(catalog={}, address_problems=address_problems)
    reasons = check_address_complete(_order(a), ctx, {})
    assert all(r.code == HoldCode.ADDRESS_INCOMPLETE for r in reasons)
    return [m for r in reasons for m in (r.details or {}).get("missing", [])]


@pytest.mark.parametrize("line1", ["", "   ", "\u3000", "湖北省武汉市洪山区", "湖北武汉洪山",
                                   "湖北省 武汉市 洪山区，", "洪山区"])
def test_a_street_that_is_blank_or_only_the_divisions_is_missing(line1: str) -> None:
    a = Address(country="CN", province="湖北省", city="武汉市", district="洪山区", line1=line1)
    assert _holds(a) == ["line1"]


@pytest.mark.parametrize("line1", ["珞喻路1037号", "湖北省武汉市洪山区珞喻路1037号",
                                   "洪山区 珞喻路1037号"])
def test_a_street_beyond_the_divisions_is_complete(line1: str) -> None:
    a = Address(country="CN", province="湖北省", city="武汉市", district="洪山区", line1=line1)
    assert _holds(a) == []


def test_blank_divisions_are_missing_too() -> None:
    a = Address(country="CN", province=" ", city="武汉市", district="洪山区", line1="珞喻路1号")
    assert _holds(a) == ["province"]


def test_street_beyond_divisions() -> None:
    divisions = ("内蒙古自治区", "呼和浩特市", "新城区")
    assert street_beyond_divisions("内蒙古呼和浩特新城区", divisions) == ""
    assert street_beyond_divisions("内蒙古自治区呼和浩特市新城区中山东路8号",
                                   divisions) == "中山东路8号"


def test_pinduoduo_street_empty_after_the_divisions_is_held() -> None:
    """A Pinduoduo order whose `receiver_address` holds only 省市区 (its street empty)."""
    import orjson

    from orderhub.adapters.channels.registry import get_adapter

    body = {"order_info_get_response": {"order_info": {
        "order_sn": "270105-1", "order_status": 1, "confirm_status": 1, "refund_status": 1,
        "created_time": "2027-01-05 10:00:00", "updated_at": "2027-01-05 10:00:01",
        "goods_amount": "20.00", "discount_amount": "0", "postage": "0", "pay_amount": "20.00",
        "receiver_name": "钱多多", "receiver_phone": "13700001111",
        "receiver_address": "湖南省长沙市岳麓区", "address": "",
        "country": "中国", "province": "湖南省", "city": "长沙市", "town": "岳麓区",
        "item_list": [{"goods_id": 1, "goods_name": "x", "goods_count": 1,
                       "goods_price": "20.00", "sku_id": 2, "outer_id": "S"}]}}}
    order = get_adapter("pdd").parse(orjson.dumps(body))
    assert _holds(order.shipping_address) == ["line1"]


def _hk(province: str, city: str, district: str = "",
        line1: str = "1 Nathan Road") -> dict[str, str]:
    a = canonical_province(recognise_region(Address(
        country="HK", province=province, city=city, district=district, line1=line1)))
    return address_problems(a)


@pytest.mark.parametrize(("province", "city", "district"), [
    ("香港", "九龍", ""),             # Shopify: the territory as province, the area as city
    ("香港", "九龙城区", ""),          # a district (simplified) as the city
    ("香港特別行政區", "", "油尖旺區"),  # the district in the district field
    ("九龍", "油尖旺區", ""),
    ("Hong Kong", "Kwun Tong District", ""),
    ("", "Kowloon", ""),
    ("KOWLOON", "Tsim Sha Tsui", ""),
    ("新界", "沙田", "沙田區"),
])
def test_complete_hong_kong_addresses_pass(province: str, city: str, district: str) -> None:
    assert _hk(province, city, district) == {}


def test_a_hong_kong_address_without_an_area_or_street_is_incomplete() -> None:
    assert _hk("香港", "") == {"province": "required"}
    assert _hk("Hong Kong", "") == {"province": "required"}
    assert _hk("香港", "九龍", line1=" ") == {"line1": "required"}


def test_hk_districts() -> None:
    assert hk_district_area("油尖旺") == "Kowloon"
    assert hk_district_area("中西區") == "Hong Kong Island"
    assert hk_district_area("离岛区") == "New Territories"
    assert hk_district_area("旺角") == ""  # a neighbourhood, not a district


@pytest.mark.parametrize(("country", "city", "postal_code"), [
    ("KR", "Daegu", "41911"),            # a metropolitan city is a province
    ("KR", "인천광역시", "21999"),
    ("JP", "Kyoto-shi Nakagyo-ku", "604-8571"),  # a city named after its prefecture
    ("JP", "京都市中京区", "604-8571"),
])
def test_an_area_written_as_the_city_is_written(country: str, city: str,
                                                 postal_code: str) -> None:
    a = Address(country=country, city=city, postal_code=postal_code, line1="1-2-3 Main")
    assert address_problems(a) == {}


@pytest.mark.parametrize(("country", "city", "postal_code"), [
    ("KR", "Daegu", "04524"),           # a Seoul postcode: the city does not say the area
    ("JP", "Kobe-shi", "650-0001"),     # Kobe is in Hyogo: the prefecture is not written
    ("US", "New York", "10001"),        # US states are always written as their code
])
def test_an_area_the_city_does_not_name_is_still_missing(country: str, city: str,
                                                          postal_code: str) -> None:
    a = Address(country=country, city=city, postal_code=postal_code, line1="1 Main")
    assert address_problems(a).get("province") == "required"
