"""Outbound policy (SSRF guard): which URLs and IP addresses NeuronLens may fetch from.

Pure functions, no I/O. The address policy is applied by ``transport.PinnedBackend`` to the
addresses a host *resolves to*, right before it connects to exactly those addresses.
"""

from __future__ import annotations

import ipaddress
import re
import socket

import httpx

from neuronlens.errors import AudioURLForbidden

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
MAX_URL_LENGTH = 16 * 1024

_V4 = ipaddress.IPv4Network
_V6 = ipaddress.IPv6Network

# Refused even with allow_private: nonsensical TCP targets and the cloud credential endpoints
# (AWS/GCP/Azure/OpenStack 169.254.169.254, ECS 169.254.170.2, EC2 IPv6, Alibaba), which are the
# usual prize of an SSRF and never the home of a call recording.
_ALWAYS_BLOCKED: tuple[tuple[_V4 | _V6, str], ...] = (
    (_V4("0.0.0.0/8"), "an unspecified ('this network') address"),
    (_V4("169.254.169.254/32"), "the cloud metadata service"),
    (_V4("169.254.170.2/32"), "the cloud metadata service"),
    (_V4("100.100.100.200/32"), "the cloud metadata service"),
    (_V4("224.0.0.0/4"), "a multicast address"),
    (_V4("255.255.255.255/32"), "the broadcast address"),
    (_V6("::/128"), "the unspecified address"),
    (_V6("fd00:ec2::254/128"), "the cloud metadata service"),
    (_V6("ff00::/8"), "a multicast address"),
)

# Refused unless allow_private. Explicit rather than ipaddress.is_global alone: is_global has
# changed between Python versions and (in 3.11) calls multicast "global".
_PRIVATE: tuple[tuple[_V4 | _V6, str], ...] = (
    (_V4("10.0.0.0/8"), "a private (RFC 1918) address"),
    (_V4("100.64.0.0/10"), "a carrier-grade NAT (RFC 6598) address"),
    (_V4("127.0.0.0/8"), "a loopback address"),
    (_V4("169.254.0.0/16"), "a link-local address"),
    (_V4("172.16.0.0/12"), "a private (RFC 1918) address"),
    (_V4("192.0.0.0/24"), "an IETF protocol-assignment address"),
    (_V4("192.0.2.0/24"), "a documentation (TEST-NET-1) address"),
    (_V4("192.88.99.0/24"), "a 6to4 relay anycast address"),
    (_V4("192.168.0.0/16"), "a private (RFC 1918) address"),
    (_V4("198.18.0.0/15"), "a benchmarking (RFC 2544) address"),
    (_V4("198.51.100.0/24"), "a documentation (TEST-NET-2) address"),
    (_V4("203.0.113.0/24"), "a documentation (TEST-NET-3) address"),
    (_V4("240.0.0.0/4"), "a reserved address"),
    (_V6("::1/128"), "a loopback address"),
    (_V6("100::/64"), "a discard-only address"),
    (_V6("64:ff9b:1::/48"), "a local-use NAT64 address"),
    (_V6("2001::/32"), "a Teredo tunnel address"),  # obfuscated embedded IPv4: refuse outright
    (_V6("2001:2::/48"), "a benchmarking address"),
    (_V6("2001:10::/28"), "an ORCHID address"),
    (_V6("2001:20::/28"), "an ORCHIDv2 address"),
    (_V6("2001:db8::/32"), "a documentation address"),
    (_V6("3fff::/20"), "a documentation address"),
    (_V6("5f00::/16"), "an SRv6 SID address"),
    (_V6("fc00::/7"), "a unique-local (private) address"),
    (_V6("fe80::/10"), "a link-local address"),
    (_V6("fec0::/10"), "a site-local address"),
)

# IPv6 forms that carry an IPv4 address; the embedded address decides.
_EMBEDDING: tuple[tuple[_V6, str], ...] = (
    (_V6("::ffff:0:0/96"), "an IPv4-mapped"),
    (_V6("::ffff:0:0:0/96"), "an IPv4-translated"),
    (_V6("64:ff9b::/96"), "a NAT64"),
    (_V6("::/96"), "an IPv4-compatible"),
)

_LEGACY_V4 = re.compile(r"(0x[0-9a-f]*|[0-9]+)(\.(0x[0-9a-f]*|[0-9]+)){0,3}", re.IGNORECASE)
_HOST_NAME = re.compile(r"(?!-)[a-z0-9_-]{1,63}(?<!-)(\.(?!-)[a-z0-9_-]{1,63}(?<!-))*\.?")


def _embedded_v4(ip: ipaddress.IPv6Address) -> tuple[ipaddress.IPv4Address, str] | None:
    if ip.sixtofour is not None:
        return ip.sixtofour, "a 6to4"
    for net, kind in _EMBEDDING:
        if ip in net:
            return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF), kind
    return None


