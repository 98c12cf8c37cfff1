"""Scoring models through the HTTP API (seed 000: company size 30% + need match 40% +
interaction 30%, MQL at >= 60), with METADATA.md's b2b_lead_score verbatim."""

from __future__ import annotations

import copy
import datetime as dt
from decimal import Decimal
from typing import Any

from objectry.runtime import scoring
from tests.conftest import Api, TenantHandle, error_codes, error_paths, problem
from tests.scoring.support import (
    B2B_LEAD_SCORE,
    calls,
    log_activity,
    new_lead,
    put,
    put_function,
    read,
    run,
    setup_scoring,
)

NOW = dt.datetime.now(dt.UTC)


def seed_leads(api: Api) -> dict[str, str]:
    """Leads whose expected scores are worked out by hand in the tests."""
    big = new_lead(api, employees=500, need="CRM with marketing automation, lead scoring "
                                            "and analytics")["id"]
    for kind, days_ago in (("whitepaper_download", 3), ("whitepaper_download", 10),
                           ("pricing_page_view", 1), ("webinar_attended", 45),
                           ("email_opened", 2)):
        log_activity(api, big, kind, NOW - dt.timedelta(days=days_ago))
    mid = new_lead(api, employees=120, need="a small crm")["id"]
    keen = new_lead(api, employees=10, need="crm automation scoring analytics integration")["id"]
    for days_ago in (1, 2, 3):
        log_activity(api, keen, "webinar_attended", NOW - dt.timedelta(days=days_ago))
    empty = new_lead(api)["id"]
    return {"big": big, "mid": mid, "keen": keen, "empty": empty}


def test_b2b_lead_score_scores_thresholds_and_one_call_per_batch(api: Api) -> None:
    setup_scoring(api)
    leads = seed_leads(api)
    summary = run(api)
    assert summary["scored"] == 4 and summary["changed"] == 4 and summary["batches"] == 1
    # 500 employees: 100 x 30% = 30; 4 keywords: 80 x 40% = 32; 2 whitepapers + pricing
    # in the window (the webinar is 45 days old, email_opened is worth nothing): 70 x 30%
    assert read(api, leads["big"])["score"] == 83
    assert read(api, leads["big"])["status"] == "mql"
    # 120 employees: 60 x 30% = 18; 1 keyword: 20 x 40% = 8; no activity
    assert read(api, leads["mid"])["score"] == 26
    assert read(api, leads["mid"])["status"] == "new"
    # 10 employees: 0; 5 keywords: 100 x 40% = 40; 3 webinars = 120, capped at 100: 30
    assert read(api, leads["keen"])["score"] == 70
    assert read(api, leads["keen"])["status"] == "mql"
    assert read(api, leads["empty"])["score"] == 0
    assert summary["thresholds"] == [{"at": 60, "reached": 2, "entered": 2}]
    assert summary["below_thresholds"] == 2
    [call] = calls(api, "need_match")  # four leads, one batch, one call
    assert call["purpose"] == "scoring"


def test_breakdown_of_one_record(api: Api) -> None:
    setup_scoring(api)
    leads = seed_leads(api)
    response = api.get(f"/api/v1/records/lead/{leads['big']}/score",
                       query={"model": "b2b_lead_score"})
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["score"] == 83 and body["previous"] is None and body["threshold"] == 60
    assert body["sets"] == {"status": "mql"}
    size, need, interaction = body["dimensions"]
    assert (size["kind"], size["points"], size["weighted"], size["matched"]) == \
        ("criteria", 100, 30, 0)
    assert (need["kind"], need["function"], need["points"], need["weighted"]) == \
        ("function", "need_match", 80, 32)
    assert interaction["counts"] == {"pricing_page_view": 1, "whitepaper_download": 2}
    assert (interaction["points"], interaction["weighted"]) == (70, 21)
    assert read(api, leads["big"])["score"] is None  # reading the breakdown writes nothing


def test_dry_run_writes_nothing_and_explains(api: Api) -> None:
    setup_scoring(api)
    leads = seed_leads(api)
    before = {name: read(api, lead_id) for name, lead_id in leads.items()}
    summary = run(api, {"dry_run": True})
    assert summary["dry_run"] is True and summary["changed"] == 4
    by_id = {r["id"]: r for r in summary["records"]}
    assert by_id[leads["big"]]["score"] == 83
    assert by_id[leads["big"]]["sets"] == {"status": "mql"}
    assert [d["points"] for d in by_id[leads["mid"]]["dimensions"]] == [60, 20, 0]
    for name, lead_id in leads.items():
        assert read(api, lead_id) == before[name]
        audit = api.get(f"/api/v1/records/lead/{lead_id}/audit").get_json()["items"]
        assert [entry["action"] for entry in audit] == ["created"]


