"""`orderhub serve --workers 2` (issue 13): two API processes, each with its own hub and
group committer, on one database; the background work runs once, in the supervisor. Orders
sent at once to the one port are all stored once, and each API process writes its
metered counts at shutdown."""

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
from orderhub.services.access import credentials
from orderhub.services.metering import usage
from tests.conftest import free_port
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


def test_two_api_processes_store_every_order_once(database_url: str, tmp_path: Path) -> None:
    with bootstrap(Settings(database_url=database_url)) as hub:
        seed_network(hub, {("A", "SH"): 100})
        issued = credentials.create_key(hub.uow, "default", name="workers",
                                        role="tenant_admin", granter=None, actor="test",
                                        now=hub.clock())
    headers = {"Authorization": f"Bearer {issued.token}"}
    port = free_port()
    log = tmp_path / "serve.log"
    env = {**os.environ, "ORDERHUB_KEY_DIR": str(tmp_path)}
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "orderhub", "serve", "--database-url", database_url,
             "--port", str(port), "--workers", "2"],
            cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
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

        def post(i: int) -> httpx.Response:
            body = {"external_id": f"W-{i}", "channel": "web", "currency": "CNY",
                    "customer": {"ref": f"c-{i}"},
                    "shipping_address": {**ADDRESS_JSON, "line1": f"世纪大道 {i} 号",
                                         "phone": f"1390000{i:04d}"},
                    "lines": [{"sku": "A", "quantity": 1, "unit_price": "10.00"}]}
            return httpx.post(f"{url}/v1/orders", json=body, headers=headers, timeout=30)

        with ThreadPoolExecutor(8) as pool:
            answers = list(pool.map(post, [*range(16), 3, 7]))  # two sent again
        assert [r.status_code for r in answers] == [201] * 16 + [200, 200], \
            [r.text for r in answers]
        assert answers[16].json()["id"] == answers[3].json()["id"]
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