def blocked_reason(ip: IPAddress, *, allow_private: bool = False) -> str | None:
    """Why the policy refuses ``ip`` (e.g. "a loopback address"), or None when it is allowed."""
    if isinstance(ip, ipaddress.IPv6Address) and ip.scope_id:
        ip = ipaddress.IPv6Address(int(ip))  # membership tests must ignore the zone id
    for net, reason in _ALWAYS_BLOCKED:
        if ip in net:
            return reason
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = _embedded_v4(ip)
        if embedded is not None and ip != ipaddress.IPv6Address("::1"):
            inner = blocked_reason(embedded[0], allow_private=allow_private)
            return f"{inner} (embedded in {embedded[1]} IPv6 address)" if inner else None
    if allow_private:
        return None
    for net, reason in _PRIVATE:
        if ip in net:
            return reason
    if not ip.is_global:  # belt and braces for special ranges added after this table
        return "a non-public address"
    return None


def parse_ip_literal(host: str) -> IPAddress | None:
    """The IP a URL host denotes without any DNS, legacy forms (0x7f.1, 2130706433) included.

    Returns None for host names; raises ValueError for hosts that look numeric but are invalid.
    """
    text = host[1:-1] if host.startswith("[") and host.endswith("]") else host
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        pass
    text = text.removesuffix(".")
    if not _LEGACY_V4.fullmatch(text):
        return None
    # inet_aton is a pure parser; it accepts the BSD forms that getaddrinfo would also accept.
    try:
        return ipaddress.IPv4Address(socket.inet_aton(text))
    except OSError:
        raise ValueError(f"{host!r} is not a valid IP address") from None


def check_address(ip: IPAddress, host: str, *, allow_private: bool) -> None:
    """Raise AudioURLForbidden if the policy refuses ``ip`` (which ``host`` resolved to)."""
    reason = blocked_reason(ip, allow_private=allow_private)
    if reason is None:
        return
    # The resolved IP is not echoed for names: it would leak internal DNS data to the client.
    target = f"{host} is" if parse_ip_literal(host) is not None else f"{host} resolves to"
    hint = (
        " (an operator can allow private networks with NEURONLENS_ALLOW_PRIVATE_URLS=true)"
        if not allow_private and blocked_reason(ip, allow_private=True) is None
        else ""
    )
    raise AudioURLForbidden(
        f"the audio URL host {target} {reason}; NeuronLens only fetches from public addresses{hint}"
    )


class InvalidAudioURL(ValueError):
    """An audio URL refused before any network use; ``code`` is the API error code."""

    def __init__(self, message: str, *, code: str = "invalid_audio_url") -> None:
        super().__init__(message)
        self.code = code


def parse_audio_url(url: str, *, forbid_private: bool) -> httpx.URL:
    """Parse and check an audio URL without DNS; raise InvalidAudioURL with a clear message."""
    if not isinstance(url, str) or not url:
        raise InvalidAudioURL("the audio URL is empty")
    if len(url) > MAX_URL_LENGTH or url != url.strip():
        raise InvalidAudioURL("the audio URL is too long or has surrounding whitespace")
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, ValueError) as exc:
        raise InvalidAudioURL(f"the audio URL is malformed: {exc}") from None
    if parsed.scheme not in ("http", "https"):
        raise InvalidAudioURL("the audio URL must start with http:// or https://")
    host = parsed.host
    if not host:
        raise InvalidAudioURL("the audio URL has no host")
    if parsed.userinfo:
        raise InvalidAudioURL("the audio URL must not contain credentials (user:password@)")
    if parsed.port is not None and not 0 < parsed.port < 65536:
        raise InvalidAudioURL(f"the audio URL port {parsed.port} is out of range")
    try:
        literal = parse_ip_literal(host)
    except ValueError as exc:
        raise InvalidAudioURL(f"the audio URL host is invalid: {exc}") from None
    # httpx keeps percent-escapes and odd characters in hosts; the resolver must never see them.
    if literal is None and not _HOST_NAME.fullmatch(host):
        raise InvalidAudioURL(f"the audio URL host {host!r} is not a valid host name")
    if isinstance(literal, ipaddress.IPv6Address) and literal.scope_id:
        raise InvalidAudioURL("IPv6 zone identifiers are not allowed in audio URLs")
    if forbid_private:
        reason = blocked_reason(literal) if literal is not None else None
        if reason is None and (host.rstrip(".") == "localhost" or host.endswith(".localhost")):
            reason = "a loopback address"
        if reason is not None:
            raise InvalidAudioURL(
                f"the audio URL points at {reason}; only public addresses are fetched",
                code="audio_url_forbidden",
            )
    return parsed
