"""The in-process token bucket, on an injected clock, and the brute-force helpers."""

from __future__ import annotations

import threading

from orderhub.adapters.ratelimit import InProcessLimiter


class Ticks:
    def __init__(self) -> None:
        self.t = 1000.0

    def __call__(self) -> float:
        return self.t


def test_a_burst_passes_then_429_until_a_token_refills() -> None:
    clock = Ticks()
    rl = InProcessLimiter(monotonic=clock)
    decisions = [rl.hit("k", rate=2.0, burst=5) for _ in range(5)]
    assert all(d.allowed for d in decisions)
    assert [d.remaining for d in decisions] == [4, 3, 2, 1, 0]
    assert decisions[0].limit == 5 and decisions[-1].reset_seconds == 3  # 5 tokens at 2/s
    refused = rl.hit("k", rate=2.0, burst=5)
    assert not refused.allowed and refused.retry_after_seconds == 1 and refused.remaining == 0
    clock.t += 0.4  # 0.8 of a token: still refused
    assert not rl.hit("k", rate=2.0, burst=5).allowed
    clock.t += 0.1
    assert rl.hit("k", rate=2.0, burst=5).allowed
    assert not rl.hit("k", rate=2.0, burst=5).allowed
    clock.t += 100  # refills to the burst, never beyond
    assert [rl.hit("k", 2.0, 5).allowed for _ in range(6)] == [True] * 5 + [False]


def test_buckets_are_separate_and_cost_counts_tokens() -> None:
    clock = Ticks()
    rl = InProcessLimiter(monotonic=clock)
    assert rl.hit("a", 1.0, 10, cost=10).allowed
    assert not rl.hit("a", 1.0, 10).allowed
    assert rl.hit("b", 1.0, 10).remaining == 9
    refused = rl.hit("b", 1.0, 10, cost=20)  # more than the burst: never passes
    assert not refused.allowed and refused.remaining == 9


def test_a_peek_consumes_nothing() -> None:
    rl = InProcessLimiter(monotonic=Ticks())
    for _ in range(10):
        assert rl.hit("p", 1.0, 1, cost=0).allowed
    assert rl.hit("p", 1.0, 1).allowed
    peek = rl.hit("p", 1.0, 1, cost=0)
    assert not peek.allowed and peek.retry_after_seconds == 1


def test_concurrent_hits_never_exceed_the_burst() -> None:
    rl = InProcessLimiter(monotonic=Ticks())  # the clock stands still: no refill
    passed = []

    def worker() -> None:
        passed.extend(d.allowed for d in (rl.hit("c", 1.0, 100) for _ in range(50)))

    threads = [threading.Thread(target=worker) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(passed) == 100


def test_full_buckets_are_forgotten_when_the_table_is_full() -> None:
    clock = Ticks()
    rl = InProcessLimiter(monotonic=clock, max_buckets=10)
    for i in range(10):
        rl.hit(f"b{i}", 1.0, 2)
    clock.t += 10
    rl.hit("new", 1.0, 2)
    assert len(rl._buckets) <= 10
    assert rl.hit("new", 1.0, 2).remaining == 0  # the live bucket was kept


def test_hit_all_takes_from_every_bucket_or_from_none() -> None:
    rl = InProcessLimiter(monotonic=Ticks())
    limits = [("key", 1.0, 5), ("tenant", 1.0, 2)]
    first, second = rl.hit_all(limits), rl.hit_all(limits)
    assert first[0].remaining == 4 and first[1].remaining == 1
    assert second[0].allowed and second[1].remaining == 0
    key, tenant = rl.hit_all(limits)  # the tenant is out: the key keeps its tokens
    assert key.allowed and key.remaining == 3 and not tenant.allowed
    assert rl.hit("key", 1.0, 5).remaining == 2
