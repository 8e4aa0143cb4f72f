"""A tiny SMTP server for tests (socketserver, RFC 5321's commands that smtplib sends):
it keeps every message it accepts. `answer_rcpt` makes it answer RCPT TO with another
reply (450 temporary, 550 refused)."""

from __future__ import annotations

import socketserver
import threading
from dataclasses import dataclass, field
from email import message_from_bytes, policy
from email.message import EmailMessage
from typing import Any


@dataclass
class Received:
    mail_from: str
    rcpt_to: list[str]
    data: bytes

    @property
    def message(self) -> EmailMessage:
        msg = message_from_bytes(self.data, policy=policy.default)
        assert isinstance(msg, EmailMessage)
        return msg


@dataclass
class _State:
    messages: list[Received] = field(default_factory=list)
    answer_rcpt: str = "250 OK"


class _Handler(socketserver.StreamRequestHandler):
    def reply(self, line: str) -> None:
        self.wfile.write(line.encode() + b"\r\n")
        self.wfile.flush()

    def handle(self) -> None:
        state: _State = self.server.state  # type: ignore[attr-defined]
        self.reply("220 sink ESMTP")
        mail_from, rcpt = "", []
        while True:
            raw = self.rfile.readline()
            if not raw:
                return
            line = raw.decode("utf-8", "replace").rstrip("\r\n")
            verb = line[:4].upper()
            if verb in ("EHLO", "HELO"):
                self.reply("250-sink" if verb == "EHLO" else "250 sink")
                if verb == "EHLO":
                    self.reply("250 8BITMIME")
            elif verb == "MAIL":
                mail_from, rcpt = line.split(":", 1)[1].strip(" <>"), []
                self.reply("250 OK")
            elif verb == "RCPT":
                answer = state.answer_rcpt
                if answer.startswith("250"):
                    rcpt.append(line.split(":", 1)[1].strip(" <>"))
                self.reply(answer)
            elif verb == "DATA":
                self.reply("354 end with .")
                chunks = []
                while True:
                    part = self.rfile.readline()
                    if part in (b".\r\n", b".\n", b""):
                        break
                    chunks.append(part[1:] if part.startswith(b"..") else part)
                state.messages.append(Received(mail_from, rcpt, b"".join(chunks)))
                self.reply("250 queued")
            elif verb == "QUIT":
                self.reply("221 bye")
                return
            else:  # RSET, NOOP
                self.reply("250 OK")


class _Server(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True


class SmtpSink:
    def __init__(self) -> None:
        self._server = _Server(("127.0.0.1", 0), _Handler)
        self.state = _State()
        self._server.state = self.state  # type: ignore[attr-defined]
        self.port = int(self._server.server_address[1])
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()

    @property
    def messages(self) -> list[Received]:
        return self.state.messages

    def set_rcpt_answer(self, answer: str) -> None:
        self.state.answer_rcpt = answer

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def __enter__(self) -> SmtpSink:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()
