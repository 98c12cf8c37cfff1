"""The pages: home, an object's list, a record, and the create and edit forms.

Each view opens the signed-in user's context and calls the records service; nothing
here decides access or runs SQL. A list request from htmx (sorting, searching, paging)
gets only the list fragment back.
"""

from __future__ import annotations

import json
from typing import Any

from flask import Response, g, redirect, request, url_for

from objectry.admin_ui.app import filters, lists, pages, timeline, tools
from objectry.admin_ui.app.blueprint import (
    blueprint,
    is_htmx,
    page,
    t,
    user_context,
)
from objectry.metadata.problems import PreconditionFailed, Problem
from objectry.runtime import records
from objectry.runtime.kernel.context import Context

#: Problems a form shows next to its inputs rather than as an error page.
FORM_PROBLEMS = frozenset({403, 409, 422})


def _shell(ctx: Context) -> dict[str, Any]:
    """What every signed-in page has: the sidebar of readable objects."""
    return {"objects": pages.readable_objects(ctx)}


@blueprint.get("/")
def home() -> Response:
    with user_context(read_only=True) as ctx:
        shell = _shell(ctx)
        return page("web/home.html", **shell,
                    recent=tools.recent_records(ctx, shell["objects"]))


@blueprint.get("/o/<object_name>")
def list_view(object_name: str) -> Response:
    args = request.args
    text = args.get("q", "")
    with user_context(read_only=True) as ctx:
        model, guard = pages.open_object(ctx, object_name)
        saved = lists.saved_view(ctx, object_name, args.get("saved") or None)
        sort = args.get("sort") or (saved or {}).get("sort") or None
        view = args.get("view") or (saved or {}).get("view") or None  # checked by the service
        layout = pages.layout_of(ctx, model)
        columns = pages.view_columns(model, guard, layout, saved)
        fields = filters.choices(model, guard, ctx.locale)
        match, groups = filters.from_form(args, fields)
        if args.get("fb"):  # the filter builder's form: its rows become the filter
            built = filters.to_condition(model, match, groups)
        else:
            built = filters.parse_filter(args.get("filter")) if "filter" in args \
                else (saved or {}).get("filter")
        condition = filters.combine(built, pages.quick_filter(model, guard, columns, text))
        result = records.list_records(ctx, object_name, filter=condition, sort=sort,
                                      cursor=args.get("cursor") or None, view=view,
                                      limit=pages.PAGE_SIZE)
        items = result["items"]
        names = pages.lookup_names(ctx, model, items, columns)
        rows = [(item["id"], [pages.cell(model, c, item.get(c), ctx.locale, names)
                              if c in item else pages.Cell("") for c in columns])
                for item in items]
        filter_json = "" if built is None else json.dumps(built, ensure_ascii=False)
        state = {"sort": sort or "", "q": text, "view": view or "", "filter": filter_json,
                 "saved": args.get("saved") or ""}
        values = {
            "object_name": object_name, "object_label": pages.object_label(model, ctx.locale),
            "columns": [(c, pages.field_label(model.fields[c], ctx.locale),
                         pages.sortable(model, guard, c)) for c in columns],
            "rows": rows, **state, "state": {k: v for k, v in state.items() if v},
            "views": [(name, t(f"ui_view_{name}")) for name in ("all", "own", "shared")],
            "next_cursor": result.get("next_cursor"),
            "can_create": guard.base.can("create"),
            "can_delete": guard.base.can("delete"),
            "can_assign": guard.base.can("edit"),
            "count": None,  # loaded after the rows: see tools.list_count
        }
        if is_htmx() and request.headers.get("HX-Target") == "records":
            return page("web/_records.html", **values)
        form = (match, groups) if args.get("fb") else \
            filters.from_condition(model, built) or ("all", [filters.Group(rows=[filters.Row()])])
        return page("web/list.html", **_shell(ctx), **values, fields=fields,
                    match=form[0], groups=form[1], value_count=filters.value_count,
                    saved_views=lists.saved_views(ctx, object_name),
                    deleted=int(args["deleted"]) if args.get("deleted", "").isdigit()
                    and len(args["deleted"]) < 4 else 0,
                    may_share=lists.may_share(ctx),
                    assigned=int(args["assigned"]) if args.get("assigned", "").isdigit()
                    and len(args["assigned"]) < 5 else None,
                    role_names=lists.role_names(ctx) if lists.may_share(ctx) else [])


