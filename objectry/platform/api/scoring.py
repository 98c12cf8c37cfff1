"""Scoring models over HTTP: run a model over records, read one record's breakdown.

``PUT/GET /api/v1/meta/scoring_models/{api_name}`` are the generic metadata routes.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, request

from objectry.metadata.problems import ErrorItem, Invalid
from objectry.platform.api.common import (
    json_response,
    optional_json_body,
    require_admin,
    services,
    tenant_context,
)
from objectry.runtime import scoring

blueprint = Blueprint("scoring", __name__, url_prefix="/api/v1")

RUN_OPTIONS = ("filter", "limit", "dry_run", "explain")


def _run_request() -> scoring.RunRequest:
    """The optional body ``{filter, limit, dry_run, explain}`` (422 with pointers)."""
    body: Any = optional_json_body(default={})
    if not isinstance(body, dict):
        raise Invalid([ErrorItem("", "expected_object")])
    unknown = [k for k in body if k not in RUN_OPTIONS]
    if unknown:
        raise Invalid([ErrorItem(f"/{k}", "schema_unknown_property", {"property": k})
                       for k in unknown])
    run = scoring.RunRequest(batch_size=services().settings.function_batch_size,
                             filter=body.get("filter"), limit=body.get("limit"),
                             dry_run=body.get("dry_run", False),
                             explain=body.get("explain", False))
    run.check()
    return run


@blueprint.post("/scoring_models/<name>/run")
def run_model(name: str) -> Response:
    run = _run_request()
    with tenant_context() as ctx:
        require_admin(ctx)
        summary = scoring.run_model(ctx, name, run)
    return json_response(summary)


@blueprint.get("/records/<object_name>/<record_id>/score")
def record_score(object_name: str, record_id: str) -> Response:
    model = request.args.get("model")
    # not read-only: a scoring function's call is logged like every other call
    with tenant_context() as ctx:  # first, so a bad token is a 401 before a missing model
        if not model:
            raise Invalid([ErrorItem("/model", "required")])
        breakdown = scoring.score_record(ctx, model, object_name, record_id, write=False)
    return json_response(breakdown)
