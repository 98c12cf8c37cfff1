"""Metadata history: every version with who, when, its summary and, per changed
document, a readable diff (the store's JSON Patch from the previous revision); and a
rollback to a version, its plan shown first (``metadata_service.rollback`` with
``dry_run``), with a conversion policy offered for each refused field."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from flask import Response, g, redirect, request, url_for

from objectry.admin_ui.app.blueprint import page
from objectry.admin_ui.app.pages import system_text
from objectry.admin_ui.designer.blueprint import admin_context, designer
from objectry.admin_ui.designer.documents import PlanStep, field_of
from objectry.metadata import store
from objectry.metadata.i18n import message
from objectry.metadata.problems import ErrorItem, Problem
from objectry.runtime.kernel.context import Context
from objectry.runtime.schema import metadata_service
from objectry.runtime.schema.planner import CONVERSION_POLICIES

PAGE = 20


@dataclass(frozen=True)
class Change:
    kind: str
    api_name: str
    lines: list[tuple[str, str, str]]  # (op, path, value as JSON)


@dataclass(frozen=True)
class Version:
    version: int
    at: str
    actor: str
    summary: str
    changes: list[Change]


def _value(op: dict[str, Any]) -> str:
    if "value" not in op:
        return op.get("from", "")
    text = json.dumps(op["value"], ensure_ascii=False, default=str)
    return text if len(text) <= 300 else text[:300] + "…"


@designer.get("/history")
def history() -> Response:
    before_text = request.args.get("before", "")
    before = int(before_text) if before_text.isdigit() and len(before_text) < 12 else None
    with admin_context(read_only=True) as ctx:
        found = metadata_service.history(ctx, limit=PAGE, before=before)
        versions = [Version(
            int(item["version"]), system_text("created_at", item["created_at"], ctx.locale),
            str(item["actor"] or ""), str(item["summary"] or ""),
            [Change(str(change.get("kind")), str(change.get("api_name")),
                    [(str(op.get("op")), str(op.get("path")), _value(op))
                     for op in change.get("diff", [])][:200])
             for change in item.get("changes", [])])
            for item in found]
        older = versions[-1].version if len(versions) == PAGE else None
        rolled = request.args.get("rolled_back", "")
        return page("web/designer/history.html", versions=versions, older=older,
                    rolled_back=rolled if rolled.isdigit() and len(rolled) < 12 else "")


@dataclass(frozen=True)
class Refusal:
    kind: str
    api_name: str
    field: str
    text: str


def _conversions(form: Any) -> dict[str, dict[str, str]]:
    """``convert-<object>.<field>`` inputs as the service's conversions."""
    found: dict[str, dict[str, str]] = {}
    for key, value in form.items():
        name = key.removeprefix("convert-")
        if key.startswith("convert-") and "." in name and value in CONVERSION_POLICIES:
            object_name, field = name.split(".", 1)
            found.setdefault(object_name, {})[field] = value
    return found


def _documents_at(ctx: Context, version: int) -> list[dict[str, Any]]:
    """The documents the rollback would write, in the order the service uses."""
    target = store.state_at(ctx.conn, ctx.tenant.id, version)
    kinds = metadata_service.KINDS
    return [dict(doc.document) for _, doc in sorted(
        ((key, doc) for key, doc in target.items() if key[0] in kinds),
        key=lambda item: kinds.index(item[0][0]))]


def _changed(ctx: Context, documents: list[dict[str, Any]]) -> list[tuple[str, str]]:
    changed = []
    for document in documents:
        kind, name = str(document.get("kind")), str(document.get("api_name"))
        current = store.document(ctx.conn, ctx.tenant.id, kind, name)
        if current is None or dict(current.document) != document:
            changed.append((kind, name))
    return changed


def _refusals(problem: Problem, documents: list[dict[str, Any]]) -> list[Refusal]:
    found = []
    for error in problem.errors or [ErrorItem("", problem.detail_code, problem.params)]:
        parts = error.path.lstrip("/").split("/")
        kind = name = field = ""
        if len(parts) >= 2 and parts[0] == "documents" and parts[1].isdigit() \
                and int(parts[1]) < len(documents):
            document = documents[int(parts[1])]
            kind, name = str(document.get("kind")), str(document.get("api_name"))
            field = field_of(document, "/" + "/".join(parts[2:]))
        found.append(Refusal(kind, name, field, message(error.code, g.locale, error.params)))
    return found


def _steps(plans: list[dict[str, Any]]) -> list[tuple[str, PlanStep]]:
    steps = []
    for plan in plans:
        for step in plan.get("steps", []):
            details = [(k, v if isinstance(v, str) else json.dumps(v, ensure_ascii=False,
                                                                   default=str))
                       for k, v in step.items() if k not in ("action", "field")]
            steps.append((str(plan.get("object")), PlanStep(str(step.get("action")),
                                                            step.get("field"), details)))
    return steps


@designer.post("/history/<int:version>/rollback")
def rollback(version: int) -> Response:
    """The rollback's plan (``action=preview``, the default), or the rollback itself."""
    form = request.form
    with admin_context() as ctx:
        conversions = _conversions(form)
        apply = form.get("action") == "apply"
        try:
            result = metadata_service.rollback(ctx, version, conversions=conversions,
                                               dry_run=not apply)
        except Problem as refused:
            if refused.status not in (409, 422) or refused.extra.get("plans") is None:
                raise
            documents = _documents_at(ctx, version)
            return page("web/designer/rollback.html", 422, version=version,
                        steps=_steps(refused.extra.get("plans") or []),
                        refusals=_refusals(refused, documents), conversions=conversions,
                        changed=_changed(ctx, documents), kept=[],
                        policies=CONVERSION_POLICIES)
        if apply:
            return redirect(url_for("designer.history",  # type: ignore[return-value]
                                    rolled_back=result["version"]), code=303)
        return page("web/designer/rollback.html", version=version,
                    steps=_steps(result.get("plans") or []), refusals=[],
                    conversions=conversions,
                    changed=_changed(ctx, _documents_at(ctx, version)),
                    kept=result.get("kept_objects") or [], policies=CONVERSION_POLICIES)
