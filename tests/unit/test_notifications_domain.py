"""Customer notifications, pure parts: quiet hours across midnight and time zones, the
template lookup order, placeholders checked when saved (and what the sandbox refuses),
back-off."""

from __future__ import annotations

from datetime import UTC, datetime, time

import pytest

from orderhub.adapters.notify import templating
from orderhub.domain import notifications as n
from orderhub.domain.errors import InvalidInput


def settings(quiet: str, tz: str = "Asia/Shanghai") -> n.NotificationSettings:
    start, end = n.parse_quiet_hours(quiet)
    return n.NotificationSettings("t", quiet_start=start, quiet_end=end, timezone=tz)


def test_quiet_hours_across_midnight_in_the_tenants_zone() -> None:
    s = settings("22:00-08:00")
    # 23:30 Shanghai (15:30 UTC): until 08:00 the next morning (00:00 UTC)
    assert n.quiet_until(datetime(2026, 11, 24, 15, 30, tzinfo=UTC), s) == \
        datetime(2026, 11, 25, 0, 0, tzinfo=UTC)
    # 03:00 Shanghai (19:00 UTC the day before): until 08:00 the same local morning
    assert n.quiet_until(datetime(2026, 11, 24, 19, 0, tzinfo=UTC), s) == \
        datetime(2026, 11, 25, 0, 0, tzinfo=UTC)
    assert n.quiet_until(datetime(2026, 11, 24, 4, 0, tzinfo=UTC), s) is None  # 12:00
    assert n.quiet_until(datetime(2026, 11, 24, 0, 0, tzinfo=UTC), s) is None  # 08:00 sharp


def test_quiet_hours_within_a_day_and_with_daylight_saving() -> None:
    s = settings("12:00-14:00", "Europe/Berlin")
    # 26 Oct 2025, the clocks go back: 12:30 CET is 11:30 UTC
    assert n.quiet_until(datetime(2025, 10, 26, 11, 30, tzinfo=UTC), s) == \
        datetime(2025, 10, 26, 13, 0, tzinfo=UTC)
    assert n.quiet_until(datetime(2025, 10, 26, 14, 0, tzinfo=UTC), s) is None


@pytest.mark.parametrize("text", ["22-08", "25:00-08:00", "22:00-22:00", "22:61-08:00"])
def test_bad_quiet_hours_are_refused(text: str) -> None:
    with pytest.raises(InvalidInput) as caught:
        n.parse_quiet_hours(text)
    assert caught.value.errors[0].loc == "quiet_hours"


def test_no_quiet_hours() -> None:
    assert n.parse_quiet_hours("off") == (None, None)
    assert n.quiet_until(datetime(2026, 1, 1, tzinfo=UTC), n.NotificationSettings("t")) is None
    assert n.parse_quiet_hours("7:05-9:00") == (time(7, 5), time(9, 0))


def test_lookup_prefers_the_tenant_the_channel_and_the_medium() -> None:
    keys = n.candidates("OrderCreated", "tmall", "zh", "sms")
    assert keys == [n.TemplateKey("OrderCreated", "tmall", "zh", "sms"),
                    n.TemplateKey("OrderCreated", "tmall", "zh", "*"),
                    n.TemplateKey("OrderCreated", "default", "zh", "sms"),
                    n.TemplateKey("OrderCreated", "default", "zh", "*")]
    assert n.choose(keys, {}) is n.DEFAULTS[n.TemplateKey("OrderCreated")]
    mine = n.Template(n.TemplateKey("OrderCreated", "default", "zh", "sms"), "mine")
    assert n.choose(keys, {mine.key: mine}) is mine
    tmall = n.Template(n.TemplateKey("OrderCreated", "tmall", "zh", "*"), "tmall")
    assert n.choose(keys, {mine.key: mine, tmall.key: tmall}) is tmall
    assert n.choose(n.candidates("OrderValidated", "web", "zh", "sms"), {}) is None


def test_the_catalogue_is_open_to_event_names_and_checkpoints_are_qualified() -> None:
    assert {"ReturnReceived", "RefundRequested", "RefundCompleted"} <= set(n.DEFAULT_EVENTS)
    assert "ShipmentCheckpointRecorded" in n.CONSUMED_TYPES
    assert n.topic("ShipmentCheckpointRecorded", {"checkpoint": "out_for_delivery"}) == \
        "ShipmentCheckpointRecorded.out_for_delivery"
    assert n.check_key("SomethingNew", "default", "en", "*").event == "SomethingNew"
    with pytest.raises(InvalidInput):
        n.check_key("not an event", "default", "fr", "fax")
    for t in n.DEFAULTS.values():  # every shipped template passes the save-time check
        templating.validate(t.subject, t.body)
    assert all(n.DEFAULTS[n.TemplateKey(e, language=lang)]
               for e in n.DEFAULT_EVENTS for lang in n.LANGUAGES)


def test_placeholders_are_checked_when_saved_and_the_sandbox_holds() -> None:
    with pytest.raises(InvalidInput) as caught:
        templating.validate("", "{{ waybil }} {{ carrier }}")
    assert "unknown placeholder(s) waybil" in caught.value.errors[0].message
    with pytest.raises(InvalidInput) as caught:
        templating.validate("", "{{ waybill.__class__.__mro__ }}")
    assert "cannot be rendered" in caught.value.errors[0].message
    with pytest.raises(InvalidInput):
        templating.validate("", "{% for %}")
    assert templating.render("{% if waybill %}运单 {{ waybill }}{% endif %}",
                             {"waybill": "SF1"}) == "运单 SF1"


def test_backoff_doubles_up_to_the_cap() -> None:
    assert [n.backoff_seconds(a, 5, 60) for a in range(1, 6)] == [5, 10, 20, 40, 60]
