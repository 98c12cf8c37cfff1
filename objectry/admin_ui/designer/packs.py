"""The packs designer: installed packs, the shipped catalog (``pack_catalog``), upload a
``.opack``, its plan, install/upgrade, uninstall, history and the packs' SOPs.

Everything goes through the same pack service as ``/api/v1/packs`` (signature checked
against the installation's trusted keys, no unsigned packs here either). An upload is
planned first (``dry run``); the plan page carries the archive (base64) so the admin's
choices for an upgrade's conflicts and the workflows to activate go with the Apply. A
refusal is shown on the plan page in the admin's language, nothing applied.
"""

from __future__ import annotations

import base64
import binascii
import json
from typing import Any

from flask import Response, g, redirect, request, url_for
from markdown_it import MarkdownIt
from markupsafe import Markup

from objectry.admin_ui.app.blueprint import page
from objectry.admin_ui.designer.blueprint import admin_context, designer
from objectry.admin_ui.designer.documents import problem_text
from objectry.admin_ui.designer.pack_catalog import catalog_items
from objectry.metadata.i18n import message
from objectry.metadata.problems import ErrorItem, Invalid, NotFound, Problem
from objectry.packs import installed, migrations, service, uninstall
from objectry.runtime.kernel.context import Context
from objectry.runtime.schema import metadata_service

#: The largest .opack the page accepts (the archive limits still apply inside it).
MAX_UPLOAD = 8 * 1024 * 1024
HISTORY_SCAN = 200
#: Refusals the plan page explains (the others are the designer's error pages).
REFUSALS = (403, 404, 409, 413, 422)


def render_markdown(text: str) -> Markup:
    """A pack's SOP as HTML: CommonMark with raw HTML off (escaped) and unsafe link
    schemes refused, so a pack's Markdown cannot inject script into the page."""
    return Markup(MarkdownIt("commonmark", {"html": False}).render(text))


def _archive() -> tuple[str, dict[str, bytes]]:
    """The uploaded file (``opack``) or the archive a plan page carried (``archive``)."""
    upload = request.files.get("opack")
    if upload is not None and upload.filename:
        data = upload.read(MAX_UPLOAD + 1)
        text = base64.b64encode(data).decode("ascii")
    else:
        text = request.form.get("archive", "")
        try:
            data = base64.b64decode(text, validate=True)
        except (binascii.Error, ValueError):
            data = b""
    if not data:
        raise Invalid([ErrorItem("/opack", "schema_required", {"property": "opack"})])
    if len(data) > MAX_UPLOAD:
        raise Invalid([ErrorItem("/opack", "payload_too_large", {"limit": MAX_UPLOAD})])
    return text, service.decode_archive(text, "/opack")


def _choices() -> dict[str, dict[str, Any]]:
    """``choice|<component>|<path>`` = mine | pack | edit (with ``edit|...`` the value,
    JSON or plain text)."""
    found: dict[str, dict[str, Any]] = {}
    for key, value in request.form.items():
        if not key.startswith("choice|") or value not in ("mine", "pack", "edit"):
            continue
        _, component, path = key.split("|", 2)
        if value == "edit":
            raw = request.form.get(f"edit|{component}|{path}", "")
            try:
                chosen: Any = {"value": json.loads(raw)}
            except ValueError:
                chosen = {"value": raw}
        else:
            chosen = value
        found.setdefault(component, {})[path] = chosen
    return found


def _plan(ctx: Context, files: dict[str, bytes], *, apply: bool,
          choices: dict[str, dict[str, Any]], activate: list[str]) -> dict[str, Any]:
    if service.is_upgrade(ctx, files):
        runs = "migrate" if request.form.get("migrate_runs") == "migrate" else "keep"
        return service.plan_upgrade(ctx, files, choices=choices, activate=activate,
                                    dry_run=not apply, migrate_runs=runs)
    return service.plan(ctx, files, activate=activate, dry_run=not apply,
                        sample_data=request.form.get("sample_data") == "on")


