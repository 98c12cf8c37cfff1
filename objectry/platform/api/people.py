"""``/api/v1/users`` and ``/api/v1/departments``: who works in the tenant, and where."""

from __future__ import annotations

from flask import Blueprint, Response, url_for

from objectry.metadata.problems import ErrorItem, Invalid
from objectry.platform import tenancy
from objectry.platform.api.common import json_body, json_response, require_admin, tenant_context
from objectry.runtime.schema import metadata_service

blueprint = Blueprint("people", __name__, url_prefix="/api/v1")


@blueprint.get("/users")
def list_users() -> Response:
    with tenant_context(read_only=True) as ctx:
        items = tenancy.list_users(ctx.conn, ctx.tenant)
    return json_response({"items": items})


@blueprint.post("/users")
def create_user() -> Response:
    body = json_body()
    if not isinstance(body, dict):
        raise Invalid([ErrorItem("", "expected_object")])
    unknown = sorted(set(body) - {"email", "name", "roles", "department"})
    if unknown:
        raise Invalid([ErrorItem(f"/{name}", "unknown_parameter", {"name": name})
                       for name in unknown])
    name = body.get("name", "")
    if not isinstance(name, str):
        raise Invalid([ErrorItem("/name", "not_a_string")])
    with tenant_context() as ctx:
        require_admin(ctx)
        user = tenancy.create_user(ctx.conn, ctx.tenant, body.get("email", ""), name=name,
                                   roles=body.get("roles", []),
                                   department=body.get("department"), now=ctx.now(),
                                   actor=ctx.actor.email)
    created = tenancy.user_json(user)
    location = url_for("people.read_user", email=created["email"])
    return json_response(created, 201, {"Location": location})


@blueprint.get("/users/<email>")
def read_user(email: str) -> Response:
    with tenant_context(read_only=True) as ctx:
        user = tenancy.user_json(tenancy.find_user(ctx.conn, ctx.tenant, email)._mapping)
    return json_response(user)


@blueprint.patch("/users/<email>")
def update_user(email: str) -> Response:
    body = json_body()
    with tenant_context() as ctx:
        require_admin(ctx)
        user = tenancy.update_user(ctx.conn, ctx.tenant, email, body, actor=ctx.actor.email,
                                   now=ctx.now())
    return json_response(user)


@blueprint.get("/departments")
def list_departments() -> Response:
    with tenant_context(read_only=True) as ctx:
        items = [metadata_service.get_document(ctx, "department", d["api_name"])
                 for d in metadata_service.list_documents(ctx, "department")]
    return json_response({"items": items})


@blueprint.put("/departments/<name>")
def put_department(name: str) -> Response:
    document = json_body()
    with tenant_context() as ctx:
        require_admin(ctx)
        result = metadata_service.put_document(ctx, "department", name, document)
    return json_response(result)
