"""Request bodies: size limits enforced while reading (413), JSON-only media types (415),
the OpenAPI document saying so, and /docs served without a CDN."""

from __future__ import annotations

import asyncio
import re
from collections.abc import Iterator
from typing import Any

import orjson
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from orderhub.api.limits import RAW_BODY
from orderhub.bootstrap import Hub
from tests.api import auth_headers, create_app
from tests.factories import seed_network

PROBLEM = "application/problem+json"
LIMIT = 4096
BATCH_LIMIT = 64 * 1024


@pytest.fixture
def app(hub: Hub) -> FastAPI:
    seed_network(hub)
    hub.settings.max_body_bytes = LIMIT
    hub.settings.max_batch_body_bytes = BATCH_LIMIT
    return create_app(hub)


@pytest.fixture
def client(app: FastAPI, hub: Hub) -> Iterator[TestClient]:
    with TestClient(app, headers=auth_headers(hub)) as c:
        r = c.post("/v1/channels", json={"code": "tmall-store", "name": "天猫旗舰店",
                                         "kind": "marketplace", "adapter": "taobao",
                                         "secret": "s3cret"})
        assert r.status_code == 201
        yield c


class Sent:
    """What a raw ASGI call sent back, and how many body chunks it pulled."""

    def __init__(self) -> None:
        self.status = 0
        self.headers: dict[str, str] = {}
        self.body = b""
        self.pulled = 0

    def json(self) -> Any:
        return orjson.loads(self.body)


def call(app: FastAPI, method: str, path: str, headers: dict[str, str],
         chunks: Iterator[bytes]) -> Sent:
    """Drive the app as a server would, handing it the body one chunk per receive()."""
    out = Sent()
    scope = {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method,
        "scheme": "http", "path": path, "raw_path": path.encode(), "query_string": b"",
        "root_path": "", "server": ("test", 80), "client": ("127.0.0.1", 1),
        "headers": [(k.lower().encode(), v.encode()) for k, v in headers.items()],
    }
    done = False

    async def receive() -> dict[str, Any]:
        nonlocal done
        if done:
            return {"type": "http.disconnect"}
        chunk = next(chunks, None)
        if chunk is None:
            done = True
            return {"type": "http.request", "body": b"", "more_body": False}
        out.pulled += 1
        return {"type": "http.request", "body": chunk, "more_body": True}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            assert out.status == 0, "two responses started"
            out.status = message["status"]
            out.headers = {k.decode(): v.decode() for k, v in message["headers"]}
        elif message["type"] == "http.response.body":
            out.body += message.get("body", b"")

    asyncio.run(app(scope, receive, send))
    return out


def endless(size: int = 1024, count: int = 10_000) -> Iterator[bytes]:
    yield b'{"external_id": "'
    for _ in range(count):
        yield b"x" * size


def test_declared_length_over_the_limit_is_413_before_reading(app: FastAPI) -> None:
    r = call(app, "POST", "/v1/orders",
             {"content-type": "application/json", "content-length": str(LIMIT + 1)},
             endless())
    assert r.status == 413 and r.headers["content-type"].startswith(PROBLEM)
    assert r.pulled == 0
    body = r.json()
    assert body["type"] == "/problems/body-too-large" and body["max_bytes"] == LIMIT
    assert body["errors"][0]["field"] == "body"


def test_streamed_body_over_the_limit_is_413_without_reading_the_rest(app: FastAPI) -> None:
    r = call(app, "POST", "/v1/orders",
             {"content-type": "application/json", "transfer-encoding": "chunked"}, endless())
    assert r.status == 413 and r.headers["content-type"].startswith(PROBLEM)
    assert r.json()["status"] == 413
    assert r.pulled <= LIMIT // 1024 + 2  # stopped at the limit, not at 10,000 chunks


def test_streamed_raw_webhook_over_the_limit_is_413(app: FastAPI, client: TestClient) -> None:
    r = call(app, "POST", "/v1/channels/tmall-store/webhook",
             {"content-type": "application/json", "transfer-encoding": "chunked"}, endless())
    assert r.status == 413 and r.json()["type"] == "/problems/body-too-large"
    assert r.pulled <= LIMIT // 1024 + 2