@blueprint.get("/o/<object_name>/options")
def lookup_options(object_name: str) -> Response:
    """JSON for a lookup input's search-as-you-type (tom-select): the records of
    ``object_name`` whose name contains ``q``, through the records service."""
    with user_context(read_only=True) as ctx:
        items = pages.lookup_options(ctx, object_name, request.args.get("q", ""))
    return Response(json.dumps({"items": items}, ensure_ascii=False),
                    mimetype="application/json", headers={"Cache-Control": "no-store"})


@blueprint.get("/o/<object_name>/<record_id>")
def record_view(object_name: str, record_id: str) -> Response:
    with user_context(read_only=True) as ctx:
        model, guard = pages.open_object(ctx, object_name)
        record = records.get(ctx, object_name, record_id)
        access = pages.access_for_record(model, guard, record_id)
        names = pages.lookup_names(ctx, model, [record], model.fields)
        chosen = request.args.get("layout") or None
        layout = pages.layout_of(ctx, model, chosen)
        sections = pages.form_sections(ctx, model, layout, access, record, names)
        system = [(t(f"ui_{name}"), pages.system_text(name, record.get(name), ctx.locale))
                  for name in ("created_at", "updated_at") if name in record]
        shell = _shell(ctx)
        related = pages.related_lists(ctx, model, record_id, shell["objects"])
        tools.remember(object_name, str(record["id"]))
        return page("web/record.html", **shell, object_name=object_name, related=related,
                    **tools.record_extras(ctx, model, record_id),
                    can_delete=guard.base.can("delete"),
                    object_label=pages.object_label(model, ctx.locale), record=record,
                    title=_title(model, record), sections=sections, system=system,
                    history=pages.history(ctx, model, record_id),
                    can_edit=bool(access.editable),
                    **_layout_links(ctx, model, chosen),
                    timelines=timeline.timeline_sections(ctx, model, record_id, layout))


def _layout_links(ctx: Context, model: Any, chosen: str | None) -> dict[str, Any]:
    """The record's other views (layouts), and which one is shown."""
    layouts = pages.layout_choices(ctx, model)
    names = [name for name, _ in layouts]
    return {"layouts": layouts,
            "layout_name": chosen if chosen in names else (names[0] if names else "")}


def _title(model: Any, record: dict[str, Any]) -> str:
    name = record.get(model.name_field) if model.name_field else None
    return str(name) if name else str(record["id"])


@blueprint.route("/o/<object_name>/new", methods=["GET", "POST"])
def create_view(object_name: str) -> Response:
    posted: dict[str, Any] = {}
    problem: Problem | None = None
    if request.method == "POST":
        try:
            with user_context() as ctx:
                model, guard = pages.open_object(ctx, object_name)
                sections = _new_sections(ctx, model, guard, {})
                posted = pages.posted_values(model, sections, request.form)
                record = records.create(ctx, object_name, {k: v for k, v in posted.items()
                                                           if v is not None})
            return redirect(url_for("web.record_view", object_name=object_name,  # type: ignore[return-value]
                                    record_id=record["id"]), code=303)
        except Problem as refused:
            if refused.status not in FORM_PROBLEMS or (refused.status == 403
                                                       and not refused.errors):
                raise
            problem = refused
    with user_context(read_only=True) as ctx:
        model, guard = pages.open_object(ctx, object_name)
        guard.require("create")
        # a lookup the user picked keeps its target's name when the form comes back
        names = pages.lookup_names(ctx, model, [posted], model.fields) if posted else {}
        sections = _new_sections(ctx, model, guard, posted, names)
        return _form(ctx, model, object_name, sections, problem, record=None)


