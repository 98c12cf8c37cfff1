"""A dashboard's charts with their data, as one viewer may see it.

Each chart is one aggregate (``aggregate.aggregate``) run as the viewer: rows they
cannot see are not counted and a field they may not read makes the chart unavailable
(shown as such), never a figure computed over what they may not see. An attribution
chart runs the attribution models side by side (``attribution.attribute``) the same way:
one bar per model and campaign, the campaigns named as the viewer may read them.
"""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa

from objectry.metadata import store
from objectry.metadata.i18n import message, pick
from objectry.metadata.problems import NotFound, Problem
from objectry.runtime.access.guard import Guard
from objectry.runtime.analytics.aggregate import aggregate
from objectry.runtime.analytics.attribution import MODELS, attribute
from objectry.runtime.kernel.context import Context
from objectry.runtime.model.compiled import get_model

KIND = "dashboard"


def dashboards(ctx: Context) -> list[tuple[str, str]]:
    """(api_name, label) of the tenant's dashboards, by label."""
    found = store.documents(ctx.conn, ctx.tenant.id, KIND)
    return sorted(((name, pick(doc.document.get("label"), ctx.locale) or name)
                   for name, doc in found.items()), key=lambda item: item[1].lower())


def dashboard_data(ctx: Context, name: str) -> dict[str, Any]:
    """The dashboard's label and, per chart, its title, type, labels and series."""
    stored = store.document(ctx.conn, ctx.tenant.id, KIND, name)
    if stored is None:
        raise NotFound(detail_code="not_found")
    document = stored.document
    charts = [_chart(ctx, chart) for chart in document.get("charts", [])]
    return {"name": name, "label": pick(document.get("label"), ctx.locale) or name,
            "charts": charts}


def _chart(ctx: Context, chart: dict[str, Any]) -> dict[str, Any]:
    if chart["type"] == "attribution":
        return _attribution_chart(ctx, chart)
    body: dict[str, Any] = {"group_by": chart.get("group_by", []),
                            "measures": chart["measures"],
                            "limit": chart.get("limit", 50)}
    for key in ("filter", "sort"):
        if key in chart:
            body[key] = chart[key]
    shown = {"title": pick(chart.get("title"), ctx.locale), "type": chart["type"],
             "available": True, "labels": [], "series": []}
    try:
        items = aggregate(ctx, chart["object"], body)["items"]
    except Problem:  # the viewer may not read the object or a field it uses
        return {**shown, "available": False}
    groups = [g if isinstance(g, str) else f"{g['field']}_{g['bucket']}"
              for g in body["group_by"]]
    keys = [m.get("as") or (m["op"] if m["op"] == "count" and "field" not in m
                            else f"{m['op']}_{m['field']}") for m in chart["measures"]]
    if chart["type"] == "funnel" and "sort" not in chart:
        items = sorted(items, key=lambda item: -float(item.get(keys[0]) or 0))
    shown["labels"] = ["" if not groups or item.get(groups[0]) is None
                       else str(item[groups[0]]) for item in items]
    labels = _measure_labels(ctx, chart["object"], chart["measures"])
    shown["series"] = [{"key": key, "label": label, "values": [
        None if item.get(key) is None else float(item[key]) for item in items]}
        for key, label in zip(keys, labels, strict=True)]
    return shown


def _measure_labels(ctx: Context, object_name: str, measures: list[dict[str, Any]]) -> list[str]:
    """Each measure as its reader names it: the field's label (the object's for a
    count), so a legend says "Won revenue", not ``sum_won_revenue``."""
    model = get_model(ctx, object_name)
    found = []
    for measure in measures:
        field = model.fields.get(measure.get("field") or "")
        source = field.definition.get("label") if field is not None else (
            model.definition.get("plural_label") or model.definition.get("label"))
        found.append(pick(source, ctx.locale) or measure.get("field") or measure["op"])
    return found


def _attribution_chart(ctx: Context, chart: dict[str, Any]) -> dict[str, Any]:
    """Won revenue per campaign under each model: labels are campaigns, a series per
    model (recomputed on each view; the stored snapshots are the API's)."""
    spec = chart["attribution"]
    body = {**spec, "campaigns": {**spec.get("campaigns", {}), "object": chart["object"]}}
    models = list(spec.get("models", MODELS))
    shown: dict[str, Any] = {"title": pick(chart.get("title"), ctx.locale),
                             "type": "attribution", "available": True, "labels": [],
                             "series": []}
    try:
        result = attribute(ctx, body)
        names = _names(ctx, chart["object"], [row["campaign"] for row in result["campaigns"]])
    except Problem:  # the viewer may not read an object or a field the models use
        return {**shown, "available": False}
    rows = sorted(result["campaigns"],
                  key=lambda row: (names.get(row["campaign"], "").lower(), row["campaign"]))
    shown["labels"] = [names.get(row["campaign"]) or "" for row in rows]
    shown["series"] = [{"key": model, "label": message(f"ui_attribution_{model}", ctx.locale),
                        "values": [float(row["models"][model]["revenue"]) for row in rows]}
                       for model in models]
    shown["unattributed"] = result["unattributed"]
    return shown


def _names(ctx: Context, object_name: str, ids: list[str]) -> dict[str, str]:
    """The name of each record of ``ids`` the viewer reads (its id when the object has
    no name field or they may not read it there)."""
    model = get_model(ctx, object_name)
    guard = Guard(ctx, model)
    table = model.table
    name_field = model.name_field
    if not ids:
        return {}
    name = guard.column(table, name_field) if name_field and guard.readable_field(
        name_field) is not None else sa.null()
    rows = ctx.conn.execute(sa.select(table.c.id, name.label("name")).where(
        table.c.id.in_([uuid.UUID(i) for i in ids])))
    return {str(row.id): str(row.name) if row.name is not None else str(row.id)
            for row in rows}
