"""Download a call recording by URL: SSRF-guarded, size-limited and time-limited.

Design choices:
- Transport: httpcore (httpx's engine) with ``transport.PinnedBackend``. Every connection,
  including each redirect hop, resolves the host once, refuses forbidden addresses and connects
  to the checked IP, while TLS SNI, certificate checks and the Host header use the URL's name.
  No proxy or ``.netrc`` is consulted: a proxy would bypass the address check.
- Redirects are followed by hand (at most ``max_redirects``); each hop is re-validated and an
  https→http downgrade is refused.
- A 200 whose Content-Type says HTML/XML/JSON *and* whose body starts like markup is refused at
  once with ``unsupported_audio_format`` (not ``audio_fetch_failed``): the fetch worked, the
  content is not audio (typically a share-page or sign-in link). The message says so, and we do
  not download a large web page only to let the decoder reject it. A mislabelled audio body
  (Content-Type text/html but binary bytes) is downloaded normally.
- Errors: ``AudioURLForbidden`` (policy), ``AudioTooLarge``, ``EmptyAudio``, ``TransientFetchError``
  (5xx/429/408, timeouts, dropped connections: retrying may help) and plain ``AudioFetchFailed``
  (404, 403, bad TLS certificate, total deadline: retrying will not help). Messages name the
  host, never the full URL: pre-signed query strings are credentials.
"""

from __future__ import annotations

import os
import tempfile
import time
import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

import httpcore
import httpx

from neuronlens import __version__
from neuronlens.errors import (
    AudioFetchFailed,
    AudioTooLarge,
    AudioURLForbidden,
    EmptyAudio,
    UnsupportedAudioFormat,
)
from neuronlens.pipeline.netguard import InvalidAudioURL, parse_audio_url
from neuronlens.pipeline.transport import (
    PinnedBackend,
    Resolver,
    TransientFetchError,
    http_error,
    int_header,
    read_head,
    ssl_context,
    system_resolver,
    translated_errors,
)

if TYPE_CHECKING:
    from neuronlens.config import Settings

__all__ = [
    "FetchOptions",
    "FetchResult",
    "InvalidAudioURL",
    "TransientFetchError",
    "fetch_audio",
    "validate_url_syntax",
]

USER_AGENT = f"NeuronLens/{__version__} (+call-recording fetcher)"
_REDIRECTS = frozenset({301, 302, 303, 307, 308})
_CHUNK = 64 * 1024
MAX_INFLATE_RATIO = 100
BOMB_FREE_BYTES = 16 * 1024 * 1024
"""Content-Encoding: audio barely compresses (PCM with pauses ~2-5x, MP3/Opus ~1x); past the
first 16 MB, a body growing more than 100-fold is a bomb (max_bytes alone would let 1 GB of zeros
be written to disk from 1 MB on the wire)."""
_WEB_TYPES = (
    "text/html",
    "application/xhtml+xml",
    "application/xml",
    "text/xml",
    "application/json",
)


@dataclass(frozen=True)
class FetchOptions:
    """Limits and policy for one download."""

    allow_private: bool = False
    max_bytes: int = 1024 * 1024 * 1024
    connect_timeout: float = 10.0
    read_timeout: float = 30.0
    total_timeout: float = 900.0
    max_redirects: int = 5
    user_agent: str = USER_AGENT
    ca_file: Path | None = None
    """Extra trust anchors (PEM) instead of the certifi bundle, e.g. a private CA."""
    resolver: Resolver = field(default=system_resolver, compare=False, repr=False)

    def __post_init__(self) -> None:
        if self.max_bytes <= 0 or self.max_redirects < 0:
            raise ValueError("max_bytes must be positive and max_redirects not negative")
        if min(self.connect_timeout, self.read_timeout, self.total_timeout) <= 0:
            raise ValueError("timeouts must be positive")

    @classmethod
    def from_settings(cls, settings: Settings) -> FetchOptions:
        """Options from the service settings (``NEURONLENS_*``)."""
        return cls(
            allow_private=settings.allow_private_urls,
            max_bytes=settings.max_audio_bytes,
            connect_timeout=settings.fetch_connect_timeout,
            read_timeout=settings.fetch_read_timeout,
            total_timeout=settings.fetch_total_timeout,
            max_redirects=settings.fetch_max_redirects,
        )


@dataclass(frozen=True)
class FetchResult:
    """A finished download. ``final_url`` may carry a signature: do not log it."""

    path: Path
    size_bytes: int
    content_type: str | None
    final_url: str


def validate_url_syntax(url: str, *, forbid_private: bool = False) -> None:
    """Cheap submission-time URL check (no DNS); raises InvalidAudioURL, a ValueError.

    ``forbid_private=True`` also refuses IP literals and ``localhost`` that the address policy
    would refuse (pass ``not settings.allow_private_urls``); names are only checked at fetch time.
    """
    parse_audio_url(url, forbid_private=forbid_private)


def fetch_audio(url: str, dest: Path, options: FetchOptions) -> FetchResult:
    """Download ``url`` to ``dest`` atomically; raise AudioFetchFailed (or a subclass)."""
    start = _checked(url, options)
    deadline = time.monotonic() + options.total_timeout
    backend = PinnedBackend(
        allow_private=options.allow_private, resolver=options.resolver, deadline=deadline
    )
    dest.parent.mkdir(parents=True, exist_ok=True)
    with httpcore.ConnectionPool(
        ssl_context=ssl_context(options.ca_file), network_backend=backend, max_connections=1
    ) as pool:
        seen: set[str] = set()
        for _hop in range(options.max_redirects + 1):
            seen.add(str(start))
            with translated_errors(start.host, deadline, options.total_timeout):
                target = _request(pool, start, dest, options)
            if isinstance(target, FetchResult):
                return target
            if str(target) in seen:
                raise AudioFetchFailed("the audio URL redirects in a loop")
            start = target
    raise AudioFetchFailed(f"the audio URL redirected more than {options.max_redirects} times")


