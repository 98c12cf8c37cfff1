"""A number the platform hands out in order, formatted like ``LD-{000000}``."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa

from objectry.metadata.fieldtypes.base import FieldType, checked_text
from objectry.metadata.problems import ErrorItem

_COUNTER = re.compile(r"\{(0+)\}")


def render_auto_number(field: Mapping[str, Any], counter: int) -> str:
    """Fill the ``{000}`` placeholder of the format with the zero-padded counter."""
    fmt = field.get("format", "{000000}")
    return _COUNTER.sub(lambda m: str(counter).zfill(len(m.group(1))), fmt, count=1)


class AutoNumberType(FieldType):
    name = "auto_number"
    storage = "text"
    searchable = True
    system_generated = True
    widget = "none"
    options = {
        "format": {"type": "string", "maxLength": 60},
        "start": {"type": "integer", "minimum": 0},
    }

    def json_schema(self, field: Mapping[str, Any]) -> dict[str, Any]:
        return {"type": "string", "readOnly": True}

    def column_type(self, field: Mapping[str, Any]) -> sa.types.TypeEngine:
        return sa.Text()

    def generate(self, field: Mapping[str, Any], counter: int) -> Any:
        return render_auto_number(field, counter)

    def deserialize(self, field: Mapping[str, Any], value: Any, *, lenient: bool = False) -> Any:
        return checked_text(value, lenient=lenient, multiline=False)

    def check(self, field: Mapping[str, Any], objects: Mapping[str, Any]) -> list[ErrorItem]:
        errors = super().check(field, objects)
        if "format" in field and not _COUNTER.search(field["format"]):
            errors.append(ErrorItem("/format", "auto_number_counter_missing",
                                    {"format": field["format"]}))
        return errors
