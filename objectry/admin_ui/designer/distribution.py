"""Designer pages for assignment rules and lead pools (issue 15).

A rule's page shows its settings as a small form (active, assign on create, precedence,
grants, fallback pool) and the whole document as JSON; either becomes a whole document
shown with the metadata service's dry-run plan (``documents.preview``) before Apply.
The rule's dry run (the gap finder's summary: records per entry, the records no entry
takes with their near misses and suggested fixes) is a table on its own page. Pools
are edited as JSON through the same plan page.
"""

from __future__ import annotations

import json
import re
from typing import Any

from flask import Response, redirect, request, url_for

from objectry.admin_ui.app.blueprint import page
from objectry.admin_ui.designer import documents
from objectry.admin_ui.designer.blueprint import admin_context, designer
from objectry.metadata import store
from objectry.metadata.i18n import pick
from objectry.metadata.problems import ErrorItem, Invalid
from objectry.runtime.distribution import gaps
from objectry.runtime.kernel.context import Context

RULE, POOL = "assignment_rule", "pool"
API_NAME = re.compile(r"[a-z][a-z0-9_]{0,62}")


@designer.get("/assignment_rules")
def assignment_rules() -> Response:
    with admin_context(read_only=True) as ctx:
        rows = [(name, pick(d.get("label"), ctx.locale, name), d.get("object", ""),
                 d.get("active", True) is not False, bool(d.get("auto")),
                 len(d.get("entries") or []))
                for name, d in _documents(ctx, RULE)]
        return page("web/designer/assignment_rules.html", rules=rows,
                    objects=sorted(n for n, _ in _documents(ctx, "object")))


@designer.get("/assignment_rules/new")
def new_assignment_rule() -> Response:
    """The new rule's name and object, to its page (a draft until applied)."""
    with admin_context(read_only=True):
        name, object_name = _new(request.args)
    return redirect(url_for("designer.assignment_rule_page", name=name,  # type: ignore[return-value]
                            object=object_name), code=303)


@designer.get("/assignment_rules/<name>")
def assignment_rule_page(name: str) -> Response:
    with admin_context(read_only=True) as ctx:
        document = _document(ctx, RULE, name) or {  # a new rule's draft, to be edited
            "object": request.args.get("object", ""),
            "entries": [{"to": [{"user": ctx.actor.email}], "method": "fixed"}]}
        pools = [n for n, d in _documents(ctx, POOL) if d.get("object") == document["object"]]
        applied = request.args.get("applied", "")
        return page("web/designer/assignment_rule.html", name=name, document=document,
                    label=pick(document.get("label"), ctx.locale, name), pools=pools,
                    applied=applied if applied.isdigit() and len(applied) < 12 else "",
                    document_json=json.dumps(document, ensure_ascii=False, indent=2))


@designer.post("/assignment_rules/<name>")
def assignment_rule_settings(name: str) -> Response:
    """The settings form as a whole document, shown with its plan."""
    form = request.form
    with admin_context() as ctx:
        document = _document(ctx, RULE, name)
        if document is None:
            raise Invalid([ErrorItem("/api_name", "unknown_assignment_rule", {"rule": name})])
        document = rule_from_form(document, form)
        shown = documents.preview(ctx, RULE, name, document)
        return documents.preview_page(ctx, shown, back=_rule_url(name))


def rule_from_form(before: dict[str, Any], form: Any) -> dict[str, Any]:
    """The rule with the form's settings (the entries stay as they are)."""
    document = {k: v for k, v in before.items() if k != "kind"}
    document["active"] = form.get("active") == "on"
    document["auto"] = form.get("auto") == "on"
    document["grants"] = form.get("grants") if form.get("grants") in ("keep", "revoke") \
        else "keep"
    precedence = str(form.get("precedence", "")).strip()
    if precedence:
        document["precedence"] = int(precedence) if precedence.lstrip("-").isdigit() \
            else precedence  # refused by the schema, with its pointer
    else:
        document.pop("precedence", None)
    pool = str(form.get("fallback_pool", "")).strip()
    if pool:
        document["fallback_pool"] = pool
    else:
        document.pop("fallback_pool", None)
    return document


@designer.get("/assignment_rules/<name>/dry_run")
def assignment_rule_dry_run(name: str) -> Response:
    """The gap finder's summary over every record, as tables."""
    with admin_context(read_only=True) as ctx:
        report = gaps.check_rule(ctx, name, {"summary": True, "limit": 100})
        document = _document(ctx, RULE, name) or {}
        return page("web/designer/assignment_dry_run.html", name=name, report=report,
                    label=pick(document.get("label"), ctx.locale, name),
                    entries=[(e, _entry_text(document, e["entry"]))
                             for e in report["entries"]],
                    missed=[(m, [(n, json.dumps(n["fix"], ensure_ascii=False))
                                 for n in m["near_misses"]]) for m in report["missed"]])


@designer.get("/pools")
def pools_page() -> Response:
    with admin_context(read_only=True) as ctx:
        rows = [(name, pick(d.get("label"), ctx.locale, name), d.get("object", ""),
                 d.get("active", True) is not False) for name, d in _documents(ctx, POOL)]
        return page("web/designer/pools.html", pools=rows,
                    objects=sorted(n for n, _ in _documents(ctx, "object")))


@designer.get("/pools/new")
def new_pool() -> Response:
    with admin_context(read_only=True):
        name, object_name = _new(request.args)
    return redirect(url_for("designer.pool_page", name=name,  # type: ignore[return-value]
                            object=object_name), code=303)


@designer.get("/pools/<name>")
def pool_page(name: str) -> Response:
    with admin_context(read_only=True) as ctx:
        document = _document(ctx, POOL, name) or {
            "object": request.args.get("object", ""), "label": {"en": name},
            "members": {"roles": []}}
        applied = request.args.get("applied", "")
        return page("web/designer/pool.html", name=name,
                    label=pick(document.get("label"), ctx.locale, name),
                    applied=applied if applied.isdigit() and len(applied) < 12 else "",
                    document_json=json.dumps(document, ensure_ascii=False, indent=2))


def _entry_text(document: dict[str, Any], index: int) -> str:
    """An entry as the table shows it: its condition and recipients as JSON."""
    entries = document.get("entries") or []
    if index >= len(entries):
        return ""
    entry = entries[index]
    return json.dumps({k: entry[k] for k in ("condition", "to") if k in entry},
                      ensure_ascii=False)


def _new(args: Any) -> tuple[str, str]:
    """A new document's api_name and object from the form (422 with a pointer)."""
    name = str(args.get("name", "")).strip()
    if not API_NAME.fullmatch(name):
        raise Invalid([ErrorItem("/api_name", "invalid_api_name", {"name": name[:63]})])
    return name, str(args.get("object", ""))[:63]


def _rule_url(name: str) -> str:
    return url_for("designer.assignment_rule_page", name=name)


def _document(ctx: Context, kind: str, name: str) -> dict[str, Any] | None:
    stored = store.document(ctx.conn, ctx.tenant.id, kind, name)
    return None if stored is None else dict(stored.document)


def _documents(ctx: Context, kind: str) -> list[tuple[str, dict[str, Any]]]:
    return [(name, dict(stored.document)) for name, stored in
            sorted(store.documents(ctx.conn, ctx.tenant.id, kind).items())]
