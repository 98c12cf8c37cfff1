"""Duplicates, merge and conversion (issue 16): ``GET /records/{o}/{id}/duplicates``,
``POST /duplicate_rules/{r}/scan`` and ``/rebuild``, ``POST /records/{o}/merge``,
``POST /records/{o}/{id}/unmerge`` and ``POST /records/{o}/{id}/convert``."""

from __future__ import annotations

import json
from typing import Any

from flask import Blueprint, Response

from objectry.platform.api.common import (
    json_response,
    optional_json_body,
    tenant_context,
)
from objectry.runtime.kernel.context import Context
from objectry.runtime.lifecycle import conversion, merge
from objectry.runtime.lifecycle.duplicates import build_keys, record_duplicates, scan
from objectry.runtime.lifecycle.hooks import LifecycleHooks

blueprint = Blueprint("lifecycle", __name__, url_prefix="/api/v1")

#: The response header a write that a ``warn`` duplicate rule let through carries: the
#: duplicates the writer may see, as ``[{"rule", "object", "id"}]`` (JSON, at most 20).
DUPLICATES_HEADER = "Objectry-Duplicates"


def duplicates_header(ctx: Context) -> dict[str, str]:
    """The header naming the duplicates this unit's writes were warned of (none: {})."""
    hooks = ctx.write_hooks
    if not isinstance(hooks, LifecycleHooks) or not hooks.warnings:
        return {}
    items = [{"rule": w["rule"], "object": w["object"], "id": w["id"]}
             for w in hooks.warnings[:20]]
    return {DUPLICATES_HEADER: json.dumps(items, separators=(",", ":"))}


@blueprint.get("/records/<object_name>/<record_id>/duplicates")
def duplicates(object_name: str, record_id: str) -> Response:
    with tenant_context(read_only=True) as ctx:
        answer = record_duplicates(ctx, object_name, record_id)
    return json_response(answer)


@blueprint.post("/duplicate_rules/<name>/scan")
def scan_rule(name: str) -> Response:
    body = optional_json_body(default={})
    with tenant_context() as ctx:  # may (re)build the rule's keys
        answer = scan(ctx, name, body)
    return json_response(answer)


@blueprint.post("/duplicate_rules/<name>/rebuild")
def rebuild_rule(name: str) -> Response:
    with tenant_context() as ctx:
        answer = build_keys(ctx, name)
    return json_response(answer)


@blueprint.post("/records/<object_name>/merge")
def merge_records(object_name: str) -> Response:
    body = optional_json_body(default=None)
    with tenant_context() as ctx:
        answer = merge.merge(ctx, object_name, body)
    return json_response(answer)


@blueprint.post("/records/<object_name>/<record_id>/unmerge")
def unmerge(object_name: str, record_id: str) -> Response:
    body: Any = optional_json_body(default={})
    with tenant_context() as ctx:
        answer = merge.unmerge(ctx, object_name, record_id, body)
    return json_response(answer)


@blueprint.post("/records/<object_name>/<record_id>/convert")
def convert(object_name: str, record_id: str) -> Response:
    body: Any = optional_json_body(default={})
    with tenant_context() as ctx:
        answer = conversion.convert(ctx, object_name, record_id, body)
    return json_response(answer)
