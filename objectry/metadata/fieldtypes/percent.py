"""A percentage, stored as the number shown (12.5 means 12.5 %)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from objectry.metadata.fieldtypes.decimal import DecimalType


class PercentType(DecimalType):
    name = "percent"
    widget = "percent"

    def format(self, field: Mapping[str, Any], value: Any, locale: str) -> str:
        return "" if value is None else f"{value} %"
