"""Webhook targets cannot reach the hub's own network (SSRF): every refused address class at
registration and on change, names that do not resolve, a name that resolves differently at
send time (DNS rebinding), the request pinned to the checked address, and the receiver's
answer kept only as a short, sanitised excerpt."""

from __future__ import annotations

import random
import socket
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from orderhub.adapters.bus.envelope import Envelope
from orderhub.adapters.webhooks.sender import EXCERPT_CHARS, WebhookSender
from orderhub.bootstrap import Hub
from orderhub.domain.ids import new_id
from orderhub.domain.webhooks import DEAD
from orderhub.services.events import webhooks
from orderhub.services.events.webhooks import WebhookDispatcher
from tests.api import api_client
from tests.conftest import Clock
from tests.webhook_receiver import Receiver

PROBLEM = "application/problem+json"
PUBLIC = "93.184.216.34"


class FakeDns:
    """Answers for names under .test (a reserved TLD); every other name goes to the real
    resolver. Patches socket.getaddrinfo, which httpx's connections use too."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.names: dict[str, list[str]] = {}
        self.lookups: list[str] = []
        real = socket.getaddrinfo

        def getaddrinfo(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
            name = host.decode() if isinstance(host, bytes) else str(host)
            if not name.endswith(".test"):
                return real(host, port, *args, **kwargs)
            self.lookups.append(name)
            if name not in self.names:
                raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
            p = int(port or 0)
            return [
                (
                    socket.AF_INET6 if ":" in a else socket.AF_INET,
                    socket.SOCK_STREAM,
                    6,
                    "",
                    (a, p, 0, 0) if ":" in a else (a, p),
                )
                for a in self.names[name]
            ]

        monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)


@pytest.fixture
def dns(monkeypatch: pytest.MonkeyPatch) -> FakeDns:
    return FakeDns(monkeypatch)


@pytest.fixture
def strict_hub(hub: Hub) -> Hub:
    """The hub as deployed: private targets refused."""
    hub.settings = hub.settings.model_copy(update={"webhook_allow_private_targets": False})
    return hub


@pytest.fixture
def client(strict_hub: Hub) -> Iterator[TestClient]:
    with api_client(strict_hub) as c:
        yield c


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.close()


def envelope(clock: Clock) -> Envelope:
    return Envelope(
        id=new_id("evt"),
        type="OrderCreated",
        tenant="default",
        subject="ord_x",
        sequence=1,
        time=clock.now,
        data={"status": "created"},
    )


def refused(r: httpx.Response) -> str:
    assert r.status_code == 422, r.text
    assert r.headers["content-type"].startswith(PROBLEM)
    [error] = r.json()["errors"]
    assert error["field"] == "url"
    message: str = error["message"]
    return message


# ----- registration ----------------------------------------------------------------------------
REFUSED_URLS = [
    # new in this change
    "http://100.100.100.200/latest/meta-data/",  # shared address space: cloud metadata
    "http://100.64.0.1/",
    "http://[::ffff:127.0.0.1]/",  # IPv4-mapped loopback
    "http://[::ffff:100.100.100.200]/",
    "http://[2002:7f00:1::1]/",  # 6to4 of 127.0.0.1
    "http://[2002:a9fe:a9fe::]/",  # 6to4 of 169.254.169.254
    "http://[2002:c0a8:101::1]/",  # 6to4 of 192.168.1.1
    "http://[2001:0:4136:e378:8000:63bf:3fff:fdd2]/",  # Teredo
    "http://[64:ff9b::7f00:1]/",  # NAT64 of 127.0.0.1
    "http://[64:ff9b::a9fe:a9fe]/",  # NAT64 of 169.254.169.254
    "http://[64:ff9b::a00:1]/",  # NAT64 of 10.0.0.1
    # refused before as well
    "http://169.254.169.254/latest/meta-data/",
    "http://[fe80::1]/",
    "http://127.0.0.1:8080/",
    "http://[::1]/",
    "http://10.0.0.1/",
    "http://172.16.5.4/",
    "http://192.168.1.1/",
    "http://[fd00::1]/",
    "http://0.0.0.0/",
    "http://[::]/",
    "http://224.0.0.1/",
    "http://[ff02::1]/",
    "http://240.0.0.1/",
]


@pytest.mark.parametrize("url", REFUSED_URLS)
def test_registration_refuses_every_internal_address_class(client: TestClient, url: str) -> None:
    assert "public" in refused(client.post("/v1/webhooks", json={"url": url}))
    assert client.get("/v1/webhooks").json() == []


def test_a_change_of_url_is_checked_too(client: TestClient, dns: FakeDns) -> None:
    dns.names["hooks.test"] = [PUBLIC]
    r = client.post("/v1/webhooks", json={"url": "https://hooks.test/h"})
    assert r.status_code == 201, r.text
    wid = r.json()["id"]
    message = refused(client.patch(f"/v1/webhooks/{wid}", json={"url": "http://100.100.100.200/"}))
    assert "100.100.100.200" in message
    assert client.get(f"/v1/webhooks/{wid}").json()["url"] == "https://hooks.test/h"


def test_a_name_is_refused_when_any_address_it_resolves_to_is(
    client: TestClient, dns: FakeDns
) -> None:
    dns.names["metadata.test"] = ["100.100.100.200"]
    dns.names["mixed.test"] = [PUBLIC, "2002:7f00:1::1"]
    assert "100.100.100.200" in refused(
        client.post("/v1/webhooks", json={"url": "http://metadata.test/"})
    )
    assert "127.0.0.1" in refused(client.post("/v1/webhooks", json={"url": "https://mixed.test/"}))


def test_a_name_that_does_not_resolve_is_refused(client: TestClient, dns: FakeDns) -> None:
    message = refused(client.post("/v1/webhooks", json={"url": "https://nowhere.test/hooks"}))
    assert "does not resolve" in message


def test_a_public_name_is_accepted(client: TestClient, dns: FakeDns) -> None:
    dns.names["hooks.test"] = [PUBLIC, "2606:4700:4700::1111"]
    r = client.post("/v1/webhooks", json={"url": "https://hooks.test/h"})
    assert r.status_code == 201, r.text


# ----- send time -------------------------------------------------------------------------------
def test_a_name_rebound_to_loopback_after_registration_is_not_contacted(
    strict_hub: Hub, client: TestClient, clock: Clock, dns: FakeDns, receiver: Receiver
) -> None:
    port = int(receiver.url().split(":")[2].split("/")[0])
    dns.names["rebind.test"] = [PUBLIC]
    r = client.post("/v1/webhooks", json={"url": f"http://rebind.test:{port}/hook"})
    assert r.status_code == 201, r.text
    dns.names["rebind.test"] = ["127.0.0.1"]  # the attacker's DNS answers differently now
    webhooks.enqueue_deliveries(strict_hub.uow, [envelope(clock)], clock.now)

    s = strict_hub.settings
    d = WebhookDispatcher(
        strict_hub.uow, s, strict_hub.clock, WebhookSender(s, trust_env=False), random.Random(7)
    )
    try:
        d.drain()
        clock.now += timedelta(days=1)  # nothing is left to retry
        assert d.drain() == 0
    finally:
        d.close()

    assert receiver.requests == []
    [delivery] = webhooks.dead_letters(strict_hub.read_uow, "default").items
    log = webhooks.get_delivery(strict_hub.read_uow, "default", delivery.id)
    assert log.delivery.status == DEAD and log.delivery.attempts == 1
    [attempt] = log.attempts
    assert attempt.status_code is None
    assert "refused target" in attempt.error and "127.0.0.1" in attempt.error
    assert "not contacted" in attempt.error


class Recorder:
    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return httpx.Response(204)


def test_the_request_goes_to_the_checked_address_under_the_registered_name(
    strict_hub: Hub, dns: FakeDns
) -> None:
    dns.names["pin.test"] = [PUBLIC]
    seen = Recorder()
    with WebhookSender(strict_hub.settings, transport=httpx.MockTransport(seen)) as sender:
        result = sender.send("https://pin.test:8443/hooks?x=1", b"{}", {"x-test": "1"})
    assert result.ok, result
    assert dns.lookups == ["pin.test"]  # resolved once
    [request] = seen.requests
    assert request.url.host == PUBLIC and request.url.port == 8443
    assert request.url.path == "/hooks" and request.url.query == b"x=1"
    assert request.headers["host"] == "pin.test:8443"
    assert request.extensions["sni_hostname"] == "pin.test"
    assert request.headers["x-test"] == "1"


def test_send_time_refusal_is_permanent_and_unresolvable_is_temporary(
    strict_hub: Hub, dns: FakeDns
) -> None:
    seen = Recorder()
    dns.names["mixed.test"] = [PUBLIC, "169.254.169.254"]
    with WebhookSender(strict_hub.settings, transport=httpx.MockTransport(seen)) as sender:
        refused_result = sender.send("http://mixed.test/h", b"{}", {})
        gone = sender.send("http://gone.test/h", b"{}", {})
        literal = sender.send("http://[::ffff:169.254.169.254]/h", b"{}", {})
    assert seen.requests == []
    assert refused_result.outcome == "dead" and "169.254.169.254" in refused_result.error
    assert literal.outcome == "dead"
    assert gone.outcome == "retry" and "does not resolve" in gone.error


# ----- what is kept of the receiver's answer ---------------------------------------------------
def test_only_a_short_sanitised_excerpt_of_the_answer_is_stored(hub: Hub, clock: Clock) -> None:
    noisy = (
        b"\x00\x1b[31mERROR\x1b[0m\r\n\tline two\x07\x7f \xe2\x80\xae reversed"
        + b" secret-looking-data" * 5000
    )

    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(
            500, content=noisy, extensions={"reason_phrase": b"Internal\x1b]0;pwned\x07 Error"}
        )

    ep = webhooks.create_endpoint(hub.uow, "default", "http://127.0.0.1:9/hook", clock.now)
    webhooks.enqueue_deliveries(hub.uow, [envelope(clock)], clock.now)
    s = hub.settings.model_copy(update={"webhook_max_attempts": 1})
    sender = WebhookSender(s, transport=httpx.MockTransport(answer), trust_env=False)
    d = WebhookDispatcher(hub.uow, s, hub.clock, sender, random.Random(7))
    try:
        assert d.drain() == 1
    finally:
        d.close()

    [delivery] = webhooks.list_deliveries(hub.read_uow, "default", ep.id).items
    log = webhooks.get_delivery(hub.read_uow, "default", delivery.id)
    [attempt] = log.attempts
    for stored in (attempt.error, log.delivery.last_error or ""):
        assert stored.startswith(
            "HTTP 500 Internal]0;pwned Error: [31mERROR[0m line two reversed secret"
        )
        assert stored.isprintable() and "\u202e" not in stored
        body_part = stored.split(": ", 1)[1]
        assert len(body_part) <= EXCERPT_CHARS
        assert len(stored) < 300
