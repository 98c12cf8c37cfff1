"""More pages: the list's exact count, filter builder and saved views; delete (with what
happens to related records), bulk delete, the recycle bin and restore; a record's
workflow runs, messages, grants, "why can this user edit this?" and buttons; global
search and recently opened records.

Every one calls the service its API route calls (records, run and message views,
grants, explain, functions, the metadata service) with the signed-in user's context;
what the user may see or do is decided there, never here.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from flask import Response, g, redirect, request, session, url_for

from objectry.admin_ui.app import filters, lists, pages
from objectry.admin_ui.app.blueprint import blueprint, is_htmx, page, user_context, web_settings
from objectry.metadata import store
from objectry.metadata.i18n import message, pick
from objectry.metadata.problems import ErrorItem, Forbidden, Invalid, NotFound, Problem
from objectry.runtime import functions, records
from objectry.runtime.access import explain, grants
from objectry.runtime.automation import run_views
from objectry.runtime.automation.message_views import record_messages
from objectry.runtime.kernel.context import Context
from objectry.runtime.model.compiled import ObjectModel, get_model

#: Records a bulk delete takes at once (a page of the list).
MAX_BULK = pages.PAGE_SIZE
#: Records the home page remembers as recently opened, and search hits per object.
RECENT = 8
SEARCH_HITS = 5
#: Purposes of functions a record page offers as buttons (as ``actions/{f}`` runs).
BUTTON_PURPOSES = ("action", "button")


# -- list: exact count, filter builder, saved views ---------------------------------------

@blueprint.get("/o/<object_name>/count")
def list_count(object_name: str) -> Response:
    """A list's count, which the list page loads after its rows (so counting a large
    table never holds the rows up): up to the cap, or for the click on "1,000+"
    (``exact=1``) up to a hundred times the cap (still bounded, so a click never scans
    a huge table without end). Same filter, search, view and visibility as the list."""
    args = request.args
    exact = args.get("exact") == "1"
    with user_context(read_only=True) as ctx:
        model, guard = pages.open_object(ctx, object_name)
        saved = lists.saved_view(ctx, object_name, args.get("saved") or None)
        columns = pages.view_columns(model, guard, pages.layout_of(ctx, model), saved)
        condition = filters.combine(filters.parse_filter(args.get("filter")),
                                    pages.quick_filter(model, guard, columns, args.get("q", "")))
        cap = web_settings().list_count_cap * (lists.EXACT_FACTOR if exact else 1)
        counted = records.count_records(ctx, object_name, cap=cap, filter=condition,
                                        view=args.get("view") or None)
    state = {k: args[k] for k in ("sort", "q", "view", "filter", "saved") if args.get(k)}
    return page("web/_count.html", object_name=object_name, state=state,
                count=lists.count_text(counted), count_capped=counted["count_capped"],
                exact=exact)


@blueprint.get("/o/<object_name>/filter")
def filter_builder(object_name: str) -> Response:
    """The builder re-drawn from its own form (a field changed: its operators and
    value input follow; a row or group added or removed)."""
    with user_context(read_only=True) as ctx:
        model, guard = pages.open_object(ctx, object_name)
        fields = filters.choices(model, guard, ctx.locale)
        match, groups = filters.from_form(request.args, fields)
        return page("web/_filter.html", object_name=object_name, fields=fields,
                    match=match, groups=groups, value_count=filters.value_count,
                    state={k: request.args[k] for k in ("sort", "view", "q")
                           if request.args.get(k)})


@blueprint.post("/o/<object_name>/views")
def save_view(object_name: str) -> Response:
    form = request.form
    with user_context() as ctx:
        pages.open_object(ctx, object_name)
        condition = filters.parse_filter(form.get("filter"))
        roles = [r for r in form.getlist("roles") if r] if lists.may_share(ctx) else []
        name = lists.save_view(ctx, object_name, form.get("label", ""), filter=condition,
                               sort=form.get("sort", ""), view=form.get("view", ""),
                               roles=roles)
    return redirect(url_for("web.list_view", object_name=object_name,  # type: ignore[return-value]
                            saved=name), code=303)


@blueprint.post("/o/<object_name>/views/<name>/delete")
def delete_view(object_name: str, name: str) -> Response:
    with user_context() as ctx:
        pages.open_object(ctx, object_name)
        lists.delete_view(ctx, object_name, name)
    return redirect(url_for("web.list_view", object_name=object_name), code=303)  # type: ignore[return-value]


# -- delete, bulk delete, recycle bin -----------------------------------------------------

@dataclass(frozen=True)
class Impact:
    """What deleting records does to the records that refer to them through a lookup."""

    object_label: str
    field_label: str
    policy: str  # keep, set_null, cascade, restrict (the lookup's on_target_delete)
    count: str  # as the user may count them ("3", "1,000+")


def delete_impact(ctx: Context, model: ObjectModel, ids: list[str]) -> list[Impact]:
    """Per lookup to the object, how many live records the user can see refer to these
    records, and what the delete does to them. Objects the user cannot read are left
    out (the delete itself still refuses what it must)."""
    found = []
    for link in pages.readable_objects(ctx):
        child = get_model(ctx, link.api_name)
        for lookup in child.lookups_to(model.api_name):
            try:
                counted = records.count_records(
                    ctx, child.api_name, cap=web_settings().list_count_cap,
                    filter={"field": lookup.name, "op": "in", "value": ids})
            except Problem:
                continue  # a lookup the user may not filter by: nothing to tell
            if not counted["count"]:
                continue
            found.append(Impact(link.label, pages.field_label(lookup, ctx.locale),
                                str(lookup.definition.get("on_target_delete", "keep")),
                                lists.count_text(counted)))
    return found


def _named(ctx: Context, model: ObjectModel, ids: list[str], *,
           deleted: bool = False) -> list[tuple[str, str]]:
    """(id, name) of these records as the user may list them."""
    name_field = model.name_field
    found = records.list_records(ctx, model.api_name, deleted=deleted, limit=len(ids),
                                 filter={"field": "id", "op": "in", "value": ids},
                                 fields=["id", name_field] if name_field else ["id"])
    return [(str(item["id"]), str(item.get(name_field) or item["id"]) if name_field
             else str(item["id"])) for item in found["items"]]


def posted_ids(raw: list[str]) -> list[str]:
    ids = list(dict.fromkeys(i.strip() for i in raw if i.strip()))
    if not ids:
        raise Invalid([ErrorItem("/ids", "required")])
    if len(ids) > MAX_BULK:
        raise Invalid([ErrorItem("/ids", "schema_too_many", {"max": MAX_BULK})])
    return ids


@blueprint.get("/o/<object_name>/<record_id>/delete")
def confirm_delete(object_name: str, record_id: str) -> Response:
    return _confirm(object_name, [record_id])


@blueprint.post("/o/<object_name>/delete")
def delete_records(object_name: str) -> Response:
    """Bulk delete from the list: first the confirmation, then (``confirm``) the delete
    of every selected record in one transaction (all or none)."""
    ids = posted_ids(request.form.getlist("ids"))
    if request.form.get("confirm") != "yes":
        return _confirm(object_name, ids)
    with user_context() as ctx:
        pages.open_object(ctx, object_name)
        for record_id in ids:
            records.delete(ctx, object_name, record_id)
    return redirect(url_for("web.list_view", object_name=object_name, deleted=len(ids)),  # type: ignore[return-value]
                    code=303)


def _confirm(object_name: str, ids: list[str]) -> Response:
    with user_context(read_only=True) as ctx:
        model, guard = pages.open_object(ctx, object_name)
        guard.require("delete")
        named = _named(ctx, model, ids)
        if not named:
            raise NotFound(detail_code="unknown_record", object=object_name,
                           id=ids[0][:64])
        return page("web/delete.html", **_shell(ctx), object_name=object_name,
                    object_label=pages.object_label(model, ctx.locale), named=named,
                    impact=delete_impact(ctx, model, [i for i, _ in named]))


@blueprint.get("/o/<object_name>/recycle-bin")
def recycle_bin(object_name: str) -> Response:
    with user_context(read_only=True) as ctx:
        model, guard = pages.open_object(ctx, object_name)
        name_field = model.name_field
        result = records.list_records(
            ctx, object_name, deleted=True, cursor=request.args.get("cursor") or None,
            limit=pages.PAGE_SIZE)
        rows = [(str(item["id"]), str(item.get(name_field) or item["id"]) if name_field
                 else str(item["id"]),
                 # the delete was the record's last change (a journal write)
                 pages.system_text("updated_at", item.get("updated_at"), ctx.locale)
                 if "updated_at" in item else "")
                for item in result["items"]]
        return page("web/recycle_bin.html", **_shell(ctx), object_name=object_name,
                    object_label=pages.object_label(model, ctx.locale), rows=rows,
                    next_cursor=result.get("next_cursor"),
                    can_restore=guard.base.can("restore"))


@blueprint.post("/o/<object_name>/<record_id>/restore")
def restore(object_name: str, record_id: str) -> Response:
    with user_context() as ctx:
        records.restore(ctx, object_name, record_id)
    return redirect(url_for("web.record_view", object_name=object_name,  # type: ignore[return-value]
                            record_id=record_id), code=303)


# -- record page: runs, messages, grants, explain, buttons -----------------------------------

def record_extras(ctx: Context, model: ObjectModel, record_id: str) -> dict[str, Any]:
    """The record's workflow runs, messages and grants as the API shows them to the
    user, and the buttons of its object."""
    name = model.api_name
    runs = run_views.record_runs(ctx, name, record_id, status=None, limit=10)
    messages = record_messages(ctx, name, record_id, status=None, limit=10,
                               cursor=None)["items"]
    shared = grants.list_grants(ctx, name, record_id)
    buttons = [(fname, pick(stored.document.get("label"), ctx.locale, fname))
               for fname, stored in sorted(store.documents(ctx.conn, ctx.tenant.id,
                                                           "function").items())
               if stored.document.get("purpose") in BUTTON_PURPOSES
               and stored.document.get("object") == name]
    return {"runs": runs, "messages": messages, "grants": shared, "buttons": buttons}


@blueprint.get("/o/<object_name>/<record_id>/access")
def explain_access(object_name: str, record_id: str) -> Response:
    """"Why can this user edit this?": explain for the asked user (the asker's own
    access by default), as ``GET /records/{o}/{id}/access`` answers it."""
    with user_context(read_only=True) as ctx:
        email = request.args.get("user") or ctx.actor.email
        model = get_model(ctx, object_name)
        try:
            answer: dict[str, Any] | None = explain.explain(ctx, object_name, record_id,
                                                             email)
            refusal = None
        except (Forbidden, Invalid) as refused:
            answer, refusal = None, message(refused.detail_code, ctx.locale,
                                            refused.params or (refused.errors[0].params
                                                               if refused.errors else {}))
        status = 200 if refusal is None or is_htmx() else 403  # htmx swaps 2xx only
        groups = []
        if answer is not None:
            labels = {str(g.get("api_name")): pick(g.get("label"), ctx.locale,
                                                   str(g.get("api_name")))
                      for g in model.definition.get("field_groups", [])}
            for group, verdict in sorted(answer.get("field_groups", {}).items()):
                decision = verdict.get("decision", {})
                act = "read" if decision.get("level") == "read" else "edit"
                groups.append((labels.get(group, group), decision.get("level"),
                               _rule_text(decision.get(act, {}).get("rule")),
                               verdict.get("strategy", "")))
        values = {"object_name": object_name, "record_id": record_id, "user": email,
                  "answer": answer, "refusal": refusal, "groups": groups}
        if is_htmx():
            return page("web/_explain.html", **values)
        return page("web/explain.html", status, **_shell(ctx), **values)


def _rule_text(rule: Any) -> str:
    if not isinstance(rule, dict):
        return ""
    return f"{rule.get('role')} · {rule.get('action')} · {rule.get('effect')}"


@blueprint.post("/o/<object_name>/<record_id>/actions/<function>")
def run_button(object_name: str, record_id: str, function: str) -> Response:
    """A button: the function runs as ``POST .../actions/{f}`` runs it; its result
    (or its refusal) is shown."""
    try:
        with user_context() as ctx:
            answer = functions.run_action(ctx, object_name, record_id, function, None)
        outcome, ok = answer.get("result"), True
        text = json.dumps(outcome, ensure_ascii=False) if outcome is not None else ""
        status = 200
    except Problem as refused:
        if refused.status in (401, 403, 404):
            raise  # signed out, or not a record or function for this user: an error page
        ok, status = False, refused.status
        text = message(refused.detail_code, g.locale, refused.params or (
            refused.errors[0].params if refused.errors else {}))
    values = {"ok": ok, "text": text, "object_name": object_name, "record_id": record_id}
    if is_htmx():
        return page("web/_action_result.html", **values)  # htmx swaps 2xx only
    with user_context(read_only=True) as ctx:
        return page("web/action_result.html", status, **_shell(ctx), **values)


# -- global search and recent records ------------------------------------------------------

def remember(object_name: str, record_id: str) -> None:
    """Keep the record among the user's recently opened ones (in their session)."""
    recent = [r for r in session.get("recent", []) if isinstance(r, list) and len(r) == 2
              and r != [object_name, record_id]]
    session["recent"] = [[object_name, record_id], *recent][:RECENT]


