"""``/api/v1/records``: the records API over the records service."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import ExitStack
from typing import Any

from flask import Blueprint, Response, request, stream_with_context, url_for
from flask.blueprints import BlueprintSetupState
from werkzeug.routing import BaseConverter

from objectry.metadata.problems import BadRequest, ErrorItem, Invalid
from objectry.platform.api import exports
from objectry.platform.api.common import (
    json_body,
    json_response,
    limit_arg,
    list_args,
    parse_json,
    services,
    tenant_context,
)
from objectry.platform.api.lifecycle import duplicates_header
from objectry.runtime import records
from objectry.runtime.kernel.context import Context
from objectry.runtime.lifecycle import exports as export_labels
from objectry.runtime.query.list_params import parse_fields, parse_flag, read_list_params
from objectry.runtime.records import deletion

blueprint = Blueprint("records", __name__, url_prefix="/api/v1")


class RecordId(BaseConverter):
    """A record id in ``/records/{object}/{id}``: any segment but the routes beside it
    (``query``, ``export``, ``owner``, ``bulk``), so ``PATCH /records/lead/export`` answers 405
    with the export route's Allow instead of looking for a record called "export"."""

    regex = r"(?!(?:query|export|owner|bulk)$)[^/]+"




@blueprint.record_once
def _register_record_id(state: BlueprintSetupState) -> None:
    state.app.url_map.converters["record_id"] = RecordId

_ETAG = re.compile(r'^\s*(?:W/)?"?(\d{1,10})"?\s*$')


def _etag(record: dict[str, Any]) -> dict[str, str]:
    return {"ETag": f'"{record["version"]}"'}


def _if_match() -> int | None:
    return if_match_header()


def if_match_header() -> int | None:
    """The version of an ``If-Match`` header (None for none or ``*``; 400 when bad)."""
    header = request.headers.get("If-Match")
    if header is None or header.strip() == "*":
        return None
    match = _ETAG.match(header)
    if match is None:
        raise BadRequest([ErrorItem("", "invalid_if_match", {"value": header[:40]})],
                         detail_code="invalid_if_match", value=header[:40])
    return int(match.group(1))


def _list_args_from_query(*, paged: bool = True) -> dict[str, Any]:
    """``filter``, ``view`` and the list parameters (``limit`` and ``cursor`` when
    ``paged``) of the query string, as keyword arguments of the records service."""
    args = request.args
    raw_filter = args.get("filter")
    parsed_filter = parse_json(raw_filter, at="/filter") if raw_filter else None
    params = list_args(paged=paged)
    found = {
        "filter": parsed_filter,
        "sort": params.sort,
        "fields": params.fields,
        "view": args.get("view") or None,
    }
    return {**found, "limit": params.limit, "cursor": params.cursor} if paged else found


@blueprint.post("/records/<object_name>")
def create(object_name: str) -> Response:
    data = json_body()
    with tenant_context() as ctx:
        record = records.create(ctx, object_name, data)
        warned = duplicates_header(ctx)  # a warn duplicate rule let it through
    location = url_for("records.read", object_name=object_name, record_id=record["id"])
    return json_response(record, 201, {**_etag(record), "Location": location, **warned})


@blueprint.get("/records/<object_name>/<record_id:record_id>")
def read(object_name: str, record_id: str) -> Response:
    fields = parse_fields(request.args.get("fields"))
    # the ETag needs the version even when the caller selected fields without it
    with tenant_context(read_only=True) as ctx:
        record = records.get(ctx, object_name, record_id,
                             fields=None if fields is None or "version" in fields
                             else (*fields, "version"))
    etag = _etag(record)
    if fields is not None and "version" not in fields:
        del record["version"]
    return json_response(record, headers=etag)


@blueprint.patch("/records/<object_name>/<record_id:record_id>")
def update(object_name: str, record_id: str) -> Response:
    data = json_body()
    expected = _if_match()
    with tenant_context() as ctx:
        record = records.update(ctx, object_name, record_id, data, if_match=expected)
        warned = duplicates_header(ctx)  # a warn duplicate rule let it through
    return json_response(record, headers={**_etag(record), **warned})


