"""A real HTTP(S) server on 127.0.0.1 for integration tests: stdlib only, one thread per request.

    with LocalHTTPServer() as server:
        url = server.add_file("/calls/4492.wav", wav_bytes, "audio/wav")
        ...                                   # fetch ``url`` with allow_private=True
        assert server.hits("/calls/4492.wav") == 1

Registered paths (``add_file``, ``add_response``, ``add_redirect``) win over the canned routes.
POST is recorded with its body (``requests``) and answered like GET, or 200 "ok" when unknown.

| route | answer |
|---|---|
| ``/html`` | 200 ``text/html`` error page |
| ``/s3-expired`` | 403 S3-style XML, ``AccessDenied`` / ``Request has expired`` |
| ``/status/<code>`` | that status (404, 500, 503, ...) with a short text body |
| ``/slow?bytes=N&interval=S`` | 200, Content-Length N, one byte every S seconds (10, 1.0) |
| ``/slow-headers?delay=S`` | waits S seconds (1.0) before the status line |
| ``/redirect?to=URL&status=302`` | redirect to a path or absolute URL |
| ``/redirect-loop`` | 302 to itself |
| ``/redirect-chain/<n>?to=URL`` | n more hops, then to ``to`` (default ``/html``) |
| ``/huge`` | Content-Length 3 GB, then zeros (at most 8 MB) |
| ``/chunked?size=N`` | chunked body of N bytes (1 MB) |
| ``/close-delimited?size=N`` | no Content-Length; body ends when the connection closes |
| ``/truncated?size=N`` | Content-Length 2N, sends N bytes, closes |
| ``/empty`` | 200 ``audio/mpeg`` with an empty body |
"""

from __future__ import annotations

import socket
import socketserver
import ssl
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

S3_EXPIRED_XML = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>AccessDenied</Code>'
    b"<Message>Request has expired</Message><X-Amz-Expires>900</X-Amz-Expires>"
    b"<Expires>2024-05-01T10:15:00Z</Expires><ServerTime>2024-05-01T10:31:07Z</ServerTime>"
    b"<RequestId>7Q1XEXAMPLE</RequestId></Error>"
)
HTML_PAGE = b"<!DOCTYPE html><html><head><title>Sign in</title></head><body>Sign in</body></html>"


