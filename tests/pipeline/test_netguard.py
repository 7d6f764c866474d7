"""Address policy, URL checks and the pinned backend, with fake resolvers and connectors.

No test here opens a socket to anything but loopback: resolvers and connectors are fakes.
"""

from __future__ import annotations

import ipaddress
import socket
import threading
import time
from collections.abc import Sequence

import httpcore
import pytest

from neuronlens.errors import AudioFetchFailed, AudioURLForbidden
from neuronlens.pipeline.fetch import InvalidAudioURL, validate_url_syntax
from neuronlens.pipeline.netguard import IPAddress, blocked_reason, parse_ip_literal
from neuronlens.pipeline.transport import DeadlineExceeded, PinnedBackend, system_resolver
from tests.support.network import loopback_only

BLOCKED = [
    # IPv4 special-purpose ranges
    "0.0.0.0", "0.1.2.3", "10.0.0.1", "10.255.255.255", "100.64.0.1", "100.127.255.254",
    "127.0.0.1", "127.255.255.254", "169.254.0.1", "169.254.169.254", "169.254.170.2",
    "172.16.0.1", "172.31.255.255", "192.0.0.8", "192.0.2.10", "192.88.99.1", "192.168.0.1",
    "198.18.0.1", "198.19.255.255", "198.51.100.7", "203.0.113.9", "224.0.0.1",
    "239.255.255.250", "240.0.0.1", "255.255.255.255",
    # IPv6 special-purpose ranges
    "::", "::1", "fe80::1", "fe80::1%eth0", "febf::1", "fec0::1", "fc00::1", "fd12:3456::1",
    "ff02::1", "ff0e::1", "2001:db8::1", "3fff::1", "100::1", "2001:2::1", "2001:10::1",
    "2001:20::1", "5f00::1", "64:ff9b:1::1", "fd00:ec2::254",
    "2001:0:4136:e378:8000:63bf:3fff:fdd2",  # Teredo
    # IPv4 hidden inside IPv6
    "::ffff:127.0.0.1", "::ffff:7f00:1", "::ffff:10.0.0.1", "::ffff:169.254.169.254",
    "::ffff:0:10.0.0.1", "::127.0.0.1", "::10.0.0.1", "64:ff9b::10.0.0.1", "64:ff9b::7f00:1",
    "2002:7f00:1::1", "2002:c0a8:101::1", "2002:a9fe:a9fe::1",
]  # fmt: skip

ALLOWED = [
    "8.8.8.8", "1.1.1.1", "52.95.110.1", "142.250.183.110", "100.63.255.255", "100.128.0.0",
    "172.15.255.255", "172.32.0.0", "198.17.255.255", "198.20.0.0", "223.255.255.255",
    "2606:4700:4700::1111", "2a00:1450:4009:81f::200e", "2406:da1a::1", "2001:4860:4860::8888",
    "2600:1f18::1",
    "::ffff:8.8.8.8", "64:ff9b::808:808", "2002:808:808::1",
]  # fmt: skip


@pytest.mark.parametrize("address", BLOCKED)
def test_special_purpose_addresses_are_refused(address: str) -> None:
    assert blocked_reason(ipaddress.ip_address(address)) is not None


@pytest.mark.parametrize("address", ALLOWED)
def test_public_addresses_are_allowed(address: str) -> None:
    assert blocked_reason(ipaddress.ip_address(address)) is None


@pytest.mark.parametrize(
    "address", ["127.0.0.1", "10.1.2.3", "192.168.1.10", "fd00::5", "::1", "::ffff:127.0.0.1"]
)
def test_allow_private_opens_internal_networks(address: str) -> None:
    assert blocked_reason(ipaddress.ip_address(address), allow_private=True) is None


@pytest.mark.parametrize(
    "address", ["169.254.169.254", "fd00:ec2::254", "0.0.0.0", "::", "224.0.0.251", "ff02::1"]
)
def test_metadata_and_nonsense_targets_stay_refused_with_allow_private(address: str) -> None:
    assert blocked_reason(ipaddress.ip_address(address), allow_private=True) is not None


def test_reasons_are_readable() -> None:
    assert blocked_reason(ipaddress.ip_address("10.0.0.1")) == "a private (RFC 1918) address"
    reason = blocked_reason(ipaddress.ip_address("::ffff:127.0.0.1"))
    assert reason == "a loopback address (embedded in an IPv4-mapped IPv6 address)"


