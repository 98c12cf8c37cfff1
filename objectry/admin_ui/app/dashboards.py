"""Dashboards in the web app: the tenant's dashboards, and one dashboard's charts
drawn by Chart.js (vendored) from data the analytics engine computed as the signed-in
user may see it (``runtime.analytics.dashboards``): no figure counts what they cannot
see, and a chart over a field they may not read says so instead of showing data."""

from __future__ import annotations

import json

from flask import Response

from objectry.admin_ui.app import pages
from objectry.admin_ui.app.blueprint import blueprint, page, user_context
from objectry.runtime.analytics.dashboards import dashboard_data, dashboards


@blueprint.get("/dashboards")
def dashboard_list() -> Response:
    with user_context(read_only=True) as ctx:
        return page("web/dashboards.html", objects=pages.readable_objects(ctx),
                    dashboards=dashboards(ctx))


@blueprint.get("/dashboards/<name>")
def dashboard_view(name: str) -> Response:
    with user_context(read_only=True) as ctx:
        data = dashboard_data(ctx, name)
        charts = [{**chart, "json": json.dumps(
            {"type": chart["type"], "labels": chart["labels"], "series": chart["series"]})}
            for chart in data["charts"]]
        return page("web/dashboard.html", objects=pages.readable_objects(ctx),
                    label=data["label"], charts=charts)
