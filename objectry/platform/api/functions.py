"""Tenant functions over HTTP: record buttons, the admin dry run, the call log.

``PUT/GET /api/v1/meta/functions/{api_name}`` are the generic metadata routes.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response

from objectry.metadata.problems import ErrorItem, Invalid
from objectry.platform.api.common import (
    json_response,
    limit_arg,
    optional_json_body,
    require_admin,
    tenant_context,
)
from objectry.runtime import functions
from objectry.runtime.access.metadata_access import require_metadata_read

blueprint = Blueprint("functions", __name__, url_prefix="/api/v1")

DEFAULT_CALLS = 20
MAX_CALLS = 200


def _object_body() -> Any:
    """The JSON body, or ``{}`` when none was sent (a button needs no input)."""
    body = optional_json_body(default={})
    if not isinstance(body, dict):
        raise Invalid([ErrorItem("", "expected_object")])
    return body


@blueprint.post("/records/<object_name>/<record_id>/actions/<function>")
def run_action(object_name: str, record_id: str, function: str) -> Response:
    body = _object_body()
    with tenant_context() as ctx:
        answer = functions.run_action(ctx, object_name, record_id, function,
                                      body.get("params"))
    return json_response(answer)


@blueprint.post("/meta/functions/<api_name>/test")
def test_function(api_name: str) -> Response:
    body = _object_body()
    with tenant_context() as ctx:
        require_admin(ctx)
        answer = functions.test_function(ctx, api_name, body)
    return json_response(answer)


@blueprint.get("/meta/functions/<api_name>/calls")
def calls(api_name: str) -> Response:
    limit = limit_arg(DEFAULT_CALLS, MAX_CALLS)
    with tenant_context(read_only=True) as ctx:
        require_metadata_read(ctx, "function", api_name)
        items = functions.recent_calls(ctx, api_name, limit)
    return json_response({"items": items})
