"""Authentication and authorisation at the API's edge.

`AuthMiddleware` (outermost after the body limits) turns a bearer token into the request's
principal (`request.state.principal`) or answers 401 for a token that is malformed,
unknown, expired or revoked: one answer for all of them. `authorize`, a dependency of every
route, then requires what api/scopes.py declares for the operation: 401 without a
principal, 403 naming the missing scope. Everything after it (metering, rate limits,
routes) reads the principal, never a header.
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import anyio
from fastapi import Request
from starlette.concurrency import run_in_threadpool
from starlette.types import ASGIApp, Receive, Scope, Send

from orderhub.api.openapi import problem_response
from orderhub.api.problems import PROBLEM_JSON
from orderhub.api.scopes import (
    AUTHENTICATED,
    PUBLIC,
    PUBLIC_PREFIXES,
    requirement,
    warehouse_bound_scope,
)
from orderhub.domain.access import Principal
from orderhub.domain.errors import Forbidden, NotFound, Unauthenticated
from orderhub.services.access.authentication import Authenticator

log = logging.getLogger(__name__)

FailureHook = Callable[[str], float | None]  # client address -> seconds to wait, or None
SIGN_IN = "/v1/sessions"


class FailureLimiter:
    """Brute force on keys and passwords: at most `per_minute` failed authentications per
    client address in any minute; past that the address gets 429 until the oldest failure
    is a minute old (in-process, like the authentication cache)."""

    def __init__(self, per_minute: int, clock: Callable[[], datetime]) -> None:
        self.per_minute = per_minute
        self.clock = clock
        self._failures: dict[str, deque[datetime]] = {}
        self._lock = threading.Lock()

    def _wait(self, client: str, now: datetime) -> float | None:
        seen = self._failures.get(client)
        if seen is None:
            return None
        while seen and now - seen[0] >= timedelta(minutes=1):
            seen.popleft()
        if not seen:
            del self._failures[client]
            return None
        if len(seen) < self.per_minute:
            return None
        return (seen[0] + timedelta(minutes=1) - now).total_seconds()

    def blocked(self, client: str) -> float | None:
        with self._lock:
            return self._wait(client, self.clock())

    def failed(self, client: str) -> float | None:
        now = self.clock()
        with self._lock:
            if len(self._failures) > 10_000:
                self._failures.clear()
            self._failures.setdefault(client, deque()).append(now)
            return self._wait(client, now)


class AuthMiddleware:
    def __init__(self, app: ASGIApp, authenticator: Authenticator,
                 on_failure: FailureHook | None = None,
                 blocked: Callable[[str], float | None] | None = None) -> None:
        self.app = app
        self.authenticator = authenticator
        self.on_failure = on_failure
        self.blocked = blocked

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith(PUBLIC_PREFIXES):
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1").lower(): v.decode("latin-1")
                   for k, v in scope.get("headers", [])}
        auth = headers.get("authorization")
        kind, _, token = (auth or "").partition(" ")
        client = (scope.get("client") or ("unknown", 0))[0]
        bearer = auth is not None and kind.lower() == "bearer"
        guessing = bearer or (scope["path"] == SIGN_IN and scope["method"] == "POST")
        if guessing and self.blocked is not None and (
                wait := self.blocked(client)) is not None:
            await _too_many(scope, send, wait)
            return
        if not bearer:
            # No bearer credential (none, or another scheme: a channel signing its webhook in
            # `Authorization`): public routes go on; `authorize` answers 401 to the others.
            await self.app(scope, receive, send)
            return
        try:
            # A credential verified within the cache's lifetime is checked on the loop (a
            # hash and a dictionary look-up); anything that reads the database goes to a
            # thread.
            principal = self.authenticator.authenticate_cached(
                token.strip(), tenant_header=headers.get("x-tenant-id"))
            if principal is None:
                principal = await anyio.to_thread.run_sync(
                    lambda: self.authenticator.authenticate(
                        token.strip(), tenant_header=headers.get("x-tenant-id")))
        except Unauthenticated:
            log.info("authentication failed from %s on %s", client, scope["path"])
            wait = self.on_failure(client) if self.on_failure is not None else None
            if wait is not None:
                await _too_many(scope, send, wait)
            else:
                await _unauthenticated(scope, send)
            return
        except NotFound as exc:  # a platform operator named a tenant that does not exist
            await _send_problem(send, 404, {"type": "/problems/not-found",
                                            "title": "Not found", "status": 404,
                                            "detail": str(exc), "instance": scope["path"]})
            return
        scope.setdefault("state", {})["principal"] = principal
        await self.app(scope, receive, send)


async def _send_problem(send: Send, status: int, body: dict[str, Any],
                        extra: list[tuple[bytes, bytes]] | None = None) -> None:
    import orjson

    payload = orjson.dumps(body)
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", PROBLEM_JSON.encode()),
                            (b"content-length", str(len(payload)).encode()), *(extra or [])]})
    await send({"type": "http.response.body", "body": payload})


async def _unauthenticated(scope: Scope, send: Send) -> None:
    await _send_problem(send, 401, {
        "type": "/problems/unauthenticated", "title": "Unauthenticated", "status": 401,
        "detail": str(Unauthenticated()), "instance": scope["path"]},
        [(b"www-authenticate", b'Bearer realm="orderhub"')])


async def _too_many(scope: Scope, send: Send, wait: float) -> None:
    seconds = max(1, int(wait + 0.999))
    await _send_problem(send, 429, {
        "type": "/problems/too-many-failed-attempts", "title": "Too many failed attempts",
        "status": 429, "detail": f"too many failed authentications from this address; "
        f"retry in {seconds} s", "instance": scope["path"]},
        [(b"retry-after", str(seconds).encode())])


def principal_of(request: Request) -> Principal | None:
    found: Principal | None = getattr(request.state, "principal", None)
    return found


async def authorize(request: Request) -> None:
    """Require the operation's declared scope (api/scopes.py); undeclared ones are refused.
    Async: FastAPI runs a plain `def` dependency in the thread pool, a thread hop on every
    request for what is a dictionary look-up; only the warehouse check reads the database,
    off the loop."""
    path = request.url.path
    if path.startswith(PUBLIC_PREFIXES):
        return
    route = request.scope.get("route")
    template = getattr(route, "path", path)
    method = "GET" if request.method == "HEAD" else request.method
    need = requirement(method, template)
    if need == PUBLIC:
        return
    principal = principal_of(request)
    if principal is None:
        raise Unauthenticated()
    if need is None:
        log.error("operation %s %s has no declared scope: refused", method, template)
        raise Forbidden("undeclared", "this operation has no declared scope")
    if need != AUTHENTICATED and not principal.allows(need):  # type: ignore[arg-type]
        bound = warehouse_bound_scope(method, template)
        if not (principal.warehouses and bound is not None and principal.allows(bound)):
            raise Forbidden(str(need))
    order_id = request.path_params.get("order_id")
    if principal.warehouses and order_id:  # bound to warehouses: only their orders, any verb
        from orderhub.services.orders.views import ensure_visible

        await run_in_threadpool(ensure_visible, request.app.state.hub.read_uow,
                                principal.tenant_id, order_id, principal.warehouses)


def install(app: Any, authenticator: Authenticator) -> None:
    """Add the middleware and say in the OpenAPI document, per operation, what it needs:
    `security` (bearer), `x-required-scope`, and the 401/403/429 answers."""
    if getattr(app.state, "auth_failure", None) is None:
        hub = app.state.hub
        limiter = FailureLimiter(hub.settings.auth_failures_per_minute, hub.clock)
        app.state.auth_failure, app.state.auth_blocked = limiter.failed, limiter.blocked
    app.add_middleware(AuthMiddleware, authenticator=authenticator,
                       on_failure=app.state.auth_failure, blocked=app.state.auth_blocked)
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return dict(app.openapi_schema)
        doc: dict[str, Any] = build()
        components = doc.setdefault("components", {})
        components.setdefault("securitySchemes", {})["bearer"] = {
            "type": "http", "scheme": "bearer",
            "description": "An API key (`ohk_...`, from `orderhub tenant create`, "
            "`orderhub access key create` or POST /v1/access/keys) or a console session "
            "token (POST /v1/sessions)."}
        for template, ops in doc.get("paths", {}).items():
            for method, op in ops.items():
                need = requirement(method.upper(), template)
                responses = op.setdefault("responses", {})
                if need == PUBLIC:
                    op["security"] = []
                    continue
                op["security"] = [{"bearer": []}]
                op["x-required-scope"] = None if need == AUTHENTICATED else str(need)
                responses.setdefault("401", problem_response(
                    "Missing, malformed, unknown, expired or revoked credentials"))
                if need not in (AUTHENTICATED, None):
                    responses.setdefault("403", problem_response(f"The credential lacks `{need}`"))
                    op["description"] = (op.get("description", "") +
                                         f"\n\nRequires scope `{need}`.").strip()
                responses.setdefault("429", problem_response(
                    "Rate limit of the key or tenant exceeded (Retry-After, RateLimit-*)"))
        app.openapi_schema = doc
        return doc

    app.openapi = openapi
