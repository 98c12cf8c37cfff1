"""Semantic checks of web forms (kind ``web_form``), after their JSON Schema.

A form that saves can take submissions: its object, layout, fields, campaign lookup,
UTM fields, run-as user and assignment rule all exist and fit, so a visitor never meets
a form broken by a typo in its definition.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from objectry.metadata.fieldtypes import type_of
from objectry.metadata.names import SYSTEM_FIELDS
from objectry.metadata.problems import ErrorItem, pointer
from objectry.metadata.validation.objects import schema_errors

Documents = Mapping[str, Mapping[str, Any]]
#: ``run_as`` of a form that creates as the platform (a pack's form knows no users).
SYSTEM_RUN_AS = "system"


def shown_fields(document: Mapping[str, Any], layouts: Documents) -> list[str]:
    """The fields a form shows: its list, or those of its layout's sections."""
    if "fields" in document:
        return list(document["fields"])
    layout = layouts.get(document.get("layout", "")) or {}
    return [name for section in layout.get("sections", []) for name in section.get("fields", [])]


def validate_web_form(document: Any, objects: Documents, *, layouts: Documents,
                      users: Collection[str], rules: Documents) -> list[ErrorItem]:
    """Every problem with a web form; ``users``: the tenant's user emails (lower case)."""
    errors = schema_errors("web_form", document)
    if errors:
        return errors
    definition = objects.get(document["object"])
    if definition is None:
        return [ErrorItem("/object", "unknown_object", {"object": document["object"]})]
    fields = {f["api_name"]: f for f in definition.get("fields", [])}
    if "layout" in document:
        layout = layouts.get(document["layout"])
        if layout is None or layout.get("object") != document["object"]:
            errors.append(ErrorItem("/layout", "web_form_unknown_layout",
                                    {"layout": document["layout"],
                                     "object": document["object"]}))
    for i, name in enumerate(document.get("fields", [])):
        errors += _writable(fields, name, pointer("fields", i), document["object"])
    campaign = document.get("campaign")
    if campaign is not None:
        field = fields.get(campaign["field"])
        kind = type_of(field)
        if field is None or kind is None or not kind.reference:
            errors.append(ErrorItem("/campaign/field", "web_form_not_lookup",
                                    {"field": campaign["field"]}))
    for param, name in sorted(document.get("utm_fields", {}).items()):
        found = _writable(fields, name, pointer("utm_fields", param), document["object"])
        kind = type_of(fields.get(name))
        if not found and (kind is None or not kind.stores_text):
            found = [ErrorItem(pointer("utm_fields", param), "web_form_not_text",
                               {"field": name})]
        errors += found
    for name in sorted(document.get("values", {})):
        errors += _writable(fields, name, pointer("values", name), document["object"])
    if document["run_as"] != SYSTEM_RUN_AS and document["run_as"].lower() not in users:
        errors.append(ErrorItem("/run_as", "unknown_user", {"email": document["run_as"]}))
    if "owner" in document and document["owner"].lower() not in users:
        errors.append(ErrorItem("/owner", "unknown_user", {"email": document["owner"]}))
    rule = document.get("assignment_rule")
    if rule is not None and (rules.get(rule) or {}).get("object") != document["object"]:
        errors.append(ErrorItem("/assignment_rule", "web_form_unknown_rule",
                                {"rule": rule, "object": document["object"]}))
    return errors


def _writable(fields: Mapping[str, Any], name: str, at: str, object_name: str
              ) -> list[ErrorItem]:
    field = fields.get(name)
    kind = type_of(field)
    if name in SYSTEM_FIELDS or field is None or kind is None:
        return [ErrorItem(at, "unknown_field", {"object": object_name, "field": name})]
    if kind.system_generated or field.get("read_only"):
        return [ErrorItem(at, "read_only_field", {"field": name})]
    return []
