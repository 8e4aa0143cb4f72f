"""The fast path for mainland mobile numbers agrees with a full libphonenumber parse."""

from __future__ import annotations

import random

from orderhub.adapters.phone import _is_valid_phone, is_valid_phone


def test_block_verdict_matches_full_parse() -> None:
    rng = random.Random(3)
    numbers = ["1" + f"{rng.randint(0, 9_999_999_999):010d}" for _ in range(5000)]
    assert [is_valid_phone(n, "CN") for n in numbers] == [_is_valid_phone(n, "CN")
                                                          for n in numbers]


def test_formats_and_other_countries() -> None:
    assert is_valid_phone("13800138000", "CN")
    assert is_valid_phone("+86 138-0013-8000", "CN")
    assert not is_valid_phone("12345", "CN")
    assert not is_valid_phone("10000000000", "CN")
    assert is_valid_phone("+1 650 253 0000", "US")
    assert not is_valid_phone("not a number", "US")
