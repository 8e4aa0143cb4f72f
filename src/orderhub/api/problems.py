"""RFC 9457 problem details for every error the API returns; never a stack trace."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError, SQLAlchemyError, StatementError
from starlette.exceptions import HTTPException as StarletteHTTPException

from orderhub.domain.errors import (
    Conflict,
    DomainError,
    Forbidden,
    IdempotencyConflict,
    IllegalTransition,
    InvalidInput,
    NotFound,
    StaleVersion,
    StockError,
    Unauthenticated,
)

log = logging.getLogger(__name__)

PROBLEM_JSON = "application/problem+json"


def problem(
    status: int,
    title: str,
    detail: str,
    *,
    kind: str,
    instance: str = "",
    errors: list[dict[str, str]] | None = None,
    **extra: Any,
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": f"/problems/{kind}",
        "title": title,
        "status": status,
        "detail": detail,
    }
    if instance:
        body["instance"] = instance
    if errors is not None:
        body["errors"] = errors
    body.update(extra)
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON)


def _loc(parts: tuple[Any, ...]) -> str:
    trimmed = [str(p) for p in parts if p not in ("body", "query", "path", "header")]
    return ".".join(trimmed) or "body"


def _beyond_64_bits(exc: BaseException | None) -> bool:
    """The store's JSON encoder (orjson) refused an integer: the client's value. A safety net
    behind the schemas' own check (schemas.JsonObject), which names the field."""
    return isinstance(exc, TypeError) and "exceeds 64-bit range" in str(exc)


def _too_big(request: Request) -> JSONResponse:
    return problem(422, "Invalid value", "a number is outside the signed 64-bit range that "
                   "can be stored; nothing was changed", kind="invalid-value",
                   instance=request.url.path, errors=[])


def install(app: FastAPI) -> None:
    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        errs = exc.errors()
        if any(e.get("type") == "json_invalid" for e in errs):
            msg = next(e.get("msg", "") for e in errs if e.get("type") == "json_invalid")
            return problem(
                400,
                "Malformed JSON",
                f"the request body is not valid JSON: {msg}",
                kind="malformed-json",
                instance=request.url.path,
                errors=[{"field": "body", "message": msg}],
            )
        fields = [
            {
                "field": _loc(tuple(e.get("loc", ()))),
                "message": str(e.get("msg", "")),
                "code": str(e.get("type", "")),
            }
            for e in errs
        ]
        return problem(
            422,
            "Invalid request",
            "; ".join(f"{f['field']}: {f['message']}" for f in fields),
            kind="invalid-request",
            instance=request.url.path,
            errors=fields,
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        return problem(
            exc.status_code,
            str(exc.detail),
            str(exc.detail),
            kind="http",
            instance=request.url.path,
        )

    @app.exception_handler(DomainError)
    async def _domain(request: Request, exc: DomainError) -> JSONResponse:
        path = request.url.path
        if isinstance(exc, InvalidInput):
            return problem(
                422,
                "Invalid request",
                str(exc),
                kind="invalid-request",
                instance=path,
                errors=[{"field": e.loc, "message": e.message} for e in exc.errors],
            )
        if isinstance(exc, Unauthenticated):
            response = problem(401, "Unauthenticated", str(exc), kind="unauthenticated",
                               instance=path)
            response.headers["WWW-Authenticate"] = 'Bearer realm="orderhub"'
            return response
        if isinstance(exc, Forbidden):
            return problem(403, "Forbidden", str(exc), kind="forbidden", instance=path,
                           required_scope=exc.scope)
        if isinstance(exc, NotFound):
            return problem(404, "Not found", str(exc), kind="not-found", instance=path)
        if isinstance(exc, IllegalTransition):
            return problem(
                409,
                "Illegal status transition",
                str(exc),
                kind="illegal-transition",
                instance=path,
                current_status=exc.current,
                requested_status=exc.target,
                allowed_next=exc.allowed,
            )
        if isinstance(exc, IdempotencyConflict):
            return problem(
                409, "Idempotency conflict", str(exc), kind="idempotency-conflict", instance=path
            )
        if isinstance(exc, StaleVersion):
            response = problem(409, "Stale version", str(exc), kind="stale-version",
                               instance=path, current_version=exc.current,
                               expected_version=exc.expected)
            response.headers["ETag"] = f'"{exc.current}"'
            return response
        if isinstance(exc, Conflict):
            return problem(409, "Conflict", str(exc), kind="conflict", instance=path)
        if exc.code == "no_carrier_available":
            return problem(503, "No carrier available", str(exc), kind="no-carrier-available",
                           instance=path)
        if isinstance(exc, StockError):
            return problem(409, "Stock conflict", str(exc), kind="stock-conflict", instance=path)
        return problem(400, "Bad request", str(exc), kind=exc.code, instance=path)

    @app.exception_handler(DataError)
    async def _data(request: Request, exc: DataError) -> JSONResponse:
        # The store refused a value (too large, NUL byte, out-of-range date): the client's.
        log.info("value refused by the store on %s: %s", request.url.path, exc.orig)
        return problem(422, "Value not storable", "a value is out of range or contains "
                       "characters that cannot be stored; nothing was changed",
                       kind="invalid-value", instance=request.url.path, errors=[])

    @app.exception_handler(StatementError)
    async def _statement(request: Request, exc: StatementError) -> JSONResponse:
        if isinstance(exc.orig, ValueError | OverflowError):
            return problem(422, "Invalid value", str(exc.orig), kind="invalid-value",
                           instance=request.url.path, errors=[])
        if _beyond_64_bits(exc.orig):
            return _too_big(request)
        log.exception("database error on %s", request.url.path)
        return problem(503, "Storage unavailable",
                       "the order store could not complete the request; nothing was changed, "
                       "retry later", kind="storage-error", instance=request.url.path)

    @app.exception_handler(TypeError)
    async def _type(request: Request, exc: TypeError) -> JSONResponse:
        # The PostgreSQL driver's JSON dumper raises the encoder's TypeError unwrapped.
        if _beyond_64_bits(exc):
            return _too_big(request)
        raise exc  # any other TypeError is ours: the catch-all below answers 500

    @app.exception_handler(SQLAlchemyError)
    async def _db(request: Request, exc: SQLAlchemyError) -> JSONResponse:
        log.exception("database error on %s", request.url.path)
        return problem(
            503,
            "Storage unavailable",
            "the order store could not complete the request; nothing was changed, retry later",
            kind="storage-error",
            instance=request.url.path,
        )

    @app.exception_handler(Exception)
    async def _any(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s", request.url.path)
        return problem(
            500,
            "Internal error",
            "an unexpected error occurred; it was logged",
            kind="internal-error",
            instance=request.url.path,
        )