def _new_sections(ctx: Context, model: Any, guard: Any, values: dict[str, Any],
                  names: dict[tuple[str, str], str] | None = None) -> list[pages.Section]:
    access = pages.access_for_new(model, guard)
    return pages.form_sections(ctx, model, pages.layout_of(ctx, model), access, values,
                               names or {})


@blueprint.route("/o/<object_name>/<record_id>/edit", methods=["GET", "POST"])
def edit_view(object_name: str, record_id: str) -> Response:
    posted: dict[str, Any] | None = None
    problem: Problem | None = None
    if request.method == "POST":
        try:
            with user_context() as ctx:
                model, guard = pages.open_object(ctx, object_name)
                current = records.get(ctx, object_name, record_id)
                access = pages.access_for_record(model, guard, record_id)
                sections = pages.form_sections(ctx, model, pages.layout_of(ctx, model),
                                               access, current, {})
                posted = pages.posted_values(model, sections, request.form)
                changed = {k: v for k, v in posted.items() if k in access.masked
                           or not model.fields[k].type.unchanged_by_form(
                               model.fields[k].definition, current.get(k), v)}
                records.update(ctx, object_name, record_id, changed,
                               if_match=_version(request.form.get("version")))
            return redirect(url_for("web.record_view", object_name=object_name,  # type: ignore[return-value]
                                    record_id=record_id), code=303)
        except Problem as refused:
            if refused.status not in FORM_PROBLEMS | {412} or (refused.status == 403
                                                             and not refused.errors):
                raise
            problem = refused
    with user_context(read_only=True) as ctx:
        model, guard = pages.open_object(ctx, object_name)
        current = records.get(ctx, object_name, record_id)
        access = pages.access_for_record(model, guard, record_id)
        shown = current if posted is None else {**current, **posted}
        names = pages.lookup_names(ctx, model, [current, shown], model.fields)
        sections = pages.form_sections(ctx, model, pages.layout_of(ctx, model), access,
                                       shown, names)
        if isinstance(problem, PreconditionFailed) and posted is not None:
            theirs = pages.form_sections(ctx, model, pages.layout_of(ctx, model), access,
                                         current, names)
            _mark_theirs(sections, theirs, posted)
        return _form(ctx, model, object_name, sections, problem, record=current)


def _version(text: str | None) -> int | None:
    return int(text) if text and text.isascii() and text.isdigit() and len(text) < 10 \
        else None


def _mark_theirs(sections: list[pages.Section], theirs: list[pages.Section],
                 posted: dict[str, Any]) -> None:
    """After a version conflict, show the stored value next to each input the user
    filled differently."""
    current = {f.name: f for s in theirs for f in s.fields}
    for section in sections:
        for item in section.fields:
            other = current.get(item.name)
            if other is not None and item.name in posted and other.value != item.value:
                item.theirs = other.cell.text or "—"


def _form(ctx: Context, model: Any, object_name: str, sections: list[pages.Section],
          problem: Problem | None, *, record: dict[str, Any] | None) -> Response:
    summary: list[str] = []
    conflict = None
    if isinstance(problem, PreconditionFailed):
        conflict = record["version"] if record else None
    elif problem is not None:
        names = [f.name for s in sections for f in s.fields]
        by_field, summary = pages.field_errors(problem, g.locale, names)
        for section in sections:
            for item in section.fields:
                item.error = by_field.get(item.name)
    status = 200 if problem is None else problem.status
    return page("web/form.html", status, **_shell(ctx), object_name=object_name,
                object_label=pages.object_label(model, ctx.locale), record=record,
                title=_title(model, record) if record else None, sections=sections,
                summary=summary, conflict=conflict)
