"""Money in one currency (ISO 4217 code in the definition)."""

from __future__ import annotations

from objectry.metadata.fieldtypes.decimal import DecimalType


class CurrencyType(DecimalType):
    name = "currency"
    options = {
        **DecimalType.options,
        "currency": {"type": "string", "pattern": "^[A-Z]{3}$"},
    }
