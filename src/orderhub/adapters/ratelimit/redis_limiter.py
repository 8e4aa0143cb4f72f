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
from collections.abc import Callable, Sequence

import redis
from redis.exceptions import RedisError

from orderhub.adapters.ratelimit import Decision, InProcessLimiter, Limit, decide_all

log = logging.getLogger(__name__)

# KEYS: the buckets; ARGV: cost, then rate and burst of each bucket. All or nothing: the
# cost is taken from every bucket when each holds it. Returns each bucket's refilled tokens
# before this hit (as strings: Lua numbers would come back as integers); the caller works
# out the decisions from them with the same rule (ratelimit.decide_all). A refused hit
# writes nothing: the stored (tokens, at) refills the same way next time.
HIT_SCRIPT = """
local cost = tonumber(ARGV[1])
local need = cost
if need < 1 then need = 1 end
local t = redis.call('TIME')
local now = tonumber(t[1]) + tonumber(t[2]) / 1000000
local tokens = {}
local passed = true
for i, key in ipairs(KEYS) do
  local rate = tonumber(ARGV[2 * i])
  local burst = tonumber(ARGV[2 * i + 1])
  local state = redis.call('HMGET', key, 'tokens', 'at')
  local tok = tonumber(state[1])
  local at = tonumber(state[2])
  if tok == nil or at == nil then
    tok = burst
    at = now
  end
  tok = math.min(burst, tok + math.max(0, now - at) * rate)
  tokens[i] = tok
  if tok < need then passed = false end
end
if passed and cost > 0 then
  for i, key in ipairs(KEYS) do
    local rate = tonumber(ARGV[2 * i])
    local burst = tonumber(ARGV[2 * i + 1])
    redis.call('HSET', key, 'tokens', tostring(tokens[i] - cost), 'at', tostring(now))
    redis.call('PEXPIRE', key, math.ceil(burst / rate * 1000) + 1000)
  end
end
local out = {}
for i = 1, #tokens do out[i] = tostring(tokens[i]) end
return out
"""


class RedisLimiter:
    """Buckets as Redis hashes `<prefix><bucket>` (tokens, at), expiring once full again.
    (`hit_all` touches several keys in one script: on a Redis Cluster they would need one
    hash slot; a single Redis or a replicated pair is what this is for.)"""

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
        return self.hit_all([(bucket, rate, burst)], cost)[0]

    def hit_all(self, limits: Sequence[Limit], cost: int = 1) -> list[Decision]:
        down_until = self._down_until
        if down_until is not None and self.monotonic() < down_until:
            return self.fallback.hit_all(limits, cost)
        args: list[float] = [cost]
        for _, rate, burst in limits:
            args += [rate, burst]
        try:
            raw = self._script(keys=[self.prefix + b for b, _, _ in limits], args=args)
        except RedisError as exc:
            with self._lock:
                if self._down_until is None:
                    log.warning("Redis rate limiter unreachable (%s): limiting per process "
                                "until it answers again", exc)
                self._down_until = self.monotonic() + self.retry_seconds
            return self.fallback.hit_all(limits, cost)
        if down_until is not None:
            with self._lock:
                if self._down_until is not None:
                    log.warning("Redis rate limiter answers again: limits are shared again")
                self._down_until = None
        tokens = [float(v.decode() if isinstance(v, bytes) else v) for v in raw]
        return decide_all(tokens, limits, cost)

    def close(self) -> None:
        self.client.close()
