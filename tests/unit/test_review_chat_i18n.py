"""Review of the chat CLI's Chinese: every field message the chat set-up can answer with
is translated (the catch-all pattern passed the English text through)."""

from __future__ import annotations

import re

import pytest

from orderhub.cli.i18n import t
from orderhub.domain.chat import check_channel, check_identity

_HAN = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(autouse=True)
def _zh(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ORDERHUB_LANG", "zh")


def test_every_chat_field_message_is_translated() -> None:
    errors = check_channel("teams", " ", ["gossip"], "http://x", "", "short", "")
    errors += check_channel("wecom", "x", [], "https://x.example", "s", "short", "")
    errors += check_identity("slack", "bad id!")
    assert {e.loc for e in errors} >= {"app", "name", "subjects", "webhook_url",
                                         "callback_secret", "aes_key", "receive_id",
                                         "chat_user_id"}
    for e in errors:
        zh = t(f"{e.loc}: {e.message}")
        # the message itself, not only the field's name, is in Chinese
        assert _HAN.search(zh.split("：", 1)[-1]), zh
