"""A real HTTP server on 127.0.0.1 that plays a webhook receiver with scripted behaviour.

Each path has a queue of actions, one consumed per request (200 once the queue is empty):
  an int            answer with that status (3xx answers carry a Location header)
  Json(body, s)     answer status `s` with a JSON body (a carrier API, say)
  Sleep(s, status)  wait `s` seconds (woken early when the receiver closes), then answer
  "close"           close the connection without answering
  "reset"           abort the connection (TCP RST) without answering
Every request is recorded, with its headers (lower-cased names) and raw body, before acting.
"""

from __future__ import annotations

import socket
import struct
import threading
from collections import defaultdict, deque
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Literal

import orjson


@dataclass(frozen=True)
class Sleep:
    seconds: float
    status: int = 200


@dataclass(frozen=True)
class Json:
    body: Any
    status: int = 200


Action = int | Sleep | Json | Literal["close", "reset"]


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return orjson.loads(self.body)


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that gave up (the timeout case) makes a late answer fail: expected."""


class Receiver:
    def __init__(self) -> None:
        self.requests: list[Received] = []
        self._scripts: dict[str, deque[Action]] = defaultdict(deque)
        self._lock = threading.Lock()
        self._closing = threading.Event()
        self._server = _Server(("127.0.0.1", 0), self._handler_class())
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()

    @property
    def port(self) -> int:
        return int(self._server.server_address[1])

    def url(self, path: str = "/hook") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def script(self, path: str, *actions: Action) -> None:
        with self._lock:
            self._scripts[path].extend(actions)

    def received(self, path: str | None = None) -> list[Received]:
        with self._lock:
            return [r for r in self.requests if path is None or r.path == path]

    def close(self) -> None:
        self._closing.set()
        self._server.shutdown()
        self._server.server_close()

    def _next(self, path: str) -> Action:
        with self._lock:
            queue = self._scripts[path]
            return queue.popleft() if queue else 200

    def _handler_class(self) -> type[BaseHTTPRequestHandler]:
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self) -> None:
                length = int(self.headers.get("content-length") or 0)
                body = self.rfile.read(length)
                with receiver._lock:
                    receiver.requests.append(
                        Received(
                            path=self.path,
                            headers={k.lower(): v for k, v in self.headers.items()},
                            body=body,
                        )
                    )
                action = receiver._next(self.path)
                if action == "close":
                    self.close_connection = True
                    return
                if action == "reset":
                    self.connection.setsockopt(
                        socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0)
                    )
                    self.close_connection = True
                    return
                if isinstance(action, Json):
                    payload = orjson.dumps(action.body)
                    self.send_response(action.status)
                    self.send_header("content-type", "application/json")
                    self.send_header("content-length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                    return
                status = action
                if isinstance(action, Sleep):
                    receiver._closing.wait(action.seconds)
                    status = action.status
                assert isinstance(status, int)
                answer = f"answer {status}".encode()
                self.send_response(status)
                if 300 <= status < 400:
                    self.send_header("location", "/elsewhere")
                self.send_header("content-type", "text/plain")
                self.send_header("content-length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def do_GET(self) -> None:
                self.do_POST()

            def log_message(self, format: str, *args: Any) -> None:
                pass  # keep test output clean

        return Handler


def unused_port() -> int:
    """A port nothing listens on (connection refused)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])
