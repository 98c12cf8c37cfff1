"""The contract every field type fulfils.

A field type knows everything about itself: the JSON Schema of its options, its column,
how a JSON value becomes a stored value (strictly for the API, leniently for imports and
type conversions), how a stored value becomes JSON again, how it is masked, and the facts
the rest of the platform asks about it (numeric, orderable, searchable, a date, a
reference, multi-valued, generated, ...). Its condition operators follow from those
facts. Nothing outside this package compares type names: it asks the type. Adding a
type means adding one module.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from decimal import Decimal
from typing import Any, ClassVar

import sqlalchemy as sa

from objectry.metadata.problems import ErrorItem, FieldValueError

#: Operators that compare with the values before an update (workflow conditions).
CHANGE_OPERATORS = frozenset({"changed", "changed_to", "changed_from"})
#: Operators of dates and instants relative to the evaluation's ``now``.
RELATIVE_DATE_OPERATORS = frozenset({"today", "last_n_days", "next_n_days",
                                     "older_than_days"})
#: Operators of every single-valued type.
BASIC_OPERATORS = frozenset({"eq", "ne", "in", "not_in", "is_empty", "is_not_empty"}) \
    | CHANGE_OPERATORS
#: Operators added by an order (``orderable``).
ORDER_OPERATORS = frozenset({"gt", "gte", "lt", "lte", "between"})
#: Operators added by forgiving text matching (``searchable``).
TEXT_MATCH_OPERATORS = frozenset({"contains", "starts_with", "ends_with"})
#: Operators of multi-valued types: ``contains`` names one of the values.
MULTI_OPERATORS = frozenset({"contains", "is_empty", "is_not_empty"}) | CHANGE_OPERATORS

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
    #: Values with the same storage kind share a column type (a change needs no rewrite):
    #: text, integer, decimal, boolean, date, datetime, uuid (a reference) or json (a list).
    storage: ClassVar[str]
    #: JSON Schema properties of this type's own options.
    options: ClassVar[Mapping[str, Any]] = {}

    # -- facts the platform asks about ---------------------------------------------
    #: Values are numbers: arithmetic on them makes sense (a score can go into one).
    numeric: ClassVar[bool] = False
    #: Values have an order conditions compare with (gt, gte, lt, lte, between).
    orderable: ClassVar[bool] = False
    #: Lists can be sorted by the field.
    sortable: ClassVar[bool] = True
    #: Values are text matched forgivingly, folded (contains, starts_with, ends_with).
    searchable: ClassVar[bool] = False
    #: Values are days or instants: relative-date operators, date triggers, waits until
    #: the field, activity windows.
    temporal: ClassVar[bool] = False
    #: Values are calendar days without a time of day (a day counts from its UTC
    #: midnight; yearly triggers need them).
    whole_days: ClassVar[bool] = False
    #: Values are ids of records of the object the ``target`` option names.
    reference: ClassVar[bool] = False
    #: The column is indexed even when the definition does not ask for it.
    always_indexed: ClassVar[bool] = False
    #: A value is a list (``contains`` names one element); an empty list is stored as
    #: NULL, so "empty" has one stored form.
    multi_valued: ClassVar[bool] = False
    #: Values are short names that sort records into kinds (an activity's type).
    classifier: ClassVar[bool] = False
    #: Values are telephone numbers (an area code tells a city: the gap finder).
    dialable: ClassVar[bool] = False
    #: Values are handed out by the platform from a per-field counter (``generate``),
    #: never written by users.
    system_generated: ClassVar[bool] = False
    #: Values are computed on read from other fields (a formula), never stored or written.
    computed: ClassVar[bool] = False
    #: Computed values aggregate related records (a roll-up): a formula reads one as an
    #: input instead of expanding it.
    aggregated: ClassVar[bool] = False

    @property
    def stores_text(self) -> bool:
        """Values are strings in a text column, where ``""`` is as empty as NULL."""
        return self.storage == "text"

    @property
    def operators(self) -> frozenset[str]:
        """The condition operators this type supports, from its facts."""
        if self.multi_valued:
            return MULTI_OPERATORS
        operators = BASIC_OPERATORS
        if self.orderable:
            operators |= ORDER_OPERATORS
        if self.searchable:
            operators |= TEXT_MATCH_OPERATORS
        if self.temporal:
            operators |= RELATIVE_DATE_OPERATORS
        return operators

    def choices(self, field: Mapping[str, Any]) -> list[str] | None:
        """The values a field may hold when they are a fixed list of options, else None."""
        return None

    def round_number(self, field: Mapping[str, Any], number: Decimal) -> Any:
        """A computed number (a score) as the field stores it, rounded half up
        (numeric types only)."""
        raise TypeError(f"{self.name} values are not numbers")

    def generate(self, field: Mapping[str, Any], counter: int) -> Any:
        """The value the platform hands out for ``counter`` (``system_generated`` only)."""
        raise TypeError(f"{self.name} values are not generated")

    def value_definition(self, field: Mapping[str, Any]) -> Mapping[str, Any]:
        """The definition its values are filtered, sorted and shown under (a computed
        field answers with its result's type; every other field with itself)."""
        return field

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

    def is_empty(self, value: Any) -> bool:
        """Whether a stored value counts as empty (the ``is_empty`` operator): None, and
        ``""`` where values are text."""
        return value is None or (self.stores_text and value == "")

    # -- presentation (the web app's pages and forms) --------------------------------
    #: The input a form shows: text, textarea, integer, decimal, checkbox, date,
    #: datetime, email, tel, url, select, multiselect, lookup, or none (generated values).
    widget: ClassVar[str] = "text"

    def display(self, field: Mapping[str, Any], value: Any, locale: str) -> str:
        """A value as the records API returns it, as text for a reader in ``locale``
        (a masked value is shown as it is)."""
        return "" if value is None else str(value)

    def form_value(self, field: Mapping[str, Any], value: Any) -> str:
        """A value as the text an input holds (what ``from_form`` reads back)."""
        return "" if value is None else str(value)

    def from_form(self, field: Mapping[str, Any], texts: list[str]) -> Any:
        """What a form posted for the field (every value under its name) as the JSON
        value the records service validates. Text that does not read as the type is
        passed on as it is, so the service reports it at the field's JSON Pointer."""
        text = texts[-1].strip() if texts else ""
        return text or None

    def form_options(self, field: Mapping[str, Any],
                     locale: str) -> list[tuple[str, str]] | None:
        """``(value, label)`` of each option a select offers, in ``locale``; None when
        the type has no fixed options."""
        return None

    def unchanged_by_form(self, field: Mapping[str, Any], stored: Any, posted: Any) -> bool:
        """Whether a posted form value leaves the stored one as it is (a form sends only
        what changed, so saving an untouched form writes nothing)."""
        return bool(stored == posted)

    # -- definition ----------------------------------------------------------------
    def conditions(self, field: Mapping[str, Any]) -> list[tuple[str, str, Any]]:
        """Conditions the field holds over another object's stored fields, as
        ``(pointer in the field, object, tree)``: object validation checks them (a
        roll-up's filter)."""
        return []

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
    if (_CONTROLS_MULTILINE if multiline else _CONTROLS).search(value):
        raise FieldValueError("control_characters")
    return value


#: Unicode's control characters (category Cc: U+0000-U+001F and U+007F-U+009F, fixed by
#: its stability policy) but a tab, and in multiline text a line break: one C-level
#: scan per value instead of a category lookup per character (bulk writes check every
#: text cell).
_CONTROLS = re.compile("[\x00-\x08\x0a-\x1f\x7f-\x9f]")
_CONTROLS_MULTILINE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")


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
