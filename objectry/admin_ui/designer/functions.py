"""The function designer: a tenant function's head (label, purpose, object, run_as,
timeout) as a form and its code in a plain editor; compile errors are shown at their
line and column, next to a numbered listing of the code; the test runner
(``functions.test_function``, what ``POST /meta/functions/{f}/test`` calls) runs the
saved function against a chosen record with every write undone.

The document goes through the metadata service like every designer's (its dry run for
the errors, then ``documents.preview`` and Apply).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from flask import Response, g, redirect, request, url_for

from objectry.admin_ui.app.blueprint import page
from objectry.admin_ui.designer import documents
from objectry.admin_ui.designer.blueprint import admin_context, designer
from objectry.metadata import store
from objectry.metadata.i18n import LANGUAGES, message, pick
from objectry.metadata.problems import ErrorItem, Problem
from objectry.runtime import functions, records
from objectry.runtime.kernel.context import Context
from objectry.runtime.schema import metadata_service

KIND = "function"
PURPOSES = ("validation", "action", "scoring", "workflow_step", "scheduled", "button")
#: The head's inputs, each with its own errors; the rest of a pointer goes to "".
PARTS = ("label", "purpose", "object", "run_as", "timeout_ms", "code", "params")
PICKER = 50
NEW_CODE = "def main(record, params):\n    return {\"ok\": True}\n"


@dataclass(frozen=True)
class CodeLine:
    number: int
    text: str
    errors: list[str]


def _document(ctx: Context, name: str) -> dict[str, Any] | None:
    stored = store.document(ctx.conn, ctx.tenant.id, KIND, name)
    return dict(stored.document) if stored is not None else None


@designer.get("/functions")
def functions_page() -> Response:
    with admin_context(read_only=True) as ctx:
        found = [(name, pick(s.document.get("label"), ctx.locale, name),
                  s.document.get("purpose"), s.document.get("object"))
                 for name, s in sorted(store.documents(ctx.conn, ctx.tenant.id,
                                                       KIND).items())]
        return page("web/designer/functions.html", items=found)


@designer.get("/functions/new")
def new_function() -> Response:
    with admin_context(read_only=True):
        name = str(request.args.get("api_name", "")).strip()[:63]
    if not name:
        return redirect(url_for("designer.functions_page"), code=303)  # type: ignore[return-value]
    return redirect(url_for("designer.function_page", name=name), code=303)  # type: ignore[return-value]


def listing(code: str, errors: list[ErrorItem]) -> list[CodeLine]:
    """The code's lines, numbered, each with the compile errors at it."""
    at: dict[int, list[str]] = {}
    for error in errors:
        params = error.params
        if error.code == "function_compile_error":
            at.setdefault(int(params.get("line", 1)), []).append(
                f"{params.get('column')}: {params.get('message')}")
    return [CodeLine(i, line, at.get(i, [])) for i, line in enumerate(code.splitlines(), 1)]


def _editor(ctx: Context, name: str, document: dict[str, Any], *, new: bool,
            errors: list[ErrorItem] | None = None, status: int = 200,
            tested: dict[str, Any] | None = None, test_record: str = "",
            params_text: str = "{}") -> Response:
    found = errors or []
    by_part: dict[str, list[str]] = {}
    for error in found:
        head = error.path.lstrip("/").split("/", 1)[0]
        text = message(error.code, g.locale, error.params)
        by_part.setdefault(head if head in PARTS else "", []).append(text)
    object_name = document.get("object")
    picks: list[tuple[str, str]] = []
    if isinstance(object_name, str) and not new and store.document(
            ctx.conn, ctx.tenant.id, "object", object_name) is not None:
        definition = store.document(ctx.conn, ctx.tenant.id, "object", object_name)
        name_field = str((definition.document if definition else {}).get("name_field")
                         or "id")
        listed = records.list_records(ctx, object_name, limit=PICKER, fields=[
            name_field] if name_field != "id" else None)
        picks = [(str(r["id"]), str(r.get(name_field) or r["id"])) for r in listed["items"]]
    return page("web/designer/function.html", status, name=name, new=new,
                document=document, label=pick(document.get("label"), ctx.locale, name),
                purposes=PURPOSES, errors=by_part,
                object_names=sorted(store.documents(ctx.conn, ctx.tenant.id, "object")),
                lines=listing(str(document.get("code") or ""), found) if found else [],
                picks=picks, tested=tested, test_record=test_record,
                params_text=params_text,
                tested_json=json.dumps(tested, ensure_ascii=False, indent=2, default=str)
                if tested is not None else "",
                document_json=json.dumps(document, ensure_ascii=False, indent=2),
                applied=_applied())