Recent = list[tuple[str, str, str, str]]
Hits = list[tuple[pages.ObjectLink, list[tuple[str, str]]]]


def recent_records(ctx: Context, objects: list[pages.ObjectLink]) -> Recent:
    """(object, id, object label, name) of the recently opened records the user may
    still read, re-read through the records service."""
    labels = {o.api_name: o.label for o in objects}
    wanted: dict[str, list[str]] = {}
    for item in session.get("recent", []):
        if isinstance(item, list) and len(item) == 2 and item[0] in labels:
            wanted.setdefault(str(item[0]), []).append(str(item[1]))
    names: dict[tuple[str, str], str] = {}
    for object_name, ids in wanted.items():
        try:
            model = get_model(ctx, object_name)
            names.update({(object_name, i): n for i, n in _named(ctx, model, ids)})
        except Problem:
            continue
    return [(str(o), str(i), labels[str(o)], names[(str(o), str(i))])
            for o, i in session.get("recent", []) if (str(o), str(i)) in names]


def search_all(ctx: Context, text: str, objects: list[pages.ObjectLink]) -> Hits:
    """Records whose name field contains ``text``, per readable object, as the user
    may list them (the lookup search, over every object)."""
    found = []
    for link in objects:
        try:
            model, guard = pages.open_object(ctx, link.api_name)
            if pages.quick_filter(model, guard, [], text) is None:
                continue  # no name field the user may search
            hits = pages.lookup_options(ctx, link.api_name, text, limit=SEARCH_HITS)
        except Problem:
            continue
        if hits:
            found.append((link, [(h["value"], h["text"]) for h in hits]))
    return found


@blueprint.get("/search")
def search() -> Response:
    text = request.args.get("q", "").strip()[:200]
    with user_context(read_only=True) as ctx:
        shell = _shell(ctx)
        results = search_all(ctx, text, shell["objects"]) if text else []
        return page("web/search.html", **shell, q=text, results=results)


def _shell(ctx: Context) -> dict[str, Any]:
    return {"objects": pages.readable_objects(ctx)}

