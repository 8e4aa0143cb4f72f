"""Review of the issue-16 merges (branch review-16a): the rate used for an order's day."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from orderhub.domain.fx import FxMissing, FxRate, FxSettings, RateTable


def test_a_rate_after_the_day_is_used_whether_or_not_an_older_stale_one_exists() -> None:
    """With no usable rate on or before the order's day, the first one after it within the
    staleness limit is used (fcd0421); an older, stale rate stored as well must not make
    the order wait for a rate it would be judged at without that older one."""
    settings = FxSettings("CNY", 7)
    later = FxRate("USD", date(2026, 12, 5), Decimal("7.2"))
    day = date(2026, 12, 1)
    assert RateTable.of(settings, [later]).rate_for("USD", day) == later
    with_old = RateTable.of(settings, [FxRate("USD", date(2026, 11, 1), Decimal("7.0")), later])
    assert with_old.rate_for("USD", day) == later
    # beyond the limit either way: stale, naming the older rate
    far = RateTable.of(settings, [FxRate("USD", date(2026, 11, 1), Decimal("7.0")),
                                  FxRate("USD", date(2026, 12, 20), Decimal("7.2"))])
    missing = far.rate_for("USD", day)
    assert isinstance(missing, FxMissing) and missing.reason == "stale"
