"""Preview and apply a metadata document, the one way every designer writes.

A designer turns clicks into a whole document, then shows what the metadata service
would do with it (``put_document(..., dry_run=True)``: the plan's steps and their data
impact, or the refusals, each next to the field its JSON Pointer names) and applies it
only when the admin confirms. Conversion policies the planner knows are offered for
each refused field; choosing one and previewing again shows the new plan.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from flask import Response, g, redirect, request, url_for

from objectry.admin_ui.app.blueprint import page, t
from objectry.admin_ui.designer.blueprint import admin_context, designer
from objectry.admin_ui.designer.field_forms import type_label, typed_default
from objectry.metadata.i18n import message
from objectry.metadata.problems import ErrorItem, Invalid, NotFound, Problem
from objectry.runtime.kernel.context import Context
from objectry.runtime.schema import metadata_service
from objectry.runtime.schema.planner import CONVERSION_POLICIES

#: The kinds a designer writes through this page so far (later designers add theirs).
DESIGNED_KINDS = ("object", "department", "layout", "role", "access_policy",
                  "assignment_rule", "pool", "workflow",
                  "function")
#: The largest document a designer form accepts (the API's body limit is larger).
MAX_DOCUMENT = 1_000_000


@dataclass(frozen=True)
class PlanStep:
    action: str
    field: str | None
    details: list[tuple[str, str]]


@dataclass
class Preview:
    """What applying ``document`` would do, or why it is refused."""

    kind: str
    api_name: str
    document: dict[str, Any]
    steps: list[PlanStep] = field(default_factory=list)
    #: field api_name (or "" for the document) -> refusals in the page's language
    refusals: dict[str, list[str]] = field(default_factory=dict)
    conversions: dict[str, str] = field(default_factory=dict)
    applied_version: int | None = None
    #: fields made required over rows without a value: the plan page asks a default
    needs_default: set[str] = field(default_factory=set)

    @property
    def refused(self) -> bool:
        return bool(self.refusals)

    @property
    def document_json(self) -> str:
        return json.dumps(self.document, ensure_ascii=False, indent=2)


def field_of(document: dict[str, Any], path: str) -> str:
    """The api_name of the field a JSON Pointer points into (``/fields/3/...``), or the
    name a ``/convert/<field>`` pointer names; "" for the document itself."""
    parts = path.lstrip("/").split("/")
    if len(parts) >= 2 and parts[0] == "fields" and parts[1].isdigit():
        fields = document.get("fields") or []
        index = int(parts[1])
        if index < len(fields) and isinstance(fields[index], dict):
            return str(fields[index].get("api_name", ""))
    if len(parts) >= 2 and parts[0] == "convert":
        return parts[1]
    return ""


def _refusals(problem: Problem, document: dict[str, Any]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    errors = problem.errors or [ErrorItem("", problem.detail_code, problem.params)]
    for error in errors:
        found.setdefault(field_of(document, error.path), []).append(
            message(error.code, g.locale, error.params))
    return found


def problem_text(problem: Problem) -> str:
    """A refusal in the page's language, one sentence per error."""
    errors = problem.errors or [ErrorItem("", problem.detail_code, problem.params)]
    return " ".join(message(e.code, g.locale, e.params) for e in errors)


def _steps(plan: dict[str, Any]) -> list[PlanStep]:
    steps = []
    for step in plan.get("steps", []):
        details = [(key, json.dumps(value, ensure_ascii=False, default=str)
                    if not isinstance(value, str) else value)
                   for key, value in step.items() if key not in ("action", "field")]
        steps.append(PlanStep(str(step.get("action")), step.get("field"), details))
    return steps


