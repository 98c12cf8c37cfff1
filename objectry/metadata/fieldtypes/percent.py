"""A percentage, stored as the number shown (12.5 means 12.5 %)."""

from __future__ import annotations

from objectry.metadata.fieldtypes.decimal import DecimalType


class PercentType(DecimalType):
    name = "percent"
