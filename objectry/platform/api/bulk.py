"""``POST /api/v1/records/{object}/bulk``: create or upsert up to 1,000 records at once
(issue 16), in one transaction, through the records service (``runtime.lifecycle.bulk``)."""

from __future__ import annotations

from flask import Blueprint, Response

from objectry.platform.api.common import json_body, json_response, tenant_context
from objectry.platform.api.lifecycle import duplicates_header
from objectry.runtime.lifecycle import bulk as bulk_service

blueprint = Blueprint("bulk", __name__, url_prefix="/api/v1")


@blueprint.post("/records/<object_name>/bulk")
def bulk(object_name: str) -> Response:
    body = json_body()
    with tenant_context() as ctx:
        answer = bulk_service.bulk(ctx, object_name, body)
        warned = duplicates_header(ctx)  # warn duplicate rules let records through
    return json_response(answer, headers=warned)
