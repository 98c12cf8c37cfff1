"""Semantic checks of pool documents (公海), after their JSON Schema.

A pool that saves can run: its object exists, its members and admins name users,
roles and departments the tenant has, masked and status fields are fields of the
object, and activity objects point at it (so "a related record" means something).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from objectry.metadata.problems import ErrorItem, pointer
from objectry.metadata.validation.objects import schema_errors

Documents = Mapping[str, Mapping[str, Any]]


def validate_pool(document: Any, objects: Documents, *, departments: Collection[str],
                  roles: Collection[str], users: Collection[str]) -> list[ErrorItem]:
    """Every problem with a pool; ``users``: the tenant's user emails (lower case)."""
    errors = schema_errors("pool", document)
    if errors:
        return errors
    definition = objects.get(document["object"])
    if definition is None:
        return [ErrorItem("/object", "unknown_object", {"object": document["object"]})]
    fields = {f["api_name"] for f in definition.get("fields", [])}
    known = {"users": {u.lower() for u in users}, "departments": set(departments),
             "roles": set(roles)}
    codes = {"users": "unknown_recipient_user", "departments": "unknown_recipient_department",
             "roles": "unknown_recipient_role"}
    for part in ("members", "admins"):
        for kind, names in (document.get(part) or {}).items():
            for j, name in enumerate(names):
                wanted = name.lower() if kind == "users" else name
                if wanted not in known[kind]:
                    errors.append(ErrorItem(pointer(part, kind, j), codes[kind],
                                            {"name": name}))
    for j, name in enumerate(document.get("masked_fields", [])):
        if name not in fields:
            errors.append(ErrorItem(pointer("masked_fields", j), "unknown_field",
                                    {"field": name, "object": document["object"]}))
    reclaim = document.get("reclaim") or {}
    activity = reclaim.get("activity") or {}
    for j, name in enumerate(activity.get("fields", [])):
        if name not in fields:
            errors.append(ErrorItem(pointer("reclaim", "activity", "fields", j),
                                    "unknown_field", {"field": name, "object": document["object"]}))
    for j, name in enumerate(activity.get("objects", [])):
        child = objects.get(name)
        if child is None or not any(f.get("target") == document["object"]
                                    for f in child.get("fields", [])):
            errors.append(ErrorItem(pointer("reclaim", "activity", "objects", j),
                                    "pool_activity_object",
                                    {"name": name, "object": document["object"]}))
    status = reclaim.get("status")
    if status is not None and status["field"] not in fields:
        errors.append(ErrorItem("/reclaim/status/field", "unknown_field",
                                {"field": status["field"], "object": document["object"]}))
    if "warn_days" in reclaim:
        spans = [d for d in (reclaim.get("inactive_days"),
                             (status or {}).get("days")) if d is not None]
        if not spans or reclaim["warn_days"] >= min(spans):
            errors.append(ErrorItem("/reclaim/warn_days", "pool_warn_days",
                                    {"days": min(spans) if spans else 0}))
    return errors
