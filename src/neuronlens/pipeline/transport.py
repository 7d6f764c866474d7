"""HTTP transport for fetching: IP-pinned connections, a hard deadline, and error translation.

``PinnedBackend`` is an httpcore network backend. Resolution and connection happen in one
place: the host is resolved once, every address is checked against ``netguard``'s policy, and
the socket connects to exactly a checked address. A DNS answer that changes between "check"
and "connect" (DNS rebinding) therefore cannot slip an internal address through: there is no
second lookup. TLS still uses the URL's host name for SNI and certificate verification,
because httpcore passes that name (not the IP) to ``start_tls``.
"""

from __future__ import annotations

import functools
import ipaddress
import re
import socket
import ssl
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpcore
import httpx

from neuronlens.errors import AudioFetchFailed, AudioURLForbidden
from neuronlens.pipeline.netguard import IPAddress, check_address, parse_ip_literal

Resolver = Callable[[str, int], Sequence[str]]
"""``(host, port) -> IP address strings``; the system one wraps ``getaddrinfo``."""
Connector = Callable[[IPAddress, int, float | None], httpcore.NetworkStream]
"""``(ip, port, timeout) -> connected stream``; injectable so tests never touch a real network."""

_STORAGE_FIELD = re.compile(r"<(Code|Message|Details|AuthenticationErrorDetail)>([^<]{1,300})</")
_EXPIRED = re.compile(r"expired|not valid in the specified time frame", re.IGNORECASE)


def system_resolver(host: str, port: int) -> list[str]:
    """Every address ``getaddrinfo`` returns for ``host`` (TCP)."""
    return [str(info[4][0]) for info in socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)]


def open_stream(ip: IPAddress, port: int, timeout: float | None) -> httpcore.NetworkStream:
    """Connect to exactly ``ip``: a numeric address, so no name lookup can happen here."""
    return httpcore.SyncBackend().connect_tcp(str(ip), port, timeout=timeout)


