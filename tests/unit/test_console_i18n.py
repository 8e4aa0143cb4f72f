"""The console's catalogue: both languages for every key, every key the templates and
pages use exists, every order status and hold reason has a label, and the language is
chosen from the cookie, then Accept-Language."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from orderhub.console.i18n import CATALOG, Translator, negotiate
from orderhub.domain.lifecycle import OrderStatus
from orderhub.domain.order import HoldCode

CONSOLE = Path(__file__).resolve().parents[2] / "src" / "orderhub" / "console"
# t("key") / t('key') in templates and pages, and "key" given to a message macro.
USED = re.compile(r"""\bt\(\s*["']([a-z_]+\.[a-z_.]+)["']""")
MACRO_KEYS = re.compile(r"""["']((?:signin|error|field|orders|order|dash|common|nav|me)"""
                        r"""\.[a-z_]+)["']""")


def test_every_message_has_english_and_chinese() -> None:
    for key, (en, zh) in CATALOG.items():
        assert en.strip() and zh.strip(), key
        assert re.findall(r"{(\w+)}", en) == re.findall(r"{(\w+)}", zh), key


def test_every_key_used_exists() -> None:
    used: set[str] = set()
    for path in [*CONSOLE.rglob("*.html"), *CONSOLE.rglob("*.py")]:
        text = path.read_text()
        used |= set(USED.findall(text)) | set(MACRO_KEYS.findall(text))
    assert used, "the pattern found nothing"
    assert sorted(used - set(CATALOG)) == []


def test_statuses_and_hold_reasons_are_translated() -> None:
    zh = Translator("zh")
    assert all(f"status.{s.value}" in CATALOG for s in OrderStatus)
    assert all(f"hold.{c.value}" in CATALOG for c in HoldCode)
    assert zh.status("on_hold") == "挂起"
    assert zh.hold("unmapped_sku") == "SKU 未映射"


@pytest.mark.parametrize(("cookie", "header", "lang"), [
    (None, None, "en"), (None, "zh-CN,zh;q=0.9,en;q=0.8", "zh"), (None, "en-GB,zh;q=0.5", "en"),
    (None, "fr, zh;q=0.4", "zh"), ("en", "zh-CN", "en"), ("xx", "zh-TW", "zh"),
    (None, "zh;q=0, en;q=0.1", "en")])
def test_language_negotiation(cookie: str | None, header: str | None, lang: str) -> None:
    assert negotiate(cookie, header) == lang


def test_a_missing_key_is_an_error() -> None:
    with pytest.raises(KeyError):
        Translator("en")("no.such.key")


def test_event_labels_name_real_events() -> None:
    from orderhub.domain import events

    named = {k.split(".", 1)[1] for k in CATALOG if k.startswith("event.")}
    assert named and sorted(n for n in named if not hasattr(events, n)) == []
    assert Translator("zh").event("OrderHeld") == "订单挂起"
    assert Translator("en").event("SomethingNew") == "SomethingNew"