@dataclass(frozen=True)
class RecordedRequest:
    """One request the server received; header names are lower-case."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes = b""


@dataclass(frozen=True)
class _Canned:
    status: int
    body: bytes
    headers: tuple[tuple[str, str], ...]


_BUILT_IN = {
    "/html": _Canned(200, HTML_PAGE, (("Content-Type", "text/html; charset=utf-8"),)),
    "/s3-expired": _Canned(403, S3_EXPIRED_XML, (("Content-Type", "application/xml"),)),
    "/empty": _Canned(200, b"", (("Content-Type", "audio/mpeg"),)),
    "/redirect-loop": _Canned(302, b"", (("Location", "/redirect-loop"),)),
}


class LocalHTTPServer:
    """A threaded HTTP server on a free loopback port; HTTPS when given a server TLS context."""

    def __init__(self, *, host: str = "127.0.0.1", tls: ssl.SSLContext | None = None) -> None:
        self.host = host
        self.tls = tls
        self.stopping = threading.Event()
        self._routes: dict[str, _Canned] = dict(_BUILT_IN)
        self._requests: list[RecordedRequest] = []
        self._lock = threading.Lock()
        self._httpd: _Server | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> LocalHTTPServer:
        """Bind and serve in a background thread."""
        family = socket.AF_INET6 if ":" in self.host else socket.AF_INET
        self._httpd = _Server((self.host, 0), family, self)
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Stop serving and end dripping responses (idle keep-alive handlers time out)."""
        self.stopping.set()
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def __enter__(self) -> LocalHTTPServer:
        return self.start()

    def __exit__(self, *_exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        assert self._httpd is not None, "start() the server first"
        return int(self._httpd.server_address[1])

    @property
    def base_url(self) -> str:
        """E.g. ``http://127.0.0.1:43121`` (no trailing slash)."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{'https' if self.tls else 'http'}://{host}:{self.port}"

    def url(self, path: str) -> str:
        """The absolute URL of ``path`` on this server."""
        return self.base_url + path

    def add_file(
        self,
        path: str,
        data: bytes | Path,
        content_type: str = "application/octet-stream",
        *,
        headers: dict[str, str] | None = None,
    ) -> str:
        """Serve ``data`` (bytes or a file's contents) at ``path``; returns its URL."""
        body = data.read_bytes() if isinstance(data, Path) else data
        return self.add_response(path, body=body, content_type=content_type, headers=headers)

    def add_response(
        self,
        path: str,
        *,
        status: int = 200,
        body: bytes = b"",
        content_type: str = "text/plain",
        headers: dict[str, str] | None = None,
    ) -> str:
        """Answer GET ``path`` with a fixed response; returns its URL."""
        fields = {"Content-Type": content_type, **(headers or {})}
        with self._lock:
            self._routes[path] = _Canned(status, body, tuple(fields.items()))
        return self.url(path)

    def add_redirect(self, path: str, location: str, *, status: int = 302) -> str:
        """Redirect ``path`` to ``location`` (a path or an absolute URL); returns its URL."""
        return self.add_response(path, status=status, headers={"Location": location})

    @property
    def requests(self) -> list[RecordedRequest]:
        """Every request received so far, oldest first."""
        with self._lock:
            return list(self._requests)

    def hits(self, path: str) -> int:
        """How many requests asked for ``path`` (query string ignored)."""
        return sum(1 for r in self.requests if urlsplit(r.path).path == path)

    def record(self, request: RecordedRequest) -> None:
        with self._lock:
            self._requests.append(request)

    def route(self, path: str) -> _Canned | None:
        with self._lock:
            return self._routes.get(path)


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(self, address: tuple[str, int], family: int, owner: LocalHTTPServer) -> None:
        self.address_family = family
        self.owner = owner
        super().__init__(address, _Handler)

    def server_bind(self) -> None:
        # HTTPServer.server_bind calls getfqdn(), a reverse DNS lookup: tests send no DNS.
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = self.owner.host, self.server_address[1]

    def get_request(self) -> tuple[Any, Any]:
        sock, address = self.socket.accept()
        if self.owner.tls is not None:  # handshake later, in the handler's own thread
            sock = self.owner.tls.wrap_socket(sock, server_side=True, do_handshake_on_connect=False)
        return sock, address

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Clients that hang up early are part of the tests, not errors."""


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    timeout = 5  # idle keep-alive connections end by themselves
    server: _Server

    def setup(self) -> None:
        super().setup()
        if isinstance(self.connection, ssl.SSLSocket):
            self.connection.do_handshake()

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: pytest output stays readable."""

    def do_POST(self) -> None:
        """Record the body (webhook deliveries, say); answer like GET (registered: 200 "ok")."""
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.do_GET(body)

    def do_GET(self, body: bytes = b"") -> None:
        owner = self.server.owner
        headers = {k.lower(): v for k, v in self.headers.items()}
        owner.record(RecordedRequest(self.command, self.path, headers, body))
        split = urlsplit(self.path)
        query = {k: v[0] for k, v in parse_qs(split.query).items()}
        canned = owner.route(split.path)
        if canned is not None:
            self._send(canned.status, canned.body, dict(canned.headers))
            return
        name, _, rest = split.path.lstrip("/").partition("/")
        handler = getattr(self, f"_route_{name.replace('-', '_')}", None)
        if handler is None:
            status = 200 if self.command == "POST" else 404
            self._send(status, b"ok" if status == 200 else b"no such route", {})
            return
        handler(rest, query)

    def _send(self, status: int, body: bytes, headers: dict[str, str]) -> None:
        if "content-length" not in {k.lower() for k in headers}:
            headers = {**headers, "Content-Length": str(len(body))}
        self._start(status, headers)
        self.wfile.write(body)

    def _route_status(self, rest: str, _query: dict[str, str]) -> None:
        self._send(int(rest), f"status {rest}".encode(), {"Content-Type": "text/plain"})

    def _route_redirect(self, _rest: str, query: dict[str, str]) -> None:
        status = int(query.get("status", "302"))
        self._send(status, b"", {"Location": query.get("to", "/html")})

    def _route_redirect_chain(self, rest: str, query: dict[str, str]) -> None:
        hops = int(rest or "0")
        target = query.get("to", "/html")
        location = f"/redirect-chain/{hops - 1}?to={target}" if hops > 0 else target
        self._send(302, b"", {"Location": location})

    def _route_slow(self, _rest: str, query: dict[str, str]) -> None:
        size, interval = int(query.get("bytes", "10")), float(query.get("interval", "1.0"))
        self._start(200, {"Content-Type": "audio/mpeg", "Content-Length": str(size)})
        for _ in range(size):
            if self.server.owner.stopping.wait(interval):
                return
            self.wfile.write(b"\0")

    def _route_slow_headers(self, _rest: str, query: dict[str, str]) -> None:
        if not self.server.owner.stopping.wait(float(query.get("delay", "1.0"))):
            self._send(200, b"late", {"Content-Type": "audio/mpeg"})

    def _route_huge(self, _rest: str, _query: dict[str, str]) -> None:
        self._start(200, {"Content-Type": "audio/wav", "Content-Length": str(3 * 10**9)})
        for _ in range(128):  # 8 MB at most: a client that reads it all is the bug
            self.wfile.write(bytes(64 * 1024))
        self.close_connection = True

    def _route_chunked(self, _rest: str, query: dict[str, str]) -> None:
        remaining = int(query.get("size", str(1024 * 1024)))
        self._start(200, {"Content-Type": "audio/mpeg", "Transfer-Encoding": "chunked"})
        while remaining > 0:
            piece = bytes(min(remaining, 16 * 1024))
            self.wfile.write(b"%x\r\n%s\r\n" % (len(piece), piece))
            remaining -= len(piece)
        self.wfile.write(b"0\r\n\r\n")

    def _route_close_delimited(self, _rest: str, query: dict[str, str]) -> None:
        self._start(200, {"Content-Type": "audio/mpeg", "Connection": "close"})
        self.wfile.write(bytes(int(query.get("size", "1000"))))
        self.close_connection = True

    def _route_truncated(self, _rest: str, query: dict[str, str]) -> None:
        size = int(query.get("size", "1000"))
        self._start(200, {"Content-Type": "audio/mpeg", "Content-Length": str(2 * size)})
        self.wfile.write(bytes(size))
        self.close_connection = True

    def _start(self, status: int, headers: dict[str, str]) -> None:
        self.send_response(status)
        for key, value in headers.items():
            self.send_header(key, value)
        self.end_headers()
