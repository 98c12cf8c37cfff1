"""The contract every field type fulfils.

A field type knows everything about itself: the JSON Schema of its options, its column,
how a JSON value becomes a stored value (strictly for the API, leniently for imports and
type conversions), how a stored value becomes JSON again, its filter operators, its form
widget, and how it is masked and formatted. Adding a type means adding one module.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from typing import Any, ClassVar

import sqlalchemy as sa

from objectry.metadata.problems import ErrorItem, FieldValueError

#: Operators that compare with the values before an update (workflow conditions).
CHANGE_OPERATORS = frozenset({"changed", "changed_to", "changed_from"})
#: Operators of dates and instants relative to the evaluation's ``now``.
RELATIVE_DATE_OPERATORS = frozenset({"today", "last_n_days", "next_n_days",
                                     "older_than_days"})
#: Operators every type supports.
BASIC_OPERATORS = frozenset({"eq", "ne", "in", "not_in", "is_empty", "is_not_empty"}) \
    | CHANGE_OPERATORS
#: Operators of types with an order.
ORDERED_OPERATORS = BASIC_OPERATORS | {"gt", "gte", "lt", "lte", "between"}
#: Operators of text-like types.
TEXT_OPERATORS = BASIC_OPERATORS | {"contains", "starts_with", "ends_with"}

#: Options every field accepts, whatever its type (JSON Schema properties).
COMMON_OPTIONS: Mapping[str, Any] = {
    "api_name": {"$ref": "defs.json#/$defs/api_name"},
    "type": {"type": "string"},
    "label": {"$ref": "defs.json#/$defs/language_map"},
    "help": {"$ref": "defs.json#/$defs/language_map"},
    "description": {"$ref": "defs.json#/$defs/language_map"},
    "group": {"$ref": "defs.json#/$defs/api_name"},
    "required": {"type": "boolean"},
    "unique": {"type": "boolean"},
    "indexed": {"type": "boolean"},
    "read_only": {"type": "boolean"},
    "sensitive": {"type": "boolean"},
    "default": {},
}


class FieldType:
    """Base class of field types; subclasses override what differs."""

    name: ClassVar[str]
    #: Values with the same storage kind share a column type (a change needs no rewrite).
    storage: ClassVar[str]
    widget: ClassVar[str] = "text"
    operators: ClassVar[frozenset[str]] = BASIC_OPERATORS
    sortable: ClassVar[bool] = True
    #: JSON Schema properties of this type's own options.
    options: ClassVar[Mapping[str, Any]] = {}
    #: Whether values are written by the platform rather than by users.
    system_generated: ClassVar[bool] = False
    #: What the API expects, for the ``invalid_type`` message.
    expected: ClassVar[str] = "text"

    # -- storage -------------------------------------------------------------------
    def json_schema(self, field: Mapping[str, Any]) -> dict[str, Any]:
        """The JSON Schema of this field's API value (OpenAPI, form builders)."""
        return {"type": "string"}

    def column_type(self, field: Mapping[str, Any]) -> sa.types.TypeEngine:
        raise NotImplementedError

    def storage_signature(self, field: Mapping[str, Any]) -> str:
        """Two fields with equal signatures can share a column as it is."""
        return self.storage

    # -- values --------------------------------------------------------------------
    def deserialize(self, field: Mapping[str, Any], value: Any, *, lenient: bool = False) -> Any:
        """Turn a non-null JSON value into the stored value, or raise FieldValueError.

        ``lenient`` accepts the looser forms found in imports and type conversions
        (numbers as text, text as numbers) that the API refuses.
        """
        raise NotImplementedError

    def to_json(self, field: Mapping[str, Any], value: Any) -> Any:
        """The JSON form of a stored, non-null value."""
        return value

    def mask(self, field: Mapping[str, Any], value: Any) -> Any:
        """What a user without the right to see a sensitive value sees instead."""
        return "****"

    def format(self, field: Mapping[str, Any], value: Any, locale: str) -> str:
        """Human text for forms and exports."""
        return "" if value is None else str(self.to_json(field, value))

    def is_empty(self, value: Any) -> bool:
        return value is None or value == ""

    # -- definition ----------------------------------------------------------------
    def check(self, field: Mapping[str, Any], objects: Mapping[str, Any]) -> list[ErrorItem]:
        """Semantic checks beyond JSON Schema; paths are relative to the field."""
        errors: list[ErrorItem] = []
        lo, hi = field.get("min"), field.get("max")
        if lo is not None and hi is not None and lo > hi:
            errors.append(ErrorItem("/min", "min_above_max"))
        if "default" in field and field["default"] is not None:
            try:
                self.deserialize(field, field["default"])
            except FieldValueError as exc:
                errors.append(ErrorItem("/default", "invalid_default", {"reason": exc.code}))
        return errors


def checked_text(value: Any, *, lenient: bool, multiline: bool) -> str:
    """A string the databases can store: no NUL, no lone surrogates, no stray controls."""
    if not isinstance(value, str):
        numeric = isinstance(value, int | float) and not isinstance(value, bool)
        if lenient and (numeric or hasattr(value, "as_tuple")):  # numbers, Decimals
            value = str(value)
        else:
            raise FieldValueError("not_a_string")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise FieldValueError("control_characters") from exc
    allowed = {"\n", "\r", "\t"} if multiline else {"\t"}
    for ch in value:
        if ch not in allowed and unicodedata.category(ch) == "Cc":
            raise FieldValueError("control_characters")
    return value


def check_length(field: Mapping[str, Any], value: str, default_max: int) -> str:
    limit = field.get("max_length", default_max)
    if len(value) > limit:
        raise FieldValueError("too_long", max_length=limit)
    return value


def check_range(field: Mapping[str, Any], value: Any) -> Any:
    if field.get("min") is not None and value < field["min"]:
        raise FieldValueError("below_min", min=field["min"])
    if field.get("max") is not None and value > field["max"]:
        raise FieldValueError("above_max", max=field["max"])
    return value
