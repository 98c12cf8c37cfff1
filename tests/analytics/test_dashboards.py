"""Dashboards: a ``dashboard`` document of charts over the aggregate API, checked with
pointers when saved, drawn in the web app from the viewer's own figures (a restricted
viewer's counts leave out what they cannot see; a chart over a field they cannot read
shows no data)."""

from __future__ import annotations

import html
import json
import re
from typing import Any

from tests.analytics.objects import campaign, label, lead_object, opportunity
from tests.conftest import Api, error_paths

DASHBOARD = {"kind": "dashboard", "api_name": "sales", "label": label("Sales"), "charts": [
    {"title": label("Leads"), "type": "number", "object": "lead",
     "measures": [{"op": "count"}]},
    {"title": label("Pipeline by stage"), "type": "funnel", "object": "opportunity",
     "group_by": ["stage"], "measures": [{"op": "count"}]},
    {"title": label("Amount by stage"), "type": "bar", "object": "opportunity",
     "group_by": ["stage"], "measures": [{"op": "sum", "field": "amount"}],
     "sort": ["stage"]}]}
CHART = re.compile(r'data-chart="([^"]+)"')


def charts(page: str) -> list[dict[str, Any]]:
    return [json.loads(html.unescape(found)) for found in CHART.findall(page)]


def setup(api: Api) -> None:
    api.define(campaign())
    api.define(lead_object())
    api.define(opportunity())
    ann = api.post("/api/v1/records/lead", json={"name": "ann"}).get_json()["id"]
    api.post("/api/v1/records/lead", json={"name": "bob"})
    for stage, amount in (("won", "100"), ("won", "50"), ("open", "10")):
        created = api.post("/api/v1/records/opportunity",
                           json={"name": stage, "stage": stage, "amount": amount, "lead": ann})
        assert created.status_code == 201, created.get_json()
    saved = api.put("/api/v1/meta/dashboards/sales", json=DASHBOARD)
    assert saved.status_code == 200, saved.get_json()


def test_bad_dashboards_are_refused_with_a_pointer(api: Api) -> None:
    setup(api)
    bad = json.loads(json.dumps(DASHBOARD))
    bad["api_name"] = "bad"
    bad["charts"][0]["group_by"] = ["name"]  # a number has no group
    bad["charts"][1]["measures"] = [{"op": "sum"}]  # a sum of what?
    bad["charts"][2]["object"] = "nothing"
    refused = api.put("/api/v1/meta/dashboards/bad", json=bad)
    assert refused.status_code == 422
    assert set(error_paths(refused)) == {"/charts/0/group_by", "/charts/1/measures/0/field",
                                         "/charts/2/object"}
    assert api.get("/api/v1/meta/dashboards/bad").status_code == 404
