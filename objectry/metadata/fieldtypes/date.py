"""A calendar date without time."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa

from objectry.metadata.fieldtypes.base import FieldType
from objectry.metadata.fieldtypes.display import date_text
from objectry.metadata.problems import FieldValueError

_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


class DateType(FieldType):
    name = "date"
    storage = "date"
    orderable = True
    temporal = True
    whole_days = True
    widget = "date"

    def display(self, field: Mapping[str, Any], value: Any, locale: str) -> str:
        return "" if value is None else date_text(value, locale)

    def json_schema(self, field: Mapping[str, Any]) -> dict[str, Any]:
        return {"type": "string", "format": "date"}

    def column_type(self, field: Mapping[str, Any]) -> sa.types.TypeEngine:
        return sa.Date()

    def deserialize(self, field: Mapping[str, Any], value: Any, *, lenient: bool = False) -> Any:
        if isinstance(value, dt.datetime):
            if lenient:
                return value.date()
            raise FieldValueError("not_a_date")
        if isinstance(value, dt.date):
            return value
        if isinstance(value, str):
            text = value.strip()
            if lenient and len(text) > 10 and text[10] in "T ":
                text = text[:10]
            try:
                if not _ISO_DATE.fullmatch(text):
                    raise ValueError(text)
                return dt.date.fromisoformat(text)
            except ValueError as exc:
                raise FieldValueError("not_a_date") from exc
        raise FieldValueError("not_a_date")

    def to_json(self, field: Mapping[str, Any], value: Any) -> Any:
        return value.isoformat()
