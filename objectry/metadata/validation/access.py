"""Semantic checks of roles, departments and access policies (after JSON Schema).

A role may only name existing objects, field groups and fields; a scope condition must
compile against its object; a department's parent must exist without forming a cycle;
an access policy applies to an existing object (or to the whole tenant).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from objectry.metadata.conditions.parser import condition_errors
from objectry.metadata.names import DEFAULT_GROUP, SYSTEM_FIELDS
from objectry.metadata.problems import ErrorItem, pointer
from objectry.metadata.validation.objects import schema_errors

TENANT_POLICY = "tenant_default"


def field_groups_of(definition: Mapping[str, Any]) -> list[str]:
    """Declared groups, plus ``default`` when some field names no group."""
    groups = [g["api_name"] for g in definition.get("field_groups", [])]
    if any(not f.get("group") for f in definition["fields"]) and DEFAULT_GROUP not in groups:
        groups.append(DEFAULT_GROUP)
    return groups


def validate_role(document: Any, objects: Mapping[str, Mapping[str, Any]]) -> list[ErrorItem]:
    errors = schema_errors("role", document)
    if errors:
        return errors
    for object_name, grant in document["grants"].items():
        at = pointer("grants", object_name)
        definition = objects.get(object_name)
        if definition is None:
            errors.append(ErrorItem(at, "unknown_object", {"object": object_name}))
            continue
        groups = field_groups_of(definition)
        for group in grant.get("field_groups", {}):
            if group not in groups:
                errors.append(ErrorItem(pointer("grants", object_name, "field_groups", group),
                                        "unknown_group", {"group": group,
                                                          "object": object_name}))
        fields = {f["api_name"]: f for f in definition["fields"]}
        for name in grant.get("fields", {}):
            if name not in fields:
                errors.append(ErrorItem(pointer("grants", object_name, "fields", name),
                                        "unknown_field", {"object": object_name,
                                                          "field": name}))
        scope = grant.get("scope")
        if isinstance(scope, dict):
            def lookup(name: str, fields: Mapping[str, Any] = fields) -> Any:
                return fields.get(name) or SYSTEM_FIELDS.get(name)
            errors += condition_errors(scope, lookup, object_name=object_name,
                                       at=at + "/scope", changes=False)
    return errors


def validate_department(document: Any,
                        departments: Mapping[str, Mapping[str, Any]]) -> list[ErrorItem]:
    errors = schema_errors("department", document)
    if errors:
        return errors
    parent = document.get("parent")
    if parent is None:
        return []
    if parent not in departments:
        return [ErrorItem("/parent", "unknown_department", {"department": parent})]
    seen = {document["api_name"]}
    while parent is not None:
        if parent in seen:
            return [ErrorItem("/parent", "department_cycle",
                              {"department": document["api_name"], "parent": document["parent"]})]
        seen.add(parent)
        parent = departments.get(parent, {}).get("parent")
    return []


def validate_access_policy(document: Any,
                           objects: Mapping[str, Mapping[str, Any]]) -> list[ErrorItem]:
    errors = schema_errors("access_policy", document)
    if errors:
        return errors
    name = document["api_name"]
    if name == TENANT_POLICY:
        if document.get("per_field_group"):
            return [ErrorItem("/per_field_group", "per_group_needs_object")]
        return []
    definition = objects.get(document.get("object", name))
    if document.get("object", name) != name:
        return [ErrorItem("/object", "path_name_mismatch",
                          {"body": document["object"], "url": name})]
    if definition is None:
        return [ErrorItem("/api_name", "unknown_object", {"object": name})]
    groups = field_groups_of(definition)
    return [ErrorItem(pointer("per_field_group", group), "unknown_group",
                      {"group": group, "object": name})
            for group in document.get("per_field_group", {}) if group not in groups]
