"""What access control costs the HTTP intake path (issue 12): single orders POSTed to
/v1/orders through the whole ASGI app, in-process (no sockets), sequentially.

    .venv/bin/python benchmarks/access_overhead.py [--orders 400] [--rounds 5]

Variants, taking turns round by round on the same database (best round counts):
  none       a principal put in the request the way authentication would, no metering or
             limits (the scope check and personal-data encryption still run: they cannot
             be switched off)
  keys       a real API key: AuthMiddleware (cached lookup) + metering + in-process limits
  keys+redis the same with the limits in Redis (skipped when Redis does not answer)
Encryption's share is measured by benchmarks/throughput.py --pii-compare. Prints orders/s,
microseconds per order and the ratio to `none`; asserts nothing on time.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import itertools
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("ORDERHUB_MASTER_KEY", base64.b64encode(b"m" * 32).decode())
os.environ.setdefault("ORDERHUB_AUDIT_KEY", base64.b64encode(b"a" * 32).decode())

from orderhub.adapters.db.migrate import upgrade  # noqa: E402
from orderhub.api.app import create_app  # noqa: E402
from orderhub.api.auth import AuthMiddleware  # noqa: E402
from orderhub.api.metering import Metering  # noqa: E402
from orderhub.bootstrap import Hub, bootstrap  # noqa: E402
from orderhub.config import Settings  # noqa: E402
from orderhub.domain.access import ROLE_SCOPES, Principal, Role  # noqa: E402
from orderhub.services.access import credentials  # noqa: E402
from orderhub.tools.demo import build_demo  # noqa: E402

COUNTER = itertools.count()
PRINCIPAL = Principal("default", "bench", "key", "bench", Role.TENANT_ADMIN,
                      ROLE_SCOPES[Role.TENANT_ADMIN])


class InjectPrincipal:
    """The baseline: what authentication leaves behind, without looking anything up."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        scope.setdefault("state", {})["principal"] = PRINCIPAL
        await self.app(scope, receive, send)


def order_body() -> bytes:
    n = next(COUNTER)
    return orjson.dumps({
        "external_id": f"BENCH-{n}", "channel": "tmall", "currency": "CNY",
        "shipping_address": {"province": "浙江省", "city": "杭州市", "district": "西湖区",
                             "line1": "文三路 100 号", "name": "张三", "phone": "13800138000"},
        "lines": [{"sku": f"SKU-{n % 40 + 1:05d}", "quantity": 1, "unit_price": "59.90"}]})


def _once(body: bytes) -> Receive:
    """The request body once, then a disconnect."""
    sent = False

    async def receive() -> Message:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": body, "more_body": False}

    return receive


async def drive(app: ASGIApp, headers: list[tuple[bytes, bytes]], n: int) -> float:
    statuses: list[int] = []

    async def send(message: Message) -> None:
        if message["type"] == "http.response.start":
            statuses.append(message["status"])

    started = time.perf_counter()
    for _ in range(n):
        body = order_body()
        receive = _once(body)

        scope: Scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
                        "method": "POST", "scheme": "http", "path": "/v1/orders",
                        "raw_path": b"/v1/orders", "root_path": "", "query_string": b"",
                        "headers": [(b"host", b"bench"), (b"content-type",
                                                          b"application/json"),
                                    (b"content-length", str(len(body)).encode()), *headers],
                        "client": ("127.0.0.1", 1), "server": ("bench", 80)}
        await app(scope, receive, send)
    elapsed = time.perf_counter() - started
    bad = sorted({s for s in statuses if s not in (200, 201)})
    if bad:
        raise SystemExit(f"unexpected statuses {bad}")
    return elapsed


def variant(url: str, name: str, redis_url: str | None) -> tuple[Any, Hub, list[Any]]:
    hub = bootstrap(Settings(database_url=url, redis_url=redis_url, outbox_dispatch=False,
                             rate_limit_key_per_second=1e9, rate_limit_key_burst=10**9,
                             rate_limit_tenant_per_second=1e9,
                             rate_limit_tenant_burst=10**9))
    app = create_app(hub)
    headers: list[Any] = []
    if name == "none":
        app.user_middleware = [m for m in app.user_middleware
                               if getattr(m, "cls", None) not in (AuthMiddleware, Metering)]
        app.add_middleware(InjectPrincipal)
    else:
        token = credentials.create_key(hub.uow, "default", name=f"bench-{name}",
                                       role="tenant_admin", granter=None, actor="bench",
                                       now=hub.clock()).token
        headers = [(b"authorization", f"Bearer {token}".encode())]
    return app, hub, headers


def redis_up(url: str) -> bool:
    try:
        import redis

        return bool(redis.Redis.from_url(url, socket_timeout=1).ping())
    except Exception:
        return False


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--orders", type=int, default=400)
    ap.add_argument("--rounds", type=int, default=5)
    ap.add_argument("--redis-url", default="redis://127.0.0.1:6379/0")
    args = ap.parse_args()
    tmp = Path(tempfile.mkdtemp())
    url = f"sqlite:///{tmp}/bench.db"
    seed = bootstrap(Settings(database_url=url))
    upgrade(seed.engine, default_tenant="default")
    build_demo(seed, "default", skus=40)
    seed.close()
    names = {"none": None, "keys": None}
    if redis_up(args.redis_url):
        names["keys+redis"] = args.redis_url
    apps = {n: variant(url, n, r) for n, r in names.items()}
    times: dict[str, list[float]] = {n: [] for n in apps}
    try:
        for app, _, headers in apps.values():
            asyncio.run(drive(app, headers, 50))  # warm up
        for _ in range(args.rounds):
            for n, (app, _, headers) in apps.items():
                times[n].append(asyncio.run(drive(app, headers, args.orders)))
    finally:
        for _, hub, _ in apps.values():
            hub.close()
    base = min(times["none"])
    print(f"single orders over HTTP (ASGI, SQLite), {args.orders} per round, best of "
          f"{args.rounds}:")
    for n, t in times.items():
        best = min(t)
        print(f"  {n:<11} {args.orders / best:8.0f} orders/s  {best / args.orders * 1e6:8.0f} "
              f"us/order  {base / best:5.2f}x the throughput of `none`")


if __name__ == "__main__":
    main()
