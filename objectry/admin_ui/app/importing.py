"""The import wizard (issue 16): upload a CSV or XLSX file → map its columns → preview
with each row's errors, its duplicates and what assignment would do → run with progress
→ report and error file.

Every step is the imports API's call (``runtime.lifecycle.imports.service``) with the
signed-in user's context: the same mapping rules (a field the user may not write cannot
be mapped), the same checks, the same owner-only visibility of an import, the same
background run (``UiHost.start_import``).
"""

from __future__ import annotations

from typing import Any

from flask import Response, redirect, request, url_for

from objectry.admin_ui.app import pages
from objectry.admin_ui.app.blueprint import blueprint, host, is_htmx, page, user_context
from objectry.metadata.i18n import message, pick
from objectry.metadata.problems import ErrorItem, Invalid, PayloadTooLarge, Problem
from objectry.runtime.kernel.context import Context
from objectry.runtime.lifecycle.imports import reading, service
from objectry.runtime.model.compiled import get_model

FORM_SLACK = 64 * 1024  # multipart framing and the form's other fields


def _limits() -> reading.Limits:
    rows, size = host().import_limits()
    return reading.Limits(max_rows=rows, max_bytes=size)


def _field_choices(ctx: Context, object_name: str) -> list[tuple[str, str]]:
    """(api_name, label) of the fields the user may write on create: what a column may
    be mapped to (the service refuses the others all the same)."""
    model, guard = pages.open_object(ctx, object_name)
    return [(name, pick(field.definition.get("label"), ctx.locale, name))
            for name, field in model.fields.items()
            if field.writable and not guard.unknowable(name)]


def _unique_fields(ctx: Context, object_name: str) -> list[tuple[str, str]]:
    model, guard = pages.open_object(ctx, object_name)
    return [(name, pick(field.definition.get("label"), ctx.locale, name))
            for name, field in model.fields.items()
            if field.definition.get("unique") and not guard.unknowable(name)]


@blueprint.route("/o/<object_name>/import", methods=["GET", "POST"])
def import_upload(object_name: str) -> Response:
    """Step 1: the file (and optionally the unique field to update records on)."""
    problem: Problem | None = None
    if request.method == "POST":
        try:
            answer = _create(object_name)
            return redirect(url_for("web.import_view",  # type: ignore[return-value]
                                    import_id=answer["id"]), code=303)
        except Problem as refused:
            if refused.status == 401:
                raise
            problem = refused
    with user_context(read_only=True) as ctx:
        model, guard = pages.open_object(ctx, object_name)
        guard.require("create")
        return page("web/import_upload.html", 422 if problem else 200,
                    objects=pages.readable_objects(ctx), object_name=object_name,
                    object_label=pages.object_label(model, ctx.locale),
                    unique_fields=_unique_fields(ctx, object_name),
                    errors=_problem_lines(ctx, problem))


def _create(object_name: str) -> dict[str, Any]:
    limits = _limits()
    if (request.content_length or 0) > limits.max_bytes + FORM_SLACK:
        raise PayloadTooLarge(detail_code="import_too_large", max=limits.max_bytes)
    request.max_content_length = limits.max_bytes + FORM_SLACK
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        raise Invalid([ErrorItem("/file", "import_file_required")],
                      detail_code="import_file_required")
    found = service.Upload(file_name=upload.filename, data=upload.read(limits.max_bytes + 1),
                           upsert_on=request.form.get("upsert_on") or None)
    with user_context() as ctx:
        return service.create(ctx, object_name, found, limits)


def _problem_lines(ctx: Context, problem: Problem | None) -> list[str]:
    if problem is None:
        return []
    lines = [message(e.code, ctx.locale, e.params) for e in problem.errors]
    return lines or [message(problem.detail_code, ctx.locale, problem.params)]


@blueprint.get("/imports/<import_id>")
def import_view(import_id: str) -> Response:
    """Steps 2 to 5 on one page: mapping and preview (before the run), progress (during
    it; htmx polls the progress fragment), the report (after)."""
    with user_context(read_only=True) as ctx:
        status = service.status(ctx, import_id)
        return _render(ctx, status)


def _render(ctx: Context, status: dict[str, Any], preview: dict[str, Any] | None = None,
            code: int = 200) -> Response:
    object_name = status["object"]
    model = get_model(ctx, object_name)
    values = {"status": status, "preview": preview or status.get("preview"),
              "import_id": status["id"], "object_name": object_name,
              "object_label": pages.object_label(model, ctx.locale)}
    if is_htmx() and request.args.get("part") == "progress":
        return page("web/_import_progress.html", code, **values)
    return page("web/import.html", code, objects=pages.readable_objects(ctx),
                fields=_field_choices(ctx, object_name), **values)


@blueprint.post("/imports/<import_id>/mapping")
def import_mapping(import_id: str) -> Response:
    """Step 2: a column → field mapping (empty: the column is not imported); a new
    preview of every row."""
    form = request.form
    with user_context() as ctx:
        status = service.status(ctx, import_id)
        mapping = {c["column"]: (form.get(f"map_{i}") or None)
                   for i, c in enumerate(status["columns"])}
        answer = service.remap(ctx, import_id, {"mapping": mapping})
        return _render(ctx, answer, answer.get("preview"))


@blueprint.post("/imports/<import_id>/run")
def import_run(import_id: str) -> Response:
    """Step 4: queue the run and start it in the background; back to the page, which
    shows its progress."""
    with user_context() as ctx:
        answer = service.request_run(ctx, import_id)
    host().start_import(answer["id"])  # after the commit: the runner sees it queued
    return redirect(url_for("web.import_view",  # type: ignore[return-value]
                            import_id=answer["id"]), code=303)


@blueprint.get("/imports/<import_id>/errors.csv")
def import_errors(import_id: str) -> Response:
    """Step 5: the failed rows with a reason column, as the API's error file."""
    with user_context(read_only=True) as ctx:
        _, lines = service.error_file(ctx, import_id)
        body = "".join(lines)
    name = f"import-{import_id[:36]}-errors.csv"
    return Response(body, mimetype="text/csv",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})
