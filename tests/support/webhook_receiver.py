"""A webhook receiver on 127.0.0.1 that answers from a script and records what it got.

with WebhookReceiver([Reply(500), Reply(429, {"Retry-After": "1"})]) as receiver:
    ...                         # the first two requests fail, then every one gets 200
    receiver.received[0].headers["webhook-signature"]
"""

from __future__ import annotations

import socketserver
import threading
import time
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass(frozen=True)
class Reply:
    """How to answer one request: a status, headers, an optional delay before answering."""

    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    body: bytes = b"ok"


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    at: float
    status: int
    """What the receiver answered."""


class WebhookReceiver:
    """A threaded HTTP server: scripted replies first, then ``default`` for every request."""

    def __init__(self, script: Iterable[Reply] = (), default: Reply | None = None) -> None:
        self._script: deque[Reply] = deque(script)
        self.default = default or Reply()
        self._received: list[Received] = []
        self._lock = threading.Lock()
        self.stopping = threading.Event()
        self._httpd = _Server(("127.0.0.1", 0), self)
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )

    def __enter__(self) -> WebhookReceiver:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.stopping.set()
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(timeout=5)

    def url(self, path: str = "/hook") -> str:
        return f"http://127.0.0.1:{self._httpd.server_address[1]}{path}"

    @property
    def received(self) -> list[Received]:
        with self._lock:
            return list(self._received)

    def next_reply(self) -> Reply:
        with self._lock:
            return self._script.popleft() if self._script else self.default

    def record(self, received: Received) -> None:
        with self._lock:
            self._received.append(received)


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], owner: WebhookReceiver) -> None:
        self.owner = owner
        super().__init__(address, _Handler)

    def server_bind(self) -> None:
        socketserver.TCPServer.server_bind(self)  # no getfqdn(): tests send no DNS
        self.server_name, self.server_port = "127.0.0.1", self.server_address[1]

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Senders that give up (timeouts) are part of the tests."""


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 10
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet."""

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        owner = self.server.owner
        reply = owner.next_reply()
        headers = {k.lower(): v for k, v in self.headers.items()}
        owner.record(Received(self.path, headers, body, time.monotonic(), reply.status))
        if reply.delay and owner.stopping.wait(reply.delay):
            self.close_connection = True  # hang up on the sender: it sees a broken connection
            return
        self.send_response(reply.status)
        for key, value in {**reply.headers, "Content-Length": str(len(reply.body))}.items():
            self.send_header(key, value)
        self.end_headers()
        self.wfile.write(reply.body)
