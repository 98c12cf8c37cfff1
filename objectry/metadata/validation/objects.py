"""Validation of metadata documents: JSON Schema first, then the semantic checks.

Errors come back as ``ErrorItem``s with JSON Pointers into the document, all of them at
once, so an admin can fix a definition in one go.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from functools import cache
from importlib import resources
from typing import Any

import jsonschema
from referencing import Registry, Resource

from objectry.metadata.conditions.parser import condition_errors
from objectry.metadata.fieldtypes import REGISTRY
from objectry.metadata.fieldtypes.base import COMMON_OPTIONS
from objectry.metadata.names import (
    API_NAME_PATTERN,
    DEFAULT_GROUP,
    RESERVED_FIELD_NAMES,
    SYSTEM_FIELDS,
)
from objectry.metadata.problems import ErrorItem, pointer

KINDS = ("object", "layout")


def _load(name: str) -> dict[str, Any]:
    text = resources.files("objectry.metadata").joinpath("schemas", name).read_text("utf-8")
    return json.loads(text)


def field_schema() -> dict[str, Any]:
    """The field sub-schema: common options plus, per type, exactly that type's options."""
    branches = [
        {
            "if": {"properties": {"type": {"const": name}}, "required": ["type"]},
            "then": {"properties": {**COMMON_OPTIONS, **ftype.options},
                     "additionalProperties": False},
        }
        for name, ftype in REGISTRY.items()
    ]
    return {
        "type": "object",
        "required": ["api_name", "type"],
        "properties": {"type": {"enum": sorted(REGISTRY)}},
        "allOf": branches,
    }


@cache
def validator(kind: str) -> jsonschema.protocols.Validator:
    """A compiled Draft 2020-12 validator for ``kind`` (built once per process)."""
    defs = _load("defs.json")
    schema = _load(f"{kind}.json")
    if kind == "object":
        schema["$defs"]["field"] = field_schema()
    registry = Registry().with_resources([
        (defs["$id"], Resource.from_contents(defs)),
        (schema["$id"], Resource.from_contents(schema)),
    ])
    cls = jsonschema.Draft202012Validator
    cls.check_schema(schema)
    return cls(schema, registry=registry)


def schema_errors(kind: str, document: Any) -> list[ErrorItem]:
    """JSON Schema violations, each with a pointer to the culprit and a catalog code."""
    errors: list[ErrorItem] = []
    for error in validator(kind).iter_errors(document):
        for item in _translate(error):
            if item not in errors:
                errors.append(item)
    return sorted(errors, key=lambda e: e.path)


def _translate(error: jsonschema.ValidationError) -> list[ErrorItem]:
    if error.validator in ("allOf", "anyOf", "oneOf") and error.context:
        best = jsonschema.exceptions.best_match(error.context)
        if best is not None and best.validator not in ("allOf", "anyOf", "oneOf"):
            return _translate(best)
    path = pointer(*error.absolute_path)
    kind = str(error.validator)
    # the stubs type these as possibly unset; a raised error always has them
    value: Any = error.validator_value
    instance: Any = error.instance
    schema: Any = error.schema
    if kind == "required":
        missing = [p for p in value if p not in instance]
        return [ErrorItem(path + pointer(p), "schema_required", {"property": p})
                for p in missing]
    if kind == "additionalProperties":
        allowed = set(schema.get("properties", {}))
        extras = [p for p in instance if p not in allowed]
        return [ErrorItem(path + pointer(p), "schema_unknown_property", {"property": p})
                for p in extras]
    if kind == "pattern" and value == API_NAME_PATTERN:
        return [ErrorItem(path, "invalid_api_name")]
    if kind == "enum" and error.absolute_path and error.absolute_path[-1] == "type":
        return [ErrorItem(path, "unknown_field_type",
                          {"type": instance, "known": sorted(REGISTRY)})]
    codes: dict[str, tuple[str, dict[str, Any]]] = {
        "type": ("schema_type", {"expected": value}),
        "enum": ("schema_enum", {"allowed": value}),
        "const": ("schema_enum", {"allowed": [value]}),
        "minimum": ("below_min", {"min": value}),
        "maximum": ("above_max", {"max": value}),
        "maxLength": ("too_long", {"max_length": value}),
        "maxItems": ("schema_too_many", {"max": value}),
        "minItems": ("schema_too_few", {"min": value}),
        "minProperties": ("schema_too_few", {"min": value}),
    }
    code, params = codes.get(kind, ("schema_violation", {"reason": error.message}))
    return [ErrorItem(path, code, params)]


