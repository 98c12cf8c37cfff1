"""``http.get/post`` for functions: allowlisted hosts only, with timeouts and size caps.

The tenant's allowlist (``function_settings/default``) names hosts exactly or with a
leading ``*.`` for subdomains, optionally with a port. An allowlisted name must still
resolve to an address the platform allows (``kernel/network.py``). Redirects are not
followed (a redirect could leave the allowlist); the function sees the 3xx answer.
"""

from __future__ import annotations

import json
import urllib.parse
from collections.abc import Mapping, Sequence
from typing import Any

from objectry.runtime.kernel.network import AddressRefused, NetworkPolicy
from objectry.sandbox import HostError

MAX_RESPONSE_BYTES = 1024 * 1024
MAX_REQUEST_BYTES = 256 * 1024
SCHEMES = ("http", "https")
#: urlsplit silently drops tab, CR and LF: a URL holding them is refused, not "repaired".
_CONTROL = frozenset("\t\r\n\x00")


def host_allowed(url: str, allowlist: Sequence[str]) -> bool:
    """Whether ``url`` is http(s) to a host on the allowlist."""
    try:
        parts = urllib.parse.urlsplit(url)
        port = parts.port
    except ValueError:
        return False
    host = (parts.hostname or "").lower().rstrip(".")
    if parts.scheme not in SCHEMES or not host or parts.username or parts.password:
        return False
    for entry in allowlist:
        name, _, wanted_port = entry.partition(":")
        if wanted_port and port != int(wanted_port):
            continue
        if name.startswith("*."):
            if host.endswith(name[1:]) and host != name[2:]:
                return True
        elif host == name:
            return True
    return False


class HttpClient:
    """Makes the requests; one per process, stateless. Addresses are checked and
    connections pinned by ``network`` (the platform's private-address setting)."""

    def __init__(self, network: NetworkPolicy | None = None) -> None:
        self.network = network or NetworkPolicy()

    def request(self, method: str, url: str, *, allowlist: Sequence[str], timeout_ms: int,
                params: Any = None, json_body: Any = None,
                headers: Any = None) -> dict[str, Any]:
        """``{"status", "headers", "text", "json"}``; refusals raise HostError."""
        if not isinstance(url, str):
            raise HostError("invalid_arguments", "the URL must be a string")
        if any(c in url for c in _CONTROL) or not host_allowed(url, allowlist):
            raise HostError("http_host_not_allowed", f"host {_host(url)!r} is not on the "
                                                     "allowlist")
        if params:
            url += ("&" if "?" in url else "?") + urllib.parse.urlencode(
                _pairs(params, "params"))
        data = None
        clean_headers = {str(k): str(v) for k, v in _pairs(headers or {}, "headers")
                         if str(k).lower() not in ("host", "content-length")}
        if method == "POST":
            data = json.dumps(json_body, ensure_ascii=False).encode()
            if len(data) > MAX_REQUEST_BYTES:
                raise HostError("http_failed", "the request body is too large")
            clean_headers.setdefault("Content-Type", "application/json")
        try:
            status, answer_headers, body = self.network.request(
                method, url, body=data, headers=clean_headers, timeout_s=timeout_ms / 1000,
                max_bytes=MAX_RESPONSE_BYTES + 1)
        except AddressRefused as exc:
            raise HostError("http_address_refused", str(exc)) from None
        except (OSError, ValueError) as exc:
            raise HostError("http_failed", str(exc)[:300]) from None
        return _answer(status, answer_headers, body)


def _pairs(value: Any, name: str) -> list[tuple[str, str]]:
    """``params`` or ``headers`` as text pairs; anything but a dict is the caller's error."""
    if not isinstance(value, Mapping):
        raise HostError("invalid_arguments", f"{name} must be a dict")
    pairs = [(str(k), str(v)) for k, v in value.items()]
    if name == "headers" and any(c in k + v for k, v in pairs for c in _CONTROL):
        raise HostError("invalid_arguments", "a header contains a control character")
    return pairs


def _host(url: str) -> str | None:
    try:
        return urllib.parse.urlsplit(url).hostname
    except ValueError:
        return None


def _answer(status: int, headers: Any, body: bytes) -> dict[str, Any]:
    if len(body) > MAX_RESPONSE_BYTES:
        raise HostError("http_failed", f"the response is larger than {MAX_RESPONSE_BYTES} bytes")
    text = body.decode("utf-8", errors="replace")
    try:
        parsed = json.loads(text, parse_constant=_refuse) if text else None
    except (ValueError, RecursionError):
        parsed = None
    return {"status": status, "headers": {k.lower(): v for k, v in (headers or {}).items()},
            "text": text, "json": parsed}


def _refuse(name: str) -> Any:
    raise ValueError(f"{name} is not plain JSON")
