"""Owner changes and assignment rules (issue 15): ``POST /records/{object}/{id}/owner``,
the bulk ``POST /records/{object}/owner``, ``POST /assignment_rules/{name}/apply``; the
pool routes come from ``api/pools.py``."""

from __future__ import annotations

from flask import Blueprint, Response

from objectry.platform.api import pools
from objectry.platform.api.common import (
    json_body,
    json_response,
    limit_arg,
    optional_json_body,
    tenant_context,
)
from objectry.platform.api.records import if_match_header
from objectry.runtime.distribution import gaps, history, rules
from objectry.runtime.records import ownership

blueprint = Blueprint("distribution", __name__, url_prefix="/api/v1")
pools.register(blueprint)  # the lead pools' routes (api/pools.py)


@blueprint.post("/records/<object_name>/<record_id>/owner")
def change_owner(object_name: str, record_id: str) -> Response:
    body = json_body()
    expected = if_match_header()
    with tenant_context() as ctx:
        moved = ownership.change_owner_command(ctx, object_name, record_id, body,
                                               if_match=expected)
    return json_response(moved, headers={"ETag": f'"{moved["version"]}"'})


@blueprint.post("/records/<object_name>/owner")
def change_owners(object_name: str) -> Response:
    body = json_body()
    with tenant_context() as ctx:
        answer = ownership.change_owners(ctx, object_name, body)
    return json_response(answer)


@blueprint.post("/assignment_rules/<name>/apply")
def apply_rule(name: str) -> Response:
    body = json_body()
    with tenant_context() as ctx:
        answer = rules.apply_rule(ctx, name, body)
    return json_response(answer)


@blueprint.post("/assignment_rules/<name>/check")
def check_rule(name: str) -> Response:
    body = optional_json_body(default={})
    with tenant_context(read_only=True) as ctx:
        answer = gaps.check_rule(ctx, name, body)
    return json_response(answer)


@blueprint.get("/records/<object_name>/<record_id>/assignments")
def assignments(object_name: str, record_id: str) -> Response:
    limit = limit_arg()
    with tenant_context(read_only=True) as ctx:
        items = history.assignments(ctx, object_name, record_id, limit=limit)
    return json_response({"items": items})
