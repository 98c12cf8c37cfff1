"""Liveness and the per-tenant OpenAPI document."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, Response

from objectry.platform.api.common import json_response, services, tenant_context
from objectry.platform.openapi import build_spec

blueprint = Blueprint("discovery", __name__)


@blueprint.get("/healthz")
def healthz() -> Response:
    try:
        with services().connection(read_only=True) as conn:
            conn.execute(sa.select(sa.literal(1)))
    except sa.exc.SQLAlchemyError:
        return json_response({"status": "unavailable", "database": "unreachable"}, 503)
    return json_response({"status": "ok", "database": "ok"})


@blueprint.get("/api/v1/openapi.json")
def openapi() -> Response:
    with tenant_context(read_only=True) as ctx:
        document = build_spec(ctx)
    return json_response(document)