class TransientFetchError(AudioFetchFailed):
    """A failure that may succeed on retry: HTTP 5xx/429/408, a timeout, a dropped connection."""

    retryable = True

    def __init__(self, message: str, *, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class DeadlineExceeded(Exception):
    """The fetch's total wall-clock budget ran out."""


class _Deadline:
    def __init__(self, at: float | None) -> None:
        self.at = at

    def clamp(self, timeout: float | None) -> float | None:
        """The smaller of ``timeout`` and the time left; raise once nothing is left."""
        if self.at is None:
            return timeout
        left = self.at - time.monotonic()
        if left <= 0:
            raise DeadlineExceeded()
        return left if timeout is None else min(timeout, left)


class _DeadlineStream(httpcore.NetworkStream):
    """Caps every socket operation at the time left, so a slow drip cannot outlive the deadline."""

    def __init__(self, inner: httpcore.NetworkStream, deadline: _Deadline) -> None:
        self._inner = inner
        self._deadline = deadline

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        return self._inner.read(max_bytes, self._deadline.clamp(timeout))

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self._inner.write(buffer, self._deadline.clamp(timeout))

    def close(self) -> None:
        self._inner.close()

    def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        # server_hostname is the URL's host name: SNI and certificate checks use it, not the IP.
        tls = self._inner.start_tls(ssl_context, server_hostname, self._deadline.clamp(timeout))
        return _DeadlineStream(tls, self._deadline)

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class PinnedBackend(httpcore.NetworkBackend):
    """httpcore backend: resolve once, refuse forbidden addresses, connect to the checked IP."""

    def __init__(
        self,
        *,
        allow_private: bool,
        resolver: Resolver = system_resolver,
        connector: Connector = open_stream,
        deadline: float | None = None,
        max_addresses: int = 3,
    ) -> None:
        self._allow_private = allow_private
        self._resolver = resolver
        self._connector = connector
        self._deadline = _Deadline(deadline)
        self._max_addresses = max_addresses

    def resolve(self, host: str, port: int, timeout: float | None = None) -> list[IPAddress]:
        """Every address of ``host``, each checked against the policy (one bad one refuses all)."""
        try:
            literal = parse_ip_literal(host)
        except ValueError as exc:
            raise AudioURLForbidden(f"the audio URL host is invalid: {exc}") from None
        if literal is not None:
            addresses = [literal]
        else:
            addresses = self._lookup(host, port, self._deadline.clamp(timeout))
        for ip in addresses:
            check_address(ip, host, allow_private=self._allow_private)
        return addresses

    def _lookup(self, host: str, port: int, timeout: float | None) -> list[IPAddress]:
        # getaddrinfo has no timeout of its own; a daemon thread lets us stop waiting for it.
        box: dict[str, Any] = {}

        def run() -> None:
            try:
                box["value"] = list(self._resolver(host, port))
            except BaseException as exc:  # handed to the caller below
                box["error"] = exc

        thread = threading.Thread(target=run, name="neuronlens-dns", daemon=True)
        thread.start()
        thread.join(timeout)
        if thread.is_alive():
            raise httpcore.ConnectTimeout(f"DNS lookup for {host} timed out")
        error = box.get("error")
        if isinstance(error, socket.gaierror) and error.errno == socket.EAI_AGAIN:
            raise httpcore.ConnectError(f"DNS lookup for {host} failed temporarily") from error
        if error is not None or not box.get("value"):
            raise AudioFetchFailed(f"the audio URL host {host} could not be found (DNS)")
        unique: dict[IPAddress, None] = {}
        for text in box["value"]:
            try:
                unique[ipaddress.ip_address(text)] = None
            except ValueError:
                raise AudioFetchFailed(f"DNS for {host} returned a malformed address") from None
        return list(unique)

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        """Connect to the first reachable checked address of ``host``."""
        error: Exception = httpcore.ConnectError(f"could not connect to {host}")
        for ip in self.resolve(host, port, timeout)[: self._max_addresses]:
            try:
                stream = self._connector(ip, port, self._deadline.clamp(timeout))
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                error = exc  # try the next address, like a browser would
                continue
            return _DeadlineStream(stream, self._deadline)
        raise error

    def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        """Never allowed: audio is fetched over TCP only."""
        raise AudioURLForbidden("unix sockets are not a valid audio source")


@functools.lru_cache(maxsize=4)
def ssl_context(ca_file: Path | None = None) -> ssl.SSLContext:
    """A verifying client TLS context (certifi's bundle, or ``ca_file``), built once per bundle."""
    if ca_file is not None:
        return ssl.create_default_context(cafile=str(ca_file))
    return httpx.create_ssl_context()


@contextmanager
def translated_errors(host: str, deadline: float, total_timeout: float) -> Iterator[None]:
    """Turn transport exceptions into job errors with messages a user can act on."""
    try:
        yield
    except (httpcore.TimeoutException, DeadlineExceeded) as exc:
        if isinstance(exc, DeadlineExceeded) or time.monotonic() >= deadline:
            raise AudioFetchFailed(
                f"the download did not finish within {total_timeout:g} s; the server is too slow"
            ) from None
        phase = "connecting to" if isinstance(exc, httpcore.ConnectTimeout) else "reading from"
        raise TransientFetchError(f"timed out {phase} the audio server {host}") from None
    except httpcore.ConnectError as exc:
        cause = exc.__cause__ or exc.__context__
        if isinstance(cause, ssl.SSLCertVerificationError):
            detail = cause.verify_message or "verification failed"
            message = f"the TLS certificate of {host} is not valid ({detail})"
            raise AudioFetchFailed(message) from None
        if isinstance(cause, ssl.SSLError):
            raise AudioFetchFailed(f"the TLS handshake with {host} failed ({cause})") from None
        raise TransientFetchError(f"could not connect to the audio server {host}: {exc}") from None
    except (httpcore.NetworkError, httpcore.RemoteProtocolError):
        raise TransientFetchError(f"the connection to {host} broke off mid-download") from None
    except (httpcore.ProtocolError, httpcore.UnsupportedProtocol) as exc:
        raise AudioFetchFailed(f"{host} sent an invalid HTTP response: {exc}") from None


def http_error(status: int, fields: dict[str, str], body: bytes, host: str) -> AudioFetchFailed:
    """The job error for an HTTP error status, with what the storage service said about it."""
    fields_said = _STORAGE_FIELD.findall(body.decode("utf-8", "replace"))
    said = ": ".join(" ".join(value.split()).rstrip(".") for _tag, value in fields_said)[:240]
    note = f" (the server said: {said})" if said else ""
    refused = f"the audio URL was refused (HTTP {status})"
    if status in (400, 401, 403) and _EXPIRED.search(said):  # GCS says 400 ExpiredToken
        return AudioFetchFailed(
            f"{refused} — the pre-signed URL has expired{note}; submit a freshly signed URL"
        )
    if status in (401, 403):
        return AudioFetchFailed(
            f"{refused} — a pre-signed URL may have expired or may not grant read access{note}"
        )
    if status in (404, 410):
        return AudioFetchFailed(
            f"the audio file was not found (HTTP {status}) at {host} — check "
            f"the URL and that the file still exists{note}"
        )
    if status in (408, 425, 429) or status >= 500:
        return TransientFetchError(
            f"the audio server {host} failed temporarily (HTTP {status}){note}",
            retry_after=_retry_after(fields.get("retry-after")),
        )
    return AudioFetchFailed(f"{refused} by {host}{note}")


def _retry_after(value: str | None) -> float | None:
    seconds = int_header(value)
    return None if seconds is None else float(min(seconds, 3600))


def int_header(value: str | None) -> int | None:
    """A non-negative integer header value (Content-Length, Retry-After), or None."""
    try:
        number = int(value.strip()) if value else None
    except ValueError:
        return None
    return number if number is None or number >= 0 else None


def read_head(chunks: Iterable[bytes], limit: int) -> bytes:
    """At most ``limit`` bytes of a response body, stopping quietly if the peer stalls or
    drops: enough to explain an error, where the status line is what counts."""
    data = b""
    try:
        for chunk in chunks:
            data += chunk
            if len(data) >= limit:
                break
    except (
        httpcore.TimeoutException,
        httpcore.NetworkError,
        httpcore.ProtocolError,
        DeadlineExceeded,
    ):
        pass
    return data[:limit]
