"""``/api/v1/secrets``: the tenant's secret store (admins and customizers).

Values are write-only: an answer names a secret and its times, never its value; the
value is filled in only where a webhook or a function's HTTP call sends it.
"""

from __future__ import annotations

from flask import Blueprint, Response

from objectry.platform.api.common import json_body, json_response, tenant_context
from objectry.runtime.access.metadata_access import require_metadata_read
from objectry.runtime.secrets import store

blueprint = Blueprint("secrets", __name__, url_prefix="/api/v1")

KIND = "secret"


@blueprint.get("/secrets")
def list_secrets() -> Response:
    with tenant_context(read_only=True) as ctx:
        require_metadata_read(ctx, KIND)
        items = store.list_secrets(ctx)
    return json_response({"items": items})


@blueprint.put("/secrets/<name>")
def put_secret(name: str) -> Response:
    body = json_body()
    with tenant_context() as ctx:
        require_metadata_read(ctx, KIND)
        answer = store.put_secret(ctx, name, body)
    return json_response(answer)


@blueprint.delete("/secrets/<name>")
def delete_secret(name: str) -> Response:
    with tenant_context() as ctx:
        require_metadata_read(ctx, KIND)
        store.delete_secret(ctx, name)
    return Response(status=204)
