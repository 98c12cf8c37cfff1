"""``/api/v1/meta``: metadata documents, their history and rollback."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, request

from objectry.metadata import store
from objectry.metadata.problems import ErrorItem, Invalid, NotFound
from objectry.packs.layers import layers as pack_layers
from objectry.platform.api.common import (
    flag,
    json_body,
    json_response,
    limit_arg,
    require_admin,
    tenant_context,
)
from objectry.runtime.access.metadata_access import (
    can_customize,
    may_read_metadata,
    readable_document,
    require_metadata_read,
    require_metadata_write,
)
from objectry.runtime.lifecycle.duplicates.index import build_rule_keys
from objectry.runtime.query.list_params import parse_whole
from objectry.runtime.schema import metadata_service

blueprint = Blueprint("meta", __name__, url_prefix="/api/v1/meta")

#: URL segment -> document kind.
KIND_SEGMENTS = {"objects": "object", "layouts": "layout", "roles": "role",
                 "departments": "department", "access_policies": "access_policy",
                 "functions": "function", "function_settings": "function_settings",
                 "scoring_models": "scoring_model", "assignment_rules": "assignment_rule",
                 "pools": "pool",
                 "workflows": "workflow",
                 "list_views": "list_view", "web_forms": "web_form",
                 "duplicate_rules": "duplicate_rule", "conversion_maps": "conversion_map",
                 "dashboards": "dashboard", "message_settings": "message_settings"}


#: The kind segment of a route: only the known kinds, so that ``GET /meta/rollback`` is a
#: 405 of the rollback route (with its Allow), not a lookup of a kind called "rollback".
SEGMENT = f"<any({', '.join(KIND_SEGMENTS)}):segment>"


def _kind(segment: str) -> str:
    kind = KIND_SEGMENTS.get(segment)
    if kind is None:
        raise NotFound(detail_code="unknown_kind", kind=segment)
    return kind


def parse_conversions(values: list[str]) -> dict[str, str]:
    """``?convert=amount:truncate&convert=phone:null_invalid`` -> {field: policy}."""
    result: dict[str, str] = {}
    for i, value in enumerate(values):
        field, sep, policy = value.partition(":")
        if not sep or not field or not policy:
            raise Invalid([ErrorItem(f"/convert/{i}", "invalid_conversion",
                                     {"value": value[:80]})])
        result[field.strip()] = policy.strip()
    return result


@blueprint.get(f"/{SEGMENT}")
def list_documents(segment: str) -> Response:
    """The documents of a kind the caller may read (objects and layouts: those of the
    objects their roles let them read; other kinds: customizers only)."""
    kind = _kind(segment)
    with tenant_context(read_only=True) as ctx:
        require_metadata_read(ctx, kind)
        full = can_customize(ctx)
        items = [item if full else {k: v for k, v in item.items() if k != "hidden_fields"}
                 for item in metadata_service.list_documents(ctx, kind)
                 if full or may_read_metadata(ctx, kind, item["api_name"])]
    return json_response({"items": items})


@blueprint.get(f"/{SEGMENT}/<api_name>")
def get_document(segment: str, api_name: str) -> Response:
    kind = _kind(segment)
    with tenant_context(read_only=True) as ctx:
        require_metadata_read(ctx, kind, api_name)
        document = readable_document(
            ctx, kind, metadata_service.get_document(ctx, kind, api_name))
        if flag("layers"):  # which property comes from a pack, which from the tenant
            require_metadata_read(ctx, "layers")
            stored = store.document(ctx.conn, ctx.tenant.id, kind, api_name)
            return json_response(pack_layers(stored) if stored else document)
    return json_response(document)


@blueprint.put(f"/{SEGMENT}/<api_name>")
def put_document(segment: str, api_name: str) -> Response:
    kind = _kind(segment)
    document = json_body()
    conversions = parse_conversions(request.args.getlist("convert"))
    with tenant_context() as ctx:
        require_metadata_write(ctx, kind, document, _stored(ctx, kind, api_name))
        result = metadata_service.put_document(ctx, kind, api_name, document,
                                               dry_run=flag("dry_run"), conversions=conversions)
        if kind == "duplicate_rule" and result["applied"]:  # keyed now, not in a user's write
            build_rule_keys(ctx, api_name)
    return json_response(result)


@blueprint.delete(f"/{SEGMENT}/<api_name>")
def delete_document(segment: str, api_name: str) -> Response:
    kind = _kind(segment)
    with tenant_context() as ctx:
        require_metadata_write(ctx, kind, None, _stored(ctx, kind, api_name))
        result = metadata_service.delete_document(ctx, kind, api_name)
    return json_response(result)


def _stored(ctx: Any, kind: str, api_name: str) -> Any:
    """The stored document a write replaces (None: a new one)."""
    stored = store.document(ctx.conn, ctx.tenant.id, kind, api_name)
    return None if stored is None else stored.document


@blueprint.post("/objects/<api_name>/purge-field")
def purge_field(api_name: str) -> Response:
    body = json_body()
    field = body.get("field") if isinstance(body, dict) else None
    if not isinstance(field, str):
        raise Invalid([ErrorItem("/field", "required")])
    with tenant_context() as ctx:
        require_admin(ctx)
        result = metadata_service.purge_field(ctx, api_name, field)
    return json_response(result)


@blueprint.get("/history")
def history() -> Response:
    limit = limit_arg()
    before = parse_whole(request.args.get("before"), name="before", minimum=1,
                         maximum=2**31, default=None, text=True)
    with tenant_context(read_only=True) as ctx:
        require_metadata_read(ctx, "history")
        items = metadata_service.history(ctx, limit=limit, before=before)
    return json_response({"items": items})


@blueprint.post("/rollback")
def rollback() -> Response:
    body = json_body()
    if not isinstance(body, dict):
        raise Invalid([ErrorItem("", "expected_object")])
    conversions = body.get("conversions") or {}
    if not isinstance(conversions, dict) or not all(
            isinstance(v, dict) for v in conversions.values()):
        raise Invalid([ErrorItem("/conversions", "invalid_parameter", {
            "name": "conversions",
            "reason": "an object of objects, object name -> field -> policy"})])
    with tenant_context() as ctx:
        require_admin(ctx)
        result = metadata_service.rollback(ctx, body.get("version"), conversions=conversions,
                                           dry_run=flag("dry_run"))
    return json_response(result)