@pytest.mark.parametrize(
    "host",
    ["127.0.0.1", "0x7f.1", "0X7F.0.0.1", "2130706433", "017700000001", "0177.0.0.1", "127.1",
     "0x7f000001", "127.0.0.1."],
)  # fmt: skip
def test_odd_spellings_of_loopback_parse_without_dns(host: str) -> None:
    parsed = parse_ip_literal(host)
    assert parsed == ipaddress.ip_address("127.0.0.1")
    assert blocked_reason(parsed) == "a loopback address"


@pytest.mark.parametrize("host", ["[::ffff:7f00:1]", "::ffff:127.0.0.1", "[::1]", "[::127.0.0.1]"])
def test_ipv6_spellings_of_loopback_are_refused(host: str) -> None:
    parsed = parse_ip_literal(host)
    assert parsed is not None and parsed.version == 6
    assert "loopback" in str(blocked_reason(parsed))


@pytest.mark.parametrize("host", ["example.com", "s3.ap-south-1.amazonaws.com", "deadbeef.cafe"])
def test_host_names_are_not_literals(host: str) -> None:
    assert parse_ip_literal(host) is None


@pytest.mark.parametrize("host", ["256.1.1.1", "999999999999", "0x1.0x2.0x3.0x100"])
def test_numeric_looking_garbage_is_invalid(host: str) -> None:
    with pytest.raises(ValueError):
        parse_ip_literal(host)


def test_the_system_resolver_agrees_on_legacy_spellings(monkeypatch: pytest.MonkeyPatch) -> None:
    loopback_only(monkeypatch)  # numeric forms only: getaddrinfo answers them without DNS
    for host in ("2130706433", "0x7f.1", "017700000001"):
        assert system_resolver(host, 80) == ["127.0.0.1"]


# --- submission-time URL checks -------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "https://bucket.s3.ap-south-1.amazonaws.com/calls/4492.mp3?X-Amz-Signature=abc%2F",
        "https://storage.googleapis.com/b/o.wav?X-Goog-Expires=900",
        "http://example.com:8080/a.wav",
        "HTTPS://Example.COM/a.wav#fragment",
        "http://127.0.0.1:9000/a.wav",  # syntax only unless forbid_private
        "http://[2606:4700:4700::1111]/a.wav",
    ],
)
def test_valid_urls_pass(url: str) -> None:
    validate_url_syntax(url)


@pytest.mark.parametrize(
    ("url", "words"),
    [
        ("", "empty"),
        (" http://example.com/a.wav", "whitespace"),
        ("ftp://example.com/a.wav", "http"),
        ("file:///etc/passwd", "http"),
        ("gopher://example.com:70/_x", "http"),
        ("javascript:alert(1)", "http"),
        ("http:///a.wav", "no host"),
        ("http://user:secret@example.com/a.wav", "credentials"),
        ("http://example.com:0/a.wav", "port"),
        ("http://example.com:99999/a.wav", "port"),
        ("http://%31%32%37.0.0.1/a.wav", "host name"),
        ("http://a b.com/a.wav", "host name"),
        ("http://256.1.1.1/a.wav", "(?i)invalid"),
        ("http://[fe80::1%25eth0]/a.wav", "zone"),
        ("http://x/" + "a" * 17000, "too long"),
    ],
)
def test_invalid_urls_are_rejected_with_a_reason(url: str, words: str) -> None:
    with pytest.raises(InvalidAudioURL, match=words) as caught:
        validate_url_syntax(url)
    assert isinstance(caught.value, ValueError)
    assert caught.value.code == "invalid_audio_url"


@pytest.mark.parametrize(
    "url",
    ["http://127.0.0.1/a", "http://0x7f.1/a", "http://2130706433/a", "http://017700000001/a",
     "http://[::ffff:7f00:1]/a", "http://[::1]:8080/a", "http://localhost/a",
     "http://recorder.localhost/a", "http://169.254.169.254/latest/meta-data/", "http://10.0.0.5/"],
)  # fmt: skip
def test_forbid_private_refuses_internal_literals(url: str) -> None:
    with pytest.raises(InvalidAudioURL) as caught:
        validate_url_syntax(url, forbid_private=True)
    assert caught.value.code == "audio_url_forbidden"


# --- the pinned backend -----------------------------------------------------------------------


