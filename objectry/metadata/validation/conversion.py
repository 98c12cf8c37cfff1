"""Semantic checks of conversion maps, after their JSON Schema: every object, field,
link, carried lookup and matching rule they name exists, so a conversion that saves
can run."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from objectry.metadata.problems import ErrorItem, pointer
from objectry.metadata.validation.duplicates import field_names
from objectry.metadata.validation.objects import schema_errors

Documents = Mapping[str, Mapping[str, Any]]


def validate_conversion_map(document: Any, objects: Documents,
                            duplicate_rules: Documents) -> list[ErrorItem]:
    errors = schema_errors("conversion_map", document)
    if errors:
        return errors
    source = objects.get(document["object"])
    if source is None:
        return [ErrorItem("/object", "unknown_object", {"object": document["object"]})]
    own = field_names(source)

    def need(at: str, object_name: str, fields: set[str], name: str) -> None:
        if name not in fields:
            errors.append(ErrorItem(at, "unknown_field", {"object": object_name, "field": name}))

    if "status_field" in document:
        need("/status_field", document["object"], own, document["status_field"])
    names: dict[str, str] = {}
    for i, target in enumerate(document["targets"]):
        at = pointer("targets", i)
        if target["name"] in names:
            errors.append(ErrorItem(at + "/name", "conversion_target_twice",
                                    {"name": target["name"]}))
        definition = objects.get(target["object"])
        if definition is None:
            errors.append(ErrorItem(at + "/object", "unknown_object",
                                    {"object": target["object"]}))
            continue
        theirs = field_names(definition)
        for field, from_field in target.get("fields", {}).items():
            need(pointer("targets", i, "fields", field), target["object"], theirs, field)
            need(pointer("targets", i, "fields", field), document["object"], own | {"id"},
                 from_field)  # id: the source itself (an opportunity remembers its lead)
        for field in target.get("values", {}):
            need(pointer("targets", i, "values", field), target["object"], theirs, field)
        for field, earlier in target.get("links", {}).items():
            need(pointer("targets", i, "links", field), target["object"], theirs, field)
            if earlier not in names:
                errors.append(ErrorItem(pointer("targets", i, "links", field),
                                        "conversion_link_unknown", {"name": earlier}))
        if "produced_field" in target:
            need(at + "/produced_field", document["object"], own, target["produced_field"])
        rule = target.get("match_rule")
        if rule is not None:
            found = duplicate_rules.get(rule)
            if found is None or found.get("object") != target["object"]:
                errors.append(ErrorItem(at + "/match_rule", "conversion_rule_unknown",
                                        {"rule": rule, "object": target["object"]}))
        names[target["name"]] = target["object"]
    for i, carry in enumerate(document.get("carry", [])):
        at = pointer("carry", i)
        definition = objects.get(carry["object"])
        if definition is None:
            errors.append(ErrorItem(at + "/object", "unknown_object",
                                    {"object": carry["object"]}))
            continue
        theirs = field_names(definition)
        need(at + "/field", carry["object"], theirs, carry["field"])
        for field, target_name in carry["to"].items():
            need(pointer("carry", i, "to", field), carry["object"], theirs, field)
            if target_name not in names:
                errors.append(ErrorItem(pointer("carry", i, "to", field),
                                        "conversion_link_unknown", {"name": target_name}))
    return errors
