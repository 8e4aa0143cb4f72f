"""One HTTP POST per webhook attempt, classified into succeeded / retry / dead.

2xx succeeded. 408, 429 and 5xx, timeouts and broken connections are the receiver's
temporary trouble: retry later. Any other answer (3xx included: redirects are not followed,
since a signed message must go to the URL that was registered) will not change on retry:
dead at once.

Unless `webhook_allow_private_targets` is set, the target is checked at send time too (DNS
may have changed since registration: rebinding): the name is resolved once, every address it
resolves to is checked (adapters/webhooks/targets.py), and the request goes to a checked
address, with the Host header and TLS server name (SNI, certificate check) still the
registered name. A refused target is not contacted and the delivery is dead at once. A name
that does not resolve now is retried. Proxies from the environment are not used then, since
a proxy would connect to an address that was not checked.

Only a short, sanitised excerpt of a failing receiver's answer is kept (EXCERPT_CHARS
printable characters, control and format characters removed, whitespace folded): it goes
into the delivery log, which the tenant reads.
"""

from __future__ import annotations

import ipaddress
import time
from collections.abc import Callable
from dataclasses import dataclass
from types import TracebackType
from typing import Any, Literal, Self

import httpx

import orderhub
from orderhub.adapters.webhooks import targets
from orderhub.config import Settings

Outcome = Literal["succeeded", "retry", "dead"]

RETRYABLE_STATUS = frozenset({408, 429})
# How much of a failing receiver's answer the delivery log keeps, in characters.
EXCERPT_CHARS = 200
REASON_CHARS = 60
ERROR_CHARS = 400
# Bytes read to make the excerpt (a UTF-8 character is at most 4 bytes).
EXCERPT_BYTES = 4 * EXCERPT_CHARS
# Short answers are read to the end so the connection goes back to the pool; longer ones are
# cut off (the connection is dropped) so a receiver cannot make us download a large body.
DRAIN_BYTES = 64 * 1024
USER_AGENT = f"orderhub-webhooks/{orderhub.__version__}"


def excerpt(text: str, limit: int = EXCERPT_CHARS) -> str:
    """`text` made safe to store and show: control and other non-printable characters
    removed, whitespace (newlines, tabs) folded to single spaces, at most `limit`
    characters (the last one an ellipsis when cut)."""
    cleaned = "".join(
        " " if ch.isspace() else ch for ch in text if ch.isspace() or ch.isprintable()
    )
    folded = " ".join(cleaned.split())
    if len(folded) > limit:
        return folded[: limit - 1].rstrip() + "\u2026"
    return folded


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
        self.check_targets = not settings.webhook_allow_private_targets
        self._client = httpx.Client(
            timeout=httpx.Timeout(self.timeout),
            follow_redirects=False,
            headers={"user-agent": USER_AGENT},
            transport=transport,
            trust_env=trust_env and not self.check_targets,
        )

    def send(self, url: str, body: bytes, headers: dict[str, str]) -> SendResult:
        """POST `body` to `url`; never raises: every failure becomes a classified result."""
        started = time.perf_counter()

        def elapsed() -> float:
            return round((time.perf_counter() - started) * 1000, 3)

        if not self.check_targets:
            return self._post(url, body, headers, None, elapsed)[0]
        try:
            target = httpx.URL(url)
            name = target.raw_host.decode("ascii")
            addresses = targets.checked_addresses(name, target.port)
        except targets.TargetRefused as exc:
            error = f"refused target: {exc}; not contacted (webhooks go to public addresses only)"
            return SendResult(None, elapsed(), excerpt(error, ERROR_CHARS), "dead")
        except targets.TargetUnresolved as exc:
            return SendResult(None, elapsed(), excerpt(f"connection error: {exc}", ERROR_CHARS),
                              "retry")
        except (httpx.InvalidURL, UnicodeError) as exc:
            return SendResult(None, elapsed(), _describe("request error", exc), "dead")
        pinned_headers = {**headers, "host": target.netloc.decode("ascii")}
        extensions: dict[str, Any] | None = None
        if target.scheme == "https" and not _is_ip_literal(name):
            extensions = {"sni_hostname": name}
        result: SendResult | None = None
        for ip in addresses:
            pinned = target.copy_with(host=str(ip))
            result, connected = self._post(pinned, body, pinned_headers, extensions, elapsed)
            if connected:
                break  # a connection that failed before it was made may try the next address
        assert result is not None  # checked_addresses returns at least one address
        return result

    def _post(
        self,
        url: str | httpx.URL,
        body: bytes,
        headers: dict[str, str],
        extensions: dict[str, Any] | None,
        elapsed: Callable[[], float],
    ) -> tuple[SendResult, bool]:
        """One POST, classified; the flag is False when no connection was made."""
        try:
            with self._client.stream(
                "POST", url, content=body, headers=headers, extensions=extensions
            ) as response:
                status = response.status_code
                outcome = classify_status(status)
                snippet = _read_some(response)
                error = ""
                if outcome != "succeeded":
                    reason = excerpt(response.reason_phrase, REASON_CHARS)
                    error = f"HTTP {status} {reason}".rstrip()
                    if snippet:
                        error += f": {snippet}"
                return SendResult(status, elapsed(), error, outcome), True
        except httpx.ConnectError as exc:
            # Refused or unreachable: nothing was sent; the receiver is down or restarting.
            return SendResult(None, elapsed(), _describe("connection error", exc), "retry"), False
        except httpx.TimeoutException as exc:
            return SendResult(None, elapsed(), _describe("timeout", exc), "retry"), True
        except (httpx.NetworkError, httpx.RemoteProtocolError, httpx.ProxyError) as exc:
            # Connection reset / closed without an answer: the receiver is down or restarting.
            return SendResult(None, elapsed(), _describe("connection error", exc), "retry"), True
        except httpx.HTTPError as exc:
            # Invalid URL, unsupported scheme, a request we cannot even form: retrying
            # would not help.
            return SendResult(None, elapsed(), _describe("request error", exc), "dead"), True
        except Exception as exc:
            # A fault of our own; keep the dispatcher alive and let the attempt budget cap it.
            return SendResult(None, elapsed(), _describe("unexpected error", exc), "retry"), True

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
    """A short, sanitised excerpt of the response body for the delivery log (the body is
    read up to DRAIN_BYTES so a short answer frees its connection; the rest is dropped)."""
    data = b""
    try:
        for chunk in response.iter_bytes():
            data += chunk
            if len(data) >= DRAIN_BYTES:
                break
    except httpx.HTTPError:
        pass
    return excerpt(data[:EXCERPT_BYTES].decode("utf-8", "replace"))


def _is_ip_literal(host: str) -> bool:
    try:
        ipaddress.ip_address(host)
    except ValueError:
        return False
    return True


def _describe(kind: str, exc: BaseException) -> str:
    detail = str(exc) or type(exc).__name__
    return excerpt(f"{kind}: {type(exc).__name__}: {detail}", ERROR_CHARS)
