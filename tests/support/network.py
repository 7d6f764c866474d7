"""Test-network safety and TLS material: nothing a test does may leave the loopback interface."""

from __future__ import annotations

import ipaddress
import socket
import ssl
import subprocess
from pathlib import Path
from typing import Any

import pytest


def make_tls_files(directory: Path, hostnames: list[str]) -> tuple[Path, Path, Path]:
    """A throw-away CA and a server certificate for ``hostnames``: (ca_cert, cert, key)."""
    names = ",".join(f"DNS:{name}" for name in hostnames)
    (directory / "server.ext").write_text(
        f"subjectAltName={names}\nbasicConstraints=CA:FALSE\nkeyUsage=digitalSignature\n"
        "extendedKeyUsage=serverAuth\n"
    )
    ec = "-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes"
    commands = (
        f"req -x509 {ec} -keyout ca.key -out ca.pem -days 2 -subj /CN=test-ca "
        "-addext basicConstraints=critical,CA:TRUE -addext keyUsage=critical,keyCertSign,cRLSign",
        f"req {ec} -keyout server.key -out server.csr -subj /CN={hostnames[0]}",
        "x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out server.pem "
        "-days 2 -extfile server.ext",
    )
    for command in commands:
        subprocess.run(
            ["openssl", *command.split()], cwd=directory, check=True, capture_output=True
        )
    return directory / "ca.pem", directory / "server.pem", directory / "server.key"


def server_tls_context(cert: Path, key: Path) -> ssl.SSLContext:
    """A server-side TLS context for ``LocalHTTPServer(tls=...)``."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    return context


def loopback_only(monkeypatch: pytest.MonkeyPatch) -> list[tuple[Any, ...]]:
    """Make any connect or name lookup that could leave 127.0.0.0/8 / ::1 fail loudly.

    Returns the list of addresses connected to, so a test can assert that nothing was sent.
    """
    attempts: list[tuple[Any, ...]] = []
    real_connect, real_getaddrinfo = socket.socket.connect, socket.getaddrinfo

    def is_loopback(host: object) -> bool:
        if host == "localhost":
            return True
        try:
            return ipaddress.ip_address(str(host).split("%")[0]).is_loopback
        except ValueError:
            try:  # legacy numeric spellings such as 2130706433 (a pure parse, no DNS)
                return ipaddress.IPv4Address(socket.inet_aton(str(host))).is_loopback
            except OSError:
                return False

    def connect(sock: socket.socket, address: Any) -> None:
        if sock.family in (socket.AF_INET, socket.AF_INET6):
            attempts.append(tuple(address))
            if not is_loopback(address[0]):
                raise AssertionError(f"test tried to connect to non-loopback {address!r}")
        real_connect(sock, address)

    def getaddrinfo(host: Any, *args: Any, **kwargs: Any) -> Any:
        if host is not None and not is_loopback(host):
            raise AssertionError(f"test tried a DNS lookup for {host!r}")
        return real_getaddrinfo(host, *args, **kwargs)

    monkeypatch.setattr(socket.socket, "connect", connect)
    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return attempts
