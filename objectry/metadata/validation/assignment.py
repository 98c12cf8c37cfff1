"""Semantic checks of assignment rule documents, after their JSON Schema.

A rule that saves can run: its object exists, every condition parses against the
object's fields, and every recipient names a user, department or role the tenant has,
so a rule never silently hands records to nobody because of a typo.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from objectry.metadata.conditions.parser import condition_errors
from objectry.metadata.problems import ErrorItem, pointer
from objectry.metadata.validation.objects import schema_errors
from objectry.metadata.validation.workflows import field_lookup, object_lookup

Documents = Mapping[str, Mapping[str, Any]]


def validate_assignment_rule(document: Any, objects: Documents, *, departments: Collection[str],
                             roles: Collection[str], users: Collection[str]) -> list[ErrorItem]:
    """Every problem with an assignment rule; ``users``: the tenant's user emails
    (lower case), ``departments`` and ``roles``: their api_names."""
    errors = schema_errors("assignment_rule", document)
    if errors:
        return errors
    definition = objects.get(document["object"])
    if definition is None:
        return [ErrorItem("/object", "unknown_object", {"object": document["object"]})]
    name = definition["api_name"]
    known = {"user": {u.lower() for u in users}, "department": set(departments),
             "role": set(roles)}
    for i, entry in enumerate(document["entries"]):
        at = pointer("entries", i)
        for key in ("condition", "load"):
            if key in entry:
                errors += condition_errors(entry[key], field_lookup(definition),
                                           object_name=name, at=f"{at}/{key}",
                                           objects=object_lookup(objects), changes=False)
        for j, recipient in enumerate(entry["to"]):
            (kind, value), = recipient.items()
            wanted = value.lower() if kind == "user" else value
            if wanted not in known[kind]:
                errors.append(ErrorItem(f"{at}/to/{j}/{kind}", f"unknown_recipient_{kind}",
                                        {"name": value}))
        if entry.get("method") == "fixed" and len(entry["to"]) != 1:
            errors.append(ErrorItem(f"{at}/to", "assignment_fixed_one", {}))
    usable = document.get("usable_by") or {}
    for j, role in enumerate(usable.get("roles", [])):
        if role not in known["role"]:
            errors.append(ErrorItem(pointer("usable_by", "roles", j), "unknown_recipient_role",
                                    {"name": role}))
    for j, email in enumerate(usable.get("users", [])):
        if email.lower() not in known["user"]:
            errors.append(ErrorItem(pointer("usable_by", "users", j), "unknown_recipient_user",
                                    {"name": email}))
    return errors
