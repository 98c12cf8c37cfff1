"""The workflow designer: workflows with their state (active, paused), each one's runs
with a status filter and pause/resume/cancel, its steps drawn as a graph (an SVG built
here, on the server: trigger, steps, branches, waits), a form over the document's head
with the trigger and steps as JSON, validation errors next to the part they concern,
and a dry run (which records would trigger, each one's path) before activating.

The document is written through ``documents.preview`` (the metadata service's plan,
then Apply), like every designer; runs and the dry run are the automation services the
API calls (``runs``, ``run_views``, ``dry_run``).
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
from objectry.metadata.problems import ErrorItem, Invalid, Problem
from objectry.runtime.automation import dry_run, run_views, runs
from objectry.runtime.kernel.context import Context
from objectry.runtime.schema import metadata_service

KIND = "workflow"
STATUSES = ("running", "waiting", "paused", "completed", "failed", "cancelled")
#: The parts of a workflow the editor shows, each with its own input and errors.
PARTS = ("label", "object", "active", "trigger", "steps")
RUNS_SHOWN = 50
#: The graph's geometry (px): boxes in one column, jumps drawn on the right.
BOX_W, BOX_H, GAP, LEFT, TOP = 320, 44, 30, 16, 12


@dataclass(frozen=True)
class Node:
    id: str
    text: str
    kind: str
    y: int


@dataclass(frozen=True)
class Edge:
    path: str
    label: str


def _labels(form: Any) -> dict[str, str]:
    texts = {lang: str(form.get(f"label-{lang}", "")).strip()[:2000] for lang in LANGUAGES}
    return {k: v for k, v in texts.items() if v}


def step_kind(step: dict[str, Any]) -> str:
    for kind in ("action", "wait", "branch"):
        if kind in step:
            return kind
    return "step"


def _step_text(step: dict[str, Any]) -> str:
    kind = step_kind(step)
    if kind == "action":
        return f"{step.get('id')}: {step.get('action')}"
    if kind == "wait":
        wait = step.get("wait") or {}
        return f"{step.get('id')}: wait " + ", ".join(
            f"{k} {v}" for k, v in wait.items() if isinstance(v, (int, str)))
    return f"{step.get('id')}: {kind}"


def graph(document: dict[str, Any]) -> tuple[list[Node], list[Edge], int]:
    """Boxes for the trigger, each step and the end; an edge for each way on."""
    trigger = document.get("trigger") or {}
    steps = [s for s in document.get("steps") or [] if isinstance(s, dict)]
    nodes = [Node("_trigger", f"on {trigger.get('on', '?')}", "trigger", TOP)]
    for i, step in enumerate(steps):
        nodes.append(Node(str(step.get("id")), _step_text(step), step_kind(step),
                          TOP + (i + 1) * (BOX_H + GAP)))
    nodes.append(Node("end", "end", "end", TOP + (len(steps) + 1) * (BOX_H + GAP)))
    where = {n.id: i for i, n in enumerate(nodes)}
    edges: list[Edge] = []

    def link(source: int, target: str, label: str = "") -> None:
        if target not in where:
            return
        j = where[target]
        x = LEFT + BOX_W // 2
        y1, y2 = nodes[source].y + BOX_H, nodes[j].y
        if j == source + 1:
            edges.append(Edge(f"M{x},{y1} L{x},{y2}", label))
            return
        bend = LEFT + BOX_W + 20 + 14 * (len(edges) % 6)
        right = LEFT + BOX_W
        ya, yb = nodes[source].y + BOX_H // 2, nodes[j].y + BOX_H // 2
        edges.append(Edge(f"M{right},{ya} L{bend},{ya} L{bend},{yb} L{right},{yb}", label))

    if steps:
        link(0, str(steps[0].get("id")))
    for i, step in enumerate(steps, start=1):
        following = str(steps[i].get("id")) if i < len(steps) else "end"
        if "branch" in step:
            for case in step.get("branch") or []:
                if isinstance(case, dict):
                    link(i, str(case.get("then")), "if")
            link(i, str(step.get("else") or step.get("next") or following), "else")
            continue
        if isinstance(step.get("wait"), dict) and step["wait"].get("on_timeout"):
            link(i, str(step["wait"]["on_timeout"]), "timeout")
        then = (step.get("on_failure") or {}).get("then")
        if then:
            link(i, str(then), "failure")
        link(i, str(step.get("next") or following))
    height = nodes[-1].y + BOX_H + TOP
    return nodes, edges, height


def _document(ctx: Context, name: str) -> dict[str, Any] | None:
    stored = store.document(ctx.conn, ctx.tenant.id, KIND, name)
    return dict(stored.document) if stored is not None else None


@designer.get("/workflows")
def workflows() -> Response:
    with admin_context(read_only=True) as ctx:
        found = [(name, pick(s.document.get("label"), ctx.locale, name),
                  s.document.get("object"), s.document.get("active", True) is not False,
                  runs.is_paused(ctx, name))
                 for name, s in sorted(store.documents(ctx.conn, ctx.tenant.id,
                                                       KIND).items())]
        return page("web/designer/workflows.html", items=found)


def _editor(ctx: Context, name: str, document: dict[str, Any], *, new: bool,
            errors: dict[str, list[str]] | None = None, texts: dict[str, str] | None = None,
            status: int = 200, dry: dict[str, Any] | None = None) -> Response:
    nodes, edges, height = graph(document)
    status_filter = str(request.args.get("status", ""))
    shown_runs = [] if new else run_views.workflow_runs(
        ctx, name, status=status_filter if status_filter in STATUSES else None,
        limit=RUNS_SHOWN)
    shown = {"trigger": json.dumps(document.get("trigger") or {"on": "created"},
                                   ensure_ascii=False, indent=2),
             "steps": json.dumps(document.get("steps") or [], ensure_ascii=False, indent=2),
             **(texts or {})}
    return page("web/designer/workflow.html", status, name=name, new=new, document=document,
                label=pick(document.get("label"), ctx.locale, name),
                object_names=sorted(store.documents(ctx.conn, ctx.tenant.id, "object")),
                texts=shown, errors=errors or {}, nodes=nodes, edges=edges, height=height,
                box_w=BOX_W, box_h=BOX_H, left=LEFT,
                width=LEFT + BOX_W + 20 + 14 * 6 + LEFT,
                paused=False if new else runs.is_paused(ctx, name), runs=shown_runs,
                statuses=STATUSES, status_filter=status_filter, dry=dry,
                document_json=json.dumps(document, ensure_ascii=False, indent=2),
                applied=_applied())


def _applied() -> str:
    applied = request.args.get("applied", "")
    return applied if applied.isdigit() and len(applied) < 12 else ""


@designer.get("/workflows/new")
def new_workflow() -> Response:
    """The editor of a workflow not yet saved, under the name asked for."""
    with admin_context(read_only=True):
        name = str(request.args.get("api_name", "")).strip()[:63]
    if not name:
        return redirect(url_for("designer.workflows"), code=303)  # type: ignore[return-value]
    return redirect(url_for("designer.workflow_page", name=name), code=303)  # type: ignore[return-value]


@designer.get("/workflows/<name>")
def workflow_page(name: str) -> Response:
    with admin_context(read_only=True) as ctx:
        document = _document(ctx, name)
        if document is None:
            return _editor(ctx, name, {"steps": [], "trigger": {"on": "created"}}, new=True)
        document.pop("kind", None)
        return _editor(ctx, name, document, new=False)


def _part(path: str) -> str:
    head = path.lstrip("/").split("/", 1)[0]
    return head if head in PARTS else ""


def from_form(form: Any, before: dict[str, Any]) -> tuple[dict[str, Any], dict[str, str],
                                                          dict[str, list[str]]]:
    """The document the editor describes, the texts as typed, and JSON errors by part."""
    document = {k: v for k, v in before.items() if k not in ("kind", "api_name")}
    label = _labels(form)
    if label:
        document["label"] = label
    document["object"] = str(form.get("object", ""))
    document["active"] = form.get("active") == "on"
    texts = {part: str(form.get(part, "")) for part in ("trigger", "steps")}
    errors: dict[str, list[str]] = {}
    for part, text in texts.items():
        try:
            document[part] = json.loads(text)
        except ValueError as error:
            errors.setdefault(part, []).append(message(
                "not_json_document", g.locale, {"reason": str(error)[:200]}))
    return document, texts, errors


@designer.post("/workflows/<name>")
def change_workflow(name: str) -> Response:
    """Preview the edited workflow (or dry-run it, ``action=dry_run``): refusals are shown
    next to the part they concern, on the editor itself."""
    form = request.form
    with admin_context() as ctx:
        before = _document(ctx, name)
        document, texts, errors = from_form(form, before or {})
        if errors:
            return _editor(ctx, name, document, new=before is None, errors=errors,
                           texts=texts, status=422)
        if form.get("action") == "dry_run":
            try:
                answer = dry_run.dry_run(ctx, name, {"workflow": document})
            except Problem as refused:
                if refused.status >= 500:
                    raise
                return _editor(ctx, name, document, new=before is None, texts=texts,
                               errors=_by_part(refused, "/workflow"), status=422)
            return _editor(ctx, name, document, new=before is None, texts=texts, dry=answer)
        try:
            metadata_service.put_document(ctx, KIND, name, document, dry_run=True)
        except Problem as refused:
            if refused.status not in (409, 422):
                raise
            return _editor(ctx, name, document, new=before is None, texts=texts,
                           errors=_by_part(refused), status=422)
        shown = documents.preview(ctx, KIND, name, document)
        return documents.preview_page(ctx, shown, back=url_for("designer.workflow_page",
                                                               name=name))


def _by_part(problem: Problem, prefix: str = "") -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for error in problem.errors or [ErrorItem("", problem.detail_code, problem.params)]:
        path = error.path.removeprefix(prefix)
        text = message(error.code, g.locale, error.params)
        found.setdefault(_part(path), []).append(f"{path}: {text}" if path else text)
    return found


@designer.post("/workflows/<name>/state")
def workflow_state(name: str) -> Response:
    """Pause or resume the workflow (``paused`` on or off), as the API does."""
    with admin_context() as ctx:
        runs.set_paused(ctx, name, request.form.get("paused") == "on")
    return redirect(url_for("designer.workflow_page", name=name), code=303)  # type: ignore[return-value]


@designer.post("/workflows/<name>/runs/<run_id>/<verb>")
def run_action(name: str, run_id: str, verb: str) -> Response:
    """Cancel, pause or resume one run."""
    actions = {"cancel": runs.cancel, "pause": runs.pause_run, "resume": runs.resume_run}
    with admin_context() as ctx:
        if verb not in actions:
            raise Invalid([ErrorItem("/verb", "invalid_parameter",
                                     {"name": "verb", "reason": verb[:20]})])
        actions[verb](ctx, run_id)
    return redirect(url_for("designer.workflow_page", name=name), code=303)  # type: ignore[return-value]
