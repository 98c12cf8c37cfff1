"""The tenant's OpenAPI 3.1 document, generated from its object metadata with apispec.

Every object gets a record schema (system fields, then its fields with the JSON Schema
their type gives) and the records paths; a client generator sees the tenant's real API.
The platform's own endpoints (metadata, people, automation...) come from
``openapi_platform``, so the document covers every route under ``/api/v1``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from apispec import APISpec

import objectry
from objectry.metadata import store
from objectry.metadata.i18n import pick
from objectry.platform.openapi_platform import add_platform, list_parameters, query
from objectry.runtime.access.guard import Guard
from objectry.runtime.access.metadata_access import may_read_metadata
from objectry.runtime.kernel.context import Context
from objectry.runtime.model.compiled import ObjectModel, get_model

SYSTEM_SCHEMA: Mapping[str, Any] = {
    "id": {"type": "string", "format": "uuid", "readOnly": True},
    "version": {"type": "integer", "readOnly": True},
    "owner": {"type": ["string", "null"], "format": "uuid", "readOnly": True},
    "created_at": {"type": "string", "format": "date-time", "readOnly": True},
    "created_by": {"type": ["string", "null"], "format": "uuid", "readOnly": True},
    "updated_at": {"type": "string", "format": "date-time", "readOnly": True},
    "updated_by": {"type": ["string", "null"], "format": "uuid", "readOnly": True},
}

PROBLEM_SCHEMA: Mapping[str, Any] = {
    "type": "object",
    "description": "RFC 9457 problem details; errors[].path is a JSON Pointer into the body",
    "required": ["type", "title", "status", "errors"],
    "properties": {
        "type": {"type": "string"}, "title": {"type": "string"},
        "status": {"type": "integer"}, "detail": {"type": "string"},
        "code": {"type": "string"},
        "errors": {"type": "array", "items": {
            "type": "object", "required": ["path", "code", "message"], "properties": {
                "path": {"type": "string"}, "code": {"type": "string"},
                "message": {"type": "string"},
                "line": {"type": "integer"}, "column": {"type": "integer"}}}},
    },
}


def any_record_schema() -> dict[str, Any]:
    """Any object's record, for the platform paths every object shares (restore, query)."""
    return {"type": "object", "properties": dict(SYSTEM_SCHEMA), "additionalProperties": True,
            "description": "system fields, then the object's fields (its own schema, named "
                           "by its api_name, gives them)"}


def record_schema(model: ObjectModel, locale: str, guard: Guard | None = None) -> dict[str, Any]:
    """One object's record schema; with a guard, as that user sees it: fields they cannot
    read are left out, fields they cannot edit are read-only."""
    properties: dict[str, Any] = dict(SYSTEM_SCHEMA)
    required = []
    for name, field in model.fields.items():
        level = "edit" if guard is None or guard.unrestricted else \
            guard.base.field_level(name, field.group)
        if level == "none":
            continue
        schema = field.type.json_schema(field.definition)
        if not field.definition.get("required"):
            schema = {**schema, "type": [schema.get("type", "string"), "null"]}
        else:
            required.append(name)
        title = pick(field.definition.get("label"), locale)
        if title:
            schema["title"] = title
        if field.definition.get("read_only") or level != "edit":
            schema["readOnly"] = True
        properties[name] = schema
    return {"type": "object", "title": pick(model.definition.get("label"), locale),
            "properties": properties, "required": required,
            "additionalProperties": False}


