"""fetch_audio against a real HTTP(S) server on 127.0.0.1 (and fake DNS for other names)."""

from __future__ import annotations

import gzip
import os
import socket
import time
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from neuronlens.errors import (
    AudioFetchFailed,
    AudioTooLarge,
    EmptyAudio,
    UnsupportedAudioFormat,
)
from neuronlens.pipeline.fetch import FetchOptions, TransientFetchError, fetch_audio
from neuronlens.pipeline.transport import http_error
from tests.support.http_server import LocalHTTPServer
from tests.support.network import loopback_only

AUDIO = os.urandom(300_000)
FAST = FetchOptions(allow_private=True, max_bytes=1_000_000, read_timeout=2, total_timeout=10)


@pytest.fixture(scope="module")
def server() -> Iterator[LocalHTTPServer]:
    with LocalHTTPServer() as running:
        running.add_file("/calls/4492.wav", AUDIO, "audio/wav")
        yield running


@pytest.fixture(autouse=True)
def connections(monkeypatch: pytest.MonkeyPatch) -> list[tuple[Any, ...]]:
    """Every TCP connect a test makes; anything off loopback fails the test."""
    return loopback_only(monkeypatch)


def leftovers(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir()) if directory.exists() else []


# --- success ---------------------------------------------------------------------------------


def test_streams_the_exact_bytes_to_dest(server: LocalHTTPServer, tmp_path: Path) -> None:
    dest = tmp_path / "job" / "audio"
    result = fetch_audio(server.url("/calls/4492.wav?X-Amz-Signature=s3cr3t"), dest, FAST)
    assert dest.read_bytes() == AUDIO
    assert (result.path, result.size_bytes, result.content_type) == (dest, len(AUDIO), "audio/wav")
    assert result.final_url.endswith("/calls/4492.wav?X-Amz-Signature=s3cr3t")
    assert leftovers(dest.parent) == ["audio"]
    sent = server.requests[-1].headers
    assert sent["user-agent"].startswith("NeuronLens/")
    assert sent["accept-encoding"] == "identity"


@pytest.mark.parametrize("route", ["/chunked?size=200000", "/close-delimited?size=200000"])
def test_bodies_without_content_length(server: LocalHTTPServer, tmp_path: Path, route: str) -> None:
    result = fetch_audio(server.url(route), tmp_path / "a", FAST)
    assert result.size_bytes == 200_000


def test_gzip_content_encoding_is_decoded(server: LocalHTTPServer, tmp_path: Path) -> None:
    url = server.add_file(
        "/calls/gz.wav", gzip.compress(AUDIO), "audio/wav", headers={"Content-Encoding": "gzip"}
    )
    assert fetch_audio(url, tmp_path / "a", FAST).path.read_bytes() == AUDIO


def test_a_failed_download_keeps_an_existing_file_intact(
    server: LocalHTTPServer, tmp_path: Path
) -> None:
    dest = tmp_path / "audio"
    dest.write_bytes(b"previous")
    with pytest.raises(AudioFetchFailed):
        fetch_audio(server.url("/status/404"), dest, FAST)
    assert dest.read_bytes() == b"previous"
    assert leftovers(tmp_path) == ["audio"]


# --- size limits -----------------------------------------------------------------------------


def test_huge_content_length_is_refused_before_downloading(
    server: LocalHTTPServer, tmp_path: Path
) -> None:
    started = time.monotonic()
    with pytest.raises(AudioTooLarge, match=r"3\.0 GB") as caught:
        fetch_audio(server.url("/huge"), tmp_path / "a", FAST)
    assert caught.value.code == "audio_too_large"
    assert time.monotonic() - started < 1.0
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize("route", ["/chunked?size=3000000", "/close-delimited?size=3000000"])
def test_streaming_past_the_limit_is_stopped(
    server: LocalHTTPServer, tmp_path: Path, route: str
) -> None:
    with pytest.raises(AudioTooLarge):
        fetch_audio(server.url(route), tmp_path / "a", FAST)
    assert leftovers(tmp_path) == []


def test_empty_body_is_empty_audio(server: LocalHTTPServer, tmp_path: Path) -> None:
    with pytest.raises(EmptyAudio) as caught:
        fetch_audio(server.url("/empty"), tmp_path / "a", FAST)
    assert caught.value.code == "empty_audio"
    assert leftovers(tmp_path) == []


