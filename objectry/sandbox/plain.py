"""Plain JSON data: the only values allowed to cross the sandbox boundary.

Values pass between the web process and a worker as JSON text, never as pickles, so a
compromised worker cannot make the parent run code by sending a crafted object. The
check runs before encoding so that the error names the culprit's path and type, and it
refuses what JSON encoding would choke on later (an integer too long for ``int`` to
text conversion, a string with a lone surrogate that UTF-8 cannot hold): a worker that
met such a value mid-message would otherwise die instead of reporting it.
"""

from __future__ import annotations

import json
import math
from typing import Any

MAX_DEPTH = 64
#: Bits of the largest integer passed (about 4200 digits, below Python's 4300-digit cap
#: on int-to-text conversion).
MAX_INT_BITS = 14_000


class NotPlainData(TypeError):
    """A value that is not plain JSON data (dict with str keys, list, str, number, bool, None)."""

    def __init__(self, path: str, what: str) -> None:
        self.path = path or "/"
        self.what = what
        super().__init__(f"not plain JSON data at {self.path}: {what}")


def check_plain(value: Any, path: str = "", depth: int = 0) -> None:
    """Raise NotPlainData unless ``value`` is plain JSON data; tuples count as lists."""
    if depth > MAX_DEPTH:
        raise NotPlainData(path, f"nested deeper than {MAX_DEPTH} levels")
    kind = type(value)
    if value is None or kind is bool:
        return
    if kind is int:
        if value.bit_length() > MAX_INT_BITS:
            raise NotPlainData(path, f"integer of {value.bit_length()} bits is too large")
        return
    if kind is str:
        _check_text(value, path)
        return
    if kind is float:
        if not math.isfinite(value):
            raise NotPlainData(path, f"float {value!r} has no JSON form")
        return
    if kind is dict:
        for key, item in value.items():
            if type(key) is not str:
                raise NotPlainData(path, f"dict key of type {type(key).__name__}")
            _check_text(key, path)
            check_plain(item, f"{path}/{key}", depth + 1)
        return
    if kind in (list, tuple):
        for index, item in enumerate(value):
            check_plain(item, f"{path}/{index}", depth + 1)
        return
    raise NotPlainData(path, f"value of type {kind.__name__}")


def _check_text(text: str, path: str) -> None:
    if not text.isascii():
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            raise NotPlainData(path, "text with a lone surrogate (not valid UTF-8)") from None


def safe_text(text: str) -> str:
    """``text`` with lone surrogates escaped, so it always encodes (error messages)."""
    return text if text.isascii() else text.encode("utf-8", "backslashreplace").decode()


def encode(value: Any) -> bytes:
    """Check and encode one message; raises NotPlainData for anything not plain."""
    check_plain(value)
    return json.dumps(value, ensure_ascii=False, allow_nan=False,
                      separators=(",", ":")).encode()


def decode(data: bytes) -> Any:
    """Decode one message; JSON decoding can only yield plain data."""
    return json.loads(data)
