"""The console's session: the access layer's own session (services/access/users.sign_in,
the token `POST /v1/sessions` gives) kept in an HttpOnly, SameSite=Strict cookie scoped
to /console, and the CSRF token every state-changing request must carry.

CSRF: signed in, the token is an HMAC of the session token (a page can only know it if
the server rendered it, the cookie itself is unreadable to scripts); before signing in
(the sign-in form) it is a random value in a second cookie, sent back in the form
(double submit). Forms carry it in the `csrf` field, htmx requests in the `X-CSRF-Token`
header (layout.html sets it on <body> with `hx-headers`).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import Final

from starlette.requests import Request
from starlette.responses import Response

SESSION_COOKIE: Final = "oh_session"
PRE_COOKIE: Final = "oh_pre"  # the sign-in form's CSRF value (double submit)
CSRF_FIELD: Final = "csrf"
CSRF_HEADER: Final = "x-csrf-token"
COOKIE_PATH: Final = "/console"
SAFE_METHODS: Final = frozenset({"GET", "HEAD", "OPTIONS"})


def csrf_for(session_token: str) -> str:
    return hmac.new(session_token.encode(), b"orderhub-console-csrf", hashlib.sha256).hexdigest()


def new_pre_token() -> str:
    return secrets.token_urlsafe(24)


def _secure(request: Request) -> bool:
    return request.url.scheme == "https"


def set_cookie(response: Response, request: Request, name: str, value: str,
               max_age: int | None = None) -> None:
    response.set_cookie(name, value, max_age=max_age, path=COOKIE_PATH, httponly=True,
                        samesite="strict", secure=_secure(request))


def clear_cookie(response: Response, request: Request, name: str) -> None:
    response.delete_cookie(name, path=COOKIE_PATH, httponly=True, samesite="strict",
                           secure=_secure(request))


def csrf_matches(expected: str | None, given: str | None) -> bool:
    return bool(expected) and bool(given) and hmac.compare_digest(
        str(expected), str(given))
