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
from collections.abc import Callable, Sequence
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


Limit = tuple[str, float, int]  # (bucket, rate per second, burst)


class RateLimiter(Protocol):
    def hit(self, bucket: str, rate: float, burst: int, cost: int = 1) -> Decision:
        """Take `cost` tokens from the bucket if it holds them."""
        ...

    def hit_all(self, limits: Sequence[Limit], cost: int = 1) -> list[Decision]:
        """All or nothing, atomically (one round trip on Redis): `cost` is taken from
        every bucket when each holds it, from none otherwise. A refused hit's decisions:
        the buckets short of tokens say `allowed=False`, the others report their tokens
        untouched."""
        ...

    def close(self) -> None: ...


def need_of(cost: int) -> int:
    return cost if cost > 0 else 1


def decide(tokens: float, rate: float, burst: int, cost: int, *,
           taken: bool = True) -> Decision:
    """The decision on a refilled bucket holding `tokens` (before this hit); `taken`
    false: the hit was refused as a whole and nothing was taken from this bucket."""
    need = need_of(cost)
    allowed = tokens >= need
    left = tokens - cost if allowed and taken else tokens
    return Decision(
        allowed=allowed,
        limit=burst,
        remaining=max(0, math.floor(left)),
        reset_seconds=math.ceil(max(0.0, burst - left) / rate),
        retry_after_seconds=0 if allowed else max(1, math.ceil((need - tokens) / rate)),
    )


def decide_all(tokens: Sequence[float], limits: Sequence[Limit], cost: int) -> list[Decision]:
    passed = all(t >= need_of(cost) for t in tokens)
    return [decide(t, rate, burst, cost, taken=passed)
            for t, (_, rate, burst) in zip(tokens, limits, strict=True)]


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
        return self.hit_all([(bucket, rate, burst)], cost)[0]

    def hit_all(self, limits: Sequence[Limit], cost: int = 1) -> list[Decision]:
        with self._lock:
            now = self.monotonic()
            tokens = []
            for bucket, rate, burst in limits:
                tok, at, _, _ = self._buckets.get(bucket, (float(burst), now, rate, burst))
                tokens.append(min(float(burst), tok + max(0.0, now - at) * rate))
            if cost > 0 and all(t >= cost for t in tokens):
                for t, (bucket, rate, burst) in zip(tokens, limits, strict=True):
                    self._buckets[bucket] = (t - cost, now, rate, burst)
                if len(self._buckets) > self.max_buckets:
                    self._forget_full(now)
            return decide_all(tokens, limits, cost)

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
