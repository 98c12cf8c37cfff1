"""Single-line text."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa

from objectry.metadata.fieldtypes.base import (
    TEXT_OPERATORS,
    FieldType,
    check_length,
    checked_text,
)


class TextType(FieldType):
    name = "text"
    storage = "text"
    widget = "input"
    operators = TEXT_OPERATORS
    options = {"max_length": {"type": "integer", "minimum": 1, "maximum": 10000}}
    default_max_length = 255
    multiline = False

    def column_type(self, field: Mapping[str, Any]) -> sa.types.TypeEngine:
        return sa.Text()

    def deserialize(self, field: Mapping[str, Any], value: Any, *, lenient: bool = False) -> Any:
        text = checked_text(value, lenient=lenient, multiline=self.multiline or lenient)
        if lenient and not self.multiline:
            text = " ".join(text.splitlines())
        return check_length(field, text, self.default_max_length)

    def mask(self, field: Mapping[str, Any], value: Any) -> Any:
        return (value[:1] + "***") if value else value
