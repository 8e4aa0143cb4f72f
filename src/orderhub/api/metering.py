"""Rate limits and metering for authenticated calls (issue 12, Order-as-a-Service).

`Metering` is plain ASGI middleware that runs inside the authentication middleware: it
reads the principal that authentication put in `scope["state"]["principal"]`. Public
operations (/healthz, and /docs, /openapi.json, which never get a principal) are neither
limited nor metered; a call without a principal is metered only when its route names the
caller (a channel's signed webhook: `count(..., caller=(tenant, "channel:<code>"))`). For
calls with a principal:

- two token buckets, the credential's and the tenant's (settings `rate_limit_key_*`,
  `rate_limit_tenant_*`; in-process, or Redis when `ORDERHUB_REDIS_URL` is set). Over
  either → 429 problem+json with `Retry-After`; every answer carries `RateLimit-Limit`,
  `RateLimit-Remaining`, `RateLimit-Reset` (of the tighter bucket) and `RateLimit-Policy`.
- after the answer, one count in the hub's in-memory `UsageMeter`: tenant, credential,
  operation ("METHOD /route/template"), status class, and the orders and rows the route
  reported with `count(request, orders=..., rows=...)`.

Failed authentications are limited by api/auth.py (FailureLimiter), not here.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from datetime import datetime
from typing import Any

import anyio.to_thread
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from starlette.datastructures import MutableHeaders
from starlette.routing import compile_path
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from orderhub.adapters.ratelimit import Decision, InProcessLimiter, RateLimiter
from orderhub.api.problems import problem
from orderhub.api.scopes import OPERATION_SCOPES, PUBLIC
from orderhub.bootstrap import Hub
from orderhub.config import Settings
from orderhub.domain.access import Principal
from orderhub.services.metering import UsageMeter

COUNTS = "usage_counts"  # the key in scope["state"] where `count` leaves (orders, rows)
COUNTED_AS = "usage_caller"  # (tenant, credential) of a call that has no principal


def count(request: Request, *, orders: int = 0, rows: int = 0,
          caller: tuple[str, str] | None = None) -> None:
    """Tell the meter what this call carried: orders taken in, rows written or returned.
    `caller` (tenant, credential) meters a call made without a principal (a channel's own
    signed webhook: the signature authenticated it, the route knows the tenant)."""
    state = request.scope.setdefault("state", {})
    before = state.get(COUNTS, (0, 0))
    state[COUNTS] = (before[0] + orders, before[1] + rows)
    if caller is not None:
        state[COUNTED_AS] = caller


def decision_headers(d: Decision, policy: str) -> list[tuple[bytes, bytes]]:
    headers = [(b"ratelimit-limit", str(d.limit).encode()),
               (b"ratelimit-remaining", str(d.remaining).encode()),
               (b"ratelimit-reset", str(d.reset_seconds).encode()),
               (b"ratelimit-policy", policy.encode())]
    if not d.allowed:
        headers.append((b"retry-after", str(d.retry_after_seconds).encode()))
    return headers


def too_many_requests(d: Decision, detail: str, *, instance: str = "",
                      policy: str | None = None) -> JSONResponse:
    """The 429 problem document with `Retry-After` (and the `RateLimit-*` headers)."""
    response = problem(429, "Too many requests", detail, kind="rate-limited",
                       instance=instance, retry_after_seconds=d.retry_after_seconds)
    for name, value in decision_headers(d, policy or f"{d.limit};w={d.reset_seconds}"):
        response.headers[name.decode()] = value.decode()
    return response


def _window(rate: float, burst: int) -> int:
    return max(1, math.ceil(burst / rate))


class Metering:
    """Per-credential and per-tenant limits, then a count in the meter (see module doc)."""

    def __init__(self, app: ASGIApp, *, api: FastAPI, limiter: RateLimiter,
                 meter: UsageMeter, settings: Settings, clock: Callable[[], datetime],
                 start_flush: Callable[[], None] = lambda: None) -> None:
        self.app = app
        self.start_flush = start_flush  # called once, at the first metered call
        self._flushing = False
        self.api = api
        self.limiter = limiter
        self.meter = meter
        self.clock = clock
        s = settings
        self.key_limit = (s.rate_limit_key_per_second, s.rate_limit_key_burst)
        self.tenant_limit = (s.rate_limit_tenant_per_second, s.rate_limit_tenant_burst)
        self.policy = (f'{s.rate_limit_key_burst};w={_window(*self.key_limit)};'
                       f'name="credential", '
                       f'{s.rate_limit_tenant_burst};w={_window(*self.tenant_limit)};'
                       f'name="tenant"')
        # The in-process limiter answers in microseconds; a network one runs off the loop.
        self.inline = isinstance(limiter, InProcessLimiter)
        self._templates: list[tuple[str, re.Pattern[str], str]] | None = None
        # Public operations (health) are neither limited nor metered, credential or not.
        self.public = {tuple(op.split(" ", 1)) for op, need in OPERATION_SCOPES.items()
                       if need == PUBLIC and "{" not in op}

    def _limit(self, principal: Principal) -> Decision:
        """Both buckets in one atomic hit: a refused call takes from neither. The decision
        shown is the refusing bucket's, else the one with fewer requests left."""
        key, tenant = self.limiter.hit_all([
            (f"key:{principal.credential_id}", *self.key_limit),
            (f"tenant:{principal.tenant_id}", *self.tenant_limit)])
        if not key.allowed:
            return key
        if not tenant.allowed or tenant.remaining < key.remaining:
            return tenant
        return key

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or (scope["method"], scope["path"]) in self.public:
            await self.app(scope, receive, send)
            return
        state = scope.get("state")
        principal: Principal | None = state.get("principal") if state else None
        if principal is None:
            await self._unauthenticated(scope, receive, send)
            return
        if self.inline:
            decision = self._limit(principal)
        else:
            decision = await anyio.to_thread.run_sync(self._limit, principal)
        if not decision.allowed:
            await too_many_requests(
                decision, f"rate limit exceeded; retry in {decision.retry_after_seconds} s",
                instance=scope.get("path", ""), policy=self.policy)(scope, receive, send)
            self._record(scope, principal, 429)
            return
        extra = decision_headers(decision, self.policy)
        status = 500

        async def send_with_headers(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = MutableHeaders(scope=message)
                for name, value in extra:
                    headers.append(name.decode(), value.decode())
            await send(message)

        try:
            await self.app(scope, receive, send_with_headers)
        finally:
            self._record(scope, principal, status)

    async def _unauthenticated(self, scope: Scope, receive: Receive, send: Send) -> None:
        """No principal: not limited here (authentication refuses what needs one); metered
        only if the route names the caller (`count(..., caller=...)`)."""
        status = 500

        async def send_seen(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_seen)
        finally:
            caller = (scope.get("state") or {}).get(COUNTED_AS)
            if caller is not None:
                self._record(scope, caller, status)

    def _operation(self, scope: Scope) -> str:
        method = scope.get("method", "")
        path = getattr(scope.get("route"), "path", None)
        if path is None:  # refused before routing: the template from the OpenAPI paths
            path = self._template(method, scope.get("path", ""))
        return f"{method} {path}" if path else f"{method} (unmatched)"

    def _template(self, method: str, path: str) -> str | None:
        if self._templates is None:
            self._templates = [(m.upper(), compile_path(template)[0], template)
                               for template, ops in self.api.openapi().get("paths", {}).items()
                               for m in ops]
            # literal segments before parameters: /v1/orders/held before /{order_id}
            self._templates.sort(key=lambda t: t[2].count("{"))
        return next((template for m, regex, template in self._templates
                     if m == method and regex.match(path)), None)

    def _record(self, scope: Scope, caller: Principal | tuple[str, str], status: int) -> None:
        if not self._flushing:
            self._flushing = True
            self.start_flush()
        state: dict[str, Any] = scope.get("state") or {}
        orders, rows = state.get(COUNTS, (0, 0))
        tenant, credential = ((caller.tenant_id, caller.credential_id)
                              if isinstance(caller, Principal) else caller)
        self.meter.record(tenant, credential, self._operation(scope), self.clock(), status,
                          orders=orders, rows=rows)


def install(app: FastAPI, hub: Hub) -> None:
    """Add the middleware (inside authentication: install it before `auth.install`)."""
    app.add_middleware(Metering, api=app, limiter=hub.limiter, meter=hub.meter,
                       settings=hub.settings, clock=hub.clock,
                       start_flush=hub.start_usage_flush)
