"""S4 end to end through the API: campaign ROI configured, not coded. A campaign with
two leads, one lead producing two opportunities, expenses and 5 h x 200 of logged
workload: expected vs won revenue, cost (expenses + workload), ROI and cost per lead,
opportunity and win, live while the campaign runs and after a third win. Deleting a
lead loses nothing (its task and hours stay with the campaign, S3); a log is costed
at the rate valid on its day, also when a rate is added later."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from objectry.runtime.analytics.workload import workload_cost
from tests.analytics.objects import campaign, label, lead_object, opportunity, picklist
from tests.conftest import Api, TenantHandle, error_paths


def rollup(name: str, **options: Any) -> dict[str, Any]:
    return {"api_name": name, "type": "rollup", "label": label(name), **options}


def formula(name: str, expression: str) -> dict[str, Any]:
    return {"api_name": name, "type": "formula", "label": label(name),
            "expression": expression, "result": "number", "scale": 4}


WON = {"field": "stage", "op": "eq", "value": "won"}
ROI_FIELDS = [
    rollup("leads", object="lead", via=["campaign"], op="count"),
    rollup("opportunities", object="opportunity", via=["lead", "campaign"], op="count"),
    rollup("wins", object="opportunity", via=["lead", "campaign"], op="count", filter=WON),
    rollup("won_revenue", object="opportunity", via=["lead", "campaign"], op="sum",
           field="amount", filter=WON),
    rollup("pipeline", object="opportunity", via=["lead", "campaign"], op="sum",
           field="amount", filter={"field": "stage", "op": "eq", "value": "open"}),
    rollup("expenses", object="expense", via=["campaign"], op="sum", field="amount"),
    rollup("tasks", object="task", via=["campaign"], op="count"),
    {"api_name": "workload", "label": label("workload"), **workload_cost(["task", "campaign"])},
    formula("total_cost", "expenses + workload"),
    formula("roi", "(won_revenue - total_cost) / total_cost"),
    formula("cost_per_lead", "total_cost / leads"),
    formula("cost_per_opportunity", "total_cost / opportunities"),
    formula("cost_per_win", "total_cost / wins"),
    formula("revenue_gap", "expected_revenue - won_revenue"),
]


def create(api: Api, object_name: str, body: dict[str, Any]) -> str:
    created = api.post(f"/api/v1/records/{object_name}", json=body)
    assert created.status_code == 201, created.get_json()
    return str(created.get_json()["id"])


def numbers(api: Api, record: str) -> dict[str, Decimal | None]:
    response = api.get(f"/api/v1/records/campaign/{record}")
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    return {f["api_name"]: None if body.get(f["api_name"]) is None
            else Decimal(str(body[f["api_name"]])).quantize(Decimal("0.0001"))
            for f in ROI_FIELDS}


def d(text: str) -> Decimal:
    return Decimal(text).quantize(Decimal("0.0001"))


@pytest.fixture
def world(api: Api) -> dict[str, str]:
    api.define(campaign())
    api.define(lead_object())
    api.define(opportunity())
    api.define({"api_name": "task", "label": label("Task"), "name_field": "subject",
                "fields": [{"api_name": "subject", "type": "text", "label": label("Subject")},
                           {"api_name": "lead", "type": "lookup", "target": "lead",
                            "on_target_delete": "keep", "label": label("Lead")},
                           {"api_name": "campaign", "type": "lookup", "target": "campaign",
                            "on_target_delete": "keep", "label": label("Campaign")}]})
    api.define({"api_name": "expense", "label": label("Expense"), "name_field": "what",
                "fields": [{"api_name": "what", "type": "text", "label": label("What")},
                           {"api_name": "amount", "type": "currency", "label": label("Amount")},
                           {"api_name": "category", "type": "picklist", "label": label("Category"),
                            "options": picklist("ads", "venue")},
                           {"api_name": "campaign", "type": "lookup", "target": "campaign",
                            "on_target_delete": "keep", "label": label("Campaign")}]})
    enabled = api.post("/api/v1/workload/enable", json={"against": ["task", "lead"]})
    assert enabled.status_code == 200, enabled.get_json()
    api.define(campaign(*ROI_FIELDS))
    ids = {"fair": create(api, "campaign", {"name": "fair", "expected_revenue": "10000"})}
    ids["ann"] = create(api, "lead", {"name": "ann", "campaign": ids["fair"]})
    ids["bob"] = create(api, "lead", {"name": "bob", "campaign": ids["fair"]})
    ids["call"] = create(api, "task", {"subject": "call bob", "lead": ids["bob"],
                                       "campaign": ids["fair"]})
    return ids


def test_s4_campaign_roi_live(api: Api, world: dict[str, str]) -> None:
    fair = world["fair"]
    create(api, "labour_rate", {"person": "zoe@example.com", "valid_from": "2026-01-01",
                                "hourly_rate": "150"})
    create(api, "labour_rate", {"role": "consultant", "valid_from": "2026-01-01",
                                "hourly_rate": "90"})
    create(api, "labour_rate", {"person": "zoe@example.com", "valid_from": "2026-06-01",
                                "hourly_rate": "200"})
    create(api, "expense", {"what": "booth", "amount": "1500", "category": "venue",
                            "campaign": fair})
    create(api, "expense", {"what": "ads", "amount": "500", "category": "ads", "campaign": fair})
    log = create(api, "time_log", {"person": "zoe@example.com", "role": "consultant",
                                   "logged_on": "2026-07-01", "hours": "5",
                                   "task": world["call"], "lead": world["bob"]})
    one = create(api, "opportunity", {"name": "o1", "stage": "won", "amount": "4000",
                                      "lead": world["ann"]})
    create(api, "opportunity", {"name": "o2", "stage": "open", "amount": "3000",
                                "lead": world["ann"]})
    # while running: cost 1500 + 500 + 5 h x 200 (the rate valid on July 1st) = 3000
    running = numbers(api, fair)
    assert running == {
        "leads": d("2"), "opportunities": d("2"), "wins": d("1"),
        "won_revenue": d("4000"), "pipeline": d("3000"), "expenses": d("2000"),
        "tasks": d("1"), "workload": d("1000"), "total_cost": d("3000"),
        "roi": d("0.3333"), "cost_per_lead": d("1500"), "cost_per_opportunity": d("1500"),
        "cost_per_win": d("3000"), "revenue_gap": d("6000")}
    # the lead without opportunities is deleted: its task and its hours stay counted
    assert api.delete(f"/api/v1/records/lead/{world['bob']}").status_code == 204
    after_delete = numbers(api, fair)
    assert after_delete["leads"] == d("1")
    assert (after_delete["tasks"], after_delete["workload"]) == (d("1"), d("1000"))
    assert after_delete["cost_per_lead"] == d("3000")
    # the open opportunity is won, then a third one is won
    assert api.patch(f"/api/v1/records/opportunity/{one}",
                     json={"amount": "4500"}).status_code == 200
    open_id = next(i["id"] for i in api.get("/api/v1/records/opportunity").get_json()["items"]
                   if i["name"] == "o2")
    assert api.patch(f"/api/v1/records/opportunity/{open_id}",
                     json={"stage": "won"}).status_code == 200
    create(api, "opportunity", {"name": "o3", "stage": "won", "amount": "2500",
                                "lead": world["ann"]})
    won = numbers(api, fair)
    assert (won["wins"], won["won_revenue"], won["pipeline"]) == (
        d("3"), d("10000"), d("0"))
    assert won["roi"] == d("2.3333")  # (10000 - 3000) / 3000
    assert won["cost_per_win"] == d("1000") and won["revenue_gap"] == d("0")
    # a rate added later for the day of the log re-costs it; deleting it restores
    later = create(api, "labour_rate", {"person": "zoe@example.com",
                                        "valid_from": "2026-06-15", "hourly_rate": "250"})
    assert numbers(api, fair)["workload"] == d("1250")
    assert api.delete(f"/api/v1/records/labour_rate/{later}").status_code == 204
    assert numbers(api, fair)["workload"] == d("1000")
    # a person without a rate of their own is costed at their role's
    assert api.patch(f"/api/v1/records/time_log/{log}",
                     json={"person": "yan@example.com"}).status_code == 200
    assert numbers(api, fair)["workload"] == d("450")


def test_workload_enable_refuses_unknown_objects(api: Api, tenant: TenantHandle) -> None:
    refused = api.post("/api/v1/workload/enable", json={"against": ["nothing"]})
    assert refused.status_code == 422 and error_paths(refused) == ["/against/0"]
    assert api.get("/api/v1/meta/objects/time_log").status_code == 404
    clerk = Api(api.client, tenant.add_user("clerk@example.com"))
    assert clerk.post("/api/v1/workload/enable", json={}).status_code == 403


def test_a_rate_needs_a_sum_and_day_fields(api: Api, world: dict[str, str]) -> None:
    bad = {"api_name": "bad", "label": label("bad"), **workload_cost(["task", "campaign"])}
    bad["rate"] = {**bad["rate"], "date": "person"}
    refused = api.put("/api/v1/meta/objects/campaign", json=campaign(*ROI_FIELDS, bad))
    assert refused.status_code == 422
    assert f"/fields/{len(ROI_FIELDS) + 2}/rate/date" in error_paths(refused)


def test_a_reader_without_the_rates_sees_no_workload_cost(
        api: Api, tenant: TenantHandle, world: dict[str, str]) -> None:
    create(api, "labour_rate", {"person": "zoe@example.com", "valid_from": "2026-01-01",
                                "hourly_rate": "150"})
    create(api, "time_log", {"person": "zoe@example.com", "logged_on": "2026-07-01",
                             "hours": "2", "task": world["call"]})
    everything = {"actions": ["read"], "scope": "all", "field_groups": {"default": "read"}}
    grants = {name: everything for name in ("campaign", "lead", "task", "time_log",
                                            "opportunity", "expense")}
    response = api.put("/api/v1/meta/roles/clerk", json={
        "kind": "role", "api_name": "clerk", "label": label("clerk"), "grants": grants})
    assert response.status_code == 200, response.get_json()
    clerk = Api(api.client, tenant.add_user("clerk@example.com", roles=["clerk"]))
    assert numbers(api, world["fair"])["workload"] == d("300")
    theirs = numbers(clerk, world["fair"])
    assert theirs["workload"] is None and theirs["total_cost"] is None  # no rate access
    assert theirs["tasks"] == d("1")
