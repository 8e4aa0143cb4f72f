"""A simulated set of bidding providers, for the demo and the tests: each checks the hub's
signature on the request, waits its latency, then answers with a signed bid (price and
promise from its profile, with a small deterministic jitter per offer), a malformed one,
or nothing. With the default 3 s window, SIM-SLOW is late and SIM-BAD malformed.

`deliver(tenant, provider, offer_id, headers, body)` is how a bid reaches the hub (the
bid API's own verify-and-submit path, or an HTTP client in an end-to-end test)."""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from orderhub.adapters.webhooks import signing

Deliver = Callable[[str, str, str, dict[str, str], bytes], object]
SecretOf = Callable[[str, str], str | None]


@dataclass(frozen=True, slots=True)
class Profile:
    code: str
    name: str
    latency_seconds: float
    price: Decimal
    promise_hours: int
    behaviour: str = "ok"  # ok, malformed, silent
    kind: str = "3pl"


SIMULATED: tuple[Profile, ...] = (
    Profile("SIM-SF", "Simulated SF Supply Chain", 0.3, Decimal("12.00"), 30),
    Profile("SIM-JD", "Simulated JD Logistics", 0.8, Decimal("10.50"), 44),
    Profile("SIM-ZTO", "Simulated ZTO Cloud Warehouse", 1.2, Decimal("8.80"), 68),
    Profile("SIM-SLOW", "Simulated slow 3PL", 5.0, Decimal("6.00"), 72),
    Profile("SIM-BAD", "Simulated broken 3PL", 0.5, Decimal("7.00"), 48, "malformed"),
    Profile("SIM-MUTE", "Simulated silent 3PL", 0.0, Decimal("9.00"), 48, "silent"),
)


def jitter(offer_id: str, code: str) -> Decimal:
    """A factor 0.95..1.05, the same for the same offer and provider."""
    h = int.from_bytes(hashlib.sha256(f"{offer_id}/{code}".encode()).digest()[:2], "big")
    return Decimal(95 + h % 11) / 100


class SimulatedProviders:
    """Answers bid requests as the profiles say, each after its latency, on timers."""

    def __init__(self, secret_of: SecretOf, deliver: Deliver,
                 profiles: Sequence[Profile] = SIMULATED,
                 clock: Callable[[], datetime] | None = None) -> None:
        self.secret_of = secret_of
        self.deliver = deliver
        self.profiles = {p.code: p for p in profiles}
        self.clock = clock
        self.timers: list[threading.Timer] = []
        self.rejected: list[str] = []  # requests whose hub signature did not verify

    def bid(self, tenant_id: str, code: str, request_body: bytes) -> bytes | None:
        """What provider `code` answers to this request (None: nothing)."""
        profile = self.profiles.get(code)
        if profile is None or profile.behaviour == "silent":
            return None
        req: dict[str, Any] = json.loads(request_body)
        opened = datetime.fromisoformat(req["opened_at"])
        if profile.behaviour == "malformed":
            return json.dumps({"price": "cheap", "promised_by": "soon"}).encode()
        price = (profile.price * jitter(req["offer_id"], code)).quantize(Decimal("0.01"))
        promised = opened + timedelta(hours=profile.promise_hours)
        return json.dumps({"price": str(price), "currency": req["currency"],
                           "promised_by": promised.isoformat()}).encode()

    def signed(self, tenant_id: str, code: str, offer_id: str, body: bytes,
               now: datetime) -> dict[str, str]:
        secret = self.secret_of(tenant_id, code) or ""
        return signing.signature_headers(secret, f"bid-{offer_id}-{code}",
                                         int(now.timestamp()), body)

    def send(self, requests: Sequence[Any]) -> None:
        for r in requests:
            profile = self.profiles.get(r.provider)
            if profile is None:
                continue
            secret = self.secret_of(r.tenant_id, r.provider)
            try:
                signing.verify(secret or "", r.headers, r.body,
                               now=self.clock() if self.clock else datetime.now().astimezone())
            except signing.WebhookVerificationError:
                self.rejected.append(r.offer_id)
                continue
            body = self.bid(r.tenant_id, r.provider, r.body)
            if body is None:
                continue
            timer = threading.Timer(profile.latency_seconds, self._answer,
                                    (r.tenant_id, r.provider, r.offer_id, body))
            timer.daemon = True
            self.timers.append(timer)
            timer.start()

    def _answer(self, tenant_id: str, code: str, offer_id: str, body: bytes) -> None:
        now = self.clock() if self.clock else datetime.now().astimezone()
        self.deliver(tenant_id, code, offer_id, self.signed(tenant_id, code, offer_id, body,
                                                            now), body)

    def close(self) -> None:
        for t in self.timers:
            t.cancel()