@blueprint.delete("/records/<object_name>/<record_id:record_id>")
def delete(object_name: str, record_id: str) -> Response:
    with tenant_context() as ctx:
        deletion.delete(ctx, object_name, record_id)
    return Response(status=204)


@blueprint.post("/records/<object_name>/<record_id>/restore")
def restore(object_name: str, record_id: str) -> Response:
    with tenant_context() as ctx:
        record = deletion.restore(ctx, object_name, record_id)
    return json_response(record, headers=_etag(record))


def _with_count(ctx: Context, object_name: str, page: dict[str, Any], wanted: bool,
                selection: dict[str, Any]) -> dict[str, Any]:
    """The page, with ``count`` and ``count_capped`` when the caller asked: how many
    records the same list holds for them, exact up to the configured cap."""
    if not wanted:
        return page
    counted = records.count_records(ctx, object_name, cap=services().settings.list_count_cap,
                                    filter=selection.get("filter"), view=selection.get("view"))
    return {**page, **counted}


@blueprint.get("/records/<object_name>")
def list_records(object_name: str) -> Response:
    list_args = _list_args_from_query()
    count = parse_flag(request.args.get("count"), name="count", text=True)
    with tenant_context(read_only=True) as ctx:
        page = records.list_records(ctx, object_name, **list_args)
        page = _with_count(ctx, object_name, page, count, list_args)
    return json_response(page)


@blueprint.post("/records/<object_name>/query")
def query(object_name: str) -> Response:
    body = json_body()
    if not isinstance(body, dict):
        raise Invalid([ErrorItem("", "expected_object")])
    unknown = sorted(set(body) - {"filter", "sort", "limit", "cursor", "fields", "view",
                                  "count"})
    if unknown:
        raise Invalid([ErrorItem("/" + name, "unknown_parameter", {"name": name})
                       for name in unknown])
    params = read_list_params(body)
    count = parse_flag(body.get("count"), name="count")
    with tenant_context(read_only=True) as ctx:
        page = records.list_records(ctx, object_name, filter=body.get("filter"),
                                    view=body.get("view"), **params.as_kwargs())
        page = _with_count(ctx, object_name, page, count, body)
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
    limit = limit_arg()
    with tenant_context(read_only=True) as ctx:
        items = records.audit_trail(ctx, object_name, record_id, limit=limit)
    return json_response({"items": items})


@blueprint.get("/records/<object_name>/export")
def export(object_name: str) -> Response:
    """All records of a list as CSV (default), XLSX or JSON lines, as the caller may see them.

    The body streams: it is written a page of records at a time while the records are
    read, in the request's transaction, which stays open until the last byte is sent.
    Everything that can refuse the export (the right, the filter, sort and fields) is
    checked before the response starts.
    """
    selection = _list_args_from_query(paged=False)
    kind = request.args.get("format") or "csv"
    if kind not in exports.FORMATS:
        raise Invalid([ErrorItem("/format", "export_format")])
    labels = exports.labels_arg()
    with ExitStack() as stack:
        ctx = stack.enter_context(tenant_context(read_only=True))
        exported = records.export_records(ctx, object_name, **selection)
        rows = export_labels.labelled(ctx, object_name, exported) if labels else exported
        transaction = stack.pop_all()  # a refusal above ended it; now the body owns it

    def body() -> Iterator[bytes]:
        with transaction:
            yield from exports.stream(kind, exported.columns, rows)

    filename = f"{object_name}.{kind}"
    response = Response(stream_with_context(body()), mimetype=exports.MIMETYPES[kind],
                        headers={"Content-Disposition": f'attachment; filename="{filename}"'})
    response.call_on_close(transaction.close)  # also when the body is never read (HEAD)
    return response


@blueprint.get("/recycle-bin/<object_name>")
def recycle_bin(object_name: str) -> Response:
    list_args = _list_args_from_query()
    with tenant_context(read_only=True) as ctx:
        page = records.list_records(ctx, object_name, deleted=True, **list_args)
    return json_response(page)
