"""Single-line text."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa

from objectry.metadata.fieldtypes.base import FieldType, check_length, checked_text

_LINE_BREAK = re.compile(r"\r\n|[\r\n]")


def one_line(text: str) -> str:
    """Lines joined with spaces, like ``" ".join(text.splitlines())`` but only at CR/LF.

    ``splitlines`` also splits at U+2028/U+2029, which strict one-line text accepts;
    a value the API took must come through a lenient conversion unchanged.
    """
    lines = _LINE_BREAK.split(text)
    if len(lines) > 1 and lines[-1] == "":
        lines.pop()
    return " ".join(lines)


class TextType(FieldType):
    name = "text"
    storage = "text"
    searchable = True
    classifier = True
    options = {"max_length": {"type": "integer", "minimum": 1, "maximum": 10000}}
    default_max_length = 255
    multiline = False

    def json_schema(self, field: Mapping[str, Any]) -> dict[str, Any]:
        return {"type": "string",
                "maxLength": field.get("max_length", self.default_max_length)}

    def column_type(self, field: Mapping[str, Any]) -> sa.types.TypeEngine:
        return sa.Text()

    def deserialize(self, field: Mapping[str, Any], value: Any, *, lenient: bool = False) -> Any:
        text = checked_text(value, lenient=lenient, multiline=self.multiline or lenient)
        if lenient and not self.multiline:
            text = one_line(text)
        return check_length(field, text, self.default_max_length)

    def mask(self, field: Mapping[str, Any], value: Any) -> Any:
        return (value[:1] + "***") if value else value