def _request(
    pool: httpcore.ConnectionPool, url: httpx.URL, dest: Path, options: FetchOptions
) -> FetchResult | httpx.URL:
    """One GET: the download's result, or the URL a redirect points to."""
    request_url = httpcore.URL(
        scheme=url.raw_scheme, host=url.raw_host, port=url.port, target=url.raw_path
    )
    headers = [
        (b"Host", url.netloc),
        (b"User-Agent", options.user_agent.encode()),
        (b"Accept", b"*/*"),
        (b"Accept-Encoding", b"identity"),
    ]
    timeouts = {
        "connect": options.connect_timeout,
        "read": options.read_timeout,
        "write": options.read_timeout,
        "pool": options.connect_timeout,
    }
    with pool.stream("GET", request_url, headers=headers, extensions={"timeout": timeouts}) as r:
        fields = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in r.headers}
        if r.status in _REDIRECTS:
            return _redirect_target(url, r.status, fields.get("location"), options)
        if not 200 <= r.status < 300:
            raise http_error(r.status, fields, read_head(r.iter_stream(), 8192), url.host)
        return _download(r.iter_stream(), fields, url, dest, options)


def _download(
    body: Iterable[bytes], fields: dict[str, str], url: httpx.URL, dest: Path, opts: FetchOptions
) -> FetchResult:
    declared = int_header(fields.get("content-length"))
    if declared is not None and declared > opts.max_bytes:
        raise _too_large(opts.max_bytes, declared)
    content_type = fields.get("content-type")
    sniffing = (content_type or "").split(";")[0].strip().lower() in _WEB_TYPES
    fd, name = tempfile.mkstemp(dir=dest.parent, prefix=f".{dest.name}.", suffix=".part")
    partial = Path(name)
    try:
        size = 0
        with os.fdopen(fd, "wb") as out:
            for chunk in _decoded(body, fields.get("content-encoding", "")):
                if sniffing and chunk.strip():
                    if chunk.lstrip()[:1] in (b"<", b"{"):
                        raise UnsupportedAudioFormat(
                            f"the audio URL returned a web page or API response ({content_type})"
                            ", not audio — is it a share or sign-in link rather than a direct "
                            "download link?"
                        )
                    sniffing = False
                size += len(chunk)
                if size > opts.max_bytes:  # chunked or lying servers: enforce while streaming
                    raise _too_large(opts.max_bytes, None)
                out.write(chunk)
            out.flush()
            os.fsync(out.fileno())
        if size == 0:
            raise EmptyAudio("the audio URL returned an empty file (0 bytes)")
        os.replace(partial, dest)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
    return FetchResult(path=dest, size_bytes=size, content_type=content_type, final_url=str(url))


def _decoded(chunks: Iterable[bytes], encoding: str) -> Iterator[bytes]:
    """The body without its Content-Encoding, in bounded pieces (no decompression bomb)."""
    encoding = encoding.strip().lower()
    if encoding in ("", "identity"):
        yield from chunks
        return
    if encoding not in ("gzip", "x-gzip", "deflate"):
        raise AudioFetchFailed(f"the audio server used an unsupported Content-Encoding {encoding}")
    inflater = zlib.decompressobj(wbits=zlib.MAX_WBITS | 32)  # gzip or zlib header
    received = inflated = 0
    try:
        for chunk in chunks:
            received += len(chunk)
            data = chunk
            while data:
                piece = inflater.decompress(data, _CHUNK)
                data = inflater.unconsumed_tail
                inflated += len(piece)
                if inflated > BOMB_FREE_BYTES and inflated > MAX_INFLATE_RATIO * received:
                    raise AudioTooLarge(
                        f"the audio server's {encoding} body expands more than "
                        f"{MAX_INFLATE_RATIO}-fold ({_human(received)} to over "
                        f"{_human(inflated)}): a decompression bomb, not a recording"
                    )
                yield piece
        yield inflater.flush()
    except zlib.error:
        raise AudioFetchFailed(f"the audio file's {encoding} compression is corrupt") from None


def _redirect_target(
    url: httpx.URL, status: int, location: str | None, options: FetchOptions
) -> httpx.URL:
    if not location:
        raise AudioFetchFailed(f"{url.host} answered HTTP {status} without a Location header")
    try:
        target = url.join(location)
    except (httpx.InvalidURL, ValueError):
        raise AudioFetchFailed(f"{url.host} redirected to a malformed URL") from None
    if url.scheme == "https" and target.scheme == "http":
        raise AudioURLForbidden("the audio URL redirected from https to plain http; refused")
    return _checked(str(target), options)


def _checked(url: str, options: FetchOptions) -> httpx.URL:
    try:
        return parse_audio_url(url, forbid_private=not options.allow_private)
    except InvalidAudioURL as exc:
        if exc.code == AudioURLForbidden.code:
            raise AudioURLForbidden(str(exc)) from None
        raise AudioFetchFailed(str(exc)) from None


def _too_large(limit: int, declared: int | None) -> AudioTooLarge:
    size = f"is {_human(declared)}" if declared is not None else "is larger than that"
    return AudioTooLarge(f"the audio file {size}; the limit is {_human(limit)}")


def _human(size: int) -> str:
    if size >= 10**9:
        return f"{size / 1e9:.1f} GB"
    return f"{size / 1e6:.1f} MB" if size >= 10**6 else f"{size:,} bytes"
