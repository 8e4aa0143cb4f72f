"""Redis for the tests of shared rate limits: the server on these machines (or
ORDERHUB_TEST_REDIS_URL). Missing, the tests skip; under CI=true they fail instead."""

from __future__ import annotations

import os
import uuid

import pytest

from tests.conftest import IN_CI

REDIS_URL = os.environ.get("ORDERHUB_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


@pytest.fixture(scope="session")
def redis_url() -> str:
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.RedisError as exc:
        if IN_CI:
            pytest.fail(f"Redis at {REDIS_URL} is required under CI=true: {exc}")
        pytest.skip(f"Redis not reachable at {REDIS_URL}: {exc}")
    return REDIS_URL


def unique_prefix() -> str:
    """Keys of one test only: tests share the server (and may run beside other suites)."""
    return f"orderhub-test:{uuid.uuid4().hex[:12]}:"
