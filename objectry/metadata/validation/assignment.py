"""Semantic checks of assignment rule documents, after their JSON Schema.

A rule that saves can run: its object exists, every condition parses against the
object's fields, every recipient names a user, department or role the tenant has (or a
field of the record, or a lookup whose target's owner takes it), levels name the
object's field groups, and the fallback pool is a pool of the same object, so a rule
never silently hands records to nobody, or to everyone, because of a typo.
"""

from __future__ import annotations

import zoneinfo
from collections.abc import Collection, Mapping
from typing import Any

from objectry.metadata.conditions.parser import condition_errors
from objectry.metadata.problems import ErrorItem, pointer
from objectry.metadata.validation.access import field_groups_of
from objectry.metadata.validation.objects import schema_errors
from objectry.metadata.validation.workflows import field_lookup, object_lookup

Documents = Mapping[str, Mapping[str, Any]]
#: The keys that say who a recipient is (exactly one per recipient).
RECIPIENT_KINDS = ("user", "department", "role", "field", "owner_of")


def recipient_kind(recipient: Mapping[str, Any]) -> tuple[str, str]:
    """(kind, value) of a recipient: its one key among ``RECIPIENT_KINDS``."""
    kind = next(k for k in RECIPIENT_KINDS if k in recipient)
    return kind, recipient[kind]


def validate_assignment_rule(document: Any, objects: Documents, *, departments: Collection[str],
                             roles: Collection[str], users: Collection[str],
                             pools: Documents | None = None) -> list[ErrorItem]:
    """Every problem with an assignment rule; ``users``: the tenant's user emails
    (lower case), ``departments`` and ``roles``: their api_names; ``pools``: the pool
    documents (None: the fallback pool is not checked)."""
    errors = schema_errors("assignment_rule", document)
    if errors:
        return errors
    definition = objects.get(document["object"])
    if definition is None:
        return [ErrorItem("/object", "unknown_object", {"object": document["object"]})]
    name = definition["api_name"]
    known = {"user": {u.lower() for u in users}, "department": set(departments),
             "role": set(roles)}
    fields = {f["api_name"]: f for f in definition["fields"]}
    groups = set(field_groups_of(definition)) | {"default"}
    for i, entry in enumerate(document["entries"]):
        at = pointer("entries", i)
        for key in ("condition", "load"):
            if key in entry:
                errors += condition_errors(entry[key], field_lookup(definition),
                                           object_name=name, at=f"{at}/{key}",
                                           objects=object_lookup(objects), changes=False)
        for j, recipient in enumerate(entry["to"]):
            errors += _recipient_errors(recipient, f"{at}/to/{j}", known, fields, groups)
        errors += _level_errors(entry.get("levels"), f"{at}/levels", groups)
        if entry.get("method") == "fixed" and len(entry["to"]) != 1:
            errors.append(ErrorItem(f"{at}/to", "assignment_fixed_one", {}))
        hours = entry.get("hours")
        if hours is not None:
            try:
                zoneinfo.ZoneInfo(hours.get("timezone", "Asia/Shanghai"))
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                errors.append(ErrorItem(f"{at}/hours/timezone", "unknown_timezone",
                                        {"timezone": str(hours.get("timezone"))[:64]}))
            if hours["from"] >= hours["to"]:
                errors.append(ErrorItem(f"{at}/hours/to", "assignment_hours_order", {}))
    usable = document.get("usable_by") or {}
    for j, role in enumerate(usable.get("roles", [])):
        if role not in known["role"]:
            errors.append(ErrorItem(pointer("usable_by", "roles", j), "unknown_recipient_role",
                                    {"name": role}))
    for j, email in enumerate(usable.get("users", [])):
        if email.lower() not in known["user"]:
            errors.append(ErrorItem(pointer("usable_by", "users", j), "unknown_recipient_user",
                                    {"name": email}))
    fallback = document.get("fallback_pool")
    if fallback is not None and pools is not None:
        pool = pools.get(fallback)
        if pool is None or pool.get("object") != name:
            errors.append(ErrorItem("/fallback_pool", "assignment_fallback_pool",
                                    {"pool": fallback, "object": name}))
    return errors


def _recipient_errors(recipient: Mapping[str, Any], at: str, known: Mapping[str, set[str]],
                      fields: Mapping[str, Mapping[str, Any]],
                      groups: set[str]) -> list[ErrorItem]:
    kinds = [k for k in RECIPIENT_KINDS if k in recipient]
    if len(kinds) != 1:
        return [ErrorItem(at, "assignment_recipient_kind", {"allowed": list(RECIPIENT_KINDS)})]
    kind, value = recipient_kind(recipient)
    errors = _level_errors(recipient.get("levels"), f"{at}/levels", groups)
    if kind == "field":
        if value not in fields:
            errors.append(ErrorItem(f"{at}/field", "unknown_recipient_field", {"name": value}))
    elif kind == "owner_of":
        if not fields.get(value, {}).get("target"):
            errors.append(ErrorItem(f"{at}/owner_of", "assignment_owner_of", {"name": value}))
    elif (value.lower() if kind == "user" else value) not in known[kind]:
        errors.append(ErrorItem(f"{at}/{kind}", f"unknown_recipient_{kind}", {"name": value}))
    return errors


def _level_errors(levels: Mapping[str, str] | None, at: str,
                  groups: set[str]) -> list[ErrorItem]:
    return [ErrorItem(f"{at}/{group}", "unknown_group", {"group": group})
            for group in (levels or {}) if group not in groups]
