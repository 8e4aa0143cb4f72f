"""`orderhub serve --workers 2` (issue 13): two API processes, each with its own hub and
group committer, on one database; the background work runs once, in the supervisor. Orders
sent at once to the one port are all stored once, and each API process writes its
metered counts at shutdown; a console job started on one process is followed on either
(with jobs kept in process memory, before migration 0036, about half the polls got a 404).
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import httpx
from sqlalchemy import func, select

from orderhub.adapters.db import tables as t
from orderhub.bootstrap import bootstrap
from orderhub.config import Settings
from orderhub.services.access import credentials, users
from orderhub.services.metering import usage
from tests.conftest import free_port
from tests.console_support import PASSWORD, csrf_of
from tests.factories import ADDRESS_JSON, seed_network

ROOT = Path(__file__).resolve().parents[2]


def _children(pid: int) -> list[int]:
    found = []
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                ppid = int((d / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            if ppid == pid:
                found.append(int(d.name))
    return found


def _serve(database_url: str, tmp_path: Path) -> tuple[subprocess.Popen[bytes], str]:
    """`orderhub serve --workers 2` on a free port, once /healthz answers."""
    port = free_port()
    log = tmp_path / "serve.log"
    env = {**os.environ, "ORDERHUB_KEY_DIR": str(tmp_path)}
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "orderhub", "serve", "--database-url", database_url,
             "--port", str(port), "--workers", "2"],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 120
    while True:
        assert proc.poll() is None, log.read_text()[-3000:]
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        assert time.monotonic() < deadline, "server did not start"
        time.sleep(0.2)
    assert len(_children(proc.pid)) >= 2  # the API processes (and uvicorn's helpers)
    return proc, url


def test_two_api_processes_store_every_order_once(database_url: str, tmp_path: Path) -> None:
    with bootstrap(Settings(database_url=database_url)) as hub:
        seed_network(hub, {("A", "SH"): 100})
        issued = credentials.create_key(hub.uow, "default", name="workers",
                                        role="tenant_admin", granter=None, actor="test",
                                        now=hub.clock())
    headers = {"Authorization": f"Bearer {issued.token}"}
    proc, url = _serve(database_url, tmp_path)
    try:

        def post(i: int) -> httpx.Response:
            body = {"external_id": f"W-{i}", "channel": "web", "currency": "CNY",
                    "customer": {"ref": f"c-{i}"},
                    "shipping_address": {**ADDRESS_JSON, "line1": f"世纪大道 {i} 号",
                                         "phone": f"1390000{i:04d}"},
                    "lines": [{"sku": "A", "quantity": 1, "unit_price": "10.00"}]}
            return httpx.post(f"{url}/v1/orders", json=body, headers=headers, timeout=30)

        with ThreadPoolExecutor(8) as pool:
            answers = list(pool.map(post, [*range(16), 3, 7]))  # two sent again
        # An order sent again while its first call is in flight: whichever of the two
        # commits first gets the 201, the other the same order with a 200.
        by_external: dict[str, list[httpx.Response]] = {}
        for r in answers:
            by_external.setdefault(r.json()["external_id"], []).append(r)
        assert len(by_external) == 16, [r.text for r in answers]
        for sent in by_external.values():
            assert sorted(r.status_code for r in sent) == [200] * (len(sent) - 1) + [201], \
                [r.text for r in sent]
            assert len({r.json()["id"] for r in sent}) == 1
        assert {r.json()["status"] for r in answers} == {"allocated"}
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(30)
    with bootstrap(Settings(database_url=database_url)) as hub:
        with hub.engine.connect() as conn:
            assert conn.execute(select(func.count()).select_from(t.orders)).scalar_one() == 16
        today = datetime.now(UTC).date()
        doc = usage(hub.read_uow, "default", today, today, "credential")
        counted = {i["credential"]: i for i in doc["items"]}[issued.credential.id]
        assert counted["calls"] == 18  # both API processes flushed their counts at shutdown


def test_a_console_job_is_followed_on_any_api_process(database_url: str,
                                                      tmp_path: Path) -> None:
    """A bulk action started on the console: its progress page is polled many times, and
    the kernel hands the polls to either API process; every one finds the job (its record
    is stored, not kept in the memory of the process that runs it)."""
    with bootstrap(Settings(database_url=database_url)) as hub:
        seed_network(hub, {("A", "SH"): 100})
        issued = credentials.create_key(hub.uow, "default", name="workers",
                                        role="tenant_admin", granter=None, actor="test",
                                        now=hub.clock())
        users.create_user(hub.uow, "default", login="op", role="operations",
                          password=PASSWORD, granter=None, actor="test", now=hub.clock())
    headers = {"Authorization": f"Bearer {issued.token}"}
    proc, url = _serve(database_url, tmp_path)
    try:
        held = []
        for i in range(6):  # no district: held, address incomplete
            body = {"external_id": f"H-{i}", "channel": "web", "currency": "CNY",
                    "shipping_address": {**ADDRESS_JSON, "district": ""},
                    "lines": [{"sku": "A", "quantity": 1, "unit_price": "10.00"}]}
            r = httpx.post(f"{url}/v1/orders", json=body, headers=headers, timeout=30)
            assert r.status_code == 201 and r.json()["status"] == "on_hold", r.text
            held.append(r.json()["id"])
        with httpx.Client(base_url=url, timeout=30, follow_redirects=False) as c:
            form = c.get("/console/sign-in")
            signed = c.post("/console/sign-in", data={
                "tenant": "default", "login": "op", "password": PASSWORD,
                "csrf": csrf_of(form.text)})
            assert signed.status_code == 303, signed.text
            csrf = csrf_of(c.get("/console/held").text)
            started = c.post("/console/held/bulk", data={
                "csrf": csrf, "ids": held, "action": "cancel", "reason": "duplicates"})
            assert started.status_code == 303, started.text
            location = started.headers["location"]
            # a new connection each time (one kept alive stays with one process)
            answers = [httpx.get(f"{url}{location}", cookies=c.cookies, timeout=30,
                                 headers={"HX-Request": "true", "Connection": "close"})
                       for _ in range(20)]
            assert [a.status_code for a in answers] == [200] * 20
            deadline = time.monotonic() + 30
            while 'data-state="done"' not in (page := c.get(location)).text:
                assert time.monotonic() < deadline, page.text
                time.sleep(0.1)
            assert 'data-progress="6/6"' in page.text
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(30)
