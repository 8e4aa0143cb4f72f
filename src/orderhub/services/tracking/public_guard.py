"""Rate limits of the public tracking pages (issue 19), on the hub's rate limiter (in
process, or Redis shared by every API process: adapters/ratelimit).

Three token buckets:
- every request, per client address (`requests`);
- failures per client address (`failures`): a link that does not open (guessed, altered,
  expired, revoked), an order number that is not there, wrong phone digits;
- phone checks per order number (`phone`): a number is locked after N tries until its
  bucket refills, whichever address they come from.

`admit` takes a request token and peeks at the address's failure bucket (a peek takes
nothing); `failed` takes from it. A check of an order number takes its try up front
(`take_try`, atomic), right or wrong: a peek there, with the try counted only after the
check, would let checks that arrive together all pass the lock before any of them is
counted. A refusal is a 429 with Retry-After.
"""

from __future__ import annotations

from dataclasses import dataclass

from orderhub.adapters.ratelimit import Decision, Limit, RateLimiter


@dataclass(frozen=True, slots=True)
class GuardLimits:
    requests_per_minute: int = 60
    failures_per_hour: int = 20
    phone_tries: int = 5
    lock_minutes: int = 30


class PublicGuard:
    def __init__(self, limiter: RateLimiter, limits: GuardLimits) -> None:
        self.limiter = limiter
        self.limits = limits

    def _requests(self, client: str) -> Limit:
        n = self.limits.requests_per_minute
        return (f"track:req:{client}", n / 60, n)

    def _failures(self, client: str) -> Limit:
        n = self.limits.failures_per_hour
        return (f"track:fail:{client}", n / 3600, n)

    def _phone(self, tenant_id: str, number: str) -> Limit:
        n = self.limits.phone_tries
        return (f"track:num:{tenant_id}:{number}", n / (self.limits.lock_minutes * 60), n)

    def admit(self, client: str, tenant_id: str, number: str | None = None
              ) -> Decision | None:
        """None when the request may go on, else the refusing decision (429). With a
        `number`, its try is taken too (`take_try`)."""
        [req] = self.limiter.hit_all([self._requests(client)], 1)
        if not req.allowed:
            return req
        [fails] = self.limiter.hit_all([self._failures(client)], 0)
        if not fails.allowed:
            return fails
        return self.take_try(tenant_id, number) if number else None

    def take_try(self, tenant_id: str, number: str) -> Decision | None:
        """Take one of the order number's tries before it is checked (atomically, so
        concurrent checks cannot all slip past the lock); the refusal when none is left."""
        [d] = self.limiter.hit_all([self._phone(tenant_id, number)], 1)
        return None if d.allowed else d

    def failed(self, client: str, tenant_id: str, number: str | None = None) -> None:
        """Count a failure against the address (the order number's try was taken by
        `take_try` before the check)."""
        self.limiter.hit(*self._failures(client))