def test_truncated_body_is_transient(server: LocalHTTPServer, tmp_path: Path) -> None:
    with pytest.raises(TransientFetchError, match="broke off"):
        fetch_audio(server.url("/truncated?size=5000"), tmp_path / "a", FAST)
    assert leftovers(tmp_path) == []


# --- content that is not audio ---------------------------------------------------------------


def test_an_html_page_is_refused_as_not_audio(server: LocalHTTPServer, tmp_path: Path) -> None:
    with pytest.raises(UnsupportedAudioFormat, match="web page") as caught:
        fetch_audio(server.url("/html"), tmp_path / "a", FAST)
    assert caught.value.code == "unsupported_audio_format"
    assert leftovers(tmp_path) == []


def test_audio_mislabelled_as_html_is_still_downloaded(
    server: LocalHTTPServer, tmp_path: Path
) -> None:
    url = server.add_file("/calls/mislabelled", b"ID3\x04" + AUDIO, "text/html")
    assert fetch_audio(url, tmp_path / "a", FAST).size_bytes == len(AUDIO) + 4


# --- HTTP errors -----------------------------------------------------------------------------


def test_expired_presigned_url_explains_itself(server: LocalHTTPServer, tmp_path: Path) -> None:
    with pytest.raises(AudioFetchFailed) as caught:
        fetch_audio(server.url("/s3-expired?X-Amz-Signature=s3cr3t"), tmp_path / "a", FAST)
    error = caught.value
    assert not isinstance(error, TransientFetchError)
    assert error.code == "audio_fetch_failed"
    assert "refused (HTTP 403)" in error.message and "pre-signed URL has expired" in error.message
    assert "Request has expired" in error.message
    assert "s3cr3t" not in error.message  # signatures are credentials


def test_plain_403_says_the_url_may_have_expired(server: LocalHTTPServer, tmp_path: Path) -> None:
    url = server.add_response("/forbidden", status=403, body=b"<html>no</html>")
    with pytest.raises(AudioFetchFailed, match="pre-signed URL may have expired"):
        fetch_audio(url, tmp_path / "a", FAST)


def test_404_is_permanent(server: LocalHTTPServer, tmp_path: Path) -> None:
    with pytest.raises(AudioFetchFailed, match=r"not found \(HTTP 404\)") as caught:
        fetch_audio(server.url("/status/404"), tmp_path / "a", FAST)
    assert not isinstance(caught.value, TransientFetchError)


@pytest.mark.parametrize("status", [500, 502, 503])
def test_server_errors_are_transient(server: LocalHTTPServer, tmp_path: Path, status: int) -> None:
    with pytest.raises(TransientFetchError, match=f"HTTP {status}") as caught:
        fetch_audio(server.url(f"/status/{status}"), tmp_path / "a", FAST)
    assert caught.value.code == "audio_fetch_failed" and caught.value.retryable


def test_429_carries_retry_after(server: LocalHTTPServer, tmp_path: Path) -> None:
    url = server.add_response("/busy", status=429, headers={"Retry-After": "7"})
    with pytest.raises(TransientFetchError) as caught:
        fetch_audio(url, tmp_path / "a", FAST)
    assert caught.value.retry_after == 7.0


GCS_EXPIRED = (
    b"<?xml version='1.0' encoding='UTF-8'?><Error><Code>ExpiredToken</Code><Message>Invalid "
    b"argument.</Message><Details>The provided token has expired. Request signature expired at:"
    b" 2024-05-01T10:15:00+00:00</Details></Error>"
)
AZURE_EXPIRED = (
    b'\xef\xbb\xbf<?xml version="1.0" encoding="utf-8"?><Error><Code>AuthenticationFailed</Code>'
    b"<Message>Server failed to authenticate the request.</Message><AuthenticationErrorDetail>"
    b"Signature not valid in the specified time frame: Start [Wed, 01 May 2024 10:00:00 GMT] - "
    b"Expiry [Wed, 01 May 2024 10:15:00 GMT]</AuthenticationErrorDetail></Error>"
)


@pytest.mark.parametrize(("status", "body"), [(400, GCS_EXPIRED), (403, AZURE_EXPIRED)])
def test_gcs_and_azure_expiry_bodies_are_recognised(status: int, body: bytes) -> None:
    error = http_error(status, {}, body, "storage.example.com")
    assert f"refused (HTTP {status}) — the pre-signed URL has expired" in error.message
    assert "specified time frame" in error.message or "token has expired" in error.message
    assert not isinstance(error, TransientFetchError)


