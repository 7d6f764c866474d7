"""One webhook POST over the SSRF-safe transport the audio fetcher uses.

The host is resolved once, each address checked against ``netguard``'s policy, and the socket
connects to exactly a checked address (no DNS rebinding). Redirects are not followed. Every
attempt has a total deadline, and at most ``MAX_RESPONSE_BYTES`` of the answer are read.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import httpcore

from neuronlens import __version__
from neuronlens.config import Settings
from neuronlens.errors import AudioFetchFailed, AudioURLForbidden
from neuronlens.pipeline.netguard import InvalidAudioURL, parse_audio_url
from neuronlens.pipeline.transport import (
    DeadlineExceeded,
    PinnedBackend,
    Resolver,
    int_header,
    read_head,
    ssl_context,
    system_resolver,
)
from neuronlens.storage.webhook_models import AttemptResult

USER_AGENT = f"NeuronLens-Webhooks/{__version__}"
MAX_RESPONSE_BYTES = 64 * 1024
"""Enough for any acknowledgement; a receiver that streams more is cut off, not read."""
MAX_RETRY_AFTER = 24 * 3600.0


@dataclass(frozen=True)
class SendOptions:
    """Policy and limits for one attempt."""

    allow_private: bool = False
    timeout: float = 15.0
    resolver: Resolver = field(default=system_resolver, compare=False, repr=False)

    @classmethod
    def from_settings(cls, settings: Settings) -> SendOptions:
        """Options from the service settings (``NEURONLENS_*``)."""
        return cls(allow_private=settings.allow_private_urls, timeout=settings.webhook_timeout)


def post_webhook(
    url: str, body: bytes, headers: dict[str, str], options: SendOptions
) -> AttemptResult:
    """POST ``body`` to ``url``; what happened, never an exception for network trouble."""
    started = time.monotonic()

    def failed(error: str, *, permanent: bool = False) -> AttemptResult:
        latency = (time.monotonic() - started) * 1000
        return AttemptResult(None, latency, error=error, permanent=permanent)

    try:
        parsed = parse_audio_url(url, forbid_private=not options.allow_private)
    except InvalidAudioURL as exc:
        return failed(_webhook_words(str(exc)), permanent=True)
    backend = PinnedBackend(
        allow_private=options.allow_private,
        resolver=options.resolver,
        deadline=started + options.timeout,
    )
    target = httpcore.URL(
        scheme=parsed.raw_scheme, host=parsed.raw_host, port=parsed.port, target=parsed.raw_path
    )
    fields = [
        (b"Host", parsed.netloc),
        (b"User-Agent", USER_AGENT.encode()),
        (b"Content-Type", b"application/json"),
        (b"Content-Length", str(len(body)).encode()),
        *((name.encode(), value.encode()) for name, value in headers.items()),
    ]
    timeouts = {
        "connect": min(10.0, options.timeout),
        "read": options.timeout,
        "write": options.timeout,
        "pool": options.timeout,
    }
    try:
        with (
            httpcore.ConnectionPool(
                ssl_context=ssl_context(), network_backend=backend, max_connections=1
            ) as pool,
            pool.stream(
                "POST", target, headers=fields, content=body, extensions={"timeout": timeouts}
            ) as response,
        ):
            answer = read_head(response.iter_stream(), MAX_RESPONSE_BYTES)
            said = {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in response.headers}
            status = response.status
    except AudioURLForbidden as exc:
        return failed(_webhook_words(exc.message), permanent=True)
    except AudioFetchFailed as exc:  # DNS: the name may come back; retry
        return failed(_webhook_words(exc.message))
    except (httpcore.TimeoutException, DeadlineExceeded):
        return failed(f"no answer within {options.timeout:g} s (timeout)")
    except httpcore.ConnectError as exc:
        return failed(f"could not connect to {parsed.host}: {exc}")
    except (httpcore.NetworkError, httpcore.ProtocolError, httpcore.UnsupportedProtocol) as exc:
        return failed(f"the connection to {parsed.host} failed: {exc or type(exc).__name__}")
    latency = (time.monotonic() - started) * 1000
    return AttemptResult(
        status_code=status,
        latency_ms=latency,
        response_body=answer.decode("utf-8", "replace")[:1000] or None,
        retry_after=retry_after_seconds(said.get("retry-after")),
    )


def retry_after_seconds(value: str | None, now: datetime | None = None) -> float | None:
    """A ``Retry-After`` header (seconds or an HTTP date) in seconds, capped at a day."""
    if not value:
        return None
    seconds: float | None = int_header(value)
    if seconds is None:
        try:
            when = parsedate_to_datetime(value.strip())
        except (TypeError, ValueError):
            return None
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        seconds = max(0.0, (when - (now or datetime.now(UTC))).total_seconds())
    return min(float(seconds), MAX_RETRY_AFTER)


def _webhook_words(message: str) -> str:
    return message.replace("the audio URL", "the webhook URL").replace(
        "NeuronLens only fetches from", "NeuronLens only sends to"
    )