def test_unchanged_scores_write_nothing(api: Api) -> None:
    setup_scoring(api)
    leads = seed_leads(api)
    run(api)
    versions = {lead_id: read(api, lead_id)["version"] for lead_id in leads.values()}
    again = run(api, {"explain": True})
    assert again["scored"] == 4 and again["changed"] == 0 and again["unchanged"] == 4
    assert all(r["changed"] is False and r["sets"] == {} for r in again["records"])
    assert {lead_id: read(api, lead_id)["version"] for lead_id in leads.values()} == versions
    audit = api.get(f"/api/v1/records/lead/{leads['big']}/audit").get_json()["items"]
    assert [entry["action"] for entry in audit] == ["updated", "created"]


def test_thresholds_apply_when_a_record_enters_the_band(api: Api) -> None:
    """Rescoring within the same band keeps a status someone changed since."""
    setup_scoring(api)
    leads = seed_leads(api)
    run(api)
    api.patch(f"/api/v1/records/lead/{leads['big']}", json={"status": "working"})
    api.patch(f"/api/v1/records/lead/{leads['big']}", json={"employees": 80})  # 83 -> 71
    summary = run(api, {"filter": {"field": "id", "op": "eq", "value": leads["big"]}})
    assert summary["scored"] == 1 and summary["changed"] == 1
    assert summary["thresholds"] == [{"at": 60, "reached": 1, "entered": 0}]
    lead = read(api, leads["big"])
    assert (lead["score"], lead["status"]) == (71, "working")


def test_filter_and_limit_choose_the_records(api: Api) -> None:
    setup_scoring(api)
    leads = seed_leads(api)
    summary = run(api, {"filter": {"field": "employees", "op": "gte", "value": 100},
                        "explain": True})
    assert sorted(r["id"] for r in summary["records"]) == sorted([leads["big"], leads["mid"]])
    assert read(api, leads["keen"])["score"] is None
    assert run(api, {"limit": 1})["scored"] == 1


def test_function_values_outside_0_100_are_clamped_and_reported(api: Api) -> None:
    setup_scoring(api)
    put_function(api, "overshoot", "def main(record, params):\n"
                                   "    return [150 for r in params['records']]\n")
    model = copy.deepcopy(B2B_LEAD_SCORE)
    model["api_name"] = "overshooting"
    model["dimensions"][1]["function"] = "overshoot"
    put(api, "scoring_models", model)
    lead_id = new_lead(api, employees=5)["id"]
    summary = run(api, model="overshooting")
    assert summary["clamped"] == [{"id": lead_id, "dimension": 1, "function": "overshoot",
                                   "value": 150}]
    assert read(api, lead_id)["score"] == 40


def test_batches_call_the_function_once_each(api: Api, tenant: TenantHandle) -> None:
    setup_scoring(api)
    for i in range(5):
        new_lead(api, employees=i * 200, need="crm")
    with tenant.context() as ctx:
        summary = scoring.run_model(ctx, "b2b_lead_score", scoring.RunRequest(batch_size=2))
    assert summary["batches"] == 3 and summary["scored"] == 5
    assert len(calls(api, "need_match")) == 3


def test_score_is_readable_by_whoever_can_read_the_record(api: Api,
                                                          tenant: TenantHandle) -> None:
    setup_scoring(api)
    put(api, "roles", {"kind": "role", "api_name": "sales_rep", "label": {"en": "Rep"},
                       "grants": {"lead": {"actions": ["read", "create"], "scope": "own",
                                           "field_groups": {"contact": "edit", "company": "edit",
                                                            "default": "edit"}}}})
    rep = Api(api.client, tenant.add_user("rep@example.com", roles=["sales_rep"]))
    own = new_lead(rep, employees=600)["id"]
    admins = new_lead(api, employees=600)["id"]
    mine = rep.get(f"/api/v1/records/lead/{own}/score", query={"model": "b2b_lead_score"})
    assert mine.status_code == 200 and mine.get_json()["score"] == 30
    refused = problem(rep.get(f"/api/v1/records/lead/{admins}/score",
                              query={"model": "b2b_lead_score"}), 403, "record_not_accessible")
    assert "score" not in refused and "dimensions" not in refused
    problem(rep.post("/api/v1/scoring_models/b2b_lead_score/run"), 403, "admin_required")
    assert read(api, admins)["score"] is None  # the refused run scored nothing


