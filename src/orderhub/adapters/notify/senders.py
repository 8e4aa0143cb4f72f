"""The sender port and its providers. A sender gets one `Outgoing` message and either
returns (the provider accepted it) or raises `SendFailed` saying whether a retry may help.

    sender = SmtpSender("smtp.example.com", 587, "shop@example.com", starttls=True)
    sender.send(Outgoing(id="ntf_1", medium="email", to="li@example.com",
                         subject="Order shipped", body="...", headers={}))

Providers: `SmtpSender` (email over SMTP, smtplib), `WebhookProviderSender` (any
webhook-style SMS / WeChat gateway: POSTs the message as signed JSON, Standard Webhooks
headers as the hub's own webhooks), `SimulatorSender` (records what it was given, for the
demo and tests; can be told to fail). Recipients are personal data: a sender never logs
them, and errors it raises never contain them.
"""

from __future__ import annotations

import smtplib
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from typing import Protocol

import httpx
import orjson

from orderhub.adapters.webhooks.sender import classify_status
from orderhub.adapters.webhooks.signing import signature_headers


@dataclass(frozen=True, slots=True)
class Outgoing:
    id: str
    medium: str
    to: str
    subject: str
    body: str
    tenant_id: str = ""
    order_id: str = ""
    headers: dict[str, str] = field(default_factory=dict)  # e.g. List-Unsubscribe


class SendFailed(Exception):
    """The provider did not take the message; `retry`: a later try may succeed."""

    def __init__(self, message: str, *, retry: bool = True) -> None:
        super().__init__(message)
        self.retry = retry


class Sender(Protocol):
    name: str

    def send(self, message: Outgoing) -> None: ...

    def close(self) -> None: ...


class SmtpSender:
    """Email over SMTP (one connection per message; STARTTLS and login when configured).
    5xx answers are permanent (dead at once), 4xx, timeouts and refused connections are
    temporary."""

    name = "smtp"

    def __init__(self, host: str, port: int, from_address: str, *, starttls: bool = False,
                 username: str = "", password: str = "", timeout: float = 10.0) -> None:
        self.host, self.port, self.from_address = host, port, from_address
        self.starttls, self.username, self.password = starttls, username, password
        self.timeout = timeout

    def send(self, message: Outgoing) -> None:
        mail = EmailMessage()
        mail["From"] = self.from_address
        mail["To"] = message.to
        mail["Subject"] = message.subject
        mail["Date"] = formatdate(localtime=False)
        mail["Message-ID"] = make_msgid(idstring=message.id)
        for name, value in message.headers.items():
            mail[name] = value
        mail.set_content(message.body)
        try:
            with smtplib.SMTP(self.host, self.port, timeout=self.timeout) as smtp:
                if self.starttls:
                    smtp.starttls()
                if self.username:
                    smtp.login(self.username, self.password)
                smtp.send_message(mail)
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [code for code, _ in exc.recipients.values()]
            temporary = bool(codes) and all(400 <= c < 500 for c in codes)
            listed = ", ".join(map(str, codes))
            raise SendFailed(f"the SMTP server refused the recipient ({listed})",
                             retry=temporary) from None
        except smtplib.SMTPResponseException as exc:
            raise SendFailed(f"SMTP {exc.smtp_code}", retry=exc.smtp_code < 500) from None
        except (OSError, smtplib.SMTPException) as exc:
            raise SendFailed(f"SMTP server unavailable: {type(exc).__name__}") from None

    def close(self) -> None:
        return None


class WebhookProviderSender:
    """A webhook-style provider (an SMS or WeChat gateway): POST
    `{"id", "medium", "to", "subject", "body", "tenant", "order_id"}` signed with the
    provider's secret (webhook-id = the message id, so the provider de-duplicates)."""

    name = "webhook"

    def __init__(self, url: str, secret: str, *, timeout: float = 10.0,
                 clock: Callable[[], datetime] = lambda: datetime.now(UTC),
                 transport: httpx.BaseTransport | None = None) -> None:
        self.url, self.secret, self.clock = url, secret, clock
        self._client = httpx.Client(timeout=timeout, transport=transport, trust_env=False,
                                    follow_redirects=False)

    def send(self, message: Outgoing) -> None:
        body = orjson.dumps({"id": message.id, "medium": message.medium, "to": message.to,
                             "subject": message.subject, "body": message.body,
                             "tenant": message.tenant_id, "order_id": message.order_id})
        headers = {"content-type": "application/json",
                   **signature_headers(self.secret, message.id,
                                       int(self.clock().timestamp()), body)}
        try:
            r = self._client.post(self.url, content=body, headers=headers)
        except httpx.HTTPError as exc:
            raise SendFailed(f"provider unreachable: {type(exc).__name__}") from None
        outcome = classify_status(r.status_code)
        if outcome != "succeeded":
            raise SendFailed(f"provider answered HTTP {r.status_code}", retry=outcome == "retry")

    def close(self) -> None:
        self._client.close()


@dataclass(frozen=True, slots=True)
class Recorded:
    message: Outgoing
    at: float  # time.time() when it was handed over


class SimulatorSender:
    """Records every message it is given (the demo's and the tests' provider). `fail`
    makes it raise: `"always"`, `"permanent"` or a number of first calls to fail."""

    name = "simulator"

    def __init__(self, medium: str = "", *, fail: str | int = 0, delay: float = 0.0,
                 keep: int = 100_000) -> None:
        self.medium = medium
        self.keep = keep  # the most recent messages kept (a long-running demo server)
        self.fail = fail
        self.delay = delay
        self.calls = 0
        self.sent: list[Recorded] = []
        self._lock = threading.Lock()

    def send(self, message: Outgoing) -> None:
        with self._lock:
            self.calls += 1
            calls = self.calls
        if self.delay:
            time.sleep(self.delay)
        if self.fail == "permanent":
            raise SendFailed("simulated provider refused the message", retry=False)
        if self.fail == "always" or (isinstance(self.fail, int) and calls <= self.fail):
            raise SendFailed("simulated provider failure")
        with self._lock:
            self.sent.append(Recorded(message, time.time()))
            if len(self.sent) > self.keep:
                del self.sent[: len(self.sent) - self.keep]

    def close(self) -> None:
        return None

