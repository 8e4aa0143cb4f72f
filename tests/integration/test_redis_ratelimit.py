"""The Redis token bucket against the real server: atomic hits, one bucket shared by every
limiter (process), server time, and what happens when Redis is gone."""

from __future__ import annotations

import logging
import threading

import pytest
import redis

from orderhub.adapters.ratelimit import make_limiter
from orderhub.adapters.ratelimit.redis_limiter import RedisLimiter
from tests.redis_support import redis_url, unique_prefix

__all__ = ["redis_url"]


def test_a_burst_passes_then_refused_with_retry_after(redis_url: str) -> None:
    rl = RedisLimiter(redis_url, prefix=unique_prefix())
    decisions = [rl.hit("k", rate=0.5, burst=4) for _ in range(5)]
    assert [d.allowed for d in decisions] == [True] * 4 + [False]
    assert [d.remaining for d in decisions] == [3, 2, 1, 0, 0]
    assert decisions[-1].retry_after_seconds == 2 and decisions[-1].limit == 4
    assert decisions[3].reset_seconds == 8  # four tokens at 0.5/s
    assert rl.hit("other", rate=0.5, burst=4).remaining == 3
    rl.close()


def test_two_limiters_share_one_bucket_and_hits_are_atomic(redis_url: str) -> None:
    prefix = unique_prefix()
    a = RedisLimiter(redis_url, prefix=prefix)
    b = RedisLimiter(redis_url, prefix=prefix)
    passed: list[bool] = []

    def worker(rl: RedisLimiter) -> None:
        passed.extend(rl.hit("shared", rate=0.001, burst=50).allowed for _ in range(40))

    threads = [threading.Thread(target=worker, args=(rl,)) for rl in (a, b, a, b)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(passed) == 50 and len(passed) == 160
    a.close()
    b.close()


def test_refill_follows_the_server_clock(redis_url: str) -> None:
    import time

    rl = RedisLimiter(redis_url, prefix=unique_prefix())
    assert rl.hit("r", rate=20.0, burst=2, cost=2).allowed
    assert not rl.hit("r", rate=20.0, burst=2).allowed
    time.sleep(0.12)  # 2.4 tokens at 20/s, capped at 2
    assert rl.hit("r", rate=20.0, burst=2).remaining == 1
    rl.close()


def test_a_peek_consumes_nothing_and_buckets_expire(redis_url: str) -> None:
    prefix = unique_prefix()
    rl = RedisLimiter(redis_url, prefix=prefix)
    assert rl.hit("p", rate=1.0, burst=1, cost=0).allowed
    client = redis.Redis.from_url(redis_url)
    assert not client.exists(f"{prefix}p")  # a peek stores nothing
    rl.hit("p", rate=1.0, burst=1)
    assert not rl.hit("p", rate=1.0, burst=1, cost=0).allowed
    ttl = client.pttl(f"{prefix}p")
    assert 0 < ttl <= 2000  # gone once full again (1 s) plus a margin
    client.close()
    rl.close()


def test_redis_down_falls_back_to_per_process_limits_and_logs_once(
        caplog: pytest.LogCaptureFixture) -> None:
    import socket

    with socket.socket() as s:  # a port nothing listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    rl = RedisLimiter(f"redis://127.0.0.1:{port}/0", prefix=unique_prefix(), retry_seconds=0)
    with caplog.at_level(logging.WARNING, logger="orderhub.adapters.ratelimit.redis_limiter"):
        decisions = [rl.hit("down", rate=0.001, burst=3) for _ in range(5)]
    assert [d.allowed for d in decisions] == [True] * 3 + [False] * 2  # still limited
    assert rl.degraded
    assert caplog.text.count("unreachable") == 1
    rl.close()


def test_the_limiter_is_chosen_from_the_redis_url(redis_url: str) -> None:
    from orderhub.adapters.ratelimit import InProcessLimiter

    assert isinstance(make_limiter(None), InProcessLimiter)
    chosen = make_limiter(redis_url)
    assert isinstance(chosen, RedisLimiter)
    chosen.close()


def test_hit_all_is_all_or_nothing_in_one_script(redis_url: str) -> None:
    rl = RedisLimiter(redis_url, prefix=unique_prefix())
    limits = [("key", 0.001, 5), ("tenant", 0.001, 2)]
    assert all(d.allowed for d in rl.hit_all(limits))
    assert all(d.allowed for d in rl.hit_all(limits))
    key, tenant = rl.hit_all(limits)
    assert key.allowed and key.remaining == 3 and not tenant.allowed
    assert tenant.retry_after_seconds >= 1
    assert rl.hit("key", 0.001, 5).remaining == 2  # nothing was taken from the key
    rl.close()