class FakeNetwork:
    """A resolver and a connector that record calls and never touch a socket."""

    def __init__(self, *answers: Sequence[str]) -> None:
        self.answers = list(answers)
        self.lookups: list[str] = []
        self.connects: list[IPAddress] = []
        self.refuse: set[str] = set()

    def resolve(self, host: str, port: int) -> Sequence[str]:
        self.lookups.append(host)
        return self.answers[min(len(self.lookups), len(self.answers)) - 1]

    def connect(self, ip: IPAddress, port: int, timeout: float | None) -> httpcore.NetworkStream:
        self.connects.append(ip)
        if str(ip) in self.refuse:
            raise httpcore.ConnectError("refused")
        return httpcore.MockStream([])


def backend(net: FakeNetwork, *, deadline: float | None = None) -> PinnedBackend:
    return PinnedBackend(
        allow_private=False, resolver=net.resolve, connector=net.connect, deadline=deadline
    )


def test_a_name_resolving_to_a_private_address_is_refused_before_connecting() -> None:
    net = FakeNetwork(["10.20.30.40"])
    with pytest.raises(AudioURLForbidden, match="resolves to a private"):
        backend(net).connect_tcp("recordings.corp.test", 443, timeout=1)
    assert net.connects == []


def test_every_resolved_address_is_checked() -> None:
    net = FakeNetwork(["93.184.215.14", "169.254.169.254"])
    with pytest.raises(AudioURLForbidden, match="metadata"):
        backend(net).connect_tcp("mixed.test", 80, timeout=1)
    assert net.connects == []


def test_dns_rebinding_cannot_swap_the_address_after_the_check() -> None:
    # First answer public, every later answer internal: the backend must look up only once
    # and connect to the address it checked.
    net = FakeNetwork(["93.184.215.14"], ["127.0.0.1"])
    backend(net).connect_tcp("rebind.test", 80, timeout=1)
    assert net.lookups == ["rebind.test"]
    assert net.connects == [ipaddress.ip_address("93.184.215.14")]


def test_ip_literals_skip_the_resolver() -> None:
    net = FakeNetwork(["10.0.0.1"])
    backend(net).connect_tcp("93.184.215.14", 80, timeout=1)
    assert net.lookups == []


def test_the_next_checked_address_is_tried_when_one_refuses() -> None:
    net = FakeNetwork(["2606:4700::6810:84e5", "104.16.132.229"])
    net.refuse.add("2606:4700::6810:84e5")
    backend(net).connect_tcp("dual.test", 443, timeout=1)
    assert [str(ip) for ip in net.connects] == ["2606:4700::6810:84e5", "104.16.132.229"]


def test_unknown_host_is_a_permanent_failure() -> None:
    def nxdomain(host: str, port: int) -> list[str]:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    blocked = PinnedBackend(allow_private=False, resolver=nxdomain)
    with pytest.raises(AudioFetchFailed, match="could not be found"):
        blocked.connect_tcp("no-such-bucket.test", 443, timeout=1)


def test_temporary_dns_failure_is_a_transport_error() -> None:
    def try_again(host: str, port: int) -> list[str]:
        raise socket.gaierror(socket.EAI_AGAIN, "Temporary failure in name resolution")

    with pytest.raises(httpcore.ConnectError):
        PinnedBackend(allow_private=False, resolver=try_again).connect_tcp("x.test", 80, timeout=1)


def test_a_hanging_resolver_times_out() -> None:
    release = threading.Event()

    def hang(host: str, port: int) -> list[str]:
        release.wait(5)
        return ["93.184.215.14"]

    started = time.monotonic()
    try:
        with pytest.raises(httpcore.ConnectTimeout):
            PinnedBackend(allow_private=False, resolver=hang).connect_tcp("x.test", 80, timeout=0.2)
    finally:
        release.set()
    assert time.monotonic() - started < 1.5


def test_a_passed_deadline_stops_before_resolving() -> None:
    net = FakeNetwork(["93.184.215.14"])
    with pytest.raises(DeadlineExceeded):
        backend(net, deadline=time.monotonic() - 1).connect_tcp("late.test", 80, timeout=1)
    assert net.lookups == []


def test_unix_sockets_are_refused() -> None:
    with pytest.raises(AudioURLForbidden):
        PinnedBackend(allow_private=True).connect_unix_socket("/var/run/docker.sock")