def validate_object(document: Any, objects: Mapping[str, Any], *,
                    schema_checked: bool = False) -> list[ErrorItem]:
    """Every problem with an object definition; ``objects`` are the other known objects.
    ``schema_checked``: the caller knows this very document passes the JSON Schema (the
    costly half at 30 objects of a pack; the rest depends on the other objects)."""
    errors = [] if schema_checked else schema_errors("object", document)
    if errors:
        return errors
    known = {**objects, document["api_name"]: document}
    groups = [g["api_name"] for g in document.get("field_groups", [])]
    errors += _duplicates(groups, "/field_groups",
                          lambda i: pointer("field_groups", i, "api_name"))
    group_names = set(groups) | {DEFAULT_GROUP}
    names: list[str] = []
    fields_by_name: dict[str, Mapping[str, Any]] = {}
    for i, field in enumerate(document["fields"]):
        at = pointer("fields", i)
        name = field["api_name"]
        if name in RESERVED_FIELD_NAMES:
            errors.append(ErrorItem(at + "/api_name", "reserved_name", {"name": name}))
        if field.get("group") is not None and field["group"] not in group_names:
            errors.append(ErrorItem(at + "/group", "unknown_group", {"group": field["group"]}))
        checked = REGISTRY[field["type"]].check(field, known)
        errors += [e.under(at) for e in checked]
        for where, obj, tree in [] if checked else REGISTRY[field["type"]].conditions(field):
            errors += condition_errors(tree, _stored_fields(known.get(obj)), object_name=obj,
                                       at=at + where, changes=False)
        names.append(name)
        fields_by_name.setdefault(name, field)
    errors += _duplicates(names, "/fields", lambda i: pointer("fields", i, "api_name"))
    name_field = document.get("name_field")
    if name_field is not None and name_field not in fields_by_name:
        errors.append(ErrorItem("/name_field", "unknown_name_field", {"field": name_field}))

    def lookup(name: str) -> Mapping[str, Any] | None:
        return fields_by_name.get(name) or SYSTEM_FIELDS.get(name)

    rules = document.get("rules", [])
    errors += _duplicates([r["api_name"] for r in rules], "/rules",
                          lambda i: pointer("rules", i, "api_name"))
    for i, rule in enumerate(rules):
        errors += condition_errors(rule["condition"], lookup, object_name=document["api_name"],
                                   at=pointer("rules", i, "condition"))
        if rule.get("field") is not None and rule["field"] not in fields_by_name:
            errors.append(ErrorItem(pointer("rules", i, "field"), "unknown_field",
                                    {"object": document["api_name"], "field": rule["field"]}))
    return errors


def validate_layout(document: Any, objects: Mapping[str, Any]) -> list[ErrorItem]:
    """Every problem with a layout: its object and every field it names must exist."""
    errors = schema_errors("layout", document)
    if errors:
        return errors
    target = objects.get(document["object"])
    if target is None:
        return [ErrorItem("/object", "unknown_object", {"object": document["object"]})]
    known = {f["api_name"] for f in target["fields"]} | set(SYSTEM_FIELDS)
    for i, section in enumerate(document["sections"]):
        for j, name in enumerate(section["fields"]):
            if name not in known:
                errors.append(ErrorItem(pointer("sections", i, "fields", j),
                                        "layout_unknown_field",
                                        {"field": name, "object": document["object"]}))
    for j, name in enumerate(document.get("list_columns", [])):
        if name not in known:
            errors.append(ErrorItem(pointer("list_columns", j), "layout_unknown_field",
                                    {"field": name, "object": document["object"]}))
    for i, section in enumerate(document["sections"]):
        for j, source in enumerate(section.get("timeline", [])):
            errors += _timeline_errors(source, document["object"], objects,
                                       ("sections", i, "timeline", j))
    return errors


def _timeline_errors(source: Mapping[str, Any], parent: str, objects: Mapping[str, Any],
                     at: tuple[Any, ...]) -> list[ErrorItem]:
    """A timeline source: an object with a lookup ``via`` to the layout's object, a
    date or date-time to order by, a field for the title, a filter over its fields."""
    child = objects.get(source["object"])
    if child is None:
        return [ErrorItem(pointer(*at, "object"), "unknown_object",
                          {"object": source["object"]})]
    fields = {f["api_name"]: f for f in child["fields"]}

    def lookup(name: str) -> Mapping[str, Any] | None:
        return fields.get(name) or SYSTEM_FIELDS.get(name)

    errors = [ErrorItem(pointer(*at, key), "unknown_field",
                        {"object": source["object"], "field": source[key]})
              for key in ("via", "date", "title") if lookup(source[key]) is None]
    via = fields.get(source["via"])
    if via is not None and via.get("target") != parent:
        errors.append(ErrorItem(pointer(*at, "via"), "not_a_lookup_to",
                                {"field": source["via"], "object": parent}))
    date = lookup(source["date"])
    kind = REGISTRY.get(str(date.get("type"))) if date is not None else None
    if date is not None and not getattr(kind, "temporal", False):
        errors.append(ErrorItem(pointer(*at, "date"), "layout_timeline_not_a_date",
                                {"field": source["date"], "object": source["object"]}))
    if "filter" in source:
        errors += condition_errors(source["filter"], lookup, object_name=source["object"],
                                   at=pointer(*at, "filter"))
    return errors


def _duplicates(names: list[str], _where: str, at: Any) -> list[ErrorItem]:
    seen: set[str] = set()
    errors = []
    for i, name in enumerate(names):
        if name in seen:
            errors.append(ErrorItem(at(i), "duplicate_name", {"name": name}))
        seen.add(name)
    return errors


def _stored_fields(document: Any) -> Any:
    """The stored (not computed) fields of an object document, by name."""
    fields = {f.get("api_name"): f for f in (document or {}).get("fields", [])
              if not getattr(REGISTRY.get(f.get("type")), "computed", True)}
    return fields.get
