"""``/api/v1/imports`` (issue 16): upload a CSV or XLSX file and get its preview, fix the
mapping, run it in the background, follow its progress, download its failed rows.

The views parse the request and call ``runtime.lifecycle.imports``; where a run goes
(a thread of this process or a Celery task) is ``platform.import_jobs``' choice.
"""

from __future__ import annotations

from flask import Blueprint, Response, request, url_for

from objectry.metadata.problems import ErrorItem, Invalid, PayloadTooLarge
from objectry.platform import import_jobs
from objectry.platform.api.common import (
    json_body,
    json_response,
    limit_arg,
    parse_json,
    services,
    tenant_context,
)
from objectry.runtime.lifecycle.imports import reading, service

blueprint = Blueprint("imports", __name__, url_prefix="/api/v1")
FORM_SLACK = 64 * 1024  # multipart framing and the form's other parts


def _limits() -> reading.Limits:
    settings = services().settings
    return reading.Limits(max_rows=settings.import_max_rows,
                          max_bytes=settings.import_max_bytes)


@blueprint.post("/imports")
def create() -> Response:
    limits = _limits()
    if (request.content_length or 0) > limits.max_bytes + FORM_SLACK:
        raise PayloadTooLarge(detail_code="import_too_large", max=limits.max_bytes)
    request.max_content_length = limits.max_bytes + FORM_SLACK
    upload = request.files.get("file") if request.mimetype == "multipart/form-data" else None
    if upload is None:
        raise Invalid([ErrorItem("/file", "import_file_required")],
                      detail_code="import_file_required")
    form = request.form
    object_name = form.get("object", "").strip()
    if not object_name:
        raise Invalid([ErrorItem("/object", "required")])
    raw_mapping = form.get("mapping")
    mapping = parse_json(raw_mapping, at="/mapping") if raw_mapping else None
    data = upload.read(limits.max_bytes + 1)
    found = service.Upload(file_name=upload.filename or "upload", data=data, mapping=mapping,
                           mapping_from=form.get("mapping_from") or None,
                           upsert_on=form.get("upsert_on") or None,
                           encoding=form.get("encoding") or None)
    with tenant_context() as ctx:
        answer = service.create(ctx, object_name, found, limits)
    return json_response(answer, 201,
                         {"Location": url_for("imports.read", import_id=answer["id"])})


@blueprint.get("/imports")
def list_imports() -> Response:
    limit = limit_arg()
    with tenant_context(read_only=True) as ctx:
        items = service.list_imports(ctx, limit)
    return json_response({"items": items})


@blueprint.get("/imports/<import_id>")
def read(import_id: str) -> Response:
    with tenant_context(read_only=True) as ctx:
        answer = service.status(ctx, import_id)
    return json_response(answer)


@blueprint.patch("/imports/<import_id>")
def remap(import_id: str) -> Response:
    body = json_body()
    with tenant_context() as ctx:
        answer = service.remap(ctx, import_id, body)
    return json_response(answer)


@blueprint.post("/imports/<import_id>/run")
def run(import_id: str) -> Response:
    with tenant_context() as ctx:
        answer = service.request_run(ctx, import_id)
    import_jobs.start(services(), answer["id"])  # after the commit: the runner sees it queued
    return json_response(answer, 202)


@blueprint.get("/imports/<import_id>/errors")
def errors(import_id: str) -> Response:
    """The failed rows as CSV with a reason column; read in the request's transaction,
    a batch of rows at a time."""
    with tenant_context(read_only=True) as ctx:
        _, lines = service.error_file(ctx, import_id)
        body = "".join(lines)
    name = f"import-{import_id[:36]}-errors.csv"  # ASCII: the file's own name may not be
    return Response(body, mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})
