"""What rate limiting and metering cost per API request (issue 12).

    .venv/bin/python benchmarks/api_overhead.py [--requests 3000] [--redis-url redis://127.0.0.1:6379/0]

The app is driven in-process over ASGI (no sockets: only the application's own cost), as
an authenticated caller (a principal put in scope["state"] the way authentication does),
sequentially: around an endpoint that does nothing ("(bare)": the middleware's own cost),
and on two routes, GET /v1/services (no database: the worst case for a relative overhead)
and GET /v1/orders (an empty SQLite read). Each route runs without the metering
middleware, with it on the in-process limiter, and with it on Redis (skipped when Redis does
not answer). Limits are set high enough never to refuse. Printed: microseconds per request
(best of --rounds rounds, the variants taking turns), the ratio to the run without the
middleware and the microseconds it adds. Nothing asserts on time.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import os
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from starlette.types import ASGIApp, Message, Scope

from orderhub.adapters.db.migrate import upgrade
from orderhub.adapters.ratelimit import InProcessLimiter, RateLimiter
from orderhub.adapters.ratelimit.redis_limiter import RedisLimiter
from orderhub.api.app import create_app
from orderhub.api.metering import Metering
from orderhub.bootstrap import bootstrap
from orderhub.config import Settings
from orderhub.domain.access import ROLE_SCOPES, Principal, Role

PRINCIPAL = Principal(tenant_id="default", credential_id="bench-key", kind="key",
                      name="bench", role=Role.TENANT_ADMIN,
                      scopes=ROLE_SCOPES[Role.TENANT_ADMIN])


async def _drive(app: ASGIApp, path: str, n: int) -> float:
    """Seconds for n sequential GETs of `path` straight into the ASGI app."""

    async def receive() -> Message:
        return {"type": "http.request", "body": b"", "more_body": False}

    status: list[int] = []

    async def send(message: Message) -> None:
        if message["type"] == "http.response.start":
            status.append(message["status"])

    started = time.perf_counter()
    for _ in range(n):
        scope: Scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
                        "method": "GET", "scheme": "http", "path": path, "raw_path":
                        path.encode(), "root_path": "", "query_string": b"",
                        "headers": [(b"host", b"bench")], "client": ("127.0.0.1", 1),
                        "server": ("bench", 80), "state": {"principal": PRINCIPAL}}
        await app(scope, receive, send)
    elapsed = time.perf_counter() - started
    bad = [s for s in status if s != 200]
    if bad:
        raise SystemExit(f"{path}: unexpected statuses {sorted(set(bad))}")
    return elapsed


async def _ok(scope: Scope, receive: Any, send: Any) -> None:
    """The cheapest possible endpoint: what is left is the middleware's own cost."""
    scope["route"] = _BARE
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": b"{}"})


class _Route:
    path = "/bare"


_BARE = _Route()


def bare(database_url: str, variants: dict[str, RateLimiter | None], n: int,
         rounds: int) -> dict[str, float]:
    """The middleware alone around `_ok` (or `_ok` alone): microseconds per request."""
    hub = bootstrap(Settings(database_url=database_url, rate_limit_key_per_second=1e9,
                             rate_limit_key_burst=10**9, rate_limit_tenant_per_second=1e9,
                             rate_limit_tenant_burst=10**9))
    api = create_app(hub)
    apps: dict[str, ASGIApp] = {
        name: _ok if limiter is None else Metering(
            _ok, api=api, limiter=limiter, meter=hub.meter, settings=hub.settings,
            clock=hub.clock)
        for name, limiter in variants.items()}
    times: dict[str, list[float]] = {name: [] for name in apps}
    for app in apps.values():
        asyncio.run(_drive(app, "/bare", min(n, 200)))
    for _ in range(rounds):
        for name, app in apps.items():
            times[name].append(asyncio.run(_drive(app, "/bare", n)))
    hub.close()
    return {name: min(t) / n * 1e6 for name, t in times.items()}


def _app(database_url: str, limiter: RateLimiter | None) -> Any:
    settings = Settings(database_url=database_url, rate_limit_key_per_second=1e9,
                        rate_limit_key_burst=10**9, rate_limit_tenant_per_second=1e9,
                        rate_limit_tenant_burst=10**9)
    hub = bootstrap(settings)
    if limiter is not None:
        hub.limiter = limiter
    app = create_app(hub)
    if limiter is None:  # the same app without the middleware
        app.user_middleware = [m for m in app.user_middleware
                               if getattr(m, "cls", None) is not Metering]
    return app, hub


def measure(database_url: str, variants: dict[str, RateLimiter | None], path: str,
            n: int, rounds: int) -> dict[str, float]:
    """Microseconds per request of each variant: the variants take turns round by round
    (so a busy moment of the machine hits them alike) and the best round counts."""
    apps = {name: _app(database_url, limiter) for name, limiter in variants.items()}
    times: dict[str, list[float]] = {name: [] for name in apps}
    try:
        for app, _ in apps.values():
            asyncio.run(_drive(app, path, min(n, 200)))  # warm up: routes, caches, pools
        for _ in range(rounds):
            for name, (app, _) in apps.items():
                times[name].append(asyncio.run(_drive(app, path, n)))
    finally:
        for _, hub in apps.values():
            hub.close()
    return {name: min(t) / n * 1e6 for name, t in times.items()}


def main() -> None:
    # A scratch database: throwaway secrets unless the environment has its own.
    for name in ("ORDERHUB_MASTER_KEY", "ORDERHUB_AUDIT_KEY"):
        os.environ.setdefault(name, base64.b64encode(os.urandom(32)).decode())
    ap = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    ap.add_argument("--requests", type=int, default=3000)
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--redis-url", default="redis://127.0.0.1:6379/0")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        database_url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        hub = bootstrap(Settings(database_url=database_url))
        upgrade(hub.engine)
        hub.close()
        prefix = f"bench:{uuid.uuid4().hex[:8]}:"
        probe = RedisLimiter(args.redis_url, prefix=prefix)
        redis: bool = True
        try:
            probe.client.ping()
        except Exception as exc:
            print(f"(Redis at {args.redis_url} not reachable: {exc}; its row is skipped)")
            redis = False
        probe.close()
        print(f"{args.requests} sequential requests per round, best of {args.rounds} rounds "
              "(variants take turns), in-process ASGI")
        print(f"{'route':<18}{'variant':<26}{'us/request':>12}{'ratio':>8}{'added us':>10}")
        for path in ("(bare)", "/v1/services", "/v1/orders"):
            variants: dict[str, RateLimiter | None] = {
                "without middleware": None, "limit+meter, in-process": InProcessLimiter()}
            if redis:
                variants["limit+meter, Redis"] = RedisLimiter(args.redis_url, prefix=prefix)
            if path == "(bare)":
                figures = bare(database_url, variants, args.requests, args.rounds)
            else:
                figures = measure(database_url, variants, path, args.requests, args.rounds)
            base = figures["without middleware"]
            for name, us in figures.items():
                print(f"{path:<18}{name:<26}{us:>12.1f}{us / base:>8.2f}{us - base:>10.1f}")


if __name__ == "__main__":
    main()
