"""Cards to the chat apps over HTTP, behind the notification dispatcher's sender port
(`adapters/notify/senders.Sender`): the dispatcher leases, retries with back-off and
dead-letters cards exactly as it does customer messages.

The dispatcher hands an `Outgoing` whose `to` is the channel's secrets (JSON, opened by the
repository's claim, in memory only) and whose `body` is the stored card (JSON). Errors name
the HTTP status or the app's error code, never the webhook URL (it holds the access token).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

import httpx
import orjson

from orderhub.adapters.chat.base import Button, Card, ChatAdapter, Secrets
from orderhub.adapters.notify.senders import Outgoing, SendFailed
from orderhub.adapters.webhooks import targets


def card_to_json(card: Card) -> str:
    return orjson.dumps({"id": card.id, "kind": card.kind, "title": card.title,
                         "title_zh": card.title_zh, "facts": [list(f) for f in card.facts],
                         "buttons": [[b.action, b.label, b.label_zh, b.value]
                                     for b in card.buttons], "link": card.link}).decode()


def card_from_json(text: str) -> Card:
    d = orjson.loads(text)
    return Card(d["id"], d["kind"], d["title"], d["title_zh"],
                tuple((str(k), str(v)) for k, v in d["facts"]),
                tuple(Button(*b) for b in d["buttons"]), d.get("link", ""))


class ChatSender:
    def __init__(self, adapter: ChatAdapter, *, timeout: float = 10.0,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC),
                 transport: httpx.BaseTransport | None = None,
                 public_only: bool = True) -> None:
        """`public_only`: the webhook's host must resolve to public addresses only, checked
        at each send (adapters/webhooks/targets.py, as the hub's own webhooks)."""
        self.adapter, self.clock = adapter, clock
        self.public_only = public_only
        self.name = adapter.name
        self._client = httpx.Client(timeout=timeout, transport=transport, trust_env=False,
                                    follow_redirects=False)

    def send(self, message: Outgoing) -> None:
        try:
            secrets = Secrets.from_dict(orjson.loads(message.to))
            card = card_from_json(message.body)
        except (orjson.JSONDecodeError, KeyError, TypeError, ValueError):
            raise SendFailed("the card or its channel could not be read", retry=False) \
                from None
        if not secrets.webhook_url:
            raise SendFailed("the channel has no webhook URL", retry=False)
        out = self.adapter.outbound(card, secrets, self.clock())
        url: httpx.URL | str = out.url
        headers, extensions = dict(out.headers), {}
        if self.public_only:
            try:
                target = httpx.URL(out.url)
                name = target.raw_host.decode("ascii")
                [ip, *_] = targets.checked_addresses(name, target.port)
            except targets.TargetRefused:
                raise SendFailed(f"the {self.name} webhook's host is not a public address",
                                 retry=False) from None
            except targets.TargetUnresolved:
                raise SendFailed(f"the {self.name} webhook's host does not resolve") \
                    from None
            except (httpx.InvalidURL, UnicodeError):
                raise SendFailed(f"the {self.name} webhook URL is not valid", retry=False) \
                    from None
            # connect to the address checked, not to what the name answers next (DNS
            # rebinding); the name stays the Host and, for TLS, the server name
            url = target.copy_with(host=str(ip))
            headers["host"] = target.netloc.decode("ascii")
            if target.scheme == "https" and str(ip) != name.strip("[]"):
                extensions = {"sni_hostname": name}
        try:
            r = self._client.post(url, content=out.body, headers=headers,
                                  extensions=extensions or None)
        except httpx.HTTPError as exc:
            raise SendFailed(f"{self.name} unreachable: {type(exc).__name__}") from None
        taken, retry = self.adapter.accepted(r.status_code, r.content)
        if not taken:
            raise SendFailed(f"{self.name} answered HTTP {r.status_code} "
                             f"{r.content[:120].decode(errors='replace')}", retry=retry)

    def close(self) -> None:
        self._client.close()
