"""Plain JSON data: the only values allowed to cross the sandbox boundary.

Values pass between the web process and a worker as JSON text, never as pickles, so a
compromised worker cannot make the parent run code by sending a crafted object. The
check runs before encoding so that the error names the culprit's path and type.
"""

from __future__ import annotations

import json
import math
from typing import Any

MAX_DEPTH = 64


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
    if value is None or kind in (str, bool, int):
        return
    if kind is float:
        if not math.isfinite(value):
            raise NotPlainData(path, f"float {value!r} has no JSON form")
        return
    if kind is dict:
        for key, item in value.items():
            if type(key) is not str:
                raise NotPlainData(path, f"dict key of type {type(key).__name__}")
            check_plain(item, f"{path}/{key}", depth + 1)
        return
    if kind in (list, tuple):
        for index, item in enumerate(value):
            check_plain(item, f"{path}/{index}", depth + 1)
        return
    raise NotPlainData(path, f"value of type {kind.__name__}")


def encode(value: Any) -> bytes:
    """Check and encode one message; raises NotPlainData for anything not plain."""
    check_plain(value)
    return json.dumps(value, ensure_ascii=False, allow_nan=False,
                      separators=(",", ":")).encode()


def decode(data: bytes) -> Any:
    """Decode one message; JSON decoding can only yield plain data."""
    return json.loads(data)
