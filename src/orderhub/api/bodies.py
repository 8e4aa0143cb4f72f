"""Large request bodies parsed off the event loop, a piece at a time.

FastAPI reads and validates a declared body on the event loop, so a 30 MB batch held every
other request (even /healthz) for seconds. `json_body(Model, items="orders")` reads the
bytes asynchronously, then in a worker thread decodes them (the standard library's JSON,
as FastAPI does: integers beyond 64 bits stay integers, for the schema to refuse by name)
and validates the list one item at a time, so the interpreter lock passes back to the event
loop between items. Errors become the usual 400 (malformed JSON) and 422 (naming the
field) problems. `json_body_doc(Model)` documents the body in OpenAPI as a declared body
would be (api/limits.py moves the schemas into components).
"""

from __future__ import annotations

import json
from typing import Any, TypeVar

import anyio
from fastapi import Depends, Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, TypeAdapter, ValidationError

M = TypeVar("M", bound=BaseModel)


def _decode(raw: bytes) -> Any:
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise RequestValidationError([{"type": "json_invalid", "loc": ("body",),
                                       "msg": f"JSON decode error: {exc}"}]) from None


def _errors(exc: ValidationError, *prefix: str | int) -> list[dict[str, Any]]:
    return [{**e, "loc": ("body", *prefix, *e["loc"])} for e in exc.errors(include_url=False)]


def _each(item_type: Any, elements: list[Any], *prefix: str | int) -> list[Any]:
    """Validate a list element by element (the lock is released between elements)."""
    adapter: TypeAdapter[Any] = TypeAdapter(item_type)
    checked, errors = [], []
    for i, element in enumerate(elements):
        try:
            checked.append(adapter.validate_python(element))
        except ValidationError as exc:
            errors += _errors(exc, *prefix, i)
    if errors:
        raise RequestValidationError(errors)
    return checked


def parse_in_pieces(model: type[M], items: str, raw: bytes) -> M:
    """Validate `raw` as `model`, validating the list `items` element by element first."""
    doc = _decode(raw)
    item_type = getattr(model.model_fields[items].annotation, "__args__", (Any,))[0]
    if isinstance(doc, dict) and isinstance(doc.get(items), list):
        # validated instances pass through the model's own validation unchanged
        doc = {**doc, items: _each(item_type, doc[items], items)}
    try:
        return model.model_validate(doc)
    except ValidationError as exc:
        raise RequestValidationError(_errors(exc)) from None


def parse_list_in_pieces(item_type: type[Any], max_items: int, raw: bytes) -> list[Any]:
    """A JSON array validated element by element (a body that is a list, e.g. SKUs)."""
    doc = _decode(raw)
    if not isinstance(doc, list):
        raise RequestValidationError([{"type": "list_type", "loc": ("body",),
                                       "msg": "Input should be a valid list"}])
    if len(doc) > max_items:
        raise RequestValidationError([{"type": "too_long", "loc": ("body",),
                                       "msg": f"List should have at most {max_items} items"}])
    return _each(item_type, doc)


def json_list_body(item_type: type[Any], max_items: int) -> Any:
    async def parse(request: Request) -> list[Any]:
        raw = await request.body()
        return await anyio.to_thread.run_sync(parse_list_in_pieces, item_type, max_items, raw)

    return Depends(parse)


def json_body(model: type[M], items: str) -> Any:
    async def parse(request: Request) -> M:
        raw = await request.body()
        return await anyio.to_thread.run_sync(parse_in_pieces, model, items, raw)

    return Depends(parse)


def json_body_doc(model: Any, description: str = "") -> dict[str, Any]:
    schema = TypeAdapter(model).json_schema(ref_template="#/components/schemas/{model}")
    return {"requestBody": {"required": True, "description": description,
                            "content": {"application/json": {"schema": schema}}}}