def test_bad_run_and_score_requests(api: Api) -> None:
    setup_scoring(api)
    lead_id = new_lead(api)["id"]
    assert run(api, model="nope", expect=404)["code"] == "unknown_scoring_model"
    bad = api.post("/api/v1/scoring_models/b2b_lead_score/run",
                   json={"filter": {"field": "nope", "op": "eq", "value": 1}, "limit": 0,
                         "dry_run": "yes", "extra": 1})
    assert bad.status_code == 422
    assert error_paths(bad) == ["/extra"]
    bad = api.post("/api/v1/scoring_models/b2b_lead_score/run",
                   json={"limit": 0, "dry_run": "yes"})
    assert bad.status_code == 422 and error_paths(bad) == ["/limit", "/dry_run"]
    bad = api.post("/api/v1/scoring_models/b2b_lead_score/run",
                   json={"filter": {"field": "nope", "op": "eq", "value": 1}})
    assert bad.status_code == 422 and error_paths(bad)[0].startswith("/filter")
    no_model = api.get(f"/api/v1/records/lead/{lead_id}/score")
    assert no_model.status_code == 422 and error_paths(no_model) == ["/model"]
    problem(api.get(f"/api/v1/records/lead/{lead_id}/score", query={"model": "nope"}), 404,
            "unknown_scoring_model")
    problem(api.get("/api/v1/records/lead/0193a0a0-0000-7000-8000-000000000000/score",
                    query={"model": "b2b_lead_score"}), 404, "unknown_record")
    assert read(api, lead_id)["score"] is None


# -- saving a model: every culprit with its JSON Pointer --------------------------------

def model_with(**changes: Any) -> dict[str, Any]:
    model = copy.deepcopy(B2B_LEAD_SCORE)
    model.update(changes)
    return model


def rejected(api: Api, document: dict[str, Any]) -> Any:
    response = put(api, "scoring_models", document, expect=422)
    problem(api.get(f"/api/v1/meta/scoring_models/{document['api_name']}"), 404,
            "unknown_document")
    return response


def test_saved_model_reads_back(api: Api) -> None:
    setup_scoring(api)
    stored = api.get("/api/v1/meta/scoring_models/b2b_lead_score").get_json()
    assert stored["dimensions"] == B2B_LEAD_SCORE["dimensions"]
    listed = api.get("/api/v1/meta/scoring_models").get_json()["items"]
    assert [m["api_name"] for m in listed] == ["b2b_lead_score"]


def test_weights_must_sum_to_100(api: Api) -> None:
    setup_scoring(api)
    model = model_with(api_name="bad_weights")
    model["dimensions"][0]["weight"] = 40
    response = rejected(api, model)
    assert error_paths(response) == ["/dimensions"]
    assert error_codes(response) == ["scoring_weights_sum"]
    zh = api.put("/api/v1/meta/scoring_models/bad_weights", json=model,
                 headers={"Accept-Language": "zh-CN"})
    assert "110" in zh.get_json()["errors"][0]["message"]
    assert "权重" in zh.get_json()["errors"][0]["message"]


def test_unknown_field_in_a_criterion(api: Api) -> None:
    setup_scoring(api)
    model = model_with(api_name="bad_field")
    model["dimensions"][0]["criteria"][1]["if"] = {"field": "headcount", "op": "gte",
                                                   "value": 50}
    response = rejected(api, model)
    assert error_codes(response) == ["unknown_field"]
    assert error_paths(response)[0].startswith("/dimensions/0/criteria/1/if")


def test_function_of_wrong_purpose_or_object(api: Api) -> None:
    setup_scoring(api)
    put(api, "functions", {"kind": "function", "api_name": "a_button", "label": {"en": "b"},
                           "purpose": "button", "object": "lead",
                           "code": "def main(record, params):\n    return 1\n"})
    put(api, "functions", {"kind": "function", "api_name": "task_score", "label": {"en": "t"},
                           "purpose": "scoring", "object": "task",
                           "code": "def main(record, params):\n    return []\n"})
    for function, code in (("a_button", "scoring_function_purpose"),
                           ("task_score", "scoring_function_object"),
                           ("missing", "unknown_function")):
        model = model_with(api_name="bad_function")
        model["dimensions"][1]["function"] = function
        response = rejected(api, model)
        assert error_paths(response) == ["/dimensions/1/function"]
        assert error_codes(response) == [code]


