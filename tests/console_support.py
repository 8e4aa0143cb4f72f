"""What the console's HTTP tests share: the test users' password, the CSRF token of a
rendered form, and signing in through the sign-in form."""

from __future__ import annotations

import re

from fastapi.testclient import TestClient

PASSWORD = "console-test-password"


def csrf_of(html: str) -> str:
    """The CSRF token a rendered page carries in its forms."""
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found
    return found.group(1)


def sign_in(c: TestClient, login: str, password: str = PASSWORD) -> None:
    """Sign `login` in through the form (its double-submit CSRF cookie included)."""
    form = c.get("/console/sign-in")
    r = c.post("/console/sign-in", data={"tenant": "default", "login": login,
                                         "password": password, "csrf": csrf_of(form.text)})
    assert r.status_code == 303, r.text
