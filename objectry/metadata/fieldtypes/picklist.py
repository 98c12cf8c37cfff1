"""One value from a list of options, each with labels and aliases.

Aliases make "上海", "上海市", "ShangHai" and "SH" all mean the option ``shanghai``:
input is matched case-, width- and whitespace-insensitively against values and aliases,
and the canonical value is stored.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa

from objectry.metadata.fieldtypes.base import FieldType
from objectry.metadata.i18n import pick
from objectry.metadata.problems import ErrorItem, FieldValueError

OPTION_SCHEMA: Mapping[str, Any] = {
    "type": "array",
    "minItems": 1,
    "maxItems": 1000,
    "items": {
        "oneOf": [
            {"type": "string", "pattern": "^[^\\s;][^;]{0,99}$"},
            {
                "type": "object",
                "required": ["value"],
                "additionalProperties": False,
                "properties": {
                    "value": {"type": "string", "pattern": "^[^\\s;][^;]{0,99}$"},
                    "label": {"$ref": "defs.json#/$defs/language_map"},
                    "aliases": {"type": "array", "items": {"type": "string", "minLength": 1,
                                                           "maxLength": 100}},
                    "inactive": {"type": "boolean"},
                },
            },
        ]
    },
}


def match_key(text: str) -> str:
    """Fold case, full/half width and white space, so look-alike spellings compare equal."""
    return "".join(unicodedata.normalize("NFKC", text).casefold().split())


def normalized_options(field: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Options as ``{"value", "label", "aliases"}`` whichever form the admin wrote."""
    result = []
    for option in field.get("options", []):
        if isinstance(option, str):
            result.append({"value": option, "label": {}, "aliases": []})
        else:
            result.append({"value": option["value"], "label": option.get("label", {}),
                           "aliases": list(option.get("aliases", []))})
    return result


def option_index(field: Mapping[str, Any]) -> dict[str, str]:
    """Match key of every value and alias -> canonical value."""
    index: dict[str, str] = {}
    for option in normalized_options(field):
        for spelling in [option["value"], *option["aliases"]]:
            index.setdefault(match_key(spelling), option["value"])
    return index


def option_label(field: Mapping[str, Any], value: Any, locale: str) -> str:
    """The label of the option ``value`` in ``locale`` (the value itself without one)."""
    for option in normalized_options(field):
        if option["value"] == value:
            return pick(option["label"], locale, str(value))
    return str(value)


def resolve_option(field: Mapping[str, Any], value: Any) -> str:
    if not isinstance(value, str):
        raise FieldValueError("not_a_string")
    for option in field.get("options", []):  # an option's value: nothing built (bulk writes)
        if value == (option if isinstance(option, str) else option["value"]):
            return value
    values = [o["value"] for o in normalized_options(field)]
    found = option_index(field).get(match_key(value))
    if found is None:
        raise FieldValueError("invalid_choice", allowed=values[:20])
    return found


def resolve_lenient(field: Mapping[str, Any], value: Any) -> str:
    """``resolve_option``, also taking an option's label in any language when only one
    option has it: an import file or a form typed by people says 展会, not trade_show."""
    try:
        return resolve_option(field, value)
    except FieldValueError as refused:
        key = match_key(value)
        found = {o["value"] for o in normalized_options(field)
                 for label in o["label"].values() if match_key(str(label)) == key}
        if len(found) != 1:
            raise refused from None
        return found.pop()


def form_choice(field: Mapping[str, Any], text: str) -> str:
    """A typed choice (an import cell) as its option's value, label spellings included;
    text naming no option passes on as it is, for the records service to report."""
    try:
        return resolve_lenient(field, text)
    except FieldValueError:
        return text


def check_options(field: Mapping[str, Any]) -> list[ErrorItem]:
    errors: list[ErrorItem] = []
    seen_values: set[str] = set()
    owner_of: dict[str, str] = {}
    for i, option in enumerate(normalized_options(field)):
        if option["value"] in seen_values:
            errors.append(ErrorItem(f"/options/{i}", "duplicate_option",
                                    {"value": option["value"]}))
        seen_values.add(option["value"])
        for spelling in [option["value"], *option["aliases"]]:
            key = match_key(spelling)
            if owner_of.setdefault(key, option["value"]) != option["value"]:
                errors.append(ErrorItem(f"/options/{i}", "duplicate_alias", {"alias": spelling}))
    return errors


class PicklistType(FieldType):
    name = "picklist"
    storage = "text"
    classifier = True
    options = {"options": OPTION_SCHEMA}
    widget = "select"

    def display(self, field: Mapping[str, Any], value: Any, locale: str) -> str:
        return "" if value is None else option_label(field, value, locale)

    def from_form(self, field: Mapping[str, Any], texts: list[str]) -> Any:
        text = texts[-1].strip() if texts else ""
        return form_choice(field, text) if text else None

    def form_options(self, field: Mapping[str, Any],
                     locale: str) -> list[tuple[str, str]] | None:
        return [(o["value"], pick(o["label"], locale, o["value"]))
                for o in normalized_options(field)]

    def json_schema(self, field: Mapping[str, Any]) -> dict[str, Any]:
        return {"type": "string", "enum": [o["value"] for o in normalized_options(field)]}

    def column_type(self, field: Mapping[str, Any]) -> sa.types.TypeEngine:
        return sa.Text()

    def deserialize(self, field: Mapping[str, Any], value: Any, *, lenient: bool = False) -> Any:
        if lenient and isinstance(value, str):
            return resolve_lenient(field, value.strip())
        return resolve_option(field, value)

    def choices(self, field: Mapping[str, Any]) -> list[str] | None:
        return [o["value"] for o in normalized_options(field)]

    def check(self, field: Mapping[str, Any], objects: Mapping[str, Any]) -> list[ErrorItem]:
        return check_options(field) + super().check(field, objects)
