"""fetch_audio's SSRF defences: address policy, IP pinning, redirect re-checks, TLS to names.

A real server listens on 127.0.0.1; other host names exist only in fake resolvers, and every
test runs under ``loopback_only`` so a mistake cannot send a packet anywhere else.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from neuronlens.config import Settings
from neuronlens.errors import AudioFetchFailed, AudioURLForbidden
from neuronlens.pipeline import transport
from neuronlens.pipeline.fetch import FetchOptions, TransientFetchError, fetch_audio
from neuronlens.pipeline.netguard import check_address
from tests.support.http_server import LocalHTTPServer
from tests.support.network import loopback_only, make_tls_files, server_tls_context

AUDIO = os.urandom(50_000)
OPTIONS = FetchOptions(allow_private=True, connect_timeout=2, read_timeout=2, total_timeout=10)
STRICT = replace(OPTIONS, allow_private=False)


@pytest.fixture(scope="module")
def server() -> Iterator[LocalHTTPServer]:
    with LocalHTTPServer() as running:
        running.add_file("/calls/a.wav", AUDIO, "audio/wav")
        yield running


@pytest.fixture(scope="module")
def tls_files(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, Path]:
    return make_tls_files(tmp_path_factory.mktemp("tls"), ["audio.test"])


@pytest.fixture(scope="module")
def tls_server(tls_files: tuple[Path, Path, Path]) -> Iterator[LocalHTTPServer]:
    _ca, cert, key = tls_files
    with LocalHTTPServer(tls=server_tls_context(cert, key)) as running:
        running.add_file("/calls/secure.wav", AUDIO, "audio/wav")
        yield running


@pytest.fixture(autouse=True)
def connections(monkeypatch: pytest.MonkeyPatch) -> list[tuple[Any, ...]]:
    """Every TCP connect a test makes; anything off loopback fails the test."""
    return loopback_only(monkeypatch)


def dns(table: Mapping[str, Sequence[str]]) -> transport.Resolver:
    """A fake resolver: only the names in ``table`` exist."""
    return lambda host, _port: table[host]


# --- refusal happens before any packet is sent -----------------------------------------------


@pytest.mark.parametrize(
    "host",
    ["127.0.0.1", "localhost", "0x7f.1", "2130706433", "017700000001", "127.1", "0x7f000001",
     "[::ffff:7f00:1]", "[::ffff:127.0.0.1]", "[::1]", "127.0.0.1."],
)  # fmt: skip
def test_loopback_in_any_spelling_is_refused_without_connecting(
    server: LocalHTTPServer, tmp_path: Path, connections: list[tuple[Any, ...]], host: str
) -> None:
    before = len(server.requests)
    with pytest.raises(AudioURLForbidden) as caught:
        fetch_audio(f"http://{host}:{server.port}/calls/a.wav", tmp_path / "a", STRICT)
    assert caught.value.code == "audio_url_forbidden"
    assert connections == [] and len(server.requests) == before
    assert list(tmp_path.iterdir()) == []


def test_ambiguous_dotted_octal_is_rejected_as_malformed(
    server: LocalHTTPServer, tmp_path: Path, connections: list[tuple[Any, ...]]
) -> None:
    # httpx refuses "0177.0.0.1" outright; either way nothing is sent.
    with pytest.raises(AudioFetchFailed, match="Invalid IPv4"):
        fetch_audio(f"http://0177.0.0.1:{server.port}/calls/a.wav", tmp_path / "a", STRICT)
    assert connections == []


@pytest.mark.parametrize("answer", [["10.1.2.3"], ["169.254.169.254"], ["fd00::1"], ["::1"]])
def test_a_name_resolving_inside_is_refused_at_resolution(
    tmp_path: Path, connections: list[tuple[Any, ...]], answer: list[str]
) -> None:
    options = replace(STRICT, resolver=dns({"recordings.example.com": answer}))
    with pytest.raises(AudioURLForbidden, match=r"recordings\.example\.com resolves to"):
        fetch_audio("https://recordings.example.com/a.wav", tmp_path / "a", options)
    assert connections == []


def test_the_checked_address_is_the_one_connected_and_host_is_kept(
    server: LocalHTTPServer, tmp_path: Path, connections: list[tuple[Any, ...]]
) -> None:
    calls: list[str] = []

    def rebinding(host: str, port: int) -> list[str]:
        calls.append(host)  # a second lookup would get an address nobody checked
        return ["127.0.0.1"] if len(calls) == 1 else ["10.9.9.9"]

    options = replace(OPTIONS, resolver=rebinding)
    fetch_audio(f"http://bucket.example.com:{server.port}/calls/a.wav", tmp_path / "a", options)
    assert calls == ["bucket.example.com"]
    assert [address[0] for address in connections] == ["127.0.0.1"]
    assert server.requests[-1].headers["host"] == f"bucket.example.com:{server.port}"


# --- every redirect hop is re-checked ----------------------------------------------------------


@pytest.fixture
def public_test_host(monkeypatch: pytest.MonkeyPatch) -> str:
    """Let ``public.test`` (which fake DNS points at our loopback server) pass as public."""

    def check(ip: Any, host: str, *, allow_private: bool) -> None:
        if host != "public.test":
            check_address(ip, host, allow_private=allow_private)

    monkeypatch.setattr(transport, "check_address", check)
    return "public.test"


@pytest.mark.parametrize(
    "location",
    ["http://127.0.0.1:{port}/calls/a.wav", "http://localhost:{port}/calls/a.wav",
     "http://[::ffff:7f00:1]:{port}/calls/a.wav", "http://2130706433:{port}/calls/a.wav",
     "http://internal.test:{port}/calls/a.wav", "http://169.254.169.254/latest/meta-data/"],
)  # fmt: skip
def test_a_redirect_into_the_internal_network_is_refused(
    server: LocalHTTPServer, tmp_path: Path, public_test_host: str, location: str
) -> None:
    target = location.format(port=server.port)
    server.add_redirect("/to-inside", target)
    table = {public_test_host: ["127.0.0.1"], "internal.test": ["10.0.0.8"]}
    options = replace(STRICT, resolver=dns(table))
    before = len(server.requests)
    with pytest.raises(AudioURLForbidden):
        fetch_audio(f"http://public.test:{server.port}/to-inside", tmp_path / "a", options)
    assert [r.path for r in server.requests[before:]] == ["/to-inside"]


def test_the_public_test_host_itself_works(
    server: LocalHTTPServer, tmp_path: Path, public_test_host: str
) -> None:
    options = replace(STRICT, resolver=dns({public_test_host: ["127.0.0.1"]}))
    url = f"http://public.test:{server.port}/calls/a.wav"
    assert fetch_audio(url, tmp_path / "a", options).size_bytes == len(AUDIO)


def test_ipv6_loopback_works_when_private_is_allowed(tmp_path: Path) -> None:
    try:
        running = LocalHTTPServer(host="::1").start()
    except OSError:
        pytest.skip("no IPv6 loopback here")
    try:
        url = running.add_file("/calls/v6.wav", AUDIO, "audio/wav")
        assert fetch_audio(url, tmp_path / "a", OPTIONS).size_bytes == len(AUDIO)
        with pytest.raises(AudioURLForbidden):
            fetch_audio(url, tmp_path / "b", STRICT)
        assert running.hits("/calls/v6.wav") == 1
    finally:
        running.stop()


# --- TLS: the pinned IP is dialled, the name is verified ---------------------------------------


def test_https_verifies_the_certificate_for_the_url_host_name(
    tls_server: LocalHTTPServer, tls_files: tuple[Path, Path, Path], tmp_path: Path
) -> None:
    options = replace(OPTIONS, ca_file=tls_files[0], resolver=dns({"audio.test": ["127.0.0.1"]}))
    url = f"https://audio.test:{tls_server.port}/calls/secure.wav"
    result = fetch_audio(url, tmp_path / "a", options)
    assert result.path.read_bytes() == AUDIO
    assert tls_server.requests[-1].headers["host"] == f"audio.test:{tls_server.port}"


def test_https_to_the_ip_fails_because_the_certificate_names_the_host(
    tls_server: LocalHTTPServer, tls_files: tuple[Path, Path, Path], tmp_path: Path
) -> None:
    options = replace(OPTIONS, ca_file=tls_files[0])
    with pytest.raises(AudioFetchFailed, match="certificate") as caught:
        fetch_audio(tls_server.url("/calls/secure.wav"), tmp_path / "a", options)
    assert not isinstance(caught.value, TransientFetchError)


def test_an_untrusted_certificate_is_refused(tls_server: LocalHTTPServer, tmp_path: Path) -> None:
    options = replace(OPTIONS, resolver=dns({"audio.test": ["127.0.0.1"]}))  # certifi only
    with pytest.raises(AudioFetchFailed, match="certificate"):
        url = f"https://audio.test:{tls_server.port}/calls/secure.wav"
        fetch_audio(url, tmp_path / "a", options)


def test_https_to_http_downgrade_is_refused(
    server: LocalHTTPServer,
    tls_server: LocalHTTPServer,
    tls_files: tuple[Path, Path, Path],
    tmp_path: Path,
) -> None:
    tls_server.add_redirect("/downgrade", server.url("/calls/a.wav"))
    options = replace(OPTIONS, ca_file=tls_files[0], resolver=dns({"audio.test": ["127.0.0.1"]}))
    before = server.hits("/calls/a.wav")
    with pytest.raises(AudioURLForbidden, match="https to plain http"):
        fetch_audio(f"https://audio.test:{tls_server.port}/downgrade", tmp_path / "a", options)
    assert server.hits("/calls/a.wav") == before


# --- options ---------------------------------------------------------------------------------


def test_options_come_from_settings() -> None:
    settings = Settings(
        allow_private_urls=True,
        max_audio_bytes=123,
        fetch_connect_timeout=1.5,
        fetch_read_timeout=2.5,
        fetch_total_timeout=60,
        fetch_max_redirects=2,
    )
    options = FetchOptions.from_settings(settings)
    assert (options.allow_private, options.max_bytes, options.max_redirects) == (True, 123, 2)
    assert (options.connect_timeout, options.read_timeout, options.total_timeout) == (1.5, 2.5, 60)
    assert FetchOptions.from_settings(Settings()).allow_private is False


@pytest.mark.parametrize(
    "bad", [{"max_bytes": 0}, {"read_timeout": 0}, {"total_timeout": -1}, {"max_redirects": -1}]
)
def test_nonsense_options_are_rejected(bad: dict[str, Any]) -> None:
    with pytest.raises(ValueError):
        FetchOptions(**bad)
