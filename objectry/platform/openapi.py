"""The tenant's OpenAPI 3.1 document, generated from its object metadata with apispec.

Every object gets a record schema (system fields, then its fields with the JSON Schema
their type gives) and the records paths; a client generator sees the tenant's real API.
The platform's own endpoints (metadata, people, automation...) come from
``openapi_platform``, so the document covers every route under ``/api/v1``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from apispec import APISpec

import objectry
from objectry.metadata import store
from objectry.metadata.i18n import pick
from objectry.platform import tenancy
from objectry.platform.api.meta import KIND_SEGMENTS
from objectry.platform.openapi_platform import (
    COUNT_PROPERTIES,
    Examples,
    add_platform,
    answer,
    count_param,
    link,
    list_parameters,
    operation,
    path_parameters,
    query,
    record_links,
)
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


#: What a write that a ``warn`` duplicate rule let through answers with
#: (``platform.api.lifecycle.duplicates_header``).
DUPLICATES_HEADER: Mapping[str, Any] = {"Objectry-Duplicates": {
    "description": "only when a warn duplicate rule matched: the duplicates the writer "
                   "may see, JSON [{\"rule\", \"object\", \"id\"}] (at most 20)",
    "schema": {"type": "string"}}}

#: The 409s of a record write: a unique value, or a block duplicate rule.
DUPLICATE_CONFLICT = ("unique value taken (unique_violation); or a block duplicate rule "
                      "matched: duplicate_blocked, with duplicates (the matches the "
                      "writer may see), or duplicate_blocked_hidden (they may see none)")


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


def patch_schema(schema: Mapping[str, Any]) -> dict[str, Any]:
    """A PATCH body: the record's fields, none required (a change names only what
    changes; required fields are required on create)."""
    return {key: value for key, value in schema.items() if key != "required"}


def create_example(schema: Mapping[str, Any], name_field: str | None) -> dict[str, Any]:
    """A create body naming the record (its name field, when it takes text and the caller
    may write it): enough for many objects, and a start for the others."""
    field = schema["properties"].get(name_field or "")
    if not field or field.get("readOnly") or "string" not in (
            field["type"] if isinstance(field.get("type"), list) else [field.get("type")]) \
            or field.get("format") or field.get("enum") or field.get("pattern"):
        return {}
    return {name_field or "": "Example"}


def record_crud_paths(name: str, patch_name: str, *, buttons: Sequence[str] = (),
                      example: Mapping[str, Any] | None = None) -> dict[str, dict[str, Any]]:
    """List, create, read, update and delete of one object, with links from a created
    record to what can be done with it (so a client, or a stateful test, can follow):
    ``buttons`` are the object's record buttons, ``example`` a create body."""
    one = {"$ref": f"#/components/schemas/{name}"}
    page = {"type": "object", "required": ["items", "next_cursor"],
            "properties": {"items": {"type": "array", "items": one},
                           "next_cursor": {"type": ["string", "null"]},
                           **COUNT_PROPERTIES}}
    etag = {"ETag": {"description": "the record's version, for If-Match",
                     "schema": {"type": "string"}}}
    by_id = {"id": "$response.body#/id"}
    created = {**answer("created", one), "headers": {
        **etag, **DUPLICATES_HEADER,
        "Location": {"description": "the record", "schema": {"type": "string"}}},
        "links": {
            "ReadRecord": link(f"get /records/{name}/{{id}}", by_id),
            "UpdateRecord": link(f"patch /records/{name}/{{id}}", by_id),
            "DeleteRecord": link(f"delete /records/{name}/{{id}}", by_id),
            **record_links(name),
            **{f"RunButton_{button}": link("post /records/{object}/{id}/actions/{function}",
                                           {"object": name, "function": button, **by_id})
               for button in buttons}}}
    list_fails = {"400": "malformed filter JSON, or a cursor of another query",
                  "403": "no read right on the object",
                  "404": "unknown object",
                  "422": "invalid filter, sort, fields, view or limit"}
    record_fails = {"403": "no right on the object or the record", "404": "unknown record"}
    if_match = {"name": "If-Match", "in": "header", "required": False,
                "description": "the version read (its ETag): 412 when it changed since",
                "schema": {"type": "string", "pattern": '^(\\*|(W/)?"?[0-9]{1,10}"?)$'}}
    return {
        f"/api/v1/records/{name}": {
            "get": operation(f"List {name}", "records", {"200": answer("a page", page)},
                             parameters=[*list_parameters(), count_param()],
                             fails=list_fails),
            "post": operation(f"Create {name}", "records", {"201": created},
                              body={**one, "examples": [dict(example)]} if example else one,
                              fails={
                                  "403": "no create right, or a field not writable",
                                  "404": "unknown object",
                                  "409": DUPLICATE_CONFLICT,
                                  "422": "invalid content, with JSON Pointers"}),
        },
        f"/api/v1/records/{name}/{{id}}": {
            "get": operation(f"Read {name}", "records",
                             {"200": {**answer("the record", one), "headers": etag}},
                             parameters=[query("fields", "comma-separated fields to "
                                               "return (id always comes)",
                                               {"type": "string"})],
                             fails={**record_fails, "422": "unknown or unreadable fields"}),
            "patch": operation(f"Update {name}", "records",
                               {"200": {**answer("updated", one),
                                        "headers": {**etag, **DUPLICATES_HEADER}}},
                               parameters=[if_match], body={"$ref": f"#/components/schemas/"
                                                                    f"{patch_name}"},
                               fails={**record_fails, "400": "malformed JSON or If-Match",
                                      "409": DUPLICATE_CONFLICT,
                                      "412": "stale If-Match",
                                      "422": "invalid content, with JSON Pointers"}),
            "delete": operation(f"Delete {name} to the recycle bin", "records",
                                {"204": {"description": "deleted"}},
                                fails={**record_fails, "409": "live records restrict the "
                                       "delete, or its cascade reaches records you may "
                                       "not delete"}),
        },
    }


