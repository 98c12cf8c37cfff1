"""``/api/v1/users`` and ``/api/v1/departments``: who works in the tenant, and where."""

from __future__ import annotations

from flask import Blueprint, Response, url_for

from objectry.platform import tenancy
from objectry.platform.api.common import json_body, json_response, require_admin, tenant_context
from objectry.runtime.access.metadata_access import (
    PERSON,
    USER,
    may_read_metadata,
    require_metadata_read,
)
from objectry.runtime.schema import metadata_service

blueprint = Blueprint("people", __name__, url_prefix="/api/v1")

#: What anyone may read of another user: enough to pick them in a lookup.
PERSON_KEYS = ("id", "email", "name")


@blueprint.get("/users")
def list_users() -> Response:
    """Everyone's details for customizers; for others their own, and of the rest only
    what a lookup to users shows (id, email, name)."""
    with tenant_context(read_only=True) as ctx:
        items = [user if may_read_metadata(ctx, USER, user["email"])
                 else {key: user[key] for key in PERSON_KEYS}
                 for user in tenancy.list_users(ctx.conn, ctx.tenant)
                 if may_read_metadata(ctx, PERSON, user["email"])]
    return json_response({"items": items})


@blueprint.post("/users")
def create_user() -> Response:
    body = json_body()
    tenancy.check_body("user", body)
    with tenant_context() as ctx:
        require_admin(ctx)
        user = tenancy.create_user(ctx.conn, ctx.tenant, body["email"],
                                   name=body.get("name", ""),
                                   roles=body.get("roles", []),
                                   department=body.get("department"), now=ctx.now(),
                                   actor=ctx.actor.email)
    created = tenancy.user_json(user)
    location = url_for("people.read_user", email=created["email"])
    return json_response(created, 201, {"Location": location})


@blueprint.get("/users/<email>")
def read_user(email: str) -> Response:
    with tenant_context(read_only=True) as ctx:
        require_metadata_read(ctx, USER, email)
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
    """The department documents for customizers; for others each one's name and label
    (what a grant to a department needs), like people's names."""
    with tenant_context(read_only=True) as ctx:
        full = may_read_metadata(ctx, "department")
        items = [metadata_service.get_document(ctx, "department", d["api_name"]) if full
                 else {"api_name": d["api_name"], "label": d["label"]}
                 for d in metadata_service.list_documents(ctx, "department")
                 if may_read_metadata(ctx, PERSON, d["api_name"])]
    return json_response({"items": items})


@blueprint.put("/departments/<name>")
def put_department(name: str) -> Response:
    document = json_body()
    with tenant_context() as ctx:
        require_admin(ctx)
        result = metadata_service.put_document(ctx, "department", name, document)
    return json_response(result)
