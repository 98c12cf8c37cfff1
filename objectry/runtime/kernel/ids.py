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


_VERSION_VARIANT = (0x7 << 76) | (0b10 << 62)  # version 7, RFC 9562 variant
_RAND_A = 0xFFF  # 12 random bits beside the version
_RAND_B = (1 << 62) - 1  # 62 random bits beside the variant
_MS_MASK = (1 << 48) - 1
_RAND_BITS = (1 << 74) - 1  # the random bits an id keeps


def uuid7(now_ms: int | None = None) -> uuid.UUID:
    """A UUIDv7: 48 bits of Unix milliseconds, then version, variant and 74 random bits."""
    ms = int(time.time() * 1000) if now_ms is None else now_ms
    return _uuid(_layout(ms, int.from_bytes(os.urandom(10), "big")))


def uuid7_many(now_ms: int, count: int) -> list[uuid.UUID]:
    """``count`` UUIDv7 of one millisecond, ascending in the order returned (their random
    parts sorted), so rows a batch writes in order keep that order in id order."""
    raw = os.urandom(10 * count)
    randoms = sorted(int.from_bytes(raw[i:i + 10], "big") & _RAND_BITS
                     for i in range(0, 10 * count, 10))
    return [_uuid(_layout(now_ms, rand)) for rand in randoms]


def _layout(ms: int, rand: int) -> int:
    """The 128 bits of a UUIDv7 for ``ms`` and random bits (the low 74 are kept, in
    order: ids of one millisecond compare as their ``rand & _RAND_BITS`` do)."""
    return ((ms & _MS_MASK) << 80) | _VERSION_VARIANT | (((rand >> 62) & _RAND_A) << 64) \
        | (rand & _RAND_B)


def _uuid(value: int) -> uuid.UUID:
    """``uuid.UUID(int=value)`` without its argument checks (a third of the cost of an
    id, paid twice per record in bulk writes): ``value`` comes from :func:`_layout`."""
    made = object.__new__(uuid.UUID)
    object.__setattr__(made, "int", value)
    object.__setattr__(made, "is_safe", uuid.SafeUUID.unknown)
    return made


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


def record_stamps(now: dt.datetime, count: int) -> tuple[list[uuid.UUID], dt.datetime]:
    """:func:`record_stamp` for a batch of ``count`` records made at ``now``: one
    ``created_at`` and ids ascending in the batch's order (:func:`uuid7_many`), so the
    batch lists newest first in the reverse of the order it was written."""
    ms = unix_ms(now)
    return uuid7_many(ms, count), _EPOCH + ms * _MS


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
