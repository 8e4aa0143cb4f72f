"""Masking by role (domain/privacy.py, the one place) and the blind index's normalisation."""

from __future__ import annotations

from typing import Any

import pytest

from orderhub.adapters.crypto import normalise_email, normalise_phone
from orderhub.domain.privacy import PiiView, mask_email, mask_name, mask_phone, shape_order


def order(status: str = "allocated") -> dict[str, Any]:
    return {
        "id": "ord_1", "status": status,
        "customer": {"ref": "c-9", "name": "李雷", "email": "li.lei@example.com",
                     "phone": "13800138000", "tier": "gold"},
        "shipping_address": {"country": "CN", "province": "上海市", "city": "上海市",
                             "district": "浦东新区", "line1": "世纪大道 1 号", "name": "李雷",
                             "phone": "+86 138-0013-8000", "postal_code": "200120",
                             "lat": 31.2, "lon": 121.5},
        "attributes": {"buyer_message": "放门口", "gift_wrap": "true"},
        "totals": {"grand_total": "10.00"},
    }


def test_full_is_as_stored() -> None:
    assert shape_order(order(), PiiView.FULL) == order()


def test_masked_before_release_hides_the_street_and_masks_the_rest() -> None:
    o = shape_order(order("allocated"), PiiView.MASKED)
    assert o["customer"] == {"name": "李*", "email": "l***@example.com",
                             "phone": "*******8000", "tier": "gold"}
    assert o["shipping_address"] == {"country": "CN", "province": "上海市", "city": "上海市",
                                     "district": "浦东新区", "name": "李*",
                                     "phone": "*********8000", "postal_code": "200120"}
    assert o["attributes"] == {"gift_wrap": "true"}
    assert o["totals"] == {"grand_total": "10.00"}


@pytest.mark.parametrize("status", ["released", "picked", "shipped", "delivered", "paid"])
def test_masked_once_released_shows_the_street(status: str) -> None:
    a = shape_order(order(status), PiiView.MASKED)["shipping_address"]
    assert (a["line1"], a["name"], a["phone"]) == ("世纪大道 1 号", "李*", "*********8000")


@pytest.mark.parametrize("status", ["on_hold", "reserved", "cancelled", "created"])
def test_masked_before_release_never_shows_the_street(status: str) -> None:
    a = shape_order(order(status), PiiView.MASKED)["shipping_address"]
    assert "line1" not in a and "lat" not in a


def test_none_leaves_no_personal_field_at_all() -> None:
    o = shape_order(order("shipped"), PiiView.NONE)
    assert o["customer"] == {"tier": "gold"}
    assert o["shipping_address"] == {"country": "CN", "province": "上海市", "city": "上海市"}
    assert o["attributes"] == {"gift_wrap": "true"}
    text = repr(o)
    for personal in ("李", "8000", "example.com", "世纪大道", "放门口", "c-9"):
        assert personal not in text


def test_maskers() -> None:
    assert mask_phone("138 0013 8000") == "*******8000"
    assert mask_phone("123") == "***"
    assert mask_name(" Ada ") == "A*" and mask_name("") == ""
    assert mask_email("x@y.org") == "x***@y.org" and mask_email("nomail") == "n*"


@pytest.mark.parametrize("raw", ["13800138000", "+86 138-0013-8000", "0086 13800138000",
                                 "+8613800138000"])
def test_phone_forms_normalise_alike(raw: str) -> None:
    assert normalise_phone(raw) == "8613800138000"


def test_masked_or_empty_phones_and_emails_have_no_index() -> None:
    assert normalise_phone("138****8000") is None and normalise_phone(" ") is None
    assert normalise_phone("+1 (415) 555-0100") == "14155550100"
    assert normalise_email(" Li.Lei@Example.COM ") == "li.lei@example.com"
    assert normalise_email("") is None
