"""What a sample-data cell may say beyond a field's own format: dates relative to the
moment of the install, so a demo's data stays fresh whenever it is installed.

``today``, ``today-30``, ``today+7`` (days; ``w`` weeks: ``today-2w``) and ``now``,
``now-2h``, ``now+30m``, ``now-3d`` (minutes, hours, days, weeks). A date field takes
the day of the moment; a date-time field takes the moment itself (``today-30`` is
this time of day 30 days ago). Shared by the loader (``sample``) and ``lint``.
"""

from __future__ import annotations

import datetime as dt
import re

RELATIVE = re.compile(r"^(today|now)(?:\s*([+-])\s*(\d{1,5})\s*([mhdw]?))?$")
UNITS = {"m": dt.timedelta(minutes=1), "h": dt.timedelta(hours=1),
         "d": dt.timedelta(days=1), "w": dt.timedelta(weeks=1)}
DATE_TYPES = frozenset({"date", "datetime"})


def relative_moment(text: str, now: dt.datetime) -> dt.datetime | None:
    """The moment ``text`` names relative to ``now``; None when it is not relative.
    ``today`` counts in days (no unit) or weeks; ``now`` needs a unit."""
    match = RELATIVE.match(text.strip().lower())
    if match is None:
        return None
    base, sign, amount, unit = match.groups()
    if amount is None:
        return now
    if not unit:
        if base == "now":
            return None
        unit = "d"
    if base == "today" and unit not in ("d", "w"):
        return None
    step = UNITS[unit] * int(amount)
    return now + step if sign == "+" else now - step


def relative_text(field_type: str, text: str, now: dt.datetime) -> str | None:
    """The ISO value of a relative date for a ``date`` or ``datetime`` field (what
    the field then reads as usual); None when the cell is not a relative date."""
    if field_type not in DATE_TYPES:
        return None
    moment = relative_moment(text, now)
    if moment is None:
        return None
    return moment.date().isoformat() if field_type == "date" else moment.isoformat()
