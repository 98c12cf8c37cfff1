"""Semantic checks of saved list views: the object, the fields they filter, sort and
show, and the roles they are shared with must exist (the JSON Schema checks the shape).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from objectry.metadata.conditions.parser import condition_errors
from objectry.metadata.fieldtypes import type_of
from objectry.metadata.names import SYSTEM_FIELDS
from objectry.metadata.problems import ErrorItem, pointer
from objectry.metadata.validation.objects import schema_errors
from objectry.metadata.validation.workflows import field_lookup, object_lookup


def validate_list_view(document: Any, objects: Mapping[str, Mapping[str, Any]],
                       roles: Mapping[str, Any]) -> list[ErrorItem]:
    """Every problem with a list view, each at its JSON Pointer."""
    errors = schema_errors("list_view", document)
    if errors:
        return errors
    definition = objects.get(document["object"])
    if definition is None:
        return [ErrorItem("/object", "unknown_object", {"object": document["object"]})]
    known = {f["api_name"] for f in definition["fields"]} | set(SYSTEM_FIELDS)
    if "filter" in document:  # a list filters a computed field by its result's type
        errors += condition_errors(document["filter"], _value_lookup(definition),
                                   object_name=document["object"], at="/filter",
                                   objects=object_lookup(objects), changes=False)
    for j, name in enumerate(document.get("columns", [])):
        if name not in known:
            errors.append(ErrorItem(pointer("columns", j), "layout_unknown_field",
                                    {"field": name, "object": document["object"]}))
    for part in (document.get("sort") or "").split(","):
        name = part.strip().lstrip("-+")
        if part.strip() and name not in known:
            errors.append(ErrorItem("/sort", "layout_unknown_field",
                                    {"field": name, "object": document["object"]}))
    for j, role in enumerate(document.get("roles", [])):
        if role not in roles:
            errors.append(ErrorItem(pointer("roles", j), "unknown_role", {"role": role}))
    return errors


def _value_lookup(definition: Mapping[str, Any]) -> Any:
    """Like ``field_lookup``, with formulas and roll-ups as their results (lists filter
    them in the database, as ``ObjectModel.field_definition`` does)."""
    plain = field_lookup(definition)

    def lookup(name: str) -> Any:
        found = plain(name)
        kind = type_of(found) if found is not None else None
        return found if kind is None else kind.value_definition(found)
    return lookup
