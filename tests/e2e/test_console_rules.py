"""The console's rules page over HTTP, on SQLite and PostgreSQL: live rules and checks
shown; a sentence translated (the parser's errors by the field), a draft made with it, the
sandbox run as a background job and its report, canary, activation and rollback through
the services of /v1/rules/sets; refusals: no rules:draft / rules:approve -> no form and
403, a forged CSRF token 403, bad numbers their error by the field."""

from __future__ import annotations

import html as h
import re
import time
from typing import Any

import pytest
from fastapi.testclient import TestClient

from orderhub.api.app import create_app
from orderhub.bootstrap import Hub
from orderhub.services import background_jobs
from orderhub.services.access import users
from tests.api import auth_headers
from tests.console_support import PASSWORD, csrf_of, sign_in
from tests.factories import ADDRESS_JSON, seed_network


def _order(external_id: str, channel: str) -> dict[str, Any]:
    return {"external_id": external_id, "channel": channel, "currency": "CNY",
            "customer": {"ref": "c-1", "name": "李雷"}, "shipping_address": ADDRESS_JSON,
            "lines": [{"sku": "A", "quantity": 1, "unit_price": "10.00"}]}


@pytest.fixture
def setup(hub: Hub) -> TestClient:
    seed_network(hub, {("A", "SH"): 100, ("A", "BJ"): 100})
    for login, role in (("appr", "rules_approver"), ("author", "rules_author"),
                        ("ana", "analyst")):
        users.create_user(hub.uow, "default", login=login, role=role, password=PASSWORD,
                          granter=None, actor="test", now=hub.clock())
    app = create_app(hub)
    api = TestClient(app, headers=auth_headers(hub))
    r = api.post("/v1/orders/batch", json={"orders": [
        _order(f"R-{i}", "web" if i % 2 else "tmall") for i in range(6)]})
    assert r.status_code == 200, r.text
    return TestClient(app, follow_redirects=False)


def _sign_in(c: TestClient, login: str) -> str:
    sign_in(c, login)
    page = c.get("/console/rules")
    assert page.status_code == 200
    return page.text


def _wait_for_job(c: TestClient, set_id: int) -> str:
    deadline = time.monotonic() + 60
    while True:
        r = c.get(f"/console/rules/sets/{set_id}/job", headers={"HX-Request": "true"})
        assert r.status_code == 200
        if r.headers.get("hx-refresh") == "true":
            return c.get(f"/console/rules/sets/{set_id}").text
        assert 'data-job="running"' in r.text
        assert time.monotonic() < deadline, "the sandbox job did not finish"
        time.sleep(0.2)


def test_read_only_sees_rules_but_no_forms(setup: TestClient) -> None:
    c = setup
    html = _sign_in(c, "ana")
    assert 'id="h-live"' in html and 'id="h-checks"' in html
    assert 'id="translate"' not in html and 'id="draft-copy"' not in html
    assert c.post("/console/rules/translate", data={"csrf": csrf_of(html),
                                                    "text": "x"}).status_code == 403
    assert c.post("/console/rules/sets", data={"csrf": csrf_of(html),
                                               "reason": "x"}).status_code == 403


def test_sentence_errors_by_the_field(setup: TestClient) -> None:
    c = setup
    token = csrf_of(_sign_in(c, "author"))
    assert c.post("/console/rules/translate", data={"csrf": "forged",
                                                    "text": "x"}).status_code == 403
    empty = c.post("/console/rules/translate", data={"csrf": token, "text": " "})
    assert empty.status_code == 400 and 'id="e-text1"' in empty.text
    bad = c.post("/console/rules/translate",
                 data={"csrf": token, "text": "when the moon is full, route to SH"})
    assert bad.status_code == 400
    assert "not understood: &#39;the moon is full&#39;" in bad.text and 'id="e-text1"' in bad.text
    unknown = c.post("/console/rules/translate",
                     data={"csrf": token, "text": "when channel is web, route to W9"})
    assert unknown.status_code == 400 and "then.only_sites" in unknown.text
    zh = c.post("/console/rules/translate",
                data={"csrf": token, "text": "当订单金额大于1000且客户等级为VIP时，转人工复核",
                      "code": "big-vip"})
    assert zh.status_code == 200 and "Understood as rule big-vip" in zh.text
    assert 'data-rule="then"><code>hold</code>=manual review' in zh.text