def _applied() -> str:
    applied = request.args.get("applied", "")
    return applied if applied.isdigit() and len(applied) < 12 else ""


@designer.get("/functions/<name>")
def function_page(name: str) -> Response:
    with admin_context(read_only=True) as ctx:
        document = _document(ctx, name)
        if document is None:
            return _editor(ctx, name, {"purpose": "action", "code": NEW_CODE}, new=True)
        document.pop("kind", None)
        return _editor(ctx, name, document, new=False)


def from_form(form: Any, before: dict[str, Any]) -> dict[str, Any]:
    """The function the form describes (what the form does not show is kept)."""
    document = {k: v for k, v in before.items() if k not in ("kind", "api_name")}
    label = {lang: str(form.get(f"label-{lang}", "")).strip()[:2000] for lang in LANGUAGES}
    document["label"] = {k: v for k, v in label.items() if v} or {"en": "function"}
    document["purpose"] = str(form.get("purpose", ""))
    for key in ("object", "run_as"):
        value = str(form.get(key, "")).strip()
        if value:
            document[key] = value
        else:
            document.pop(key, None)
    timeout = str(form.get("timeout_ms", "")).strip()
    if timeout:
        document["timeout_ms"] = int(timeout) if timeout.isdigit() and len(timeout) < 9 \
            else timeout
    else:
        document.pop("timeout_ms", None)
    document["code"] = str(form.get("code", "")).replace("\r\n", "\n")
    return document


@designer.post("/functions/<name>")
def change_function(name: str) -> Response:
    """Refusals (compile errors at line and column) on the editor; else the plan."""
    with admin_context() as ctx:
        before = _document(ctx, name)
        document = from_form(request.form, before or {})
        try:
            metadata_service.put_document(ctx, KIND, name, document, dry_run=True)
        except Problem as refused:
            if refused.status not in (409, 422):
                raise
            return _editor(ctx, name, document, new=before is None, status=422,
                           errors=list(refused.errors or [ErrorItem(
                               "", refused.detail_code, refused.params)]))
        shown = documents.preview(ctx, KIND, name, document)
        return documents.preview_page(ctx, shown, back=url_for("designer.function_page",
                                                               name=name))


@designer.post("/functions/<name>/test")
def test_function(name: str) -> Response:
    """Run the saved function against a record (or none), every write undone."""
    form = request.form
    with admin_context() as ctx:
        document = _document(ctx, name)
        if document is None:
            return redirect(url_for("designer.function_page", name=name), code=303)  # type: ignore[return-value]
        document.pop("kind", None)
        record = str(form.get("record", "")).strip()[:64]
        params_text = str(form.get("params", "") or "{}")
        body: dict[str, Any] = {}
        try:
            body["params"] = json.loads(params_text)
        except ValueError as error:
            return _editor(ctx, name, document, new=False, status=422, errors=[ErrorItem(
                "/params", "not_json_document", {"reason": str(error)[:200]})],
                params_text=params_text, test_record=record)
        if record:
            body["record"] = {"id": record, **({"object": document["object"]}
                                               if document.get("object") else {})}
        try:
            tested = functions.test_function(ctx, name, body)
        except Problem as refused:
            if refused.status >= 500:
                raise
            return _editor(ctx, name, document, new=False, status=refused.status,
                           errors=list(refused.errors or [ErrorItem(
                               "", refused.detail_code, refused.params)]),
                           params_text=params_text, test_record=record)
        return _editor(ctx, name, document, new=False, tested=tested, test_record=record,
                       params_text=params_text)