def test_target_field_must_be_numeric(api: Api) -> None:
    setup_scoring(api)
    for target, code in (("company_name", "scoring_target_not_numeric"),
                         ("nope", "unknown_field")):
        response = rejected(api, model_with(api_name="bad_target", target_field=target))
        assert error_paths(response) == ["/target_field"]
        assert error_codes(response) == [code]


def test_threshold_set_values_are_checked(api: Api) -> None:
    setup_scoring(api)
    response = rejected(api, model_with(api_name="bad_set", thresholds=[
        {"at": 60, "set": {"stage": "mql"}},
        {"at": 80, "set": {"status": "hot"}},
        {"at": 90, "set": {"score": 100}}]))
    assert error_paths(response) == ["/thresholds/0/set/stage", "/thresholds/1/set/status",
                                     "/thresholds/2/set/score"]
    assert error_codes(response) == ["unknown_field", "invalid_choice",
                                     "scoring_set_not_allowed"]


def test_dimension_shapes_and_activity_source(api: Api) -> None:
    setup_scoring(api)
    model = model_with(api_name="bad_shapes")
    model["dimensions"][0]["function"] = "need_match"  # criteria and function
    model["dimensions"][2]["activity_points"]["page_view"] = 10  # not a type option
    model["dimensions"][2]["activity"] = {"at_field": "type"}
    response = rejected(api, model)
    assert error_paths(response) == ["/dimensions/0", "/dimensions/2/activity_points/page_view",
                                     "/dimensions/2/activity/at_field"]
    assert error_codes(response) == ["scoring_dimension_needs_one", "unknown_option",
                                     "not_a_date_field"]
    schema = rejected(api, model_with(api_name="bad_schema", dimensions=[
        {"weight": 100, "criteria": [{"if": {"field": "employees", "op": "gte", "value": 1},
                                      "points": 120}]}]))
    assert error_paths(schema) == ["/dimensions/0/criteria/0/points"]


def test_decimal_target_keeps_the_fields_scale(api: Api) -> None:
    setup_scoring(api)
    definition = api.get("/api/v1/meta/objects/lead").get_json()
    definition["fields"].append({"api_name": "exact_score", "type": "decimal", "scale": 1})
    api.define(definition)
    model = model_with(api_name="exact", target_field="exact_score", thresholds=[])
    for dimension, weight in zip(model["dimensions"], (33, 33, 34), strict=True):
        dimension["weight"] = weight
    put(api, "scoring_models", model)
    lead_id = new_lead(api, employees=60, need="crm")["id"]
    run(api, model="exact")
    # 60 x 33% = 19.8, 20 x 33% = 6.6, 0 x 34%: 26.4
    assert str(read(api, lead_id)["exact_score"]) == "26.4"
    assert read(api, lead_id)["status"] == "new"


def test_currency_and_percent_fields_take_scores(api: Api) -> None:
    """Every numeric type is a scoring target, not only integer and decimal."""
    setup_scoring(api)
    definition = api.get("/api/v1/meta/objects/lead").get_json()
    definition["fields"] += [
        {"api_name": "score_value", "type": "currency", "currency": "CNY"},
        {"api_name": "score_share", "type": "percent", "scale": 1}]
    api.define(definition)
    for name, target in (("as_money", "score_value"), ("as_share", "score_share")):
        model = model_with(api_name=name, target_field=target, thresholds=[])
        for dimension, weight in zip(model["dimensions"], (33, 33, 34), strict=True):
            dimension["weight"] = weight
        put(api, "scoring_models", model)
    lead_id = new_lead(api, employees=60, need="crm")["id"]
    for name in ("as_money", "as_share"):
        summary = run(api, model=name)
        assert summary["scored"] == 1 and summary["changed"] == 1
    # 60 x 33% = 19.8, 20 x 33% = 6.6, 0 x 34%: 26.4
    record = read(api, lead_id)
    assert Decimal(str(record["score_value"])) == Decimal("26.40")
    assert Decimal(str(record["score_share"])) == Decimal("26.4")
    assert record["status"] == "new"
