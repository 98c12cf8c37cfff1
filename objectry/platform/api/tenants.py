"""``POST /api/v1/tenants``: the platform administrator provisions a tenant.

The caller is the holder of the platform token (``OBJECTRY_PLATFORM_TOKEN_SHA256``),
not a tenant's user: tenant tokens, administrators' included, are refused (403). The
tenant, its first administrator and token, and its first metadata documents are made in
one transaction (``platform/provisioning.py``).
"""

from __future__ import annotations

from flask import Blueprint, Response

from objectry.platform.api.common import bearer_token, json_body, json_response, services
from objectry.platform.provisioning import (
    provision,
    provisioned_json,
    require_platform_admin,
)

blueprint = Blueprint("tenants", __name__, url_prefix="/api/v1")


@blueprint.post("/tenants")
def create_tenant() -> Response:
    require_platform_admin(services(), bearer_token())
    done = provision(services(), json_body())
    response = json_response(provisioned_json(done), status=201)
    return response
