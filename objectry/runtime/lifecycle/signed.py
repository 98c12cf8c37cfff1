"""Short signed tokens for public links (web form submissions, unsubscribe links).

A token is ``base64url(JSON payload) . base64url(HMAC-SHA256)`` under a key derived per
purpose, so a web form token can never pass as an unsubscribe link. Nothing is stored:
the signature is the proof, the payload says what it is bound to and until when.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from collections.abc import Mapping
from typing import Any

#: Longest token accepted before any decoding (a flood of huge tokens costs nothing).
MAX_TOKEN = 600


def sign(key: bytes, payload: Mapping[str, Any]) -> str:
    body = _b64(json.dumps(dict(payload), separators=(",", ":"), sort_keys=True).encode())
    return f"{body}.{_b64(_mac(key, body))}"


def unsign(key: bytes, token: str) -> dict[str, Any] | None:
    """The payload of a token this key signed; None for anything else."""
    if not isinstance(token, str) or len(token) > MAX_TOKEN or token.count(".") != 1:
        return None
    body, mac = token.split(".")
    try:
        if not hmac.compare_digest(_unb64(mac), _mac(key, body)):
            return None
        payload = json.loads(_unb64(body))
    except (ValueError, UnicodeDecodeError):
        return None
    return payload if isinstance(payload, dict) else None


def _mac(key: bytes, body: str) -> bytes:
    return hmac.new(key, body.encode(), hashlib.sha256).digest()[:20]


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
