"""Production's shape in one test: two API processes (`orderhub serve --no-background`),
two relays (`orderhub relay`: one active, one standby) and a worker (`orderhub worker`:
the durable consumers) against one PostgreSQL schema and NATS JetStream. Orders go to
both APIs at once, some sent twice (to the other API, as a client retrying after a lost
answer would); then every order is stored once per external id, every event of the outbox
is in the stream exactly once by `Nats-Msg-Id`, and the worker's consumers processed each
event once (the `twin` consumer's inbox holds every event id, and every order has
its twin)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select, text

from orderhub.adapters.db import tables as t
from orderhub.bootstrap import Hub, bootstrap
from orderhub.config import Settings
from orderhub.services.access import credentials
from orderhub.tools.demo import build_demo
from orderhub.tools.simulation import load_prices
from tests.conftest import _truncate_pg, free_port

ROOT = Path(__file__).resolve().parents[2]
ADDRESS = {"country": "CN", "province": "上海市", "city": "上海市", "district": "浦东新区",
           "line1": "世纪大道 1 号", "name": "李雷", "phone": "13800138000"}
ORDERS = 120  # per API
RETRIED = 20  # of them sent again to the other API


def wait_for(condition: Callable[[], bool], limit: float, what: str) -> None:
    """A deadline for a hung process (the suite shares the CPUs), not a speed check."""
    deadline = time.monotonic() + limit
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {limit}s")
        time.sleep(0.1)


class Processes:
    def __init__(self, env: dict[str, str], logs: Path) -> None:
        self.env, self.logs = env, logs
        self.running: list[tuple[str, subprocess.Popen[bytes]]] = []

    def start(self, name: str, *args: str) -> subprocess.Popen[bytes]:
        with (self.logs / f"{name}.log").open("wb") as out:
            proc = subprocess.Popen([sys.executable, "-m", "orderhub", *args], cwd=ROOT,
                                    env=self.env, stdout=out, stderr=subprocess.STDOUT)
        self.running.append((name, proc))
        return proc

    def check_alive(self) -> None:
        for name, proc in self.running:
            if proc.poll() is not None:
                log = (self.logs / f"{name}.log").read_text(errors="replace")[-3000:]
                raise AssertionError(f"{name} exited ({proc.returncode}): {log}")

    def stop(self) -> None:
        for _, proc in self.running:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for _, proc in self.running:
            try:
                proc.wait(30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait(10)


def start_api(procs: Processes, name: str) -> str:
    port = free_port()
    procs.start(name, "serve", "--no-background", "--port", str(port))
    url = f"http://127.0.0.1:{port}"

    def up() -> bool:
        procs.check_alive()
        try:
            return httpx.get(f"{url}/healthz", timeout=1).status_code == 200
        except httpx.HTTPError:
            return False

    wait_for(up, 120, f"{name} answered /healthz")
    return url


@pytest.fixture
def hub(pg_schema_url: str, shared_nats_url: str) -> Iterator[tuple[Hub, dict[str, str]]]:
    _truncate_pg(pg_schema_url)
    suffix = uuid.uuid4().hex[:8]
    env = {**os.environ, "ORDERHUB_DATABASE_URL": pg_schema_url,
           "ORDERHUB_NATS_URL": shared_nats_url,
           "ORDERHUB_NATS_STREAM": f"DEPLOY{suffix.upper()}",
           "ORDERHUB_NATS_SUBJECT_PREFIX": f"deploy{suffix}", "PYTHONPATH": str(ROOT)}
    settings = Settings(database_url=pg_schema_url, nats_url=shared_nats_url,
                        nats_stream=env["ORDERHUB_NATS_STREAM"],
                        nats_subject_prefix=env["ORDERHUB_NATS_SUBJECT_PREFIX"])
    hub = bootstrap(settings)
    assert hub.nats is not None
    hub.nats.run(hub.nats.js())  # the stream exists before any process publishes
    try:
        yield hub, env
    finally:
        async def drop() -> None:
            js = await hub.nats.js()  # type: ignore[union-attr]
            await js.delete_stream(hub.nats.stream)  # type: ignore[union-attr]

        hub.nats.run(drop())
        hub.close()


def stream_ids(hub: Hub) -> Counter[str]:
    """Every message stored in the stream, counted by `Nats-Msg-Id`."""
    nats = hub.nats
    assert nats is not None

    async def read() -> Counter[str]:
        js = await nats.js()
        total = int((await js.stream_info(nats.stream)).state.messages)
        sub = await js.pull_subscribe(f"{nats.prefix}.>", stream=nats.stream)
        ids: Counter[str] = Counter()
        while sum(ids.values()) < total:
            for m in await sub.fetch(min(500, total - sum(ids.values())), timeout=5):
                ids[m.headers["Nats-Msg-Id"]] += 1  # type: ignore[index]
                await m.ack()
        await sub.unsubscribe()
        return ids

    result: Counter[str] = nats.run(read(), timeout=60)
    return result


@pytest.mark.postgres
def test_two_apis_two_relays_and_a_worker_deliver_every_order_and_event_once(
    hub: tuple[Hub, dict[str, str]], tmp_path: Path
) -> None:
    h, env = hub
    tenant = h.settings.default_tenant
    build_demo(h, tenant, skus=200)
    prices = {code: str(p) for code, p in load_prices(h, tenant).items()}
    skus = sorted(prices)[:50]
    token = credentials.create_key(h.uow, tenant, name="deploy", role="tenant_admin",
                                   granter=None, actor="test", now=h.clock()).token
    headers = {"Authorization": f"Bearer {token}"}

    procs = Processes(env, tmp_path)
    try:
        apis = [start_api(procs, "api-a"), start_api(procs, "api-b")]
        procs.start("relay-1", "relay", "--poll", "0.02")
        procs.start("relay-2", "relay", "--poll", "0.02")
        procs.start("worker", "worker")

        def body(n: int) -> dict[str, Any]:
            sku = skus[n % len(skus)]
            return {"external_id": f"dep-{n}", "channel": "jd", "currency": "CNY",
                    "customer": {"ref": f"c-{n % 17}", "name": "李雷", "phone": "13800138000"},
                    "shipping_address": ADDRESS,
                    "lines": [{"sku": sku, "quantity": 1, "unit_price": prices[sku]}]}

        def send(job: tuple[int, int]) -> tuple[int, int, str]:
            n, api = job
            r = httpx.post(f"{apis[api]}/v1/orders", json=body(n), headers=headers,
                           timeout=60)
            assert r.status_code in (200, 201), r.text
            return n, r.status_code, r.json()["id"]

        jobs = [(n, n % 2) for n in range(2 * ORDERS)]
        jobs += [(n, 1 - n % 2) for n in range(0, 2 * ORDERS, 2 * ORDERS // RETRIED)]
        with ThreadPoolExecutor(8) as pool:
            answers = list(pool.map(send, jobs))
        procs.check_alive()

        ids_by_external: dict[int, set[str]] = {}
        for n, _, order_id in answers:
            ids_by_external.setdefault(n, set()).add(order_id)
        # A retry to the other API gets the order the first call created.
        assert all(len(ids) == 1 for ids in ids_by_external.values())

        engine = h.engine
        with engine.connect() as conn:
            stored = conn.execute(
                select(t.orders.c.external_id, func.count()).group_by(t.orders.c.external_id)
            ).all()
        assert sorted(n for _, n in stored) == [1] * (2 * ORDERS)

        def backlog() -> int:
            with engine.connect() as conn:
                return int(conn.execute(select(func.count()).select_from(t.outbox)
                                        .where(t.outbox.c.published_at.is_(None))).scalar())

        wait_for(lambda: procs.check_alive() or backlog() == 0, 120, "the relays published")
        with engine.connect() as conn:
            written = conn.execute(select(t.outbox.c.event_id)).scalars().all()
        in_stream = stream_ids(h)
        with engine.connect() as conn:  # the worker's jobs may have written more meanwhile
            written_since = set(conn.execute(select(t.outbox.c.event_id)).scalars().all())
        assert set(written) <= set(in_stream) <= written_since  # none missing, none foreign
        assert [i for i, n in in_stream.items() if n > 1] == []  # none stored twice by id

        # The worker's `twin` consumer reads every event from the start of the stream: it
        # handled each once (its inbox) and keeps a twin of every order.
        def twin_inbox() -> set[str]:
            procs.check_alive()
            with engine.connect() as conn:
                return set(conn.execute(select(t.consumer_inbox.c.event_id).where(
                    t.consumer_inbox.c.consumer == "twin")).scalars())

        try:
            wait_for(lambda: twin_inbox() >= set(written), 120, "the worker's twin consumer")
        except AssertionError as exc:  # say what the worker was doing (a rare CI timeout)
            missing = set(written) - twin_inbox()
            with engine.connect() as conn:
                types = Counter(conn.execute(select(t.outbox.c.type).where(
                    t.outbox.c.event_id.in_(sorted(missing)[:500]))).scalars())
                parked = list(conn.execute(select(t.parked_events.c.event_type,
                                                  t.parked_events.c.error).where(
                    t.parked_events.c.consumer == "twin").limit(5)))
            log = (tmp_path / "worker.log").read_text(errors="replace")[-4000:]
            raise AssertionError(f"{exc}; {len(missing)} events not handled, by type "
                                 f"{dict(types)}; parked {parked}; worker log tail:\n"
                                 f"{log}") from None
        with engine.connect() as conn:
            twins = conn.execute(select(func.count()).select_from(t.order_twins)).scalar()
            foreign = conn.execute(text(
                "SELECT count(*) FROM consumer_inbox i WHERE NOT EXISTS "
                "(SELECT 1 FROM outbox o WHERE o.event_id = i.event_id)")).scalar()
        # The worker's own jobs keep writing events after `written` was read (the exception
        # desk opening cases for held orders, the twin's alerts), so the inbox may hold more
        # than `written`; every id it holds was written (`foreign`), and none of `written`
        # is missing (above). A CI run failed on the strict equality with 100+ such ids.
        assert twin_inbox() >= set(written)
        assert twins == 2 * ORDERS
        assert foreign == 0  # no consumer handled an event that was never written
    finally:
        procs.stop()