def build_spec(ctx: Context) -> dict[str, Any]:
    spec = APISpec(title=f"Objectry API ({ctx.tenant.slug})", version=objectry.__version__,
                   openapi_version="3.1.0",
                   info={"description": f"metadata version {ctx.tenant.meta_version}"})
    spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    spec.components.schema("Problem", dict(PROBLEM_SCHEMA))
    spec.components.schema("Record", any_record_schema())
    problem = {"content": {"application/problem+json": {
        "schema": {"$ref": "#/components/schemas/Problem"}}}}
    for name in sorted(store.documents(ctx.conn, ctx.tenant.id, "object")):
        if not may_read_metadata(ctx, "object", name):
            continue  # an object the caller cannot read is not in their API
        model = get_model(ctx, name)
        spec.components.schema(name, record_schema(model, ctx.locale, Guard(ctx, model)))
        ref = {"$ref": f"#/components/schemas/{name}"}
        one = {"content": {"application/json": {"schema": ref}}}
        page = {"content": {"application/json": {"schema": {
            "type": "object", "properties": {"items": {"type": "array", "items": ref},
                                             "next_cursor": {"type": ["string", "null"]}}}}}}
        errors = {"401": {"description": "no or bad token", **problem},
                  "404": {"description": "unknown object or record", **problem},
                  "422": {"description": "invalid content", **problem}}
        spec.path(path=f"/api/v1/records/{name}", operations={
            "get": {"summary": f"List {name}", "parameters": list_parameters(),
                    "responses": {"200": {"description": "a page", **page},
                                  "400": {"description": "malformed filter JSON, or a "
                                                         "cursor of another query",
                                          **problem},
                                  **errors}},
            "post": {"summary": f"Create {name}", "requestBody": one,
                     "responses": {"201": {"description": "created", **one},
                                   "409": {"description": "unique value taken", **problem},
                                   **errors}},
        })
        record_id = {"name": "id", "in": "path", "required": True,
                     "schema": {"type": "string", "format": "uuid"}}
        spec.path(path=f"/api/v1/records/{name}/{{id}}", operations={
            "get": {"summary": f"Read {name}",
                    "parameters": [record_id, query(
                        "fields", "comma-separated fields to return (id always comes)",
                        {"type": "string"})],
                    "responses": {"200": {"description": "the record", **one}, **errors}},
            "patch": {"summary": f"Update {name}", "parameters": [record_id],
                      "requestBody": one,
                      "responses": {"200": {"description": "updated", **one},
                                    "412": {"description": "stale If-Match", **problem},
                                    **errors}},
            "delete": {"summary": f"Delete {name} to the recycle bin",
                       "parameters": [record_id],
                       "responses": {"204": {"description": "deleted"},
                                     "409": {"description": "live records restrict the "
                                             "delete, or its cascade reaches records you "
                                             "may not delete", **problem}, **errors}},
        })
    add_action_paths(spec, ctx, problem)
    add_platform(spec)
    document = spec.to_dict()
    document["security"] = [{"bearer": []}]
    return document


def add_action_paths(spec: APISpec, ctx: Context, problem: dict[str, Any]) -> None:
    """One path per record button (functions with purpose action or button)."""
    objects = store.documents(ctx.conn, ctx.tenant.id, "object")
    for name, stored in sorted(store.documents(ctx.conn, ctx.tenant.id, "function").items()):
        function = stored.document
        if function.get("purpose") not in ("action", "button") or \
                function.get("object") not in objects or \
                not may_read_metadata(ctx, "object", function["object"]):
            continue
        body = {"content": {"application/json": {"schema": {
            "type": "object", "properties": {"params": {"type": "object"}}}}}}
        answer = {"content": {"application/json": {"schema": {"type": "object", "properties": {
            "ok": {"type": "boolean"}, "result": {}, "logs": {"type": "array"},
            "changes": {"type": "object"}, "limits_used": {"type": "object"},
            "record": {"$ref": f"#/components/schemas/{function['object']}"}}}}}}
        spec.path(path=f"/api/v1/records/{function['object']}/{{id}}/actions/{name}",
                  operations={"post": {
                      "summary": pick(function.get("label"), ctx.locale, name),
                      "parameters": [{"name": "id", "in": "path", "required": True,
                                      "schema": {"type": "string", "format": "uuid"}}],
                      "requestBody": body,
                      "responses": {"200": {"description": "the function ran", **answer},
                                    "404": {"description": "unknown record or function",
                                            **problem},
                                    "422": {"description": "the function failed or its "
                                                           "changes were refused", **problem},
                                    "503": {"description": "no function worker free",
                                            **problem}}}})
