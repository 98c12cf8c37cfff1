"""An attribution chart on a dashboard (issue 17's known gap, issue 19): won revenue
per campaign under first touch, last touch and linear side by side, drawn from the
same computation as ``POST /attribution/run`` for the viewer, without storing a
snapshot; bad references are refused with a pointer when the dashboard is saved; a
viewer who may not read the amounts sees the chart as unavailable.

ann's 900 opportunity was touched by A (03-01) then B (03-05): first touch A 900,
last touch B 900, linear 450 each; bob's 300 by B only: 300 to B under each model.
"""

from __future__ import annotations

import html
import json
import re
from typing import Any

import pytest

from objectry.platform.services import Services
from tests.admin_ui.conftest import Browser, set_password, text
from tests.analytics.objects import campaign, label, lead_object, opportunity
from tests.conftest import Api, TenantHandle, error_paths

MEMBER = {"api_name": "campaign_member", "label": label("Member"), "name_field": "note",
          "fields": [{"api_name": "note", "type": "text", "label": label("Note")},
                     {"api_name": "lead", "type": "lookup", "target": "lead",
                      "on_target_delete": "keep", "label": label("Lead")},
                     {"api_name": "campaign", "type": "lookup", "target": "campaign",
                      "on_target_delete": "keep", "label": label("Campaign")},
                     {"api_name": "touched_on", "type": "date", "label": label("Touched")}]}
ATTRIBUTION = {"models": ["first_touch", "last_touch", "linear"],
               "opportunities": {"created": "opened_on"},
               "touchpoints": [{"object": "campaign_member", "date": "touched_on"}]}
DASHBOARD = {"kind": "dashboard", "api_name": "roi", "label": label("ROI"), "charts": [
    {"title": label("Attribution"), "type": "attribution", "object": "campaign",
     "attribution": ATTRIBUTION}]}
CHART = re.compile(r'data-chart="([^"]+)"')


def create(api: Api, object_name: str, body: dict[str, Any]) -> str:
    created = api.post(f"/api/v1/records/{object_name}", json=body)
    assert created.status_code == 201, created.get_json()
    return str(created.get_json()["id"])


@pytest.fixture
def world(services: Services, tenant: TenantHandle, web_api: Api) -> Api:
    api = web_api
    api.define(campaign())
    api.define(lead_object())
    deal = opportunity()
    deal["fields"].append({"api_name": "opened_on", "type": "date", "label": label("Opened")})
    api.define(deal)
    api.define(MEMBER)
    ids = {name: create(api, "campaign", {"name": name}) for name in ("Expo", "Webinar")}
    for person in ("ann", "bob"):
        ids[person] = create(api, "lead", {"name": person})
    for person, name, day in (("ann", "Webinar", "2026-03-05"), ("ann", "Expo", "2026-03-01"),
                              ("bob", "Webinar", "2026-02-01")):
        create(api, "campaign_member", {"lead": ids[person], "campaign": ids[name],
                                        "touched_on": day})
    for person, amount, day in (("ann", "900", "2026-03-10"), ("bob", "300", "2026-02-10")):
        create(api, "opportunity", {"name": person, "stage": "won", "amount": amount,
                                    "lead": ids[person], "opened_on": day})
    saved = api.put("/api/v1/meta/dashboards/roi", json=DASHBOARD)
    assert saved.status_code == 200, saved.get_json()
    set_password(services, tenant.slug, tenant.admin_email)
    return api


def chart(page: str) -> dict[str, Any]:
    found = CHART.findall(page)
    assert len(found) == 1, page[:2000]
    return dict(json.loads(html.unescape(found[0])))


def test_models_side_by_side_on_the_dashboard(tenant: TenantHandle, world: Api,
                                              browser: Browser) -> None:
    api = world
    browser.sign_in(tenant.admin_email, workspace=tenant.slug)
    page = browser.get("/app/dashboards/roi")
    assert page.status_code == 200
    drawn = chart(text(page))
    assert drawn["type"] == "attribution" and drawn["labels"] == ["Expo", "Webinar"]
    assert [(s["key"], s["label"], s["values"]) for s in drawn["series"]] == [
        ("first_touch", "First touch", [900.0, 300.0]),
        ("last_touch", "Last touch", [0.0, 1200.0]),
        ("linear", "Linear", [450.0, 750.0])]
    # a view stores no snapshot: the API's runs are the stored ones
    ran = api.post("/api/v1/attribution/run", json={**ATTRIBUTION})
    assert ran.status_code == 201
    assert {c["models"]["linear"]["revenue"] for c in ran.get_json()["campaigns"]} == {
        "450.00", "750.00"}


def test_bad_attribution_charts_are_refused_with_a_pointer(world: Api) -> None:
    api = world
    bad = json.loads(json.dumps(DASHBOARD))
    bad["api_name"] = "bad"
    bad["charts"][0]["attribution"]["touchpoints"] = [
        {"object": "campaign_member", "date": "nothing"}, {"object": "nowhere"}]
    bad["charts"][0]["attribution"]["opportunities"]["amount"] = "price"
    refused = api.put("/api/v1/meta/dashboards/bad", json=bad)
    assert refused.status_code == 422
    assert set(error_paths(refused)) == {
        "/charts/0/attribution/touchpoints/0/date", "/charts/0/attribution/touchpoints/1/object",
        "/charts/0/attribution/opportunities/amount"}
    mixed = json.loads(json.dumps(DASHBOARD))
    mixed["charts"][0]["measures"] = [{"op": "count"}]  # measures are for the other kinds
    assert api.put("/api/v1/meta/dashboards/roi", json=mixed).status_code == 422
    no_models = json.loads(json.dumps(DASHBOARD))
    no_models["charts"][0].pop("attribution")
    assert api.put("/api/v1/meta/dashboards/roi", json=no_models).status_code == 422


def test_a_viewer_without_the_amounts_sees_no_figures(
        services: Services, tenant: TenantHandle, world: Api, browser: Browser) -> None:
    api = world
    everything = {"actions": ["read"], "scope": "all", "field_groups": {"default": "read"}}
    grants = {"campaign": everything, "lead": everything, "campaign_member": everything,
              "opportunity": {"actions": ["read"], "scope": "all",
                              "field_groups": {"default": "read", "money": "none"}}}
    response = api.put("/api/v1/meta/roles/clerk", json={
        "kind": "role", "api_name": "clerk", "label": label("clerk"), "grants": grants})
    assert response.status_code == 200, response.get_json()
    tenant.add_user("attribution.reader@example.com", roles=["clerk"])
    set_password(services, tenant.slug, "attribution.reader@example.com")
    browser.sign_in("attribution.reader@example.com", workspace=tenant.slug)
    page = text(browser.get("/app/dashboards/roi"))
    assert 'class="chart-unavailable"' in page and "data-chart=" not in page