def build_spec(ctx: Context) -> dict[str, Any]:
    spec = APISpec(title=f"Objectry API ({ctx.tenant.slug})", version=objectry.__version__,
                   openapi_version="3.1.0",
                   info={"description": f"metadata version {ctx.tenant.meta_version}"})
    spec.components.security_scheme("bearer", {"type": "http", "scheme": "bearer"})
    spec.components.schema("Problem", dict(PROBLEM_SCHEMA))
    spec.components.schema("Record", any_record_schema())
    functions = store.documents(ctx.conn, ctx.tenant.id, "function")
    for name in sorted(store.documents(ctx.conn, ctx.tenant.id, "object")):
        if not may_read_metadata(ctx, "object", name):
            continue  # an object the caller cannot read is not in their API
        model = get_model(ctx, name)
        schema = record_schema(model, ctx.locale, Guard(ctx, model))
        patch_name = f"{name}Patch"
        spec.components.schema(name, schema)
        spec.components.schema(patch_name, patch_schema(schema))
        buttons = [button for button, function in functions.items()
                   if function.document.get("purpose") in ("action", "button")
                   and function.document.get("object") == name]
        for path, operations in record_crud_paths(
                name, patch_name, buttons=buttons,
                example=create_example(schema, model.name_field)).items():
            spec.path(path=path, operations=operations, parameters=path_parameters(path))
    add_action_paths(spec, ctx)
    add_platform(spec, parameter_examples(ctx))
    document = spec.to_dict()
    document["security"] = [{"bearer": []}]
    add_grant_example(document, ctx)
    return document


def add_grant_example(document: dict[str, Any], ctx: Context) -> None:
    """For administrators, an example grant to another active user of the tenant, so that
    a client (or a stateful test) can distribute a record without guessing a grantee."""
    if not ctx.actor.is_admin:
        return
    others = [user["email"] for user in tenancy.list_users(ctx.conn, ctx.tenant)
              if user["active"] and user["email"] != ctx.actor.email]
    if not others:
        return
    body = document["paths"]["/api/v1/records/{object}/{id}/grants"]["post"]["requestBody"]
    body["content"]["application/json"]["examples"] = {"read": {
        "summary": "read the ungrouped fields",
        "value": {"grantee": f"user:{others[0]}", "field_groups": {"default": "read"}}}}


def parameter_examples(ctx: Context) -> Examples:
    """Path parameter examples from the tenant's metadata, only names the caller may
    read: objects, workflows, functions (buttons for record actions), scoring models,
    departments and the documents of each ``/meta/{kind}s``."""
    readable: dict[str, list[str]] = {}

    def names(kind: str, *, buttons: bool = False) -> list[str]:
        key = "button" if buttons else kind
        if key not in readable:
            stored = store.documents(ctx.conn, ctx.tenant.id, kind)
            readable[key] = [name for name in sorted(stored)
                             if may_read_metadata(ctx, kind, name) and (
                                 not buttons or stored[name].document.get("purpose")
                                 in ("action", "button"))][:3]
        return readable[key]

    def examples(path: str, parameter: str) -> list[str]:
        segments = path.split("/")
        if parameter in ("object", "child_object"):
            return names("object")
        if parameter == "workflow":
            return names("workflow")
        if parameter == "function":
            return names("function", buttons=True)
        if parameter == "api_name" and len(segments) > 4 and segments[3] == "meta":
            kind = KIND_SEGMENTS.get(segments[4])
            return names(kind) if kind else []
        if parameter == "name" and "scoring_models" in segments:
            return names("scoring_model")
        if parameter == "name" and "assignment_rules" in segments:
            return names("assignment_rule")
        if parameter == "name" and "departments" in segments:
            return names("department")
        return []

    return examples


def add_action_paths(spec: APISpec, ctx: Context) -> None:
    """One path per record button (functions with purpose action or button)."""
    objects = store.documents(ctx.conn, ctx.tenant.id, "object")
    for name, stored in sorted(store.documents(ctx.conn, ctx.tenant.id, "function").items()):
        function = stored.document
        if function.get("purpose") not in ("action", "button") or \
                function.get("object") not in objects or \
                not may_read_metadata(ctx, "object", function["object"]):
            continue
        answer_schema = {"type": "object", "properties": {
            "ok": {"type": "boolean"}, "result": {}, "logs": {"type": "array"},
            "changes": {"type": "object"}, "limits_used": {"type": "object"},
            "record": {"$ref": f"#/components/schemas/{function['object']}"}}}
        path = f"/api/v1/records/{function['object']}/{{id}}/actions/{name}"
        spec.path(path=path, parameters=path_parameters(path), operations={"post": operation(
            pick(function.get("label"), ctx.locale, name), "functions",
            {"200": answer("the function ran; its changes are saved", answer_schema)},
            body={"type": "object", "properties": {"params": {"type": "object"}}},
            body_required=False,
            fails={"403": "the record or the button is not the caller's to use",
                   "404": "unknown record", "422": "the function failed or its changes "
                                                   "were refused",
                   "503": "no function worker free"})})
