"""Aggregates over HTTP: ``POST /api/v1/records/{object}/aggregate``.

The body is read by ``runtime.analytics.aggregate``, which applies the caller's access
(rows they cannot see are not counted, fields they cannot read are refused).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response

from objectry.platform.api.common import json_response, optional_json_body, tenant_context
from objectry.runtime.analytics.aggregate import aggregate

blueprint = Blueprint("analytics", __name__, url_prefix="/api/v1")


@blueprint.post("/records/<object_name>/aggregate")
def aggregate_records(object_name: str) -> Response:
    body: Any = optional_json_body(default={})
    with tenant_context(read_only=True) as ctx:
        answer = aggregate(ctx, object_name, body)
    return json_response(answer)
