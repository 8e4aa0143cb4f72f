"""Request bodies: a size limit enforced while the body arrives (413) and JSON-only media
types on JSON operations (415), both answered as problem documents before the route runs.

`RequestLimits` is plain ASGI middleware. It finds the operation a request is for by matching
the app's own routes, so the table of limits below names operations by method and path
template; an operation that reads its body raw (a channel webhook, which takes the channel's
own content types and verifies a signature over the bytes) is exempt from the media-type
check but not from the size limit.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass
from typing import Any

from fastapi import FastAPI
from fastapi.responses import JSONResponse
from starlette.routing import compile_path
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from orderhub.api.problems import PROBLEM_JSON, problem
from orderhub.config import Settings

# (method, path template) -> the Settings field holding that operation's body limit; every
# other operation gets `max_body_bytes`.
BODY_LIMITS: dict[tuple[str, str], str] = {
    ("POST", "/v1/orders/batch"): "max_batch_body_bytes",
    ("POST", "/v1/skus/batch"): "max_batch_body_bytes",
    ("POST", "/v1/channels/{code}/cutover/legacy"): "max_batch_body_bytes",
    ("POST", "/v1/channels/{channel}/imports"): "max_batch_body_bytes",
    ("POST", "/v1/channels/{channel}/imports/preview"): "max_batch_body_bytes",
    # console forms that upload a file (mounted, so matched by their path): the page
    # refuses a file over its own limit with its message next to the file field
    ("POST", "/console/reconciliation/imports"): "max_batch_body_bytes",
}

# Operations that read the raw body themselves, in whatever media type the sender uses.
RAW_BODY: frozenset[tuple[str, str]] = frozenset({
    ("POST", "/v1/channels/{channel}/webhook"),
    ("POST", "/v1/channels/{channel}/imports"),
    ("POST", "/v1/channels/{channel}/imports/preview"),
})

PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "RFC 9457 problem details",
    "required": ["type", "title", "status", "detail"],
    "properties": {
        "type": {"type": "string"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "instance": {"type": "string"},
        "errors": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {"field": {"type": "string"}, "message": {"type": "string"}},
            },
        },
    },
}
_TOO_LARGE = {"description": "Request body larger than this operation accepts",
              "content": {PROBLEM_JSON: {"schema": PROBLEM_SCHEMA}}}
_UNSUPPORTED = {"description": "Body is not JSON (Content-Type must be application/json "
                               "or application/*+json)",
                "content": {PROBLEM_JSON: {"schema": PROBLEM_SCHEMA}}}


@dataclass(frozen=True, slots=True)
class BodyLimits:
    default: int
    per_route: dict[tuple[str, str], int]

    @classmethod
    def from_settings(cls, settings: Settings) -> BodyLimits:
        return cls(
            default=settings.max_body_bytes,
            per_route={key: int(getattr(settings, name)) for key, name in BODY_LIMITS.items()},
        )

    def for_route(self, method: str, path: str | None) -> int:
        if path is None:
            return self.default
        return self.per_route.get((method, path), self.default)


def _is_json(content_type: str) -> bool:
    media = content_type.split(";", 1)[0].strip().lower()
    kind, _, subtype = media.partition("/")
    return kind == "application" and (subtype == "json" or subtype.endswith("+json"))


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", ()):
        if key.lower() == name:
            return bytes(value).decode("latin-1")
    return None


@dataclass(frozen=True, slots=True)
class _Operation:
    template: str
    json_body: bool  # its request body is JSON (the 415 check applies)


class _Operations:
    """Method + path -> operation, from the OpenAPI document (the one public list of every
    operation, however the routers are nested); built on first use."""

    def __init__(self, doc: dict[str, Any]) -> None:
        self.exact: dict[tuple[str, str], _Operation] = {}
        self.patterns: list[tuple[re.Pattern[str], str, _Operation]] = []
        for template, ops in doc.get("paths", {}).items():
            regex, _, _ = compile_path(template)
            for method, op in ops.items():
                content = (op.get("requestBody") or {}).get("content", {})
                entry = _Operation(template, any(_is_json(c) for c in content))
                if "{" in template:
                    self.patterns.append((regex, method.upper(), entry))
                else:
                    self.exact[(method.upper(), template)] = entry

    def find(self, method: str, path: str) -> _Operation | None:
        found = self.exact.get((method, path))
        if found is not None:
            return found
        for regex, op_method, entry in self.patterns:
            if op_method == method and regex.match(path):
                return entry
        return None


class RequestLimits:
    """413 for a body over its operation's limit (Content-Length checked first, then bytes
    counted as they arrive, the rest never read); 415 for a non-JSON body on a JSON
    operation."""

    def __init__(self, app: ASGIApp, *, api: FastAPI, limits: BodyLimits) -> None:
        self.app = app
        self.api = api
        self.limits = limits
        self._operations: _Operations | None = None

    @staticmethod
    def _path(scope: Scope) -> str:
        path: str = scope.get("path", "")
        root: str = scope.get("root_path", "")
        if root and path.startswith(root):
            path = path[len(root):]
        return path

    def _operation(self, scope: Scope) -> _Operation | None:
        if self._operations is None:
            self._operations = _Operations(self.api.openapi())
        return self._operations.find(scope.get("method", ""), self._path(scope))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        length_header = _header(scope, b"content-length")
        chunked = "chunked" in (_header(scope, b"transfer-encoding") or "").lower()
        if length_header is None and not chunked:
            await self.app(scope, receive, send)  # no body
            return
        path = scope.get("path", "")
        declared: int | None = None
        if length_header is not None:
            try:
                declared = int(length_header)
                if declared < 0:
                    raise ValueError(length_header)
            except ValueError:
                await problem(400, "Bad Content-Length", "Content-Length is not a byte count",
                              kind="bad-content-length", instance=path,
                              errors=[{"field": "Content-Length",
                                       "message": "not a byte count"}])(scope, receive, send)
                return
            if declared == 0 and not chunked:
                await self.app(scope, receive, send)
                return
        operation = self._operation(scope)
        template = operation.template if operation else None
        method = scope.get("method", "")
        if operation is not None and operation.json_body:
            content_type = _header(scope, b"content-type") or ""
            if not _is_json(content_type):
                shown = content_type or "none"
                await problem(
                    415, "Unsupported media type",
                    f"this operation takes a JSON body (application/json); got {shown}",
                    kind="unsupported-media-type", instance=path,
                    errors=[{"field": "Content-Type",
                             "message": "must be application/json or application/*+json"}],
                )(scope, receive, send)
                return
        limit = self.limits.for_route(method, template or self._path(scope))
        if declared is not None and declared > limit:
            await _too_large(limit, path)(scope, receive, send)
            return
        await self._counted(scope, receive, send, limit, path)

    async def _counted(self, scope: Scope, receive: Receive, send: Send, limit: int,
                       path: str) -> None:
        received = 0
        refused = False
        started = False

        async def counting_receive() -> Message:
            nonlocal received, refused
            if refused:
                return {"type": "http.disconnect"}
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    # Answer now and tell the app the client went away: it stops reading,
                    # and whatever it tries to send is dropped below.
                    refused = True
                    if not started:
                        await _too_large(limit, path)(scope, receive, send)
                    return {"type": "http.disconnect"}
            return message

        async def guarded_send(message: Message) -> None:
            nonlocal started
            if not refused:
                started = True
                await send(message)

        try:
            await self.app(scope, counting_receive, guarded_send)
        except Exception:
            if not refused:
                raise
            # the app failed on the disconnect it was handed; the 413 is already sent


def _too_large(limit: int, path: str) -> JSONResponse:
    return problem(
        413, "Request body too large",
        f"this operation accepts at most {limit} bytes of body",
        kind="body-too-large", instance=path, max_bytes=limit,
        errors=[{"field": "body", "message": f"larger than {limit} bytes"}],
    )


def install(app: FastAPI, settings: Settings) -> None:
    """Add the middleware, and document 413 (and 415 on JSON operations) on every operation
    that takes a body."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        doc = build()
        for template, ops in doc.get("paths", {}).items():
            for method, op in ops.items():
                raw = (method.upper(), template) in RAW_BODY
                if "requestBody" not in op and not raw:
                    continue
                responses = op.setdefault("responses", {})
                responses.setdefault("413", copy.deepcopy(_TOO_LARGE))
                if not raw:
                    responses.setdefault("415", copy.deepcopy(_UNSUPPORTED))
        app.openapi_schema = doc
        return doc

    app.openapi = openapi  # type: ignore[method-assign]
    app.add_middleware(RequestLimits, api=app, limits=BodyLimits.from_settings(settings))
