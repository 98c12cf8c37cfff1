"""Whole numbers (64-bit)."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

import sqlalchemy as sa

from objectry.metadata.fieldtypes.base import FieldType, check_range
from objectry.metadata.fieldtypes.display import number_text
from objectry.metadata.problems import FieldValueError

INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1


class IntegerType(FieldType):
    name = "integer"
    storage = "integer"
    numeric = True
    orderable = True
    options = {"min": {"type": "integer"}, "max": {"type": "integer"}}
    widget = "integer"

    def display(self, field: Mapping[str, Any], value: Any, locale: str) -> str:
        return "" if value is None else number_text(value)

    def from_form(self, field: Mapping[str, Any], texts: list[str]) -> Any:
        text = super().from_form(field, texts)
        try:
            return None if text is None else int(text.replace(",", ""))
        except ValueError:
            return text  # the service says "not an integer" at the field

    def json_schema(self, field: Mapping[str, Any]) -> dict[str, Any]:
        schema: dict[str, Any] = {"type": "integer", "format": "int64"}
        for option, keyword in (("min", "minimum"), ("max", "maximum")):
            if field.get(option) is not None:
                schema[keyword] = field[option]
        return schema

    def column_type(self, field: Mapping[str, Any]) -> sa.types.TypeEngine:
        return sa.BigInteger()

    def round_number(self, field: Mapping[str, Any], number: Decimal) -> Any:
        return int(number.quantize(Decimal(1), rounding=ROUND_HALF_UP))

    def deserialize(self, field: Mapping[str, Any], value: Any, *, lenient: bool = False) -> Any:
        if isinstance(value, bool):
            raise FieldValueError("not_an_integer")
        if isinstance(value, int):
            number = value
        elif isinstance(value, float | Decimal) or (lenient and isinstance(value, str)):
            try:
                exact = Decimal(str(value).strip())
            except InvalidOperation as exc:
                raise FieldValueError("not_an_integer") from exc
            if not exact.is_finite() or exact != exact.to_integral_value():
                raise FieldValueError("not_an_integer")
            number = int(exact)
        else:
            raise FieldValueError("not_an_integer")
        if not INT64_MIN <= number <= INT64_MAX:
            raise FieldValueError("integer_out_of_range")
        return check_range(field, number)
