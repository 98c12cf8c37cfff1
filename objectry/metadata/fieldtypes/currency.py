"""Money in one currency (ISO 4217 code in the definition)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from objectry.metadata.fieldtypes.decimal import DecimalType
from objectry.metadata.fieldtypes.display import is_number


class CurrencyType(DecimalType):
    name = "currency"
    options = {
        **DecimalType.options,
        "currency": {"type": "string", "pattern": "^[A-Z]{3}$"},
    }

    def display(self, field: Mapping[str, Any], value: Any, locale: str) -> str:
        """The amount with its currency code (``CNY 1,234.50``)."""
        text = super().display(field, value, locale)
        code = field.get("currency")
        return f"{code} {text}" if code and is_number(value) else text