def test_draft_sandbox_canary_activate_rollback(setup: TestClient) -> None:
    c = setup
    token = csrf_of(_sign_in(c, "appr"))
    ok = c.post("/console/rules/translate",
                data={"csrf": token, "text": "when channel is web, exclude SH",
                      "code": "no-sh-web"})
    assert ok.status_code == 200
    rule = re.search(r'name="rule" value="([^"]+)"', ok.text)
    assert rule
    no_reason = c.post("/console/rules/sets", data={"csrf": token, "rule": h.unescape(
        rule.group(1)), "reason": ""})
    assert no_reason.status_code == 400 and 'id="e-reason1"' in no_reason.text
    made = c.post("/console/rules/sets", data={"csrf": token, "rule": h.unescape(
        rule.group(1)), "reason": "SH for Tmall"})
    assert made.status_code == 303, made.text
    set_id = int(made.headers["location"].rsplit("/", 1)[1])
    page = c.get(f"/console/rules/sets/{set_id}").text
    assert "no-sh-web" in page and 'id="simulate"' in page and 'id="activate"' not in page

    bad_days = c.post(f"/console/rules/sets/{set_id}/simulate",
                      data={"csrf": token, "since_days": "0"})
    assert bad_days.status_code == 400 and 'id="simulate-e-since_days"' in bad_days.text
    started = c.post(f"/console/rules/sets/{set_id}/simulate",
                     data={"csrf": token, "since_days": "7"})
    assert started.status_code == 303
    page = _wait_for_job(c, set_id)
    assert 'data-verdict="passed"' in page and 'id="sandbox-report"' in page
    assert "3 orders routed differently" in page  # the web orders leave SH
    assert "busiest site closed" in page  # the stress scenarios
    app_hub = c.app.state.hub  # type: ignore[attr-defined]
    job = background_jobs.latest(app_hub.read_uow, "default", f"sandbox:default:{set_id}",
                                 now=app_hub.clock())
    assert job is not None and job.state == "done" and job.kind == "sandbox"

    bad_pct = c.post(f"/console/rules/sets/{set_id}/canary",
                     data={"csrf": token, "percent": "500", "reason": "try"})
    assert bad_pct.status_code == 400 and 'id="canary-e-percent"' in bad_pct.text
    canary = c.post(f"/console/rules/sets/{set_id}/canary",
                    data={"csrf": token, "percent": "50", "reason": "try half"})
    assert canary.status_code == 303
    page = c.get(f"/console/rules/sets/{set_id}").text
    assert "canary" in page and 'id="compare"' in page and 'id="rollback"' in page
    active = c.post(f"/console/rules/sets/{set_id}/activate",
                    data={"csrf": token, "reason": "looks good"})
    assert active.status_code == 303
    rules_page = c.get("/console/rules").text
    assert 'data-rule-code="no-sh-web" data-enabled="yes"' in rules_page
    back = c.post(f"/console/rules/sets/{set_id}/rollback", data={"csrf": token, "reason": ""})
    assert back.status_code == 400 and 'id="rollback-e-reason"' in back.text
    back = c.post(f"/console/rules/sets/{set_id}/rollback",
                  data={"csrf": token, "reason": "changed our mind"})
    assert back.status_code == 303
    assert 'data-rule-code="no-sh-web" data-enabled="no"' in c.get("/console/rules").text


def test_author_may_not_activate(setup: TestClient) -> None:
    c = setup
    token = csrf_of(_sign_in(c, "author"))
    made = c.post("/console/rules/sets", data={"csrf": token, "reason": "copy"})
    assert made.status_code == 303
    set_id = int(made.headers["location"].rsplit("/", 1)[1])
    page = c.get(f"/console/rules/sets/{set_id}").text
    assert 'id="activate"' not in page and 'id="rollback"' not in page
    assert c.post(f"/console/rules/sets/{set_id}/activate",
                  data={"csrf": token, "reason": "x"}).status_code == 403
    assert c.get("/console/rules/sets/99999").status_code == 404


def test_decision_table_editor(setup: TestClient) -> None:
    c = setup
    token = csrf_of(_sign_in(c, "author"))
    base = {"csrf": token, "table": "by-channel", "when": "channel, customer_tier",
            "then": "only_sites, notify", "reason": "plan by channel"}
    missing = c.post("/console/rules/tables", data={**base, "rows": "", "reason": ""})
    assert missing.status_code == 400
    assert 'id="e-rows1"' in missing.text and 'id="e-table_reason1"' in missing.text
    columns = c.post("/console/rules/tables", data={**base, "when": "moon",
                                                    "rows": "x | BJ |"})
    assert columns.status_code == 400 and "unknown column &#39;moon&#39;" in columns.text
    assert 'id="e-when1"' in columns.text
    cells = c.post("/console/rules/tables", data={
        **base, "rows": "tmall | | BJ |\nweb | VIP | W9 | VIP web order"})
    assert cells.status_code == 400 and 'id="e-rows1"' in cells.text
    assert "row 2" in cells.text and "W9" in cells.text
    assert 'value="by-channel"' in cells.text  # what was typed is kept
    made = c.post("/console/rules/tables", data={
        **base, "rows": "tmall | | BJ |\nweb | VIP, gold | | VIP web order"})
    assert made.status_code == 303, made.text
    page = c.get(made.headers["location"]).text
    assert "by-channel.1" in page and "by-channel.2" in page
