"""The buyer's tracking page, pure parts (issue 19): link claims and their seal, TTLs, the
buyer's stages (never a hold code), masks, the service-script choice, the rate-limit guard,
and every catalogue key the page builds from a value."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from orderhub.adapters.crypto import link_tokens
from orderhub.adapters.ratelimit import InProcessLimiter
from orderhub.console.i18n import CATALOG
from orderhub.domain.errors import InvalidInput
from orderhub.domain.lifecycle import OrderStatus
from orderhub.domain.order import ShipmentStatus
from orderhub.domain.tracking import CheckpointKind
from orderhub.domain.tracking_page import (
    STAGES,
    LinkClaims,
    ServiceScript,
    buyer_stages,
    buyer_state,
    district_only,
    mask_person,
    mask_phone_middle,
    next_steps,
    parse_ttl,
    pick_scripts,
)
from orderhub.services.tracking.public_guard import GuardLimits, PublicGuard

NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)


def claims(days: int = 30) -> LinkClaims:
    return LinkClaims("ord_01J0000000000000000000000", 1, NOW, NOW + timedelta(days=days))


def test_claims_seal_and_open_only_with_the_tenants_key() -> None:
    key = link_tokens.new_key()
    token = link_tokens.seal(key, "default", 1, claims().pack())
    assert link_tokens.version_of(token) == 1
    assert "ord_" not in token and "default" not in token
    raw = link_tokens.open_token(key, "default", token)
    assert raw is not None and LinkClaims.unpack(raw) == claims()
    assert link_tokens.open_token(key, "acme", token) is None  # another tenant
    assert link_tokens.open_token(link_tokens.new_key(), "default", token) is None
    for i in range(len(token)):  # any character changed
        c = "A" if token[i] != "A" else "B"
        changed = token[:i] + c + token[i + 1:]
        assert link_tokens.open_token(key, "default", changed) is None or \
            link_tokens.open_token(key, "default", changed) == raw  # base64 padding bits
    for junk in ("", "x", "not a token!", "A" * 500, "ðŸ"):
        assert link_tokens.open_token(key, "default", junk) is None


def test_claims_expire() -> None:
    c = claims(days=1)
    assert c.live(NOW) and c.live(NOW + timedelta(hours=23))
    assert not c.live(NOW + timedelta(days=1))
    assert not c.live(NOW - timedelta(hours=1))  # issued in the future: not yet


def test_ttl() -> None:
    assert parse_ttl(None) == timedelta(days=30)
    assert parse_ttl("12h") == timedelta(hours=12)
    assert parse_ttl("2w") == timedelta(days=14)
    assert parse_ttl("7") == timedelta(days=7)
    for bad in ("soon", "0m", "400d", "-1d", "5y"):
        with pytest.raises(InvalidInput):
            parse_ttl(bad)


def test_stages_in_a_buyers_words() -> None:
    assert buyer_state(OrderStatus.ON_HOLD) == "held"
    assert buyer_state(OrderStatus.PACKED) == "allocated"
    assert buyer_state(OrderStatus.PAID) == "delivered"
    st = buyer_stages(OrderStatus.SHIPPED)
    assert [s["key"] for s in st] == list(STAGES)
    assert [s["done"] for s in st] == [True, True, True, False]
    assert [s["current"] for s in st] == [False, False, True, False]
    held = buyer_stages(OrderStatus.ON_HOLD, reached_before_hold=1)
    assert [s["done"] for s in held] == [True, True, False, False]
    assert not any(s["current"] for s in held)


def test_masks() -> None:
    assert mask_phone_middle("13800138000") == "138****8000"
    assert mask_phone_middle("+86 138 0013 8000") == "138****8000"
    assert mask_phone_middle("0215555") == "***5555"
    assert mask_phone_middle("123") == "***"
    assert mask_person("张伟") == "张*"
    assert district_only({"country": "CN", "province": "上海市", "city": "上海市",
                          "district": "浦东新区", "line1": "世纪大道 1 号",
                          "postal_code": "200120"}) == "上海市 浦东新区"


def test_scripts_prefer_the_language_then_the_most_specific() -> None:
    scripts = [ServiceScript("*", "zh", return_policy="七天无理由", contact="400"),
               ServiceScript("category:shoes", "zh", size_guide="鞋码表"),
               ServiceScript("sku:S1", "en", size_guide="EU 42 fits 27 cm"),
               ServiceScript("sku:OTHER", "zh", size_guide="not this one")]
    zh = pick_scripts(scripts, "zh", ["S1"], {"S1": "shoes"})
    assert zh == {"size_guide": "鞋码表", "return_policy": "七天无理由", "contact": "400"}
    en = pick_scripts(scripts, "en", ["S1"], {"S1": "shoes"})
    assert en["size_guide"] == "EU 42 fits 27 cm" and en["return_policy"] == "七天无理由"


def test_guard_counts_failures_and_locks_a_number() -> None:
    clock = [0.0]
    guard = PublicGuard(InProcessLimiter(monotonic=lambda: clock[0]),
                        GuardLimits(requests_per_minute=100, failures_per_hour=3,
                                    phone_tries=2, lock_minutes=10))
    assert guard.admit("1.2.3.4", "t", "N1") is None  # a try of N1 taken
    guard.failed("1.2.3.4", "t", "N1")
    assert guard.admit("5.6.7.8", "t", "N1") is None  # another address, the same number
    guard.failed("5.6.7.8", "t", "N1")
    refused = guard.admit("9.9.9.9", "t", "N1")
    assert refused is not None and refused.retry_after_seconds > 0
    assert guard.admit("9.9.9.9", "t", "N2") is None  # the lock is the number's
    guard.failed("1.2.3.4", "t")
    guard.failed("1.2.3.4", "t")
    assert guard.admit("1.2.3.4", "t") is not None  # three failures from one address
    clock[0] += 3600
    assert guard.admit("1.2.3.4", "t", "N1") is None  # refilled


def test_guard_checks_of_one_number_arriving_together_cannot_pass_the_lock() -> None:
    """Each check is admitted before any of them is judged (concurrent requests, several
    API processes): no more of them may go on than the number has tries."""
    guard = PublicGuard(InProcessLimiter(monotonic=lambda: 0.0),
                        GuardLimits(requests_per_minute=100, failures_per_hour=100,
                                    phone_tries=3, lock_minutes=30))
    admitted = [f"10.0.0.{i}" for i in range(10)
                if guard.admit(f"10.0.0.{i}", "t", "N1") is None]
    for ip in admitted:  # then every one of them turns out wrong
        guard.failed(ip, "t", "N1")
    assert len(admitted) == 3
    assert guard.take_try("t", "N1") is not None


def test_every_key_the_page_builds_is_in_the_catalogue() -> None:
    keys = {f"track.stage.{s}" for s in STAGES}
    states = ("created", "allocated", "partially_shipped", "shipped", "delivered", "held",
              "cancelled")
    keys |= {f"track.state.{s}" for s in states}
    keys |= {f"track.step.{step}" for s in states for step in next_steps(s)}
    keys |= {f"track.ship.{s.value}" for s in ShipmentStatus}
    keys |= {f"track.cp.{k.value}" for k in CheckpointKind}
    assert sorted(keys - set(CATALOG)) == []
    assert all(buyer_state(s) in states for s in OrderStatus)
