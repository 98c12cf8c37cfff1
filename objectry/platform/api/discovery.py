"""Liveness and the per-tenant OpenAPI document."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, Response

from objectry.platform.api.common import json_response, services, tenant_context
from objectry.platform.db import current_revision, head_revision
from objectry.platform.openapi import build_spec

blueprint = Blueprint("discovery", __name__)


@blueprint.get("/healthz")
def healthz() -> Response:
    """Reachable database whose catalog is at the code's revision: 200, else 503."""
    try:
        revision = current_revision(services().engine)
    except sa.exc.SQLAlchemyError:
        return json_response({"status": "unavailable", "database": "unreachable"}, 503)
    expected = head_revision()
    if revision != expected:
        return json_response({"status": "unavailable", "database": "ok",
                              "schema": "not_current", "revision": revision,
                              "expected": expected}, 503)
    return json_response({"status": "ok", "database": "ok", "schema": "ok"})


@blueprint.get("/api/v1/openapi.json")
def openapi() -> Response:
    with tenant_context(read_only=True) as ctx:
        document = build_spec(ctx)
    return json_response(document)
