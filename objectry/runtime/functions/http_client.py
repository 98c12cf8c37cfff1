"""``http.get/post`` for functions: allowlisted hosts only, with timeouts and size caps.

The tenant's allowlist (``function_settings/default``) names hosts exactly or with a
leading ``*.`` for subdomains, optionally with a port. Redirects are not followed (a
redirect could leave the allowlist); the function sees the 3xx answer.
"""

from __future__ import annotations

import json
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping, Sequence
from typing import Any

from objectry.sandbox import HostError

MAX_RESPONSE_BYTES = 1024 * 1024
MAX_REQUEST_BYTES = 256 * 1024
SCHEMES = ("http", "https")


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


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


class HttpClient:
    """Makes the requests; one per process, stateless."""

    def __init__(self) -> None:
        self._opener = urllib.request.build_opener(_NoRedirect())

    def request(self, method: str, url: str, *, allowlist: Sequence[str], timeout_ms: int,
                params: Mapping[str, Any] | None = None, json_body: Any = None,
                headers: Mapping[str, str] | None = None) -> dict[str, Any]:
        """``{"status", "headers", "text", "json"}``; refusals raise HostError."""
        if not isinstance(url, str) or not host_allowed(url, allowlist):
            host = urllib.parse.urlsplit(url).hostname if isinstance(url, str) else None
            raise HostError("http_host_not_allowed", f"host {host!r} is not on the allowlist")
        if params:
            url += ("&" if "?" in url else "?") + urllib.parse.urlencode(
                {str(k): str(v) for k, v in params.items()})
        data = None
        clean_headers = {str(k): str(v) for k, v in (headers or {}).items()
                         if str(k).lower() not in ("host", "content-length")}
        if method == "POST":
            data = json.dumps(json_body, ensure_ascii=False).encode()
            if len(data) > MAX_REQUEST_BYTES:
                raise HostError("http_failed", "the request body is too large")
            clean_headers.setdefault("Content-Type", "application/json")
        request = urllib.request.Request(url, data=data, method=method, headers=clean_headers)
        try:
            with self._opener.open(request, timeout=timeout_ms / 1000) as response:
                return _answer(response.status, response.headers, response.read(
                    MAX_RESPONSE_BYTES + 1))
        except urllib.error.HTTPError as exc:
            return _answer(exc.code, exc.headers, exc.read(MAX_RESPONSE_BYTES + 1))
        except (urllib.error.URLError, OSError, ValueError) as exc:
            raise HostError("http_failed", str(getattr(exc, "reason", exc))[:300]) from None


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
