"""Notification templates in a sandboxed Jinja2 environment with StrictUndefined.

Why Jinja2 and not `str.format`: templates need small conditions ("{% if waybill %}")
and the same syntax tenants know from e-commerce platforms; the sandbox refuses attribute
and method access (`{{ x.__class__ }}`), and the placeholders a template uses are read from
its syntax tree when it is saved (`jinja2.meta.find_undeclared_variables`), so an unknown
placeholder is refused then, naming it, not discovered at 3 a.m. when an order ships.
StrictUndefined is the second line: a name missing from a render's context raises instead
of printing nothing. Autoescaping is off: messages are plain text (SMS, text/plain mail).
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import lru_cache
from typing import Any

from jinja2 import StrictUndefined, TemplateSyntaxError, meta
from jinja2.sandbox import SandboxedEnvironment

from orderhub.domain.errors import FieldError, InvalidInput
from orderhub.domain.notifications import PLACEHOLDERS

_ENV = SandboxedEnvironment(undefined=StrictUndefined, autoescape=False,
                            keep_trailing_newline=False)
MAX_CHARS = 4000


def check(field: str, text: str) -> list[FieldError]:
    """Field errors of one template text: syntax, length, unknown placeholders (named)."""
    if len(text) > MAX_CHARS:
        return [FieldError(field, f"at most {MAX_CHARS} characters")]
    try:
        ast = _ENV.parse(text)
    except TemplateSyntaxError as exc:
        return [FieldError(field, f"template syntax error on line {exc.lineno}: {exc.message}")]
    unknown = sorted(meta.find_undeclared_variables(ast) - PLACEHOLDERS.keys())
    if unknown:
        return [FieldError(field, f"unknown placeholder(s) {', '.join(unknown)}; known: "
                           f"{', '.join(PLACEHOLDERS)}")]
    return []


def _trial(field: str, text: str) -> list[FieldError]:
    """Render once with every placeholder set: what the sandbox refuses (attribute and
    method access such as `{{ waybill.__class__ }}`) is refused when saved."""
    try:
        _ENV.from_string(text).render(**{k: "x" for k in PLACEHOLDERS})
    except Exception as exc:
        return [FieldError(field, f"the template cannot be rendered: {exc}")]
    return []


def validate(subject: str, body: str) -> None:
    errors = check("subject", subject) + check("body", body)
    if not body.strip():
        errors.append(FieldError("body", "must not be empty"))
    if not errors:
        errors = _trial("subject", subject) + _trial("body", body)
    if errors:
        raise InvalidInput(errors)


@lru_cache(maxsize=512)
def _compiled(text: str) -> Any:
    return _ENV.from_string(text)


def render(text: str, context: Mapping[str, Any]) -> str:
    """The text with its placeholders filled (every placeholder is in `context`)."""
    if not text:
        return ""
    return str(_compiled(text).render(**context)).strip()
