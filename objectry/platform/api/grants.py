"""``/api/v1/records/{object}/{id}/grants``: distribution of a record (seed 004)."""

from __future__ import annotations

from flask import Blueprint, Response, request

from objectry.platform.api.common import flag, json_body, json_response, tenant_context
from objectry.runtime.access import explain, grants

blueprint = Blueprint("grants", __name__, url_prefix="/api/v1/records/<object_name>/<record_id>")


@blueprint.get("/grants")
def list_grants(object_name: str, record_id: str) -> Response:
    with tenant_context(read_only=True) as ctx:
        items = grants.list_grants(ctx, object_name, record_id,
                                   include_inactive=flag("include_inactive"))
    return json_response({"items": items})


@blueprint.post("/grants")
def create_grant(object_name: str, record_id: str) -> Response:
    body = json_body()
    with tenant_context() as ctx:
        created = grants.grant(ctx, object_name, record_id, body)
    return json_response(created, 201)


@blueprint.patch("/grants/<grant_id>")
def update_grant(object_name: str, record_id: str, grant_id: str) -> Response:
    body = json_body()
    with tenant_context() as ctx:
        updated = grants.update_grant(ctx, object_name, record_id, grant_id, body)
    return json_response(updated)


@blueprint.delete("/grants/<grant_id>")
def revoke_grant(object_name: str, record_id: str, grant_id: str) -> Response:
    with tenant_context() as ctx:
        grants.revoke(ctx, object_name, record_id, grant_id)
    return Response(status=204)


@blueprint.get("/access")
def explain_access(object_name: str, record_id: str) -> Response:
    with tenant_context(read_only=True) as ctx:
        answer = explain.explain(ctx, object_name, record_id, request.args.get("user"))
    return json_response(answer)
