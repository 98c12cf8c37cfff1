"""An instant in time, stored in UTC; the API speaks ISO 8601 with an offset."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa

from objectry.metadata.fieldtypes.base import FieldType
from objectry.metadata.fieldtypes.display import instant_text
from objectry.metadata.fieldtypes.sqltypes import UTCDateTime
from objectry.metadata.problems import FieldValueError


def parse_instant(value: Any, *, lenient: bool = False) -> dt.datetime:
    """An aware UTC datetime from ISO 8601 text (``Z`` or an offset required)."""
    if isinstance(value, dt.datetime):
        parsed = value
    elif isinstance(value, dt.date) and lenient:
        parsed = dt.datetime.combine(value, dt.time(), dt.UTC)
    elif isinstance(value, str):
        try:
            parsed = dt.datetime.fromisoformat(value.strip())
        except ValueError as exc:
            raise FieldValueError("not_a_datetime") from exc
    else:
        raise FieldValueError("not_a_datetime")
    if parsed.tzinfo is None:
        if not lenient:
            raise FieldValueError("not_a_datetime")
        parsed = parsed.replace(tzinfo=dt.UTC)
    try:
        return parsed.astimezone(dt.UTC)
    except OverflowError as exc:
        raise FieldValueError("not_a_datetime") from exc


def format_instant(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).isoformat().replace("+00:00", "Z")


class DateTimeType(FieldType):
    name = "datetime"
    storage = "datetime"
    orderable = True
    temporal = True
    widget = "datetime"

    def display(self, field: Mapping[str, Any], value: Any, locale: str) -> str:
        return "" if value is None else instant_text(value, locale)

    def form_value(self, field: Mapping[str, Any], value: Any) -> str:
        """``datetime-local`` text (UTC, to the minute)."""
        if value is None:
            return ""
        try:
            return f"{parse_instant(value):%Y-%m-%dT%H:%M}"
        except FieldValueError:
            return str(value)

    def from_form(self, field: Mapping[str, Any], texts: list[str]) -> Any:
        """``datetime-local`` text has no offset: it is read as UTC, as it was shown."""
        text = super().from_form(field, texts)
        try:
            moment = None if text is None else dt.datetime.fromisoformat(text)
        except ValueError:
            return text
        if moment is not None and moment.tzinfo is None:
            return format_instant(moment.replace(tzinfo=dt.UTC))
        return text

    def json_schema(self, field: Mapping[str, Any]) -> dict[str, Any]:
        return {"type": "string", "format": "date-time"}

    def column_type(self, field: Mapping[str, Any]) -> sa.types.TypeEngine:
        return UTCDateTime()

    def deserialize(self, field: Mapping[str, Any], value: Any, *, lenient: bool = False) -> Any:
        return parse_instant(value, lenient=lenient)

    def to_json(self, field: Mapping[str, Any], value: Any) -> Any:
        return format_instant(value)
