"""A phone number, kept as entered (021-62991640, +86 138 0013 8000)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from objectry.metadata.fieldtypes.text import TextType
from objectry.metadata.problems import FieldValueError

_PHONE = re.compile(r"^\+?[0-9()\-. ]+(\s*(ext|x|转)\s*[0-9]{1,6})?$", re.IGNORECASE)


def phone_digits(value: str) -> str:
    """The digits of a number, for masking and prefix matching (``filter`` in C, and
    none at all for a number stored as digits only: a masked phone is computed for
    every row of a restricted user's page)."""
    return value if value.isdigit() else "".join(filter(str.isdigit, value))


class PhoneType(TextType):
    name = "phone"
    options = {}
    classifier = False
    dialable = True
    widget = "tel"
    default_max_length = 40

    def deserialize(self, field: Mapping[str, Any], value: Any, *, lenient: bool = False) -> Any:
        text = super().deserialize(field, value, lenient=lenient)
        text = text.strip() if lenient else text
        if not _PHONE.match(text) or not 3 <= len(phone_digits(text)) <= 20:
            raise FieldValueError("invalid_phone")
        return text

    def mask(self, field: Mapping[str, Any], value: Any) -> Any:
        digits = phone_digits(value)
        if len(digits) < 8:
            return "*" * len(digits)
        return digits[:3] + "*" * (len(digits) - 7) + digits[-4:]
