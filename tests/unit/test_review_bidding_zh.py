"""Review of 3PL bidding: the decision view in Chinese says why it fell back in Chinese."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from orderhub.domain.bidding import explain

T0 = datetime(2026, 1, 5, 8, 0, tzinfo=UTC)


@pytest.mark.parametrize("reason", ["no valid bid within the window",
                                    "no provider serves the reserved site",
                                    "the order is cancelled, no longer allocated",
                                    "the order was re-planned at another site"])
def test_fallback_reason_is_chinese(reason: str) -> None:
    offer = {"opened_at": T0, "closes_at": T0 + timedelta(seconds=3), "providers": ["SF"],
             "site": "SH", "currency": "CNY", "reference": {}, "status": "fallback",
             "winner": None, "price": None,
             "decision": {"reason": reason, "missing": ["SF"]}}
    lines = explain(offer, [], zh=True)
    assert not any(word in "".join(lines) for word in reason.split()[:3] if len(word) > 2)
    assert any("回退到路由" in line for line in lines)
