"""Review of the stored console jobs (c80842f): what the imports page lists for each state
of an import job, in English and Chinese (SQLite and PostgreSQL)."""

from __future__ import annotations

from datetime import timedelta

from fastapi.testclient import TestClient

from orderhub.api.app import create_app
from orderhub.bootstrap import Hub
from orderhub.domain.ids import new_id
from orderhub.domain.jobs import JobRecord
from orderhub.services.access import users
from tests.console_support import PASSWORD, sign_in
from tests.factories import T


def test_the_imports_page_lists_an_interrupted_import_as_interrupted(hub: Hub) -> None:
    """The recent imports on /console/imports: one whose process died is not "finished"
    (its orders were not all imported), in English and Chinese."""
    users.create_user(hub.uow, T, login="op", role="operations", password=PASSWORD,
                      granter=None, actor="test", now=hub.clock())
    started = hub.clock() - timedelta(minutes=10)
    dead = JobRecord(id=new_id("imp"), tenant_id=T, kind="import", actor="user:op",
                     started_at=started, total=400, done=200, heartbeat_at=started,
                     label={"file_name": "big.csv", "channel": "web"})
    with hub.uow() as uow:
        uow.jobs.add(dead)
        uow.commit()
    c = TestClient(create_app(hub), follow_redirects=False)
    sign_in(c, "op")
    with hub.read_uow() as uow:
        assert uow.jobs.get(T, dead.id) is not None
    page = c.get("/console/imports")
    assert page.status_code == 200 and "big.csv" in page.text
    item = page.text.split("big.csv", 1)[1].split("</li>", 1)[0]
    assert "interrupted" in item and "finished" not in item.lower(), item
    c.cookies.set("oh_lang", "zh", path="/console")
    item = c.get("/console/imports").text.split("big.csv", 1)[1].split("</li>", 1)[0]
    assert "已中断" in item, item
    # its own page: interrupted, nothing to poll, neither "finished" nor "failed"
    c.cookies.set("oh_lang", "en", path="/console")
    page = c.get(f"/console/imports/{dead.id}", headers={"HX-Request": "true"})
    assert page.status_code == 200 and 'data-state="interrupted"' in page.text
    assert "hx-trigger" not in page.text and 'data-progress="200/400"' in page.text
    assert "Finished." not in page.text and "Failed." not in page.text