def test_error_excerpts_are_short_and_single_line() -> None:
    body = b"<Error><Code>SlowDown</Code><Message>" + b"x\n" * 500 + b"</Message></Error>"
    error = http_error(503, {"retry-after": "not-a-number"}, body, "h")
    assert isinstance(error, TransientFetchError) and error.retry_after is None
    assert "\n" not in error.message and len(error.message) < 400


# --- time limits -----------------------------------------------------------------------------


def test_a_stalled_body_hits_the_read_timeout(server: LocalHTTPServer, tmp_path: Path) -> None:
    started = time.monotonic()
    with pytest.raises(TransientFetchError, match="timed out reading"):
        fetch_audio(server.url("/slow"), tmp_path / "a", replace(FAST, read_timeout=0.3))
    assert time.monotonic() - started < 1.5
    assert leftovers(tmp_path) == []


def test_slow_headers_hit_the_read_timeout(server: LocalHTTPServer, tmp_path: Path) -> None:
    with pytest.raises(TransientFetchError, match="timed out"):
        url = server.url("/slow-headers?delay=3")
        fetch_audio(url, tmp_path / "a", replace(FAST, read_timeout=0.3))


def test_a_slow_drip_cannot_outlive_the_total_deadline(
    server: LocalHTTPServer, tmp_path: Path
) -> None:
    options = replace(FAST, read_timeout=2.0, total_timeout=0.6)
    started = time.monotonic()
    with pytest.raises(AudioFetchFailed, match=r"did not finish within 0\.6 s") as caught:
        fetch_audio(server.url("/slow?bytes=1000&interval=0.05"), tmp_path / "a", options)
    assert not isinstance(caught.value, TransientFetchError)
    assert time.monotonic() - started < 1.2
    assert leftovers(tmp_path) == []


def test_connection_refused_is_transient(tmp_path: Path) -> None:
    with socket.socket() as probe:  # a port that nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with pytest.raises(TransientFetchError, match="could not connect"):
        fetch_audio(f"http://127.0.0.1:{port}/a.wav", tmp_path / "a", FAST)


# --- redirects -------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_redirects_are_followed(server: LocalHTTPServer, tmp_path: Path, status: int) -> None:
    url = server.url(f"/redirect?to=/calls/4492.wav&status={status}")
    result = fetch_audio(url, tmp_path / "a", FAST)
    assert result.size_bytes == len(AUDIO)
    assert result.final_url == server.url("/calls/4492.wav")


def test_absolute_redirect_to_loopback_is_fine_when_private_is_allowed(
    server: LocalHTTPServer, tmp_path: Path
) -> None:
    url = server.url(f"/redirect?to={server.url('/calls/4492.wav')}")
    assert fetch_audio(url, tmp_path / "a", FAST).size_bytes == len(AUDIO)


def test_redirect_chains_are_capped(server: LocalHTTPServer, tmp_path: Path) -> None:
    target = "/redirect-chain/3?to=/calls/4492.wav"
    assert fetch_audio(server.url(target), tmp_path / "a", FAST).size_bytes == len(AUDIO)
    with pytest.raises(AudioFetchFailed, match="more than 2 times"):
        fetch_audio(server.url(target), tmp_path / "b", replace(FAST, max_redirects=2))


def test_redirect_loops_are_detected(server: LocalHTTPServer, tmp_path: Path) -> None:
    with pytest.raises(AudioFetchFailed, match="loop"):
        fetch_audio(server.url("/redirect-loop"), tmp_path / "a", FAST)
    assert server.hits("/redirect-loop") >= 1


@pytest.mark.parametrize(
    ("location", "words"),
    [
        ("file:///etc/passwd", "http"),
        ("gopher://127.0.0.1:6379/_FLUSHALL", "http"),
        ("http://user:pw@127.0.0.1/", "credentials"),
    ],
)
def test_redirects_to_other_schemes_are_refused(
    server: LocalHTTPServer, tmp_path: Path, location: str, words: str
) -> None:
    url = server.add_redirect(f"/bad-redirect/{words}", location)
    with pytest.raises(AudioFetchFailed, match=words):
        fetch_audio(url, tmp_path / "a", FAST)


def test_redirect_without_location_fails(server: LocalHTTPServer, tmp_path: Path) -> None:
    url = server.add_response("/no-location", status=302)
    with pytest.raises(AudioFetchFailed, match="without a Location"):
        fetch_audio(url, tmp_path / "a", FAST)
