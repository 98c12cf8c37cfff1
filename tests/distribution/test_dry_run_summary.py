"""The dry run as a summary: records per entry over every selected record, the missed
ones (first ``limit``) with their near misses; nothing written, nothing more seen."""

from __future__ import annotations

from tests.conftest import Api, TenantHandle, error_paths
from tests.distribution.support import new_lead
from tests.distribution.test_gap_finder import setup


def two_entries(api: Api) -> None:
    rule = {"object": "lead", "entries": [
        {"condition": {"field": "city_text", "op": "eq", "value": "上海"},
         "to": [{"user": "a@example.com"}]},
        {"condition": {"field": "city_text", "op": "eq", "value": "北京"},
         "to": [{"user": "b@example.com"}]}]}
    assert api.put("/api/v1/meta/assignment_rules/sh", json=rule).status_code == 200


def test_summary_counts_each_entry_and_names_the_misses(api: Api,
                                                        tenant: TenantHandle) -> None:
    setup(api, tenant)
    tenant.add_user("b@example.com", roles=["rep"])
    two_entries(api)
    for _ in range(3):
        new_lead(api, city_text="上海")
    new_lead(api, city_text="北京")
    careless = new_lead(api, city_text="ShangHai", mobile="021-62991640")
    other = new_lead(api, city_text="广州")
    report = api.post("/api/v1/assignment_rules/sh/check", json={"summary": True, "limit": 1})
    assert report.status_code == 200, report.get_json()
    body = report.get_json()
    assert body["checked"] == 6 and body["taken"] == 4 and body["missed_count"] == 2
    assert [(e["entry"], e["records"]) for e in body["entries"]] == [(0, 3), (1, 1)]
    assert body["entries"][0]["eligible"] == ["a@example.com"]
    # the first missed record (oldest), with its near misses
    assert [m["id"] for m in body["missed"]] == [careless]
    assert {n["why"] for n in body["missed"][0]["near_misses"]} == {"alias",
                                                                     "phone_area_code"}
    # a filter narrows it
    narrowed = api.post("/api/v1/assignment_rules/sh/check", json={
        "summary": True, "filter": {"field": "city_text", "op": "eq", "value": "广州"}})
    assert narrowed.get_json()["missed_count"] == 1
    assert [m["id"] for m in narrowed.get_json()["missed"]] == [other]


def test_an_entry_nobody_can_take_lets_records_fall_through(api: Api,
                                                             tenant: TenantHandle) -> None:
    setup(api, tenant)
    tenant.add_user("b@example.com", roles=["rep"])
    two_entries(api)
    api.patch("/api/v1/users/a@example.com", json={"active": False})
    new_lead(api, city_text="上海")
    body = api.post("/api/v1/assignment_rules/sh/check", json={"summary": True}).get_json()
    assert body["entries"][0]["open"] is False and body["entries"][0]["records"] == 0
    assert body["missed_count"] == 1


def test_summary_sees_only_what_the_caller_sees(api: Api, tenant: TenantHandle) -> None:
    reps = setup(api, tenant)
    rep = reps["a@example.com"]
    usable = {"object": "lead", "usable_by": {"roles": ["rep"]}, "entries": [
        {"condition": {"field": "city_text", "op": "eq", "value": "上海"},
         "to": [{"user": "a@example.com"}]}]}
    assert api.put("/api/v1/meta/assignment_rules/sh", json=usable).status_code == 200
    mine = new_lead(rep, city_text="ShangHai")
    new_lead(api, city_text="ShangHai")  # not the rep's to see
    new_lead(api, city_text="上海")
    body = rep.post("/api/v1/assignment_rules/sh/check", json={"summary": True}).get_json()
    assert body["checked"] == 1 and body["missed_count"] == 1
    assert [m["id"] for m in body["missed"]] == [mine]


def test_bad_summary_requests(api: Api, tenant: TenantHandle) -> None:
    setup(api, tenant)
    rid = new_lead(api, city_text="上海")
    for body in ({"summary": "yes"}, {"summary": True, "ids": [rid]}):
        answer = api.post("/api/v1/assignment_rules/sh/check", json=body)
        assert answer.status_code == 422 and error_paths(answer) == ["/summary"]
