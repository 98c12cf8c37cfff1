"""A percentage, stored as the number shown (12.5 means 12.5 %)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from objectry.metadata.fieldtypes.decimal import DecimalType
from objectry.metadata.fieldtypes.display import is_number


class PercentType(DecimalType):
    name = "percent"

    def display(self, field: Mapping[str, Any], value: Any, locale: str) -> str:
        text = super().display(field, value, locale)
        return f"{text}%" if is_number(value) else text