@designer.get("/packs")
def packs() -> Response:
    with admin_context(read_only=True) as ctx:
        items = installed.list_packs(ctx)
        return page("web/designer/packs.html", items=items, catalog=catalog_items(ctx))


def _refused_page(refused: Problem, archive: str, choices: dict[str, dict[str, Any]],
                  activate: list[str]) -> Response:
    if refused.status not in REFUSALS or refused.detail_code == "admin_required":
        raise refused
    return page("web/designer/pack_plan.html", refused.status, plan=None,
                refusal=problem_text(refused), errors=_errors(refused), archive=archive,
                choices=choices, activate=activate)


def _errors(problem: Problem) -> list[tuple[str, str]]:
    errors = problem.errors or [ErrorItem("", problem.detail_code, problem.params)]
    return [(e.path, message(e.code, g.locale, e.params)) for e in errors]


@designer.post("/packs/plan")
def pack_plan() -> Response:
    """The plan of the uploaded pack (install, or upgrade when installed): nothing
    changes; the page offers the choices and Apply."""
    archive, choices, activate = "", _choices(), request.form.getlist("activate")
    try:
        with admin_context() as ctx:
            archive, files = _archive()
            plan = _plan(ctx, files, apply=False, choices=choices, activate=activate)
    except Problem as refused:
        return _refused_page(refused, archive, choices, activate)
    return page("web/designer/pack_plan.html", plan=plan, refusal=None, errors=[],
                archive=archive, choices=choices, activate=activate)


@designer.post("/packs/apply")
def pack_apply() -> Response:
    """Install or upgrade as planned; a refusal leaves nothing (the transaction rolls
    back before the page says why)."""
    archive, choices, activate = "", _choices(), request.form.getlist("activate")
    try:
        with admin_context() as ctx:
            archive, files = _archive()
            plan = _plan(ctx, files, apply=True, choices=choices, activate=activate)
    except Problem as refused:
        return _refused_page(refused, archive, choices, activate)
    return redirect(url_for("designer.pack_detail", name=plan["pack"],  # type: ignore[return-value]
                            done=plan["action"]), 303)


@designer.get("/packs/<name>")
def pack_detail(name: str) -> Response:
    """A pack: version and state, its SOPs rendered, data migrations run and the
    metadata versions its installs, upgrades and uninstalls made."""
    with admin_context(read_only=True) as ctx:
        found = installed.installed_packs(ctx).get(name)
        if found is None:
            raise NotFound(detail_code="pack_not_installed", pack=name)
        language = "zh-CN" if str(g.locale).startswith("zh") else "en"
        sop = installed.sop(ctx, name, None)["items"]
        docs = [{"id": s["id"], "title": (s.get("title") or {}).get(language, s["id"]),
                 "objects": s.get("objects", []),
                 "html": render_markdown(s.get(language) or s.get("en") or "")}
                for s in sop]
        history = [v for v in metadata_service.history(ctx, limit=HISTORY_SCAN)
                   if f"pack {name} " in str(v.get("summary") or "")]
        return page("web/designer/pack_detail.html", pack=found, docs=docs,
                    migrations=migrations.history(ctx, name), history=history,
                    done=request.args.get("done"))


@designer.post("/packs/<name>/uninstall")
def pack_uninstall(name: str) -> Response:
    """Detach the pack (definitions hidden, data kept, reversible by installing again)."""
    try:
        with admin_context() as ctx:
            uninstall.uninstall(ctx, name)
    except Problem as refused:
        if refused.status not in (404, 409):
            raise
        with admin_context(read_only=True) as ctx:
            items = installed.list_packs(ctx)
            catalog = catalog_items(ctx)
        return page("web/designer/packs.html", refused.status, items=items,
                    catalog=catalog, refusal=problem_text(refused))
    return redirect(url_for("designer.pack_detail", name=name,  # type: ignore[return-value]
                            done="uninstall"), 303)
