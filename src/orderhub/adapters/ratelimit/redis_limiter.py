"""The shared token bucket: one atomic Lua script per hit on Redis, timed by the Redis
server's clock (`TIME`), so every API process refills the same bucket the same way.

When Redis cannot be reached the limiter does not take the API down, and it does not let
everything through either: it falls back to an in-process bucket (each process then limits
on its own, as on the embedded default), logs the outage once, and tries Redis again after
`retry_seconds`. Fail-closed would turn a cache outage into an API outage; fail-open would
leave the hub unprotected exactly when something is already wrong.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable

import redis
from redis.exceptions import RedisError

from orderhub.adapters.ratelimit import Decision, InProcessLimiter, decide

log = logging.getLogger(__name__)

# KEYS[1] bucket; ARGV rate, burst, cost. Returns {tokens before this hit (refilled), now}.
# The rule itself (pass or not) is applied here too, so the stored state is exact; the
# numbers for the headers are worked out by the caller from the refilled tokens.
HIT_SCRIPT = """
local rate = tonumber(ARGV[1])
local burst = tonumber(ARGV[2])
local cost = tonumber(ARGV[3])
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local state = redis.call('HMGET', KEYS[1], 'tokens', 'at')
local tokens = tonumber(state[1])
local at = tonumber(state[2])
if tokens == nil or at == nil then
  tokens = burst
  at = now
end
tokens = math.min(burst, tokens + math.max(0, now - at) * rate)
local need = cost
if need < 1 then need = 1 end
local left = tokens
if tokens >= need then left = tokens - cost end
if cost > 0 or state[1] then
  redis.call('HSET', KEYS[1], 'tokens', tostring(left), 'at', tostring(now))
  redis.call('PEXPIRE', KEYS[1], math.ceil(burst / rate * 1000) + 1000)
end
return tostring(tokens)
"""


class RedisLimiter:
    """Buckets as Redis hashes `<prefix><bucket>` (tokens, at), expiring once full again."""

    def __init__(self, url: str, *, prefix: str = "orderhub:rl:", timeout: float = 0.25,
                 retry_seconds: float = 5.0,
                 monotonic: Callable[[], float] = time.monotonic) -> None:
        self.prefix = prefix
        self.retry_seconds = retry_seconds
        self.monotonic = monotonic
        self.client = redis.Redis.from_url(url, socket_timeout=timeout,
                                           socket_connect_timeout=timeout)
        self._script = self.client.register_script(HIT_SCRIPT)
        self.fallback = InProcessLimiter(monotonic=monotonic)
        self._down_until: float | None = None
        self._lock = threading.Lock()

    @property
    def degraded(self) -> bool:
        """Redis was unreachable at the last try: limits are per process for now."""
        return self._down_until is not None

    def hit(self, bucket: str, rate: float, burst: int, cost: int = 1) -> Decision:
        down_until = self._down_until
        if down_until is not None and self.monotonic() < down_until:
            return self.fallback.hit(bucket, rate, burst, cost)
        try:
            raw = self._script(keys=[self.prefix + bucket], args=[rate, burst, cost])
        except RedisError as exc:
            with self._lock:
                if self._down_until is None:
                    log.warning("Redis rate limiter unreachable (%s): limiting per process "
                                "until it answers again", exc)
                self._down_until = self.monotonic() + self.retry_seconds
            return self.fallback.hit(bucket, rate, burst, cost)
        if down_until is not None:
            with self._lock:
                if self._down_until is not None:
                    log.warning("Redis rate limiter answers again: limits are shared again")
                self._down_until = None
        tokens = float(raw.decode() if isinstance(raw, bytes) else raw)
        return decide(tokens, rate, burst, cost)[1]

    def close(self) -> None:
        self.client.close()
