"""A value computed on read from an expression over the record's fields (``formula``).

``expression`` is the formula text (metadata/formula: grammar, types, cycles);
``result`` its type (number, text, boolean, date; ``scale`` rounds numbers, default 2).
Nothing is stored: the field keeps an always-empty placeholder column, so metadata
changes (plans, hiding, revival) treat it like any field, and reads put the compiled
expression in the select instead. Values are read-only; a reader who cannot read one of
its inputs on a record sees no value there. Filters, sorts and displays treat the field
as a field of its result type (``value_definition``).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Mapping
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

import sqlalchemy as sa

from objectry.metadata.fieldtypes.base import FieldType
from objectry.metadata.fieldtypes.boolean import BooleanType
from objectry.metadata.fieldtypes.date import DateType
from objectry.metadata.fieldtypes.decimal import MAX_PRECISION, DecimalType
from objectry.metadata.fieldtypes.text import TextType
from objectry.metadata.formula.checks import formula_errors
from objectry.metadata.problems import ErrorItem, FieldValueError

RESULTS = {"number": DecimalType(), "text": TextType(), "boolean": BooleanType(),
           "date": DateType()}
#: Options a value computed on read cannot have.
NOT_FOR_FORMULAS = ("required", "unique", "indexed", "default")
DEFAULT_SCALE = 2


class FormulaType(FieldType):
    name = "formula"
    storage = "computed"
    computed = True
    widget = "none"
    options = {
        "expression": {"type": "string", "minLength": 1, "maxLength": 2000},
        "result": {"enum": list(RESULTS)},
        "scale": {"type": "integer", "minimum": 0, "maximum": 10},
    }

    def __init__(self, types: Callable[[str], FieldType | None]) -> None:
        #: The registry's lookup (the registry lists this type, so it hands it in).
        self.types = types

    def value_definition(self, field: Mapping[str, Any]) -> Mapping[str, Any]:
        result = field.get("result", "number")
        shown: dict[str, Any] = {"api_name": field.get("api_name"), "type": {
            "number": "decimal", "text": "text", "boolean": "boolean", "date": "date"}[result],
            "read_only": True}
        if result == "number":
            shown |= {"scale": field.get("scale", DEFAULT_SCALE), "precision": MAX_PRECISION}
        if result == "text":
            shown["max_length"] = 10000
        for key in ("label", "group", "sensitive"):
            if key in field:
                shown[key] = field[key]
        return shown

    def _result(self, field: Mapping[str, Any]) -> FieldType:
        return RESULTS[field.get("result", "number")]

    def json_schema(self, field: Mapping[str, Any]) -> dict[str, Any]:
        schema = self._result(field).json_schema(self.value_definition(field))
        return {**schema, "readOnly": True}

    def column_type(self, field: Mapping[str, Any]) -> sa.types.TypeEngine:
        return sa.Text()  # the placeholder: never written

    def deserialize(self, field: Mapping[str, Any], value: Any, *, lenient: bool = False) -> Any:
        raise FieldValueError("formula_read_only")

    def normalize(self, field: Mapping[str, Any], value: Any) -> Any:
        """A value as a database returned it (a float on SQLite, 0/1 for booleans,
        text for days) in the result type's stored form; numbers rounded half up."""
        result = field.get("result", "number")
        if value is None:
            return None
        if result == "number":
            try:
                number = Decimal(str(value))
            except InvalidOperation:
                return None
            if not number.is_finite():
                return None
            scale = int(field.get("scale", DEFAULT_SCALE))
            return number.quantize(Decimal(1).scaleb(-scale), rounding=ROUND_HALF_UP)
        if result == "boolean":
            return bool(value)
        if result == "date" and isinstance(value, str):
            return dt.date.fromisoformat(value[:10])
        if result == "date" and isinstance(value, dt.datetime):
            return value.date()
        return value

    def to_json(self, field: Mapping[str, Any], value: Any) -> Any:
        normalized = self.normalize(field, value)
        if normalized is None:
            return None
        return self._result(field).to_json(self.value_definition(field), normalized)

    def display(self, field: Mapping[str, Any], value: Any, locale: str) -> str:
        return self._result(field).display(self.value_definition(field), value, locale)

    def check(self, field: Mapping[str, Any], objects: Mapping[str, Any]) -> list[ErrorItem]:
        errors = [ErrorItem(f"/{key}", "formula_option_not_allowed", {"option": key})
                  for key in NOT_FOR_FORMULAS if field.get(key) not in (None, False)]
        for key in ("expression", "result"):
            if key not in field:
                errors.append(ErrorItem(f"/{key}", "schema_required", {"property": key}))
        if errors:
            return errors
        return formula_errors(field, objects, self.types)
