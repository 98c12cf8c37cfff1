"""Relative dates: the window of days a ``today`` / ``last_n_days`` / ... leaf stands for.

Both compilers turn a relative leaf into the same half-open range ``lo <= value < hi``
computed here from an explicit ``now`` (the context clock), so they cannot disagree.

Days are calendar days in UTC: a date field is compared as it is, a datetime field by
the UTC day its instant falls on. Tenant time zones are not modelled yet; when they
are, only ``_today`` and ``_start`` change (the tenant's today, its midnight).

- ``today``: today.
- ``last_n_days N``: the N days before today and today (``0``: today only).
- ``next_n_days N``: today and the N days after it.
- ``older_than_days N``: before the window of ``last_n_days N``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from objectry.metadata.fieldtypes import FieldType


@dataclass(frozen=True)
class Window:
    """``lo <= value < hi``; a missing bound is open; ``empty`` matches nothing."""

    lo: Any = None
    hi: Any = None
    empty: bool = False

    def holds(self, value: Any) -> bool:
        return (value is not None and not self.empty
                and (self.lo is None or value >= self.lo)
                and (self.hi is None or value < self.hi))


def window(op: str, days: int | None, ftype: FieldType, now: dt.datetime) -> Window:
    """The window of a relative-date leaf on a field of a ``temporal`` type."""
    today = _today(now)
    n = days or 0
    first: dt.date | None
    last: dt.date | None
    if op == "today":
        first, last = today, today
    elif op == "last_n_days":
        first, last = _shift(today, -n), today
    elif op == "next_n_days":
        first, last = today, _shift(today, n)
    elif op == "older_than_days":
        end = _shift(today, -n)
        if end is None:  # before the first representable day: nothing is that old
            return Window(empty=True)
        return Window(hi=_start(end, ftype))
    else:
        raise ValueError(f"not a relative date operator: {op}")
    after = _shift(last, 1) if last is not None else None
    return Window(lo=None if first is None else _start(first, ftype),
                  hi=None if after is None else _start(after, ftype))


def _today(now: dt.datetime) -> dt.date:
    if now.tzinfo is None:
        now = now.replace(tzinfo=dt.UTC)
    return now.astimezone(dt.UTC).date()


def _shift(day: dt.date, n: int) -> dt.date | None:
    """``day`` moved by ``n`` days, None past the calendar's ends (an open bound)."""
    try:
        return day + dt.timedelta(days=n)
    except OverflowError:
        return None


def _start(day: dt.date, ftype: FieldType) -> dt.date | dt.datetime:
    if ftype.whole_days:
        return day
    return dt.datetime.combine(day, dt.time(), dt.UTC)
