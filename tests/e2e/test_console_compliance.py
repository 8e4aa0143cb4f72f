"""The console's compliance page: every shipped country with a checkbox; ticking countries
with a reason drafts each one's pack as a rule set (the same service as the API), in
English and Chinese; without rules:draft no form and 403; no reason or an unknown country
is refused by the field."""

from __future__ import annotations

import html as h

from fastapi.testclient import TestClient

from orderhub.api.app import create_app
from orderhub.bootstrap import Hub
from orderhub.services.access import users
from tests.console_support import PASSWORD, csrf_of, sign_in


def test_tick_countries_to_draft_their_packs(hub: Hub) -> None:
    for login, role in (("author", "rules_author"), ("ana", "analyst")):
        users.create_user(hub.uow, "default", login=login, role=role, password=PASSWORD,
                          granter=None, actor="test", now=hub.clock())
    c = TestClient(create_app(hub), follow_redirects=False)
    sign_in(c, "author")
    page = c.get("/console/compliance")
    assert page.status_code == 200
    assert 'value="CN"' in page.text and 'value="HK"' in page.text
    token = csrf_of(page.text)
    r = c.post("/console/compliance", data={"csrf": token, "country": ["CN", "KR"],
                                            "reason": ""})
    assert r.status_code == 400 and 'aria-invalid="true"' in r.text
    r = c.post("/console/compliance", data={"csrf": token, "country": ["XX"], "reason": "x"})
    assert r.status_code == 400
    r = c.post("/console/compliance", data={"csrf": token, "country": ["CN", "KR"],
                                            "reason": "new markets"})
    assert r.status_code == 200, r.text
    text = h.unescape(r.text)
    assert "CN: enabled, drafted as a rule set." in text and "KR: enabled" in text
    assert 'value="CN" id="c-CN" checked' in r.text
    # unticking KR drafts its switch-off; CN stays as it is
    r = c.post("/console/compliance", data={"csrf": token, "country": ["CN"],
                                            "reason": "not Korea after all"})
    assert "KR: disabled" in h.unescape(r.text) and "CN:" not in h.unescape(r.text)
    c.cookies.set("oh_lang", "zh", path="/console")
    zh = c.get("/console/compliance")
    assert "合规规则包" in zh.text and "中国内地" in zh.text
    c.cookies.set("oh_lang", "en", path="/console")
    assert c.post("/console/compliance", data={"csrf": "forged", "country": ["US"],
                                               "reason": "x"}).status_code == 403

    d = TestClient(create_app(hub), follow_redirects=False)
    sign_in(d, "ana")
    page = d.get("/console/compliance")  # rules:read: the list, no form
    assert page.status_code == 200 and "f-reason" not in page.text
    assert 'value="US" id="c-US" disabled' in page.text
    r = d.post("/console/compliance", data={"csrf": csrf_of(page.text), "country": ["US"],
                                            "reason": "x"})
    assert r.status_code == 403
