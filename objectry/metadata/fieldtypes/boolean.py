"""Yes / no."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa

from objectry.metadata.fieldtypes.base import FieldType
from objectry.metadata.i18n import message
from objectry.metadata.problems import FieldValueError

_TRUE = {"true", "yes", "y", "1", "是", "t"}
_FALSE = {"false", "no", "n", "0", "否", "f"}


class BooleanType(FieldType):
    name = "boolean"
    storage = "boolean"
    widget = "checkbox"

    def display(self, field: Mapping[str, Any], value: Any, locale: str) -> str:
        if isinstance(value, bool):
            return message("ui_yes" if value else "ui_no", locale)
        return "" if value is None else str(value)

    def form_value(self, field: Mapping[str, Any], value: Any) -> str:
        return "true" if value is True else ""

    def unchanged_by_form(self, field: Mapping[str, Any], stored: Any, posted: Any) -> bool:
        """An unticked box cannot say "unset": it leaves an unset value unset."""
        return bool((stored or False) == (posted or False))

    def from_form(self, field: Mapping[str, Any], texts: list[str]) -> Any:
        """A checkbox posts ``true`` after the hidden ``false`` that stands for unchecked."""
        return bool(texts) and texts[-1] == "true"

    def json_schema(self, field: Mapping[str, Any]) -> dict[str, Any]:
        return {"type": "boolean"}

    def column_type(self, field: Mapping[str, Any]) -> sa.types.TypeEngine:
        return sa.Boolean(create_constraint=False)

    def deserialize(self, field: Mapping[str, Any], value: Any, *, lenient: bool = False) -> Any:
        if isinstance(value, bool):
            return value
        if lenient and isinstance(value, str | int):
            text = str(value).strip().lower()
            if text in _TRUE:
                return True
            if text in _FALSE:
                return False
        raise FieldValueError("not_a_boolean")
