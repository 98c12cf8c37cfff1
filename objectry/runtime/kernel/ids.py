"""Time-ordered record ids (UUIDv7 layout, RFC 9562), so new rows append to indexes.

A record's ``created_at`` is the instant its id carries (:func:`record_stamp`), which
makes "newest first" the id order, an index walk (see :func:`record_stamp`).
"""

from __future__ import annotations

import datetime as dt
import os
import time
import uuid

_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_MS = dt.timedelta(milliseconds=1)


def uuid7(now_ms: int | None = None) -> uuid.UUID:
    """A UUIDv7: 48 bits of Unix milliseconds, then version, variant and 74 random bits."""
    ms = int(time.time() * 1000) if now_ms is None else now_ms
    rand = int.from_bytes(os.urandom(10), "big")
    value = (ms & ((1 << 48) - 1)) << 80
    value |= 0x7 << 76
    value |= ((rand >> 62) & 0xFFF) << 64
    value |= 0b10 << 62
    value |= rand & ((1 << 62) - 1)
    return uuid.UUID(int=value)


def unix_ms(instant: dt.datetime) -> int:
    """Whole Unix milliseconds of an aware instant, floored in exact integer arithmetic
    (``int(ts.timestamp() * 1000)`` goes through a float and can land 1 ms low)."""
    return (instant - _EPOCH) // _MS


def id_instant(record_id: uuid.UUID) -> dt.datetime:
    """The instant (UTC, whole milliseconds) a UUIDv7 id carries in its top 48 bits."""
    return _EPOCH + (record_id.int >> 80) * _MS


def record_stamp(now: dt.datetime) -> tuple[uuid.UUID, dt.datetime]:
    """A new record's id and ``created_at`` for the clock reading ``now``.

    ``created_at`` is the id's own instant (``now`` floored to the millisecond), so
    ordering records by ``created_at`` (ties broken by id) is ordering them by id:

    - ids compare as 128-bit integers (Python's ``UUID``, PostgreSQL's ``uuid``, the
      32 lowercase hex digits SQLAlchemy stores on SQLite), whose top 48 bits are the
      millisecond, so ``a < b`` implies ``ms(a) <= ms(b)``, i.e. ``created_at(a) <=
      created_at(b)``: ``created_at`` is a non-decreasing function of the id.
    - hence the order (created_at, id) is the id order, and (created_at DESC, id DESC)
      the id order reversed: records made in the same millisecond tie on created_at
      and fall back to the id, whatever order the clock (even a test clock going
      backwards) gave them.

    This holds for any record whose ``created_at`` is ``id_instant(id)``. Records are
    only ever created through the journal with this stamp; restoring, deleting,
    updating or converting a record never writes ``created_at``, and no import path
    sets it otherwise. Records written before created_at was derived from the id (full
    microseconds, id millisecond taken through a float) can disagree with the id order
    only among records whose ids carry the same millisecond.
    """
    ms = unix_ms(now)
    return uuid7(ms), _EPOCH + ms * _MS


#: How far a record's ``created_at`` may be from its id's instant: none for records made
#: with :func:`record_stamp`; under a millisecond for those made before it (see there).
STAMP_SLACK = dt.timedelta(seconds=1)


def ids_from(instant: dt.datetime) -> uuid.UUID:
    """A bound every id of a record created at or after ``instant`` is at or above (its
    millisecond less :data:`STAMP_SLACK`, random bits zero): ``created_at >= x`` implies
    ``id >= ids_from(x)``, so a range of ``created_at`` is a range of the primary key."""
    return uuid.UUID(int=max(0, unix_ms(instant - STAMP_SLACK)) << 80)


def ids_before(instant: dt.datetime) -> uuid.UUID:
    """A bound every id of a record created at or before ``instant`` is below:
    ``created_at <= x`` implies ``id < ids_before(x)``."""
    return uuid.UUID(int=min((1 << 48) - 1, unix_ms(instant + STAMP_SLACK) + 1) << 80)