def test_oversized_body_through_the_client(client: TestClient) -> None:
    r = client.post("/v1/orders", content=b"{" + b" " * LIMIT + b"}",
                    headers={"content-type": "application/json"})
    assert r.status_code == 413 and r.headers["content-type"].startswith(PROBLEM)
    assert client.get("/healthz").status_code == 200


def test_batch_has_its_own_larger_limit(client: TestClient) -> None:
    padding = " " * (LIMIT * 2)  # over the default limit, under the batch limit
    body = ('{"orders": []' + padding + "}").encode()
    r = client.post("/v1/orders/batch", content=body, headers={"content-type": "application/json"})
    assert r.status_code == 422  # read and validated: an empty batch is refused by the schema
    big = ('{"orders": []' + " " * BATCH_LIMIT + "}").encode()
    r = client.post("/v1/orders/batch", content=big, headers={"content-type": "application/json"})
    assert r.status_code == 413 and r.json()["max_bytes"] == BATCH_LIMIT


def test_bad_content_length_is_400(app: FastAPI) -> None:
    r = call(app, "POST", "/v1/orders",
             {"content-type": "application/json", "content-length": "lots"}, iter([b"{}"]))
    assert r.status == 400 and r.json()["errors"][0]["field"] == "Content-Length"


@pytest.mark.parametrize("content_type", ["text/plain", "application/x-www-form-urlencoded",
                                          "multipart/form-data; boundary=x", None])
def test_non_json_body_on_a_json_operation_is_415(client: TestClient,
                                                  content_type: str | None) -> None:
    headers = {"content-type": content_type} if content_type else {}
    r = client.post("/v1/orders", content=b'{"external_id": "X-1"}', headers=headers)
    assert r.status_code == 415 and r.headers["content-type"].startswith(PROBLEM)
    body = r.json()
    assert body["type"] == "/problems/unsupported-media-type"
    assert body["errors"][0]["field"] == "Content-Type"


@pytest.mark.parametrize("content_type", ["application/json; charset=utf-8",
                                          "application/merge-patch+json", "Application/JSON"])
def test_json_media_types_are_accepted(client: TestClient, content_type: str) -> None:
    r = client.post("/v1/orders", content=b'{"external_id": "X-1"}',
                    headers={"content-type": content_type})
    assert r.status_code == 422  # reached validation: the order is incomplete


def test_requests_without_a_body_are_not_checked(client: TestClient) -> None:
    r = client.post("/v1/orders/expire-reservations")
    assert r.status_code not in (413, 415)


def test_channel_webhook_keeps_taking_its_own_content_types(client: TestClient) -> None:
    for content_type in ("text/plain", "application/x-www-form-urlencoded", None):
        headers = {"content-type": content_type} if content_type else {}
        r = client.post("/v1/channels/tmall-store/webhook", content=b"<order/>",
                        headers=headers)
        assert r.status_code == 401  # reached the signature check


def test_openapi_documents_413_and_415_as_problems(client: TestClient) -> None:
    doc = client.get("/openapi.json").json()
    create = doc["paths"]["/v1/orders"]["post"]["responses"]
    for status in ("413", "415"):
        assert PROBLEM in create[status]["content"]
    hook = doc["paths"]["/v1/channels/{channel}/webhook"]["post"]["responses"]
    assert PROBLEM in hook["413"]["content"] and "415" not in hook
    for path, ops in doc["paths"].items():
        for method, op in ops.items():
            takes_body = "requestBody" in op
            raw = (method.upper(), path) in RAW_BODY  # a file or a channel's own bytes
            assert ("413" in op["responses"]) == (takes_body or path.endswith("/webhook")), \
                (method, path)
            if takes_body and not raw:
                assert "415" in op["responses"], (method, path)


@pytest.mark.parametrize("page", ["/docs", "/redoc"])
def test_docs_are_served_without_a_cdn(client: TestClient, page: str) -> None:
    r = client.get(page)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    urls = re.findall(r"""(?:src|href)\s*=\s*["']([^"']+)["']""", r.text)
    urls += re.findall(r"""(?:url|spec-url)\s*:\s*["']([^"']+)["']""", r.text)
    assert urls and not re.search(r"https?://", r.text.replace("http://www.w3.org", "")), r.text
    for url in urls:
        assert url.startswith("/"), url
        assert client.get(url).status_code == 200, url
