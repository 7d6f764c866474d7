"""The SSRF policy as one matrix: every forbidden range, spelling, scheme and trick, through the
real ``fetch_audio`` with a stub resolver. Nothing here connects anywhere: refusals must happen
before a socket is opened, and ``loopback_only`` records (and forbids) any connect attempt.

Live refusal against a real server happens only on loopback, with private URLs disallowed.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from neuronlens.errors import AudioFetchFailed, AudioURLForbidden
from neuronlens.pipeline.fetch import FetchOptions, fetch_audio
from neuronlens.pipeline.netguard import blocked_reason
from tests.support.http_server import LocalHTTPServer
from tests.support.network import loopback_only

STRICT = FetchOptions(allow_private=False, connect_timeout=2, read_timeout=2, total_timeout=10)
LENIENT = replace(STRICT, allow_private=True)

# (what, an address a DNS answer may carry); every one must be refused at connect time.
RESOLVED_FORBIDDEN = [
    ("loopback v4", "127.0.0.1"), ("loopback v4, far end", "127.254.0.9"),
    ("loopback v6", "::1"),
    ("RFC 1918 10/8", "10.0.0.1"), ("RFC 1918 172.16/12", "172.20.1.1"),
    ("RFC 1918 192.168/16", "192.168.1.1"),
    ("link-local v4", "169.254.10.10"), ("link-local v6", "fe80::1"),
    ("CGNAT 100.64/10", "100.64.0.1"), ("CGNAT, far end", "100.127.255.254"),
    ("multicast v4", "224.0.0.251"), ("multicast v6", "ff02::fb"),
    ("reserved 240/4", "240.0.0.1"), ("broadcast", "255.255.255.255"),
    ("unspecified v4", "0.0.0.0"), ("unspecified v6", "::"),
    ("unique-local v6", "fd12:3456::1"), ("site-local v6", "fec0::1"),
    ("AWS/GCP/Azure metadata", "169.254.169.254"), ("ECS metadata", "169.254.170.2"),
    ("EC2 IPv6 metadata", "fd00:ec2::254"), ("Alibaba metadata", "100.100.100.200"),
    ("IPv4-mapped loopback", "::ffff:127.0.0.1"), ("IPv4-mapped private", "::ffff:10.0.0.1"),
    ("IPv4-mapped metadata", "::ffff:169.254.169.254"),
    ("NAT64 private", "64:ff9b::a00:1"), ("NAT64 metadata", "64:ff9b::a9fe:a9fe"),
    ("6to4 private", "2002:a00:1::1"), ("6to4 loopback", "2002:7f00:1::"),
    ("IPv4-compatible", "::10.0.0.1"), ("Teredo", "2001:0:4136:e378:8000:63bf:3fff:fdd2"),
    ("documentation", "192.0.2.1"), ("benchmarking", "198.18.0.1"),
]  # fmt: skip
ALWAYS_FORBIDDEN = [  # even when an operator allows private networks
    "169.254.169.254", "169.254.170.2", "fd00:ec2::254", "100.100.100.200",
    "::ffff:169.254.169.254", "64:ff9b::a9fe:a9fe", "2002:a9fe:a9fe::1", "0.0.0.0", "::",
    "224.0.0.1", "ff02::1",
]  # fmt: skip
LITERAL_URLS = [
    "http://127.0.0.1/a.wav", "http://0x7f.1/a.wav", "http://2130706433/a.wav",
    "http://017700000001/a.wav", "http://127.1/a.wav", "http://0x7f000001/a.wav",
    "http://127.0.0.1./a.wav", "http://[::1]/a.wav", "http://[::ffff:7f00:1]/a.wav",
    "http://[0:0:0:0:0:ffff:127.0.0.1]/a.wav", "http://localhost/a.wav", "http://LOCALHOST./a.wav",
    "http://rec.localhost/a.wav", "http://0/a.wav", "http://[::]/a.wav", "http://10.1.2.3/a.wav",
    "http://100.64.0.1/a.wav", "http://169.254.169.254/latest/meta-data/",
    "http://[fd00:ec2::254]/latest/", "http://100.100.100.200/latest/",
    "http://[::ffff:a9fe:a9fe]/", "http://[64:ff9b::a9fe:a9fe]/", "http://[2002:a9fe:a9fe::]/",
    "http://127。0。0。1/a.wav", "http://127.0.0.1#@public.example.com/a.wav",
]  # fmt: skip
MALFORMED_URLS = [
    "file:///etc/passwd", "ftp://example.com/a.wav", "gopher://example.com:70/_x",
    "dict://127.0.0.1:11211/stats", "data:audio/wav;base64,UklGRg==", "jar:http://x/a!/b",
    "//example.com/a.wav", "http:///a.wav", "http:/example.com/a.wav", "http:example.com/a.wav",
    "http://public.example.com@127.0.0.1/a.wav", "http://user:pw@example.com/a.wav",
    "http://public.example.com\\@127.0.0.1/a.wav", "http://127.0.0.1%09/a.wav",
    "http://0251.0376.0251.0376/", "http://[fe80::1%25eth0]/a.wav",
]  # fmt: skip


@pytest.fixture(autouse=True)
def connections(monkeypatch: pytest.MonkeyPatch) -> list[tuple[Any, ...]]:
    return loopback_only(monkeypatch)


def resolving_to(*addresses: str) -> FetchOptions:
    return replace(STRICT, resolver=lambda _host, _port: list(addresses))


@pytest.mark.parametrize(
    ("what", "address"), RESOLVED_FORBIDDEN, ids=[w for w, _ in RESOLVED_FORBIDDEN]
)
def test_a_name_resolving_to_a_forbidden_address_is_refused_at_connect_time(
    tmp_path: Path, connections: list[tuple[Any, ...]], what: str, address: str
) -> None:
    assert blocked_reason(ipaddress.ip_address(address)) is not None, what
    with pytest.raises(AudioURLForbidden, match=r"recordings\.example\.com resolves to") as caught:
        fetch_audio("https://recordings.example.com/a.wav", tmp_path / "a", resolving_to(address))
    assert address not in str(caught.value)  # internal DNS data is not echoed to the client
    assert connections == []


def test_one_forbidden_answer_among_public_ones_refuses_the_host(
    tmp_path: Path, connections: list[tuple[Any, ...]]
) -> None:
    options = resolving_to("93.184.215.14", "2606:2800:21f:cb07:6820:80da:af6b:8b2c", "10.0.0.1")
    with pytest.raises(AudioURLForbidden):
        fetch_audio("https://mixed.example.com/a.wav", tmp_path / "a", options)
    assert connections == []


@pytest.mark.parametrize("address", ALWAYS_FORBIDDEN)
def test_metadata_and_nonsense_targets_stay_refused_when_private_is_allowed(
    tmp_path: Path, connections: list[tuple[Any, ...]], address: str
) -> None:
    options = replace(LENIENT, resolver=lambda _h, _p: [address])
    with pytest.raises(AudioURLForbidden):
        fetch_audio("http://metadata.example.com/latest/", tmp_path / "a", options)
    assert connections == []


@pytest.mark.parametrize("url", LITERAL_URLS)
def test_forbidden_literals_in_any_spelling_are_refused_before_any_lookup(
    tmp_path: Path, connections: list[tuple[Any, ...]], url: str
) -> None:
    def no_dns(host: str, _port: int) -> list[str]:
        raise AssertionError(f"{host} must not be looked up")

    with pytest.raises(AudioURLForbidden):
        fetch_audio(url, tmp_path / "a", replace(STRICT, resolver=no_dns))
    assert connections == []


@pytest.mark.parametrize("url", MALFORMED_URLS)
def test_other_schemes_userinfo_and_malformed_hosts_are_refused(
    tmp_path: Path, connections: list[tuple[Any, ...]], url: str
) -> None:
    with pytest.raises(AudioFetchFailed):
        fetch_audio(url, tmp_path / "a", resolving_to("93.184.215.14"))
    assert connections == []


# --- live, on loopback, with private URLs disallowed -------------------------------------------


@pytest.fixture(scope="module")
def server() -> Iterator[LocalHTTPServer]:
    with LocalHTTPServer() as running:
        running.add_file("/a.wav", b"RIFF" + bytes(100), "audio/wav")
        yield running


@pytest.mark.parametrize(
    "host", ["127.0.0.1", "0x7f.1", "2130706433", "017700000001", "127.1", "localhost"]
)
def test_a_real_loopback_server_is_never_contacted(
    server: LocalHTTPServer, tmp_path: Path, connections: list[tuple[Any, ...]], host: str
) -> None:
    before = len(server.requests)
    with pytest.raises(AudioURLForbidden):
        fetch_audio(f"http://{host}:{server.port}/a.wav", tmp_path / "a", STRICT)
    name_options = resolving_to("127.0.0.1")
    with pytest.raises(AudioURLForbidden):
        fetch_audio(f"http://rebound.example.com:{server.port}/a.wav", tmp_path / "b", name_options)
    assert len(server.requests) == before and connections == []


def test_a_redirect_to_the_metadata_service_is_refused_with_private_allowed(
    server: LocalHTTPServer, tmp_path: Path, connections: list[tuple[Any, ...]]
) -> None:
    # With private allowed the loopback server is reachable; its redirect to the metadata
    # address (never allowed) must be refused before a second connection is made.
    server.add_redirect("/to-metadata", "http://169.254.169.254/latest/meta-data/iam/")
    server.add_redirect("/to-metadata-name", "http://metadata.example.com/latest/")
    for path in ("/to-metadata", "/to-metadata-name"):
        options = replace(LENIENT, resolver=lambda _h, _p: ["169.254.169.254"])
        with pytest.raises(AudioURLForbidden):
            fetch_audio(server.url(path), tmp_path / "a", options)
    assert {address[0] for address in connections} == {"127.0.0.1"}
