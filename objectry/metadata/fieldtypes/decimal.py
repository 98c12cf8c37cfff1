"""Exact decimal numbers with a fixed scale."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

import sqlalchemy as sa

from objectry.metadata.fieldtypes.base import FieldType, check_range
from objectry.metadata.fieldtypes.display import number_text
from objectry.metadata.fieldtypes.sqltypes import ScaledDecimal
from objectry.metadata.problems import ErrorItem, FieldValueError

MAX_PRECISION = 18  # fits a signed 64-bit integer of minor units on SQLite


class DecimalType(FieldType):
    name = "decimal"
    storage = "decimal"
    numeric = True
    orderable = True
    default_scale = 2
    widget = "decimal"
    options = {
        "min": {"type": "number"},
        "max": {"type": "number"},
        "precision": {"type": "integer", "minimum": 1, "maximum": MAX_PRECISION},
        "scale": {"type": "integer", "minimum": 0, "maximum": 10},
    }

    def precision(self, field: Mapping[str, Any]) -> int:
        return int(field.get("precision", MAX_PRECISION))

    def scale(self, field: Mapping[str, Any]) -> int:
        return int(field.get("scale", self.default_scale))

    def json_schema(self, field: Mapping[str, Any]) -> dict[str, Any]:
        schema: dict[str, Any] = {"type": "number"}
        for option, keyword in (("min", "minimum"), ("max", "maximum")):
            if field.get(option) is not None:
                schema[keyword] = field[option]
        return schema

    def column_type(self, field: Mapping[str, Any]) -> sa.types.TypeEngine:
        return ScaledDecimal(self.precision(field), self.scale(field))

    def storage_signature(self, field: Mapping[str, Any]) -> str:
        return f"decimal({self.precision(field)},{self.scale(field)})"

    def round_number(self, field: Mapping[str, Any], number: Decimal) -> Any:
        return number.quantize(Decimal(1).scaleb(-self.scale(field)), rounding=ROUND_HALF_UP)

    def deserialize(self, field: Mapping[str, Any], value: Any, *, lenient: bool = False) -> Any:
        if isinstance(value, bool):
            raise FieldValueError("not_a_number")
        if isinstance(value, int | Decimal):
            number = Decimal(value)
        elif isinstance(value, float | str):
            try:
                number = Decimal(str(value).strip())
            except InvalidOperation as exc:
                raise FieldValueError("not_a_number") from exc
        else:
            raise FieldValueError("not_a_number")
        if not number.is_finite():
            raise FieldValueError("not_a_number")
        scale, digits = self.scale(field), self.precision(field) - self.scale(field)
        if number and number.adjusted() >= digits:
            raise FieldValueError("too_many_digits", digits=digits)
        quantized = number.quantize(Decimal(1).scaleb(-scale), rounding=ROUND_HALF_UP)
        if quantized != number and not lenient:
            raise FieldValueError("too_many_decimals", scale=scale)
        if quantized and quantized.adjusted() >= digits:
            raise FieldValueError("too_many_digits", digits=digits)
        return check_range(field, quantized)

    def to_json(self, field: Mapping[str, Any], value: Any) -> Any:
        return value

    def display(self, field: Mapping[str, Any], value: Any, locale: str) -> str:
        return "" if value is None else number_text(value, self.scale(field))

    def from_form(self, field: Mapping[str, Any], texts: list[str]) -> Any:
        text = super().from_form(field, texts)
        try:
            number = None if text is None else Decimal(text.replace(",", ""))
        except InvalidOperation:
            return text  # the service says "not a number" at the field
        return number if number is None or number.is_finite() else text

    def check(self, field: Mapping[str, Any], objects: Mapping[str, Any]) -> list[ErrorItem]:
        errors = super().check(field, objects)
        if self.scale(field) >= self.precision(field):
            errors.append(ErrorItem("/scale", "scale_not_below_precision",
                                    {"scale": self.scale(field),
                                     "precision": self.precision(field)}))
        return errors
