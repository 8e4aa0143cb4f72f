"""The OpenAPI document says what the API answers: every error as
`application/problem+json`, 400 (malformed JSON) and 422 (naming the field) where a body or
parameter is read, 404 where a path names an object, 409 where stored state can refuse a
change (the CONFLICTS list), times of day as plain `HH:MM` strings (a warehouse's local
clock, no offset). 401, 403 and 429 are added by api/auth.py, 413 and 415 by api/limits.py.
"""

from __future__ import annotations

import copy
from typing import Any

from fastapi import FastAPI

from orderhub.api.problems import PROBLEM_JSON

# Operations that can answer 409: an illegal status step, an idempotency or version clash,
# a duplicate, stock that would go negative, a rule set in the wrong state.
CONFLICTS = {
    "POST /v1/orders", "POST /v1/orders/batch",
    "POST /v1/orders/{order_id}/cancel", "POST /v1/orders/{order_id}/ship",
    "POST /v1/orders/{order_id}/resume", "POST /v1/orders/{order_id}/release",
    "POST /v1/orders/{order_id}/pick", "POST /v1/orders/{order_id}/pack",
    "POST /v1/orders/{order_id}/deliver", "POST /v1/orders/{order_id}/invoice",
    "POST /v1/orders/{order_id}/pay", "PATCH /v1/orders/{order_id}/shipping-address",
    "POST /v1/orders/{order_id}/override",
    "POST /v1/warehouses", "POST /v1/skus", "POST /v1/skus/batch", "POST /v1/channels",
    "POST /v1/inventory/receipts", "POST /v1/inventory/adjustments",
    "POST /v1/routing/blocks", "POST /v1/rules/sets", "POST /v1/routing/rules/import",
    "PUT /v1/routing/rules/{code}",
    "POST /v1/rules/sets/{set_id}/simulate", "POST /v1/rules/sets/{set_id}/canary",
    "POST /v1/rules/sets/{set_id}/activate", "POST /v1/rules/sets/{set_id}/rollback",
    "POST /v1/webhooks/deliveries/{delivery_id}/replay",
    "POST /v1/webhooks/{endpoint_id}/replay-dead",
    "POST /v1/access/users", "POST /v1/tenants",
}
_TIME_OF_DAY = {"type": "string", "pattern": r"^([01]\d|2[0-3]):[0-5]\d(:[0-5]\d)?$",
                "description": "Local time of day at the site, HH:MM (no offset)"}


def problem_response(description: str) -> dict[str, Any]:
    """An OpenAPI response that is a problem document (the `Problem` schema)."""
    schema: dict[str, Any] = {"$ref": "#/components/schemas/Problem"}
    return {"description": description, "content": {PROBLEM_JSON: {"schema": schema}}}


def _times_of_day(node: Any) -> Any:
    """The schema with every `format: time` made a plain HH:MM string."""
    if isinstance(node, dict):
        if node.get("format") == "time":
            return {**_TIME_OF_DAY, **{k: v for k, v in node.items()
                                       if k in ("title", "default")}}
        return {k: _times_of_day(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_times_of_day(v) for v in node]
    return node


def install(app: FastAPI, problem_schema: dict[str, Any]) -> None:
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        doc = build()
        schemas = doc.setdefault("components", {}).setdefault("schemas", {})
        schemas.setdefault("Problem", copy.deepcopy(problem_schema))
        for template, ops in doc.get("paths", {}).items():
            for method, op in ops.items():
                key = f"{method.upper()} {template}"
                responses = op.setdefault("responses", {})
                body = op.get("requestBody", {}).get("content", {})
                for media in body.values():  # bodies documented by hand (api/bodies.py)
                    schemas.update(media.get("schema", {}).pop("$defs", {}))
                has_input = bool(op.get("parameters")) or "application/json" in body
                if "application/json" in body:
                    responses.setdefault("400", problem_response("The body is not valid JSON"))
                if has_input or "422" in responses:
                    described = responses.get("422", {}).get("description")
                    responses["422"] = problem_response(
                        described if described and described != "Validation Error"
                        else "Invalid input: `errors` names each field and what is wrong")
                if any(p.get("in") == "path" for p in op.get("parameters", [])):
                    responses.setdefault("404", problem_response("No such object for this tenant"))
                if key in CONFLICTS:
                    responses.setdefault("409", problem_response("Refused by the stored state"))
                for code, answer in responses.items():  # every error is a problem document
                    if code[0] in "45" and "application/json" in answer.get("content", {}):
                        answer["content"] = {PROBLEM_JSON: {"schema": {
                            "$ref": "#/components/schemas/Problem"}}}
                    elif code[0] in "45" and "content" not in answer:
                        answer["content"] = problem_response("")["content"]
        for unused in ("HTTPValidationError", "ValidationError"):
            schemas.pop(unused, None)
        doc = dict(_times_of_day(doc))
        app.openapi_schema = doc
        return doc

    app.openapi = openapi  # type: ignore[method-assign]
