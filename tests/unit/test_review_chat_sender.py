"""Review of the chat sender's SSRF guard: the webhook's name is resolved and checked at
each send, and the connection goes to the address that was checked (a name that answers
a public address to the check and a loopback one to the connection, DNS rebinding, must
not reach the hub's own network). Redirects are not followed."""

from __future__ import annotations

import socket
from typing import Any

import httpx
import orjson
import pytest

from orderhub.adapters.chat.base import Card, Secrets
from orderhub.adapters.chat.registry import APPS
from orderhub.adapters.chat.sender import ChatSender, card_to_json
from orderhub.adapters.notify.senders import Outgoing, SendFailed

CARD = Card("crd_1", "alert", "Order stalled", "订单停滞", (("Order 订单", "o1"),))
PUBLIC, LOOPBACK = "93.184.216.34", "127.0.0.1"


def _outgoing(url: str) -> Outgoing:
    return Outgoing("crd_1", "slack", orjson.dumps(Secrets(url, "", "x").as_dict()).decode(),
                    "", card_to_json(CARD))


def _rebinding(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """getaddrinfo answers a public address first, then loopback (a rebinding name)."""
    answers = [PUBLIC, LOOPBACK, LOOPBACK, LOOPBACK]
    asked: list[str] = []

    def fake(host: str, port: Any, *args: Any, **kwargs: Any) -> list[Any]:
        if host != "hooks.rebind.example":
            raise socket.gaierror("unknown")
        ip = answers[min(len(asked), len(answers) - 1)]
        asked.append(ip)
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", (ip, port or 443))]

    monkeypatch.setattr(socket, "getaddrinfo", fake)
    return asked


def test_the_sender_connects_to_the_address_it_checked(
        monkeypatch: pytest.MonkeyPatch) -> None:
    _rebinding(monkeypatch)
    seen: list[httpx.Request] = []

    def app(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(200, text="ok")

    sender = ChatSender(APPS["slack"], transport=httpx.MockTransport(app), public_only=True)
    sender.send(_outgoing("https://hooks.rebind.example/services/T/B/x"))
    [req] = seen
    # the request goes to the checked address, named for TLS and Host as the webhook
    assert req.url.host == PUBLIC
    assert req.headers["host"] == "hooks.rebind.example"
    assert req.extensions.get("sni_hostname") == "hooks.rebind.example"
    assert req.url.path == "/services/T/B/x"


def test_a_redirect_is_not_followed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(socket, "getaddrinfo", lambda host, port, *a, **k: [
        (socket.AF_INET, socket.SOCK_STREAM, 6, "", (PUBLIC, port or 443))])
    seen: list[httpx.Request] = []

    def app(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return httpx.Response(302, headers={"location": "http://127.0.0.1/admin"})

    sender = ChatSender(APPS["slack"], transport=httpx.MockTransport(app), public_only=True)
    with pytest.raises(SendFailed, match="HTTP 302"):
        sender.send(_outgoing("https://hooks.slack.example/services/x"))
    assert len(seen) == 1
