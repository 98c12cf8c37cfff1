"""Semantic checks of duplicate rule documents, after their JSON Schema: a rule that
saves names fields its objects have, so it never silently matches nothing."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from objectry.metadata.problems import ErrorItem, pointer
from objectry.metadata.validation.objects import schema_errors

Documents = Mapping[str, Mapping[str, Any]]


def field_names(definition: Mapping[str, Any]) -> set[str]:
    return {f["api_name"] for f in definition.get("fields", [])}


def validate_duplicate_rule(document: Any, objects: Documents) -> list[ErrorItem]:
    errors = schema_errors("duplicate_rule", document)
    if errors:
        return errors
    definition = objects.get(document["object"])
    if definition is None:
        return [ErrorItem("/object", "unknown_object", {"object": document["object"]})]
    own = field_names(definition)
    wanted = [m["field"] for m in document["match"]]
    for i, name in enumerate(wanted):
        if name not in own:
            errors.append(ErrorItem(pointer("match", i, "field"), "unknown_field",
                                    {"object": document["object"], "field": name}))
    if len(set(wanted)) != len(wanted):
        errors.append(ErrorItem("/match", "duplicate_match_field", {}))
    fuzzy = document.get("fuzzy")
    if fuzzy:
        if fuzzy["field"] not in own:
            errors.append(ErrorItem("/fuzzy/field", "unknown_field",
                                    {"object": document["object"], "field": fuzzy["field"]}))
        wanted.append(fuzzy["field"])
    if not document.get("within", True) and not document.get("against"):
        errors.append(ErrorItem("/within", "duplicate_rule_compares_nothing", {}))
    for i, other in enumerate(document.get("against", [])):
        at = pointer("against", i)
        target = objects.get(other["object"])
        if target is None:
            errors.append(ErrorItem(at + "/object", "unknown_object",
                                    {"object": other["object"]}))
            continue
        theirs = field_names(target)
        for name in wanted:
            if name not in other["fields"]:
                errors.append(ErrorItem(at + "/fields", "duplicate_counterpart_missing",
                                        {"field": name, "object": other["object"]}))
        for name, counterpart in other["fields"].items():
            if name not in wanted:
                errors.append(ErrorItem(pointer("against", i, "fields", name),
                                        "duplicate_counterpart_unused", {"field": name}))
            elif counterpart not in theirs:
                errors.append(ErrorItem(pointer("against", i, "fields", name),
                                        "unknown_field",
                                        {"object": other["object"], "field": counterpart}))
    return errors
