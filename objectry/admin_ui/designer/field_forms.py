"""A field's form, generated from its type's JSON Schema, and the form back to a field.

Each option of a field (the common ones and the type's own, ``FieldType.options``)
becomes an input chosen by the shape of its schema: a boolean a checkbox, an integer
or number a numeric input, an ``enum`` a select, a language map one input per
language, a list of options (value, labels, aliases) a textarea of one option a line,
anything else its JSON. Values the admin types are kept as typed when they do not
parse, so the metadata service's refusal shows next to the field, never a 500.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from objectry.metadata.fieldtypes import REGISTRY
from objectry.metadata.fieldtypes.base import COMMON_OPTIONS
from objectry.metadata.fieldtypes.registry import type_of
from objectry.metadata.i18n import LANGUAGES, message
from objectry.metadata.problems import Problem

#: Options the form's head edits (name, type, labels, group), not the generated part.
HEAD = ("api_name", "type", "label", "group")
#: Separators of a picklist line: value | English | Chinese | aliases (comma-separated).
ALIAS_SPLIT = re.compile("[,\uff0c\u3001]")  # comma, full-width comma, 、


@dataclass(frozen=True)
class OptionInput:
    key: str
    widget: str  # checkbox, integer, number, select, text, language, options, json
    label: str
    value: Any = ""  # text; for ``language``: {language: text}; for checkbox: bool
    choices: tuple[str, ...] = ()


def widget_of(schema: Mapping[str, Any]) -> str:
    ref = str(schema.get("$ref", ""))
    if ref.endswith("/language_map"):
        return "language"
    if ref.endswith("/api_name"):
        return "text"
    if "enum" in schema:
        return "select"
    kind = schema.get("type")
    if kind == "boolean":
        return "checkbox"
    if kind in ("integer", "number"):
        return str(kind)
    if kind == "string" or schema == {}:
        return "text"
    if kind == "array" and _option_item(schema) is not None:
        return "options"
    return "json"


def _option_item(schema: Mapping[str, Any]) -> Mapping[str, Any] | None:
    """The object shape of a list of options (value, label, aliases), if it is one."""
    for shape in (schema.get("items") or {}).get("oneOf", []):
        properties = shape.get("properties", {}) if isinstance(shape, Mapping) else {}
        if "value" in properties and "label" in properties:
            return shape
    return None


def option_schemas(type_name: str) -> dict[str, Mapping[str, Any]]:
    """Every option of a field of this type but the head, in a stable order."""
    kind = type_of({"type": type_name})
    own = dict(kind.options) if kind is not None else {}
    merged = {**own, **{k: v for k, v in COMMON_OPTIONS.items() if k not in own}}
    return {k: v for k, v in merged.items() if k not in HEAD}  # the type's own first


def type_label(type_name: str, locale: str) -> str:
    """A field type's name for people (its api name when the catalog has none)."""
    code = f"ui_type_{type_name}"
    text = message(code, locale)
    return type_name if text == code else text


def type_choices(locale: str) -> list[tuple[str, str]]:
    return sorted(((name, type_label(name, locale)) for name in REGISTRY),
                  key=lambda item: item[1].casefold())


def option_label(key: str, locale: str) -> str:
    code = f"ui_option_{key}"
    text = message(code, locale)
    return key if text == code else text


def inputs(type_name: str, definition: Mapping[str, Any], locale: str) -> list[OptionInput]:
    """The generated inputs for a field of ``type_name`` holding ``definition``."""
    found = []
    for key, schema in option_schemas(type_name).items():
        widget = widget_of(schema)
        current = definition.get(key)
        value: Any
        if widget == "checkbox":
            value = bool(current)
        elif widget == "language":
            value = dict(current) if isinstance(current, Mapping) else {}
        elif widget == "options":
            value = options_text(current or [])
        elif widget == "json" or (key == "default" and current is not None
                                  and not isinstance(current, str)):
            value = "" if current is None else json.dumps(current, ensure_ascii=False)
        else:
            value = "" if current is None else str(current)
        found.append(OptionInput(key, widget, option_label(key, locale), value,
                                 tuple(str(c) for c in schema.get("enum", ()))))
    return found


