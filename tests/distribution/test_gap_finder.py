"""The gap finder: the "ShangHai" / 021 lead a careless rule misses (seed 004)."""

from __future__ import annotations

from tests.conftest import Api, TenantHandle, error_paths, problem
from tests.distribution.support import REP_ROLE, leads, new_lead

CARELESS = {"object": "lead", "label": {"zh-CN": "上海地区分发规则"},
            "entries": [{"condition": {"field": "city_text", "op": "eq", "value": "上海"},
                         "to": [{"user": "a@example.com"}]}]}


def setup(api: Api, tenant: TenantHandle) -> dict[str, Api]:
    reps = leads(api, tenant, "a@example.com")
    assert api.put("/api/v1/meta/assignment_rules/sh", json=CARELESS).status_code == 200
    return reps


def test_the_shanghai_lead_and_its_fixes(api: Api, tenant: TenantHandle) -> None:
    setup(api, tenant)
    taken = new_lead(api, city_text="上海")
    careless = new_lead(api, city_text="ShangHai", mobile="021-62991640")
    spaced = new_lead(api, city_text="北京", mobile="+86 21 6299 1640")
    beijing = new_lead(api, city_text="北京", mobile="010-12345678")
    report = api.post("/api/v1/assignment_rules/sh/check", json={})
    assert report.status_code == 200, report.get_json()
    body = report.get_json()
    assert body["checked"] == 4 and body["taken"] == 1
    missed = {m["id"]: m for m in body["missed"]}
    assert set(missed) == {careless, spaced, beijing} and taken not in missed
    why = {n["why"]: n for n in missed[careless]["near_misses"]}
    assert why["alias"]["value"] == "ShangHai" and why["alias"]["expected"] == "上海"
    assert why["alias"]["fix"]["condition"] == {"field": "city_text", "op": "in",
                                                "value": ["上海", "ShangHai"]}
    phone = why["phone_area_code"]
    assert phone["area_code"] == "021" and phone["normalised"] == "+862162991640"
    assert phone["fix"]["condition"]["any"][0] == CARELESS["entries"][0]["condition"]
    assert phone["fix"]["condition"]["any"][1:] == [
        {"field": "mobile", "op": "area_code", "value": "021"}]
    # "+86 21 6299 1640" is the same number: the same area code
    assert [n["area_code"] for n in missed[spaced]["near_misses"]] == ["021"]
    assert missed[beijing]["near_misses"] == []
    # a dry run: nothing moved
    assert api.get(f"/api/v1/records/lead/{careless}").get_json()["version"] == 1
    # applying the suggested fix takes the lead
    fixed = {**CARELESS, "entries": [{**CARELESS["entries"][0], "condition": {"any": [
        why["alias"]["fix"]["condition"], *phone["fix"]["condition"]["any"][1:]]}}]}
    assert api.put("/api/v1/meta/assignment_rules/sh", json=fixed).status_code == 200
    again = api.post("/api/v1/assignment_rules/sh/check", json={"ids": [careless, spaced]})
    assert again.get_json()["missed"] == []


def test_a_restricted_caller_sees_no_more(api: Api, tenant: TenantHandle) -> None:
    reps = setup(api, tenant)
    rep = reps["a@example.com"]
    usable = {**CARELESS, "usable_by": {"roles": ["rep"]}}
    assert api.put("/api/v1/meta/assignment_rules/sh", json=usable).status_code == 200
    mine = new_lead(rep, city_text="ShangHai", mobile="021-62991640")
    new_lead(api, city_text="ShangHai", mobile="021-62991640")  # not the rep's to see
    report = rep.post("/api/v1/assignment_rules/sh/check")
    assert report.status_code == 200, report.get_json()
    body = report.get_json()
    assert body["checked"] == 1 and [m["id"] for m in body["missed"]] == [mine]
    # the mobile is sensitive: masked for the rep, so no phone near miss tells of it
    assert [n["why"] for n in body["missed"][0]["near_misses"]] == ["alias"]
    assert "021-62991640" not in report.get_data(as_text=True)
    assert REP_ROLE["grants"]["lead"]["actions"] == ["read", "create", "edit"]


def test_bad_checks(api: Api, tenant: TenantHandle) -> None:
    setup(api, tenant)
    bad = api.post("/api/v1/assignment_rules/sh/check", json={"limit": 0, "x": 1})
    assert bad.status_code == 422 and error_paths(bad) == ["/x"]
    problem(api.post("/api/v1/assignment_rules/nope/check", json={}), 404)
    limit = api.post("/api/v1/assignment_rules/sh/check", json={"limit": 0})
    assert error_paths(limit) == ["/limit"]


def test_a_rule_switched_off_is_checked_before_it_is_turned_on(
        api: Api, tenant: TenantHandle) -> None:
    """The check is for before a rule goes live: an inactive rule is checked (per record
    and as a summary, phone conditions included) but not applied."""
    leads(api, tenant, "a@example.com")
    rule = {**CARELESS, "active": False, "entries": [{
        "condition": {"any": [{"field": "city_text", "op": "eq", "value": "上海"},
                              {"field": "mobile", "op": "area_code", "value": "021"}]},
        "to": [{"user": "a@example.com"}]}]}
    assert api.put("/api/v1/meta/assignment_rules/sh", json=rule).status_code == 200
    caught = new_lead(api, city_text="ShangHai", mobile="021-62991640")
    missed = new_lead(api, city_text="成都", mobile="028-12345678")
    report = api.post("/api/v1/assignment_rules/sh/check", json={})
    assert report.status_code == 200, report.get_json()
    assert [m["id"] for m in report.get_json()["missed"]] == [missed]
    summary = api.post("/api/v1/assignment_rules/sh/check", json={"summary": True})
    assert summary.status_code == 200, summary.get_json()
    assert summary.get_json()["entries"][0]["records"] == 1
    assert [m["id"] for m in summary.get_json()["missed"]] == [missed]
    problem(api.post("/api/v1/assignment_rules/sh/apply", json={"ids": [caught]}), 409,
            "assignment_rule_inactive")
