"""A dashboard's charts with their data, as one viewer may see it.

Each chart is one aggregate (``aggregate.aggregate``) run as the viewer: rows they
cannot see are not counted and a field they may not read makes the chart unavailable
(shown as such), never a figure computed over what they may not see.
"""

from __future__ import annotations

from typing import Any

from objectry.metadata import store
from objectry.metadata.i18n import pick
from objectry.metadata.problems import NotFound, Problem
from objectry.runtime.analytics.aggregate import aggregate
from objectry.runtime.kernel.context import Context

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
    shown["series"] = [{"key": key, "values": [
        None if item.get(key) is None else float(item[key]) for item in items]}
        for key in keys]
    return shown
