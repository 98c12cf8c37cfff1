"""Which addresses tenant-directed HTTP may reach, and connections pinned to them.

Workflow webhooks and the functions' ``http.get/post`` both send requests to URLs a
tenant chose. A host name proves nothing: it may resolve (now, or on the next lookup)
to the platform's own network or the cloud metadata service. So the policy judges the
resolved addresses, every one of them, and the request connects to the address that was
checked (with the original Host header and TLS server name), never resolving twice, so
DNS rebinding cannot swap the address between check and use. Redirects are never
followed here: a caller sees the 3xx answer.

``allow_private`` (``OBJECTRY_WEBHOOK_ALLOW_PRIVATE=1``, for on-premise installs and
tests) lets loopback and private ranges (RFC 1918, IPv6 unique-local) through; link-
local, shared (CGNAT, which holds the 100.100.100.200 metadata address), multicast,
reserved and the other special ranges stay refused.
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
import urllib.parse
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
#: Resolves (host, port) to the IP addresses a connection could go to, as text.
Resolver = Callable[[str, int], Sequence[str]]

_V4 = ipaddress.IPv4Network
_V6 = ipaddress.IPv6Network
#: Reachable only with ``allow_private``.
PRIVATE = (_V4("127.0.0.0/8"), _V4("10.0.0.0/8"), _V4("172.16.0.0/12"),
           _V4("192.168.0.0/16"), _V6("::1/128"), _V6("fc00::/7"))
#: Never reachable.
REFUSED = (
    _V4("0.0.0.0/8"), _V4("100.64.0.0/10"), _V4("169.254.0.0/16"), _V4("192.0.0.0/24"),
    _V4("192.0.2.0/24"), _V4("192.88.99.0/24"), _V4("198.18.0.0/15"),
    _V4("198.51.100.0/24"), _V4("203.0.113.0/24"), _V4("224.0.0.0/4"), _V4("240.0.0.0/4"),
    _V6("::/128"), _V6("::/96"), _V6("64:ff9b:1::/48"), _V6("100::/64"), _V6("2001::/23"),
    _V6("2001:db8::/32"), _V6("2002::/16"), _V6("fe80::/10"), _V6("fec0::/10"),
    _V6("ff00::/8"))
NAT64 = _V6("64:ff9b::/96")


class AddressRefused(Exception):
    """The URL's host is, or resolves to, an address the policy refuses."""

    def __init__(self, host: str, address: str) -> None:
        self.host = host
        self.address = address
        super().__init__(f"{host} resolves to {address}, which may not be reached")


class Unresolvable(OSError):
    """The host name does not resolve."""


def system_resolver(host: str, port: int) -> list[str]:
    """The operating system's answer for ``host`` (TCP addresses only)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as exc:
        raise Unresolvable(str(exc)) from None
    return [str(info[4][0]) for info in infos]


def refusal(address: Address, *, allow_private: bool) -> str | None:
    """Why ``address`` may not be reached (None: it may)."""
    if isinstance(address, ipaddress.IPv6Address):
        embedded = address.ipv4_mapped
        if embedded is None and address in NAT64:
            embedded = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
        if embedded is not None:
            return refusal(embedded, allow_private=allow_private)
    if any(address in network for network in PRIVATE):  # before REFUSED: ::1 is in ::/96
        return None if allow_private else "private"
    if any(address in network for network in REFUSED):
        return "reserved"
    if not address.is_global:
        return "not global"
    return None


@dataclass(frozen=True)
class NetworkPolicy:
    """Checks the resolved addresses of a URL and opens connections pinned to them."""

    allow_private: bool = False
    resolver: Resolver = field(default=system_resolver)

    def checked_address(self, host: str, port: int) -> str:
        """The address to connect to: every answer for ``host`` must be allowed."""
        try:
            answers = [ipaddress.ip_address(host)]
        except ValueError:
            answers = [ipaddress.ip_address(text.partition("%")[0])
                       for text in self.resolver(host, port)]
        if not answers:
            raise Unresolvable(f"{host} has no address")
        for address in answers:
            if refusal(address, allow_private=self.allow_private) is not None:
                raise AddressRefused(host, str(address))
        return str(answers[0])

    def request(self, method: str, url: str, *, body: bytes | None,
                headers: Mapping[str, str], timeout_s: float,
                max_bytes: int) -> tuple[int, dict[str, str], bytes]:
        """Send one request (no redirects followed); status, headers and up to
        ``max_bytes`` of the body. Raises AddressRefused, OSError or ValueError."""
        parts = urllib.parse.urlsplit(url)
        host = parts.hostname
        if parts.scheme not in ("http", "https") or not host:
            raise ValueError(f"not an http(s) URL: {url[:200]}")
        port = parts.port or (443 if parts.scheme == "https" else 80)
        address = self.checked_address(host, port)
        connection = _pinned(parts.scheme, host, port, address, timeout_s)
        target = parts.path or "/"
        if parts.query:
            target += "?" + parts.query
        try:
            connection.request(method, target, body=body, headers=dict(headers))
            response = connection.getresponse()
            data = response.read(max_bytes)
            return response.status, {k.lower(): v for k, v in response.getheaders()}, data
        except http.client.HTTPException as exc:  # a malformed answer: not reachable
            raise OSError(f"{type(exc).__name__}: {exc}") from None
        finally:
            connection.close()


def _pinned(scheme: str, host: str, port: int, address: str,
            timeout_s: float) -> http.client.HTTPConnection:
    """A connection to ``address`` that presents ``host`` (Host header, SNI, cert)."""
    connection: http.client.HTTPConnection
    if scheme == "https":
        connection = http.client.HTTPSConnection(host, port, timeout=timeout_s,
                                                 context=ssl.create_default_context())
    else:
        connection = http.client.HTTPConnection(host, port, timeout=timeout_s)

    def connect(where: tuple[str, int], timeout: Any, source: Any = None) -> socket.socket:
        return socket.create_connection((address, where[1]), timeout, source)

    connection._create_connection = connect  # type: ignore[attr-defined]
    return connection
