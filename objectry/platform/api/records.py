"""``/api/v1/records``: the records API over the records service."""

from __future__ import annotations

import re
from typing import Any

from flask import Blueprint, Response, request, url_for

from objectry.metadata.problems import BadRequest, ErrorItem, Invalid
from objectry.platform.api import exports
from objectry.platform.api.common import json_body, json_response, parse_json, tenant_context
from objectry.runtime import records
from objectry.runtime.model.compiled import get_model
from objectry.runtime.records import deletion

blueprint = Blueprint("records", __name__, url_prefix="/api/v1")

_ETAG = re.compile(r'^\s*(?:W/)?"?(\d{1,10})"?\s*$')


def _etag(record: dict[str, Any]) -> dict[str, str]:
    return {"ETag": f'"{record["version"]}"'}


def _if_match() -> int | None:
    header = request.headers.get("If-Match")
    if header is None or header.strip() == "*":
        return None
    match = _ETAG.match(header)
    if match is None:
        raise BadRequest([ErrorItem("", "invalid_if_match", {"value": header[:40]})],
                         detail_code="invalid_if_match", value=header[:40])
    return int(match.group(1))


def _fields(raw: Any) -> list[str] | None:
    if raw is None or raw == "":
        return None
    if isinstance(raw, str):
        return [f.strip() for f in raw.split(",") if f.strip()]
    if isinstance(raw, list) and all(isinstance(f, str) for f in raw):
        return raw
    raise Invalid([ErrorItem("/fields", "invalid_parameter", {"name": "fields"})])


def _list_args_from_query() -> dict[str, Any]:
    args = request.args
    raw_filter = args.get("filter")
    return {
        "filter": parse_json(raw_filter, at="/filter") if raw_filter else None,
        "sort": args.get("sort") or None,
        "limit": args.get("limit"),
        "cursor": args.get("cursor") or None,
        "fields": _fields(args.get("fields")),
        "view": args.get("view") or None,
    }


@blueprint.post("/records/<object_name>")
def create(object_name: str) -> Response:
    data = json_body()
    with tenant_context() as ctx:
        record = records.create(ctx, object_name, data)
    location = url_for("records.read", object_name=object_name, record_id=record["id"])
    return json_response(record, 201, {**_etag(record), "Location": location})


@blueprint.get("/records/<object_name>/<record_id>")
def read(object_name: str, record_id: str) -> Response:
    with tenant_context(read_only=True) as ctx:
        record = records.get(ctx, object_name, record_id,
                             fields=_fields(request.args.get("fields")))
    return json_response(record, headers=_etag(record))


@blueprint.patch("/records/<object_name>/<record_id>")
def update(object_name: str, record_id: str) -> Response:
    data = json_body()
    expected = _if_match()
    with tenant_context() as ctx:
        record = records.update(ctx, object_name, record_id, data, if_match=expected)
    return json_response(record, headers=_etag(record))


@blueprint.delete("/records/<object_name>/<record_id>")
def delete(object_name: str, record_id: str) -> Response:
    with tenant_context() as ctx:
        deletion.delete(ctx, object_name, record_id)
    return Response(status=204)


@blueprint.post("/records/<object_name>/<record_id>/restore")
def restore(object_name: str, record_id: str) -> Response:
    with tenant_context() as ctx:
        record = deletion.restore(ctx, object_name, record_id)
    return json_response(record, headers=_etag(record))


@blueprint.get("/records/<object_name>")
def list_records(object_name: str) -> Response:
    list_args = _list_args_from_query()
    with tenant_context(read_only=True) as ctx:
        page = records.list_records(ctx, object_name, **list_args)
    return json_response(page)


@blueprint.post("/records/<object_name>/query")
def query(object_name: str) -> Response:
    body = json_body()
    if not isinstance(body, dict):
        raise Invalid([ErrorItem("", "expected_object")])
    unknown = sorted(set(body) - {"filter", "sort", "limit", "cursor", "fields", "view"})
    if unknown:
        raise Invalid([ErrorItem("/" + name, "unknown_parameter", {"name": name})
                       for name in unknown])
    with tenant_context(read_only=True) as ctx:
        page = records.list_records(
            ctx, object_name, filter=body.get("filter"), sort=body.get("sort"),
            limit=body.get("limit"), cursor=body.get("cursor"),
            fields=_fields(body.get("fields")), view=body.get("view"))
    return json_response(page)


@blueprint.get("/records/<object_name>/<record_id>/related/<child_object>")
def related(object_name: str, record_id: str, child_object: str) -> Response:
    list_args = _list_args_from_query()
    with tenant_context(read_only=True) as ctx:
        page = records.related(ctx, object_name, record_id, child_object,
                               via=request.args.get("via") or None, **list_args)
    return json_response(page)


@blueprint.get("/records/<object_name>/<record_id>/audit")
def audit(object_name: str, record_id: str) -> Response:
    with tenant_context(read_only=True) as ctx:
        items = records.audit_trail(ctx, object_name, record_id,
                                    limit=request.args.get("limit"))
    return json_response({"items": items})


@blueprint.get("/records/<object_name>/export")
def export(object_name: str) -> Response:
    """All records of a list as CSV (default) or JSON lines, as the caller may see them."""
    list_args = _list_args_from_query()
    list_args.pop("limit")
    list_args.pop("cursor")
    kind = request.args.get("format") or "csv"
    if kind not in exports.FORMATS:
        raise Invalid([ErrorItem("/format", "export_format")])
    with tenant_context(read_only=True) as ctx:
        items = list(records.export_records(ctx, object_name, **list_args))
        columns = exports.columns(get_model(ctx, object_name), items)
    body, mimetype = exports.render(kind, columns, items)
    filename = f"{object_name}.{kind}"
    return Response(body, mimetype=mimetype,
                    headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@blueprint.get("/recycle-bin/<object_name>")
def recycle_bin(object_name: str) -> Response:
    list_args = _list_args_from_query()
    with tenant_context(read_only=True) as ctx:
        page = records.list_records(ctx, object_name, deleted=True, **list_args)
    return json_response(page)
