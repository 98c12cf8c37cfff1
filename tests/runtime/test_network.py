"""The address policy shared by webhooks and functions' HTTP: resolved addresses are
judged, connections go to the address judged (issue 12)."""

from __future__ import annotations

import ipaddress
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from objectry.runtime.kernel.network import (
    AddressRefused,
    NetworkPolicy,
    Unresolvable,
    refusal,
)

REFUSED_ALWAYS = [
    "100.64.0.1", "100.100.100.200", "169.254.169.254", "192.88.99.1", "0.0.0.0",
    "224.0.0.1", "255.255.255.255", "240.0.0.1", "198.18.0.1", "192.0.2.1", "::",
    "fe80::1", "ff02::1", "2002:7f00:1::", "2002:0808:0808::1", "64:ff9b::a9fe:a9fe",
    "64:ff9b::6464:64c8", "::ffff:169.254.169.254", "::ffff:100.100.100.200",
    "2001:db8::1", "2001::1", "64:ff9b:1::1", "::127.0.0.1",
]
PRIVATE = ["127.0.0.1", "10.1.2.3", "172.16.0.1", "192.168.1.1", "::1", "fd00::1",
           "::ffff:127.0.0.1", "::ffff:10.0.0.1", "64:ff9b::a00:1"]
PUBLIC = ["93.184.216.34", "8.8.8.8", "2606:4700::1111", "::ffff:8.8.8.8",
          "64:ff9b::808:808"]


@pytest.mark.parametrize("text", REFUSED_ALWAYS)
def test_special_ranges_are_refused_even_when_private_is_allowed(text: str) -> None:
    address = ipaddress.ip_address(text)
    assert refusal(address, allow_private=False) is not None
    assert refusal(address, allow_private=True) is not None


@pytest.mark.parametrize("text", PRIVATE)
def test_private_and_loopback_only_with_allow_private(text: str) -> None:
    address = ipaddress.ip_address(text)
    assert refusal(address, allow_private=False) == "private"
    assert refusal(address, allow_private=True) is None


@pytest.mark.parametrize("text", PUBLIC)
def test_public_addresses_pass(text: str) -> None:
    assert refusal(ipaddress.ip_address(text), allow_private=False) is None


def test_every_answer_of_a_name_counts() -> None:
    policy = NetworkPolicy(resolver=lambda host, port: ["93.184.216.34", "10.0.0.7"])
    with pytest.raises(AddressRefused) as refused:
        policy.checked_address("mixed.example", 443)
    assert refused.value.address == "10.0.0.7"
    empty = NetworkPolicy(resolver=lambda host, port: [])
    with pytest.raises(Unresolvable):
        empty.checked_address("nothing.example", 443)
    literal = NetworkPolicy(resolver=lambda host, port: pytest.fail("resolved a literal"))
    with pytest.raises(AddressRefused):
        literal.checked_address("169.254.169.254", 80)


class _Receiver:
    def __init__(self) -> None:
        self.hosts: list[str] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                receiver.hosts.append(self.headers["Host"])
                self.send_response(302)
                self.send_header("Location", "http://169.254.169.254/")
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args: Any) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def receiver() -> Iterator[_Receiver]:
    found = _Receiver()
    yield found
    found.server.shutdown()
    found.server.server_close()


def test_the_connection_goes_to_the_checked_address_with_the_names_host_header(
        receiver: _Receiver) -> None:
    answers = iter([["127.0.0.1"]])  # a second lookup (rebinding) would fail the test

    def resolver(host: str, port: int) -> list[str]:
        assert host == "hooks.example"
        return next(answers)

    policy = NetworkPolicy(allow_private=True, resolver=resolver)
    status, headers, body = policy.request(
        "GET", f"http://hooks.example:{receiver.port}/x", body=None, headers={},
        timeout_s=5, max_bytes=100)
    assert (status, body) == (302, b"ok")  # the redirect is not followed
    assert headers["location"] == "http://169.254.169.254/"
    assert receiver.hosts == [f"hooks.example:{receiver.port}"]


def test_a_loopback_name_is_refused_without_allow_private(receiver: _Receiver) -> None:
    policy = NetworkPolicy(resolver=lambda host, port: ["127.0.0.1"])
    with pytest.raises(AddressRefused):
        policy.request("GET", f"http://hooks.example:{receiver.port}/", body=None,
                       headers={}, timeout_s=5, max_bytes=100)
    assert receiver.hosts == []
