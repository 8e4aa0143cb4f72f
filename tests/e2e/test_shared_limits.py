"""Two API processes (uvicorn, same database, ORDERHUB_REDIS_URL set) share one rate limit:
together they let `burst` requests of a key through, then both answer 429. At shutdown
each writes its metered counts, so the usage adds up across the processes."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest

from orderhub.bootstrap import bootstrap
from orderhub.config import Settings
from orderhub.services.access import credentials
from orderhub.services.metering import usage
from tests.conftest import free_port
from tests.redis_support import redis_url

__all__ = ["redis_url"]

ROOT = Path(__file__).resolve().parents[2]
BURST = 6


def _key(database_url: str, name: str) -> tuple[dict[str, str], str]:
    """A real API key of the default tenant: (request headers, credential id)."""
    with bootstrap(Settings(database_url=database_url)) as hub:
        issued = credentials.create_key(hub.uow, "default", name=name, role="tenant_admin",
                                        granter=None, actor="test", now=hub.clock())
    return {"Authorization": f"Bearer {issued.token}"}, issued.credential.id


def _start(database_url: str, redis: str, log: Path) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    env = {**os.environ, "ORDERHUB_DATABASE_URL": database_url, "ORDERHUB_REDIS_URL": redis,
           "ORDERHUB_RATE_LIMIT_KEY_BURST": str(BURST),
           "ORDERHUB_RATE_LIMIT_KEY_PER_SECOND": "0.001",
           "PYTHONPATH": str(ROOT)}
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "--factory", "tests.api_factory:create",
             "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning"],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=out)
    url = f"http://127.0.0.1:{port}"
    # Start-up (imports, bootstrap) takes seconds; far longer while other test processes
    # (xdist workers) share the CPUs: a deadline for a hung process, not a speed check.
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"API process exited: {log.read_text()[-2000:]}")
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return proc, url
        except httpx.HTTPError:
            time.sleep(0.1)
    proc.kill()
    proc.wait(10)  # reaped here, not left to warn in some later test
    raise RuntimeError("API process did not start")


@pytest.fixture
def two_apis(database_url: str, redis_url: str, tmp_path: Path) -> Iterator[list[str]]:
    procs = []
    try:
        for i in range(2):
            procs.append(_start(database_url, redis_url, tmp_path / f"api{i}.log"))
        yield [url for _, url in procs]
    finally:
        for proc, _ in procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        for proc, _ in procs:
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                proc.kill()


def test_two_processes_share_one_limit_through_redis(two_apis: list[str],
                                                     database_url: str) -> None:
    headers, _ = _key(database_url, f"shared-{uuid.uuid4().hex[:8]}")
    answers = []
    for i in range(BURST + 4):
        r = httpx.get(f"{two_apis[i % 2]}/v1/orders", headers=headers, timeout=10)
        answers.append(r.status_code)
        if r.status_code == 429:
            assert int(r.headers["Retry-After"]) >= 1
            assert r.headers["RateLimit-Limit"] == str(BURST)
    assert answers == [200] * BURST + [429] * 4  # not BURST per process
    # Each process alone would have let 2 x BURST through: show the other key is separate.
    other = httpx.get(f"{two_apis[1]}/v1/orders",
                      headers=_key(database_url, "other")[0], timeout=10)
    assert other.status_code == 200 and other.headers["RateLimit-Remaining"] == str(BURST - 1)


def test_both_processes_write_their_counts_at_shutdown(database_url: str, redis_url: str,
                                                       tmp_path: Path) -> None:
    headers, credential = _key(database_url, "meter")
    procs = [_start(database_url, redis_url, tmp_path / f"api{i}.log") for i in range(2)]
    for i in range(4):
        r = httpx.get(f"{procs[i % 2][1]}/v1/orders", headers=headers, timeout=10)
        assert r.status_code == 200
    for proc, _ in procs:
        proc.send_signal(signal.SIGTERM)
    for proc, _ in procs:
        # uvicorn shuts down gracefully, then re-raises the signal it caught
        assert proc.wait(20) in (0, -signal.SIGTERM)
    for i in range(2):
        assert "Traceback" not in (tmp_path / f"api{i}.log").read_text()
    today = datetime.now(UTC).date()
    with bootstrap(Settings(database_url=database_url)) as hub:
        doc = usage(hub.read_uow, "default", today, today, "credential")
    assert {i["credential"]: i["calls"] for i in doc["items"]}[credential] == 4
