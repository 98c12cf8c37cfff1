"""Messages between the pool (parent) and a worker, one JSON document per pipe frame.

parent -> worker   {"op": "run", "key", "load": bool, "record", "params", "limits"}
                   followed by one raw frame of marshalled code when "load" is true
worker -> parent   {"op": "ready", "pid"} once, after the OS limits are in place
worker -> parent   {"op": "call", "name", "args", "kwargs"}   a host call
parent -> worker   {"value": ...} | {"error": {"code", "message", "errors"?, "limit"?}}
worker -> parent   {"op": "done", "result", "error", "cpu_ms", "changes"}

Only the trusted direction (parent to worker) carries code; everything a worker sends
is JSON, so the parent never unpickles what tenant code could influence.
"""

from __future__ import annotations

from multiprocessing.connection import Connection
from typing import Any

from objectry.sandbox.plain import decode, encode

MAX_MESSAGE_BYTES = 8 * 1024 * 1024
# The file name tenant code is compiled under: frames with it are the tenant's lines.
SOURCE_FILENAME = "<function>"


class ProtocolError(Exception):
    """A worker sent something malformed or too large; the pool kills it."""


def send(conn: Connection, message: dict[str, Any]) -> None:
    data = encode(message)
    if len(data) > MAX_MESSAGE_BYTES:
        raise ValueError(f"message of {len(data)} bytes is larger than {MAX_MESSAGE_BYTES}")
    conn.send_bytes(data)


def receive(conn: Connection) -> dict[str, Any]:
    """One message, refusing oversized frames and anything that is not a JSON object."""
    try:
        message = decode(conn.recv_bytes(MAX_MESSAGE_BYTES))
    except (OSError, ValueError) as exc:
        raise ProtocolError(str(exc)) from exc
    if not isinstance(message, dict):
        raise ProtocolError("a message must be a JSON object")
    return message
