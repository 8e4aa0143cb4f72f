"""The chat-app port: what every app's adapter does, and the values it works with.

An adapter is pure apart from the clock it is given: it turns a `Card` into the HTTP
request the app's documented webhook takes (`outbound`), reads the app's documented card
callback (`read`: signature and freshness checked first, then the action), and writes the
answer the app shows the person who clicked (`reply`). Sending is the sender's work
(`adapters/chat/sender.py`), deciding is the desk's.

Errors never carry a secret or a signature: `CallbackRefused` says which check failed
("signature does not match", "timestamp outside the window"), nothing more.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

APPROVE = "approve"
REJECT = "reject"
ACTIONS = (APPROVE, REJECT)


@dataclass(frozen=True, slots=True)
class Button:
    action: str  # approve | reject
    label: str
    label_zh: str
    value: str  # "<card id>:<action>", what the callback carries back


@dataclass(frozen=True, slots=True)
class Card:
    """One card: a title, labelled facts and, for an approval, its buttons. Both languages
    are shown (the people on a group chat read either)."""

    id: str
    kind: str  # approval | alert | info
    title: str
    title_zh: str
    facts: tuple[tuple[str, str], ...] = ()
    buttons: tuple[Button, ...] = ()
    link: str = ""  # the console page of the case


@dataclass(frozen=True, slots=True)
class Secrets:
    """A channel's secrets (stored encrypted; only in memory while used).

    webhook_url: the app's incoming webhook (DingTalk `robot/send?access_token=`, WeCom
    `webhook/send?key=`, Slack `hooks.slack.com/services/...`); signing_secret: DingTalk's
    robot secret (`SEC...`) for the `sign` query; callback_secret: DingTalk's app secret,
    Slack's signing secret, WeCom's callback Token; aes_key: WeCom's EncodingAESKey (43
    characters); receive_id: WeCom's corp id (the decrypted payload ends with it)."""

    webhook_url: str
    signing_secret: str = ""
    callback_secret: str = ""
    aes_key: str = ""
    receive_id: str = ""

    def as_dict(self) -> dict[str, str]:
        return {"webhook_url": self.webhook_url, "signing_secret": self.signing_secret,
                "callback_secret": self.callback_secret, "aes_key": self.aes_key,
                "receive_id": self.receive_id}

    @classmethod
    def from_dict(cls, d: Mapping[str, str]) -> Secrets:
        return cls(**{k: str(d.get(k, "")) for k in
                      ("webhook_url", "signing_secret", "callback_secret", "aes_key",
                       "receive_id")})


@dataclass(frozen=True, slots=True)
class Outbound:
    url: str
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class CallbackRequest:
    """What arrived: lower-cased header names, the query string, the raw body."""

    headers: Mapping[str, str]
    query: Mapping[str, str]
    body: bytes


@dataclass(frozen=True, slots=True)
class CardAction:
    """A person clicked a button: who (the app's user id), which card and what."""

    user_id: str
    card_id: str
    action: str  # approve | reject
    reason: str = ""
    reply_to: dict[str, str] = field(default_factory=dict)  # what `reply` needs back
    # what made the request the app's (its signature): one request is decided once
    replay_key: str = ""


@dataclass(frozen=True, slots=True)
class Reply:
    status: int
    content_type: str
    body: bytes


class CallbackRefused(Exception):
    """The callback is not the app's (signature) or not fresh: answered 401, logged."""


class BadCallback(Exception):
    """Signed, but not a card action this hub understands: answered 400."""


class ChatAdapter(Protocol):
    name: str

    def outbound(self, card: Card, secrets: Secrets, now: datetime) -> Outbound: ...

    def read(self, request: CallbackRequest, secrets: Secrets, now: datetime) -> CardAction:
        ...

    def reply(self, action: CardAction, text: str, secrets: Secrets, now: datetime) -> Reply:
        ...

    def accepted(self, status: int, body: bytes) -> tuple[bool, bool]:
        """(taken, worth retrying) for the app's answer to `outbound`."""
        ...


def split_value(value: str) -> tuple[str, str]:
    """A button's value back to (card id, action); BadCallback when it is not ours."""
    card_id, _, action = value.rpartition(":")
    if not card_id or action not in ACTIONS:
        raise BadCallback(f"the action value '{value[:80]}' is not a card action of the hub")
    return card_id, action


def fresh(ts: float, now: datetime, window_seconds: float) -> None:
    if abs(now.timestamp() - ts) > window_seconds:
        raise CallbackRefused("timestamp outside the replay window")


def lines(card: Card) -> list[str]:
    return [f"{k}: {v}" for k, v in card.facts]


def http_outcome(status: int) -> tuple[bool, bool]:
    if 200 <= status < 300:
        return True, False
    return False, status in (408, 425, 429) or status >= 500