def options_text(options: list[Any]) -> str:
    lines = []
    for option in options:
        if isinstance(option, str):
            lines.append(option)
            continue
        label = option.get("label") or {}
        parts = [str(option.get("value", "")), label.get("en", ""), label.get("zh-CN", ""),
                 ", ".join(option.get("aliases") or [])]
        while parts and not parts[-1]:
            parts.pop()
        lines.append(" | ".join(parts))
    return "\n".join(lines)


def parse_options(text: str, before: list[Any]) -> list[Any]:
    """One option a line (value | English | Chinese | aliases); an option keeps what the
    form does not show (``inactive``) from before."""
    kept = {o.get("value"): o for o in before if isinstance(o, Mapping)}
    options: list[Any] = []
    for line in text.splitlines():
        parts = [p.strip() for p in line.split("|")]
        if not parts[0]:
            continue
        value = parts[0]
        label = {lang: text for lang, text in zip(("en", "zh-CN"), parts[1:3], strict=False)
                 if text}
        aliases = [a.strip() for a in ALIAS_SPLIT.split(parts[3])] if len(parts) > 3 else []
        aliases = [a for a in aliases if a]
        extra = {k: v for k, v in kept.get(value, {}).items()
                 if k not in ("value", "label", "aliases")}
        if not label and not aliases and not extra:
            options.append(value)
        else:
            options.append({"value": value, **({"label": label} if label else {}),
                            **({"aliases": aliases} if aliases else {}), **extra})
    return options


def _number(text: str, integer: bool) -> Any:
    try:
        return int(text) if integer else (int(text) if re.fullmatch(r"-?\d+", text)
                                          else float(text))
    except ValueError:
        return text  # the service refuses it, next to the field


def from_form(form: Any, type_name: str, before: Mapping[str, Any]) -> dict[str, Any]:
    """The field definition the posted form describes (head and options)."""
    api_name = str(form.get("api_name") or before.get("api_name") or "").strip()
    if not api_name:
        api_name = derive_api_name(form.get("label-en", ""), "field")
    definition: dict[str, Any] = {"api_name": api_name, "type": type_name}
    label = {lang: str(form.get(f"label-{lang}", "")).strip() for lang in LANGUAGES}
    label = {k: v for k, v in label.items() if v}
    if label:
        definition["label"] = label
    group = str(form.get("group", "")).strip()
    if group:
        definition["group"] = group
    for key, schema in option_schemas(type_name).items():
        widget = widget_of(schema)
        name = f"opt-{key}"
        if widget == "checkbox":
            if form.get(name):
                definition[key] = True
            continue
        if widget == "language":
            texts = {lang: str(form.get(f"{name}-{lang}", "")).strip() for lang in LANGUAGES}
            if any(texts.values()):
                definition[key] = {k: v for k, v in texts.items() if v}
            continue
        text = str(form.get(name, "")).strip()
        if not text:
            continue
        if widget == "options":
            definition[key] = parse_options(text, list(before.get(key) or []))
        elif widget in ("integer", "number"):
            definition[key] = _number(text, widget == "integer")
        elif key == "default":
            definition[key] = text  # read by the type below, once its options are known
        elif widget == "json":
            try:
                definition[key] = json.loads(text)
            except ValueError:
                definition[key] = text
        else:
            definition[key] = text
    if isinstance(definition.get("default"), str):
        definition["default"] = _default(type_name, definition, definition["default"])
    return definition


def typed_default(type_name: str, definition: Mapping[str, Any], text: str) -> Any:
    """A default typed as text (in a form or on a plan page), as its field type reads it."""
    return _default(type_name, definition, text)


def _default(type_name: str, definition: Mapping[str, Any], text: str) -> Any:
    """A default as the field type reads typed text (leniently, as an import would)."""
    kind = type_of({"type": type_name})
    if kind is None:
        return text
    try:
        return kind.to_json(definition, kind.deserialize(definition, text, lenient=True))
    except (Problem, TypeError, ValueError):  # FieldValueError is a ValueError
        return text


def derive_api_name(label: str, fallback: str) -> str:
    """An api_name from a label: ascii letters, digits and underscores, starting with a
    letter (``Sales lead`` -> ``sales_lead``); ``fallback`` when nothing is left."""
    ascii_text = unicodedata.normalize("NFKD", str(label)).encode("ascii", "ignore").decode()
    name = re.sub(r"[^a-z0-9]+", "_", ascii_text.lower()).strip("_")
    name = re.sub(r"^[^a-z]+", "", name)[:63]
    return name if len(name) >= 2 else fallback
