"""Token-bucket rate limits (issue 12): the `RateLimiter` protocol and its `Decision`, the
in-process limiter (one process, the embedded default) and, in `redis_limiter.py`, the shared one
(every API process counts against the same buckets).

A bucket holds up to `burst` tokens and refills at `rate` tokens per second; a hit of
`cost` tokens passes when the bucket holds that many. `cost=0` is a peek: it consumes
nothing and says whether one more token would pass (the brute-force check asks it before
authenticating a request).
"""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True, slots=True)
class Decision:
    """What a hit was answered: the numbers behind the `RateLimit-*` and `Retry-After`
    headers. `reset_seconds`: until the bucket is full again; `retry_after_seconds`: until
    the refused hit would pass (0 when allowed)."""

    allowed: bool
    limit: int
    remaining: int
    reset_seconds: int
    retry_after_seconds: int


class RateLimiter(Protocol):
    def hit(self, bucket: str, rate: float, burst: int, cost: int = 1) -> Decision: ...

    def close(self) -> None: ...


def decide(tokens: float, rate: float, burst: int, cost: int) -> tuple[float, Decision]:
    """The token-bucket rule on a refilled bucket: (tokens left, decision). Shared
    by both limiters (Redis runs the refill in its script and this rule on the answer)."""
    need = cost if cost > 0 else 1
    allowed = tokens >= need
    left = tokens - cost if allowed else tokens
    retry = 0 if allowed else math.ceil((need - tokens) / rate)
    return left, Decision(
        allowed=allowed,
        limit=burst,
        remaining=max(0, math.floor(left)),
        reset_seconds=math.ceil(max(0.0, burst - left) / rate),
        retry_after_seconds=max(retry, 0 if allowed else 1),
    )


class InProcessLimiter:
    """Buckets in a dict behind one lock (routes run on a thread pool). Buckets full again
    are dropped now and then, so the dict holds only the clients seen lately."""

    def __init__(self, *, monotonic: Callable[[], float] = time.monotonic,
                 max_buckets: int = 100_000) -> None:
        self.monotonic = monotonic
        self.max_buckets = max_buckets
        # bucket -> (tokens, at, rate, burst)
        self._buckets: dict[str, tuple[float, float, float, int]] = {}
        self._lock = threading.Lock()

    def hit(self, bucket: str, rate: float, burst: int, cost: int = 1) -> Decision:
        with self._lock:
            now = self.monotonic()
            tokens, at, _, _ = self._buckets.get(bucket, (float(burst), now, rate, burst))
            tokens = min(float(burst), tokens + max(0.0, now - at) * rate)
            left, decision = decide(tokens, rate, burst, cost)
            if cost or bucket in self._buckets:
                self._buckets[bucket] = (left, now, rate, burst)
            if len(self._buckets) > self.max_buckets:
                self._forget_full(now)
            return decision

    def _forget_full(self, now: float) -> None:
        """Drop buckets that have refilled (as if never seen); the oldest half if none has."""
        full = [k for k, (tok, at, rate, burst) in self._buckets.items()
                if tok + (now - at) * rate >= burst]
        for k in full or sorted(self._buckets, key=lambda k: self._buckets[k][1])[
                : len(self._buckets) // 2]:
            del self._buckets[k]

    def close(self) -> None:
        pass


def make_limiter(redis_url: str | None) -> RateLimiter:
    """Redis when a URL is set (limits shared by every process), in-process otherwise."""
    if redis_url:
        from orderhub.adapters.ratelimit.redis_limiter import RedisLimiter

        return RedisLimiter(redis_url)
    return InProcessLimiter()