def preview(ctx: Context, kind: str, api_name: str, document: dict[str, Any],
            conversions: dict[str, str] | None = None, *, apply: bool = False) -> Preview:
    """Dry-run (or, with ``apply``, store) ``document`` through the metadata service."""
    shown = Preview(kind, api_name, document, conversions=dict(conversions or {}))
    try:
        result = metadata_service.put_document(ctx, kind, api_name, document,
                                               dry_run=not apply,
                                               conversions=conversions or None)
    except Problem as refused:
        if refused.status not in (409, 422):
            raise
        shown.refusals = _refusals(refused, document)
        shown.needs_default = {field_of(document, e.path) for e in refused.errors
                               if e.code == "required_without_default"}
        plans = refused.extra.get("plans") or []
        shown.steps = _steps(plans[0]) if plans else []
        return shown
    shown.steps = _steps(result["plan"])
    if apply:
        shown.applied_version = int(result["version"])
    return shown


def preview_page(ctx: Context, shown: Preview, *, back: str, status: int = 200) -> Response:
    """The plan (or refusals) with the document and an Apply button."""
    fields = [(str(f.get("api_name")), f, type_label(str(f.get("type")), ctx.locale))
              for f in shown.document.get("fields") or []
              if isinstance(f, dict)] if shown.kind == "object" else []
    return page("web/designer/preview.html", status if not shown.refused else 422,
                shown=shown, back=back, fields=fields, policies=CONVERSION_POLICIES,
                title=t("ui_plan"))


def parse_document(text: str) -> dict[str, Any]:
    """A pasted document (422 ``not_json_document`` when it is not a JSON object)."""
    if len(text) > MAX_DOCUMENT:
        raise Invalid([ErrorItem("/document", "payload_too_large", {"limit": MAX_DOCUMENT})])
    try:
        document = json.loads(text)
    except ValueError as error:
        raise Invalid([ErrorItem("/document", "not_json_document",
                                 {"reason": str(error)[:200]})],
                      detail_code="not_json_document", reason=str(error)[:200]) from None
    if not isinstance(document, dict):
        raise Invalid([ErrorItem("/document", "not_json_document",
                                 {"reason": type(document).__name__})],
                      detail_code="not_json_document", reason=type(document).__name__)
    return document


def posted_defaults(form: Any, document: dict[str, Any]) -> None:
    """``default-<field>`` inputs of the plan page (a field made required over rows
    without a value) set those fields' defaults, as the field form would read them."""
    for item in document.get("fields") or []:
        if not isinstance(item, dict):
            continue
        text = str(form.get(f"default-{item.get('api_name')}", "")).strip()
        if text:
            item["default"] = typed_default(str(item.get("type")), item, text[:2000])


def posted_conversions(form: Any) -> dict[str, str]:
    return {key.removeprefix("convert-"): value for key, value in form.items()
            if key.startswith("convert-") and value in CONVERSION_POLICIES}


@designer.post("/documents/<kind>/<api_name>")
def apply_document(kind: str, api_name: str) -> Response:
    """Preview again (``action=preview``) or apply the posted document."""
    form = request.form
    with admin_context() as ctx:
        if kind not in DESIGNED_KINDS:
            raise NotFound(detail_code="not_found")
        document = parse_document(form.get("document", ""))
        document.pop("kind", None)
        posted_defaults(form, document)
        shown = preview(ctx, kind, api_name, document, posted_conversions(form),
                        apply=form.get("action") == "apply")
        back = _back(kind, api_name)
        if shown.applied_version is None:
            return preview_page(ctx, shown, back=back)
    return redirect(back + f"?applied={shown.applied_version}", code=303)  # type: ignore[return-value]


def _back(kind: str, api_name: str) -> str:
    if kind == "object":
        return url_for("designer.object_page", name=api_name)
    if kind == "department":
        return url_for("designer.people")
    if kind == "layout":
        return url_for("designer.layout_page", name=api_name)
    if kind == "role":
        return url_for("designer.role_page", name=api_name)
    if kind == "access_policy" and api_name != "tenant_default":
        return url_for("designer.access_page", name=api_name)
    if kind == "access_policy":
        return url_for("designer.roles")
    if kind == "workflow":
        return url_for("designer.workflow_page", name=api_name)
    if kind == "function":
        return url_for("designer.function_page", name=api_name)
    if kind == "assignment_rule":
        return url_for("designer.assignment_rule_page", name=api_name)
    if kind == "pool":
        return url_for("designer.pool_page", name=api_name)
    return url_for("designer.objects")
