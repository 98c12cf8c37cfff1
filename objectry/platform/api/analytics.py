"""Aggregates over HTTP: ``POST /api/v1/records/{object}/aggregate``; roll-ups
rebuilt from their children: ``POST /api/v1/rollups/recompute``; time logs and labour
rates enabled: ``POST /api/v1/workload/enable`` (both for administrators); attribution
models side by side: ``POST /api/v1/attribution/run``, its snapshots read back.

The body is read by ``runtime.analytics.aggregate``, which applies the caller's access
(rows they cannot see are not counted, fields they cannot read are refused).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response

from objectry.platform.api.common import json_response, optional_json_body, tenant_context
from objectry.runtime.analytics.aggregate import aggregate
from objectry.runtime.analytics.attribution import get_snapshot, run_attribution
from objectry.runtime.analytics.rollups import recompute_rollups
from objectry.runtime.analytics.workload import enable_workload

blueprint = Blueprint("analytics", __name__, url_prefix="/api/v1")


@blueprint.post("/records/<object_name>/aggregate")
def aggregate_records(object_name: str) -> Response:
    body: Any = optional_json_body(default={})
    with tenant_context(read_only=True) as ctx:
        answer = aggregate(ctx, object_name, body)
    return json_response(answer)


@blueprint.post("/rollups/recompute")
def recompute() -> Response:
    body: Any = optional_json_body(default={})
    with tenant_context() as ctx:
        answer = recompute_rollups(ctx, body)
    return json_response(answer)


@blueprint.post("/workload/enable")
def workload() -> Response:
    body: Any = optional_json_body(default={})
    with tenant_context() as ctx:
        answer = enable_workload(ctx, body)
    return json_response(answer)


@blueprint.post("/attribution/run")
def attribution_run() -> Response:
    body: Any = optional_json_body(default={})
    with tenant_context() as ctx:
        answer = run_attribution(ctx, body)
    return json_response(answer, status=201)


@blueprint.get("/attribution/snapshots/<snapshot>")
def attribution_snapshot(snapshot: str) -> Response:
    with tenant_context(read_only=True) as ctx:
        answer = get_snapshot(ctx, snapshot)
    return json_response(answer)
