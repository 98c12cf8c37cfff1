"""An email address; masked as a***@example.com."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from objectry.metadata.fieldtypes.text import TextType
from objectry.metadata.problems import FieldValueError

_EMAIL = re.compile(r"^[^@\s]{1,64}@[^@\s.]+(\.[^@\s.]+)+$")


class EmailType(TextType):
    name = "email"
    options = {}
    classifier = False
    widget = "email"
    default_max_length = 254

    def json_schema(self, field: Mapping[str, Any]) -> dict[str, Any]:
        return {**super().json_schema(field), "format": "email"}

    def deserialize(self, field: Mapping[str, Any], value: Any, *, lenient: bool = False) -> Any:
        text = super().deserialize(field, value, lenient=lenient)
        text = text.strip() if lenient else text
        if not _EMAIL.match(text):
            raise FieldValueError("invalid_email")
        return text

    def mask(self, field: Mapping[str, Any], value: Any) -> Any:
        local, _, domain = value.partition("@")
        return f"{local[:1]}***@{domain}"
