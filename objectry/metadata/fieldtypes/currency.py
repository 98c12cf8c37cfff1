"""Money in one currency (ISO 4217 code in the definition)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from objectry.metadata.fieldtypes.decimal import DecimalType


class CurrencyType(DecimalType):
    name = "currency"
    widget = "money"
    options = {
        **DecimalType.options,
        "currency": {"type": "string", "pattern": "^[A-Z]{3}$"},
    }

    def format(self, field: Mapping[str, Any], value: Any, locale: str) -> str:
        if value is None:
            return ""
        return f"{field.get('currency', '')} {value:,}".strip()


