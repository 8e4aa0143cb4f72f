"""Templates: one Jinja2 environment for the package's templates/; `render` a whole page
or, with `block`, one block of it (jinja2-fragments: the partial htmx swaps in)."""

from __future__ import annotations

import hashlib
from functools import cache
from importlib import resources
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape
from jinja2_fragments import render_block
from starlette.requests import Request
from starlette.responses import HTMLResponse

from orderhub.console import nav
from orderhub.console.deps import Viewer, language
from orderhub.console.i18n import LANGS, Translator

env = Environment(loader=PackageLoader("orderhub.console", "templates"),
                  autoescape=select_autoescape(["html"]), undefined=StrictUndefined,
                  trim_blocks=True, lstrip_blocks=True)
# The shared macros, as `m` in every template and every block rendered alone (they take
# the translator as an argument, so they need no context of their own).
env.globals["m"] = env.get_template("macros.html").module


@cache
def asset_version(name: str) -> str:
    """A short hash of a static file: its URL changes when it does (cache busting)."""
    data = resources.files("orderhub.console").joinpath("static", *name.split("/")).read_bytes()
    return hashlib.sha256(data).hexdigest()[:10]


def percent(rate: float | None) -> str:
    return "—" if rate is None else f"{rate * 100:.1f}%"


def base_of(request: Request) -> str:
    root: str = request.scope.get("root_path", "")
    return root


def context(request: Request, v: Viewer | None, **values: Any) -> dict[str, Any]:
    lang = v.lang if v else language(request)
    base = base_of(request)
    return {
        "request": request, "viewer": v, "lang": lang, "langs": LANGS, "t": Translator(lang),
        "base": base, "nav": nav.visible(v.principal) if v else [],
        "static": lambda name: f"{base}/static/{name}?v={asset_version(name)}",
        "pct": percent,
        "here": request.url.path + (f"?{request.url.query}" if request.url.query else ""),
        **values,
    }


def render(request: Request, v: Viewer | None, template: str, *, status: int = 200,
           block: str | None = None, headers: dict[str, str] | None = None,
           **values: Any) -> HTMLResponse:
    ctx = context(request, v, **values)
    if block is not None:
        html = render_block(env, template, block, **ctx)
    else:
        html = env.get_template(template).render(**ctx)
    return HTMLResponse(html, status_code=status, headers=headers)
