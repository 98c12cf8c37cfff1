"""A web address (http or https)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

from objectry.metadata.fieldtypes.text import TextType
from objectry.metadata.problems import FieldValueError


class UrlType(TextType):
    name = "url"
    options = {}
    classifier = False
    widget = "url"
    default_max_length = 2048

    def json_schema(self, field: Mapping[str, Any]) -> dict[str, Any]:
        return {**super().json_schema(field), "format": "uri"}

    def deserialize(self, field: Mapping[str, Any], value: Any, *, lenient: bool = False) -> Any:
        text = super().deserialize(field, value, lenient=lenient)
        text = text.strip() if lenient else text
        try:
            parts = urlsplit(text)
        except ValueError as exc:
            raise FieldValueError("invalid_url") from exc
        if parts.scheme not in ("http", "https") or not parts.netloc or " " in text:
            raise FieldValueError("invalid_url")
        return text
