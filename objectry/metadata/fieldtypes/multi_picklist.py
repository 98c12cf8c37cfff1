"""Several values from a list of options, stored as a JSON array in option order."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa

from objectry.metadata.fieldtypes.base import FieldType
from objectry.metadata.fieldtypes.picklist import (
    OPTION_SCHEMA,
    check_options,
    form_choice,
    normalized_options,
    option_label,
    resolve_lenient,
    resolve_option,
)
from objectry.metadata.fieldtypes.sqltypes import json_column
from objectry.metadata.i18n import pick
from objectry.metadata.problems import ErrorItem, FieldValueError


class MultiPicklistType(FieldType):
    name = "multi_picklist"
    storage = "json"
    sortable = False
    multi_valued = True
    options = {"options": OPTION_SCHEMA,
               "max_selections": {"type": "integer", "minimum": 1}}
    widget = "multiselect"

    def display(self, field: Mapping[str, Any], value: Any, locale: str) -> str:
        if not isinstance(value, list):
            return "" if value is None else str(value)
        return ("、" if locale == "zh-CN" else ", ").join(
            option_label(field, item, locale) for item in value)

    def form_value(self, field: Mapping[str, Any], value: Any) -> str:
        return ";".join(value) if isinstance(value, list) else ""

    def from_form(self, field: Mapping[str, Any], texts: list[str]) -> Any:
        chosen = [form_choice(field, text.strip()) for text in texts if text.strip()]
        return chosen or None

    def form_options(self, field: Mapping[str, Any],
                     locale: str) -> list[tuple[str, str]] | None:
        return [(o["value"], pick(o["label"], locale, o["value"]))
                for o in normalized_options(field)]

    def json_schema(self, field: Mapping[str, Any]) -> dict[str, Any]:
        values = [o["value"] for o in normalized_options(field)]
        return {"type": "array", "items": {"type": "string", "enum": values},
                "uniqueItems": True}

    def column_type(self, field: Mapping[str, Any]) -> sa.types.TypeEngine:
        return json_column()

    def deserialize(self, field: Mapping[str, Any], value: Any, *, lenient: bool = False) -> Any:
        if lenient and isinstance(value, str):
            value = [part.strip() for part in value.split(";") if part.strip()]
        if not isinstance(value, list):
            raise FieldValueError("not_a_list")
        resolve = resolve_lenient if lenient else resolve_option
        chosen = {resolve(field, item) for item in value}
        limit = field.get("max_selections")
        if limit is not None and len(chosen) > limit:
            raise FieldValueError("above_max", max=limit)
        order = [o["value"] for o in normalized_options(field)]
        return [v for v in order if v in chosen]

    def is_empty(self, value: Any) -> bool:
        return not value

    def choices(self, field: Mapping[str, Any]) -> list[str] | None:
        return [o["value"] for o in normalized_options(field)]

    def check(self, field: Mapping[str, Any], objects: Mapping[str, Any]) -> list[ErrorItem]:
        return check_options(field) + super().check(field, objects)
