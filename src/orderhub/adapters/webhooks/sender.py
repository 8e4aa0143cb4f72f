"""One HTTP POST per webhook attempt, classified into succeeded / retry / dead.

2xx succeeded. 408, 429 and 5xx, timeouts and broken connections are the receiver's
temporary trouble: retry later. Any other answer (3xx included: redirects are not followed,
since a signed message must go to the URL that was registered) will not change on retry:
dead at once.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from types import TracebackType
from typing import Literal, Self

import httpx

import orderhub
from orderhub.config import Settings

Outcome = Literal["succeeded", "retry", "dead"]

RETRYABLE_STATUS = frozenset({408, 429})
# Enough of a failing receiver's answer to explain it in the delivery log.
ERROR_BODY_BYTES = 512
# Short answers are read to the end so the connection goes back to the pool; longer ones are
# cut off (the connection is dropped) so a receiver cannot make us download a large body.
DRAIN_BYTES = 64 * 1024
USER_AGENT = f"orderhub-webhooks/{orderhub.__version__}"


def classify_status(status_code: int) -> Outcome:
    if 200 <= status_code < 300:
        return "succeeded"
    if status_code in RETRYABLE_STATUS or status_code >= 500:
        return "retry"
    return "dead"


@dataclass(frozen=True, slots=True)
class SendResult:
    status_code: int | None  # None when no response arrived
    latency_ms: float
    error: str = ""
    outcome: Outcome = "succeeded"

    @property
    def ok(self) -> bool:
        return self.outcome == "succeeded"


class WebhookSender:
    """Wraps one pooled httpx.Client; thread-safe, so a dispatcher may send in parallel."""

    def __init__(
        self,
        settings: Settings,
        *,
        transport: httpx.BaseTransport | None = None,
        trust_env: bool = True,
    ) -> None:
        self.timeout = settings.webhook_timeout_seconds
        self._client = httpx.Client(
            timeout=httpx.Timeout(self.timeout),
            follow_redirects=False,
            headers={"user-agent": USER_AGENT},
            transport=transport,
            trust_env=trust_env,
        )

    def send(self, url: str, body: bytes, headers: dict[str, str]) -> SendResult:
        """POST `body` to `url`; never raises: every failure becomes a classified result."""
        started = time.perf_counter()

        def elapsed() -> float:
            return round((time.perf_counter() - started) * 1000, 3)

        try:
            with self._client.stream("POST", url, content=body, headers=headers) as response:
                status = response.status_code
                outcome = classify_status(status)
                snippet = _read_some(response)
                error = ""
                if outcome != "succeeded":
                    error = f"HTTP {status} {response.reason_phrase}".rstrip()
                    if snippet:
                        error += f": {snippet}"
                return SendResult(status, elapsed(), error, outcome)
        except httpx.TimeoutException as exc:
            return SendResult(None, elapsed(), _describe("timeout", exc), "retry")
        except (httpx.NetworkError, httpx.RemoteProtocolError, httpx.ProxyError) as exc:
            # Connection refused / reset / closed without an answer: the receiver is down
            # or restarting.
            return SendResult(None, elapsed(), _describe("connection error", exc), "retry")
        except httpx.HTTPError as exc:
            # Invalid URL, unsupported scheme, a request we cannot even form: retrying
            # would not help.
            return SendResult(None, elapsed(), _describe("request error", exc), "dead")
        except Exception as exc:
            # A fault of our own; keep the dispatcher alive and let the attempt budget cap it.
            return SendResult(None, elapsed(), _describe("unexpected error", exc), "retry")

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def _read_some(response: httpx.Response) -> str:
    """The start of the response body (read up to DRAIN_BYTES), for the delivery log."""
    data = b""
    try:
        for chunk in response.iter_bytes():
            data += chunk
            if len(data) >= DRAIN_BYTES:
                break
    except httpx.HTTPError:
        pass
    return data[:ERROR_BODY_BYTES].decode("utf-8", "replace").strip()


def _describe(kind: str, exc: BaseException) -> str:
    detail = str(exc) or type(exc).__name__
    return f"{kind}: {type(exc).__name__}: {detail}"
