"""Formatting shared by the field types' ``display``: numbers, days and instants in a
reader's language. Values that are not what the type stores (a masked ``****``) are
shown as they are, so a masked value never turns into a formatting error."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

MONTHS_EN = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov",
             "Dec")


def number_text(value: Any, scale: int | None = None) -> str:
    """A number with thousands separators (``1,234.50``); ``scale`` fixes the decimals."""
    if isinstance(value, bool):
        return str(value)
    try:
        number = Decimal(str(value))
    except (InvalidOperation, ValueError):
        return str(value)
    if not number.is_finite():
        return str(value)
    return f"{number:,.{scale}f}" if scale is not None else f"{number:,}"


def is_number(value: Any) -> bool:
    """Whether a shown value is a number (not a masked ``****``) worth decorating."""
    if isinstance(value, bool):
        return False
    try:
        return Decimal(str(value)).is_finite()
    except (InvalidOperation, ValueError):
        return False


def day_text(day: dt.date, locale: str) -> str:
    if locale == "zh-CN":
        return f"{day.year}年{day.month}月{day.day}日"
    return f"{MONTHS_EN[day.month - 1]} {day.day}, {day.year}"


def date_text(value: Any, locale: str) -> str:
    try:
        return day_text(dt.date.fromisoformat(str(value)), locale)
    except ValueError:
        return str(value)


def instant_text(value: Any, locale: str) -> str:
    """An instant in UTC (users have no time zone yet), to the minute."""
    try:
        moment = dt.datetime.fromisoformat(str(value)).astimezone(dt.UTC)
    except ValueError:
        return str(value)
    return f"{day_text(moment.date(), locale)} {moment:%H:%M} UTC"
