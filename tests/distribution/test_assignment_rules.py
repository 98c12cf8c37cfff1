"""Assignment rules: the metadata kind, applying a rule, and the workflow assign step."""

from __future__ import annotations

from collections import Counter
from typing import Any

from objectry.platform.automation import tick_at
from tests.conftest import Api, TenantHandle, error_codes, error_paths, problem
from tests.distribution.support import leads, new_lead, office, user_id
from tests.distribution.test_owner_change import record_events

SHANGHAI = {"field": "city", "op": "eq", "value": "shanghai"}


def shanghai_rule(**entry_options: Any) -> dict[str, Any]:
    return {"object": "lead", "label": {"en": "Shanghai", "zh-CN": "上海地区分发规则"},
            "entries": [
                {"condition": SHANGHAI, "to": [{"department": "shanghai_office"}],
                 **entry_options},
                {"to": [{"user": "hq@example.com"}], "method": "fixed"}]}


def setup(api: Api, tenant: TenantHandle) -> dict[str, Api]:
    office(api, "shanghai_office")
    office(api, "pudong", parent="shanghai_office")
    reps = leads(api, tenant, "hq@example.com")
    for email, department in (("a@example.com", "shanghai_office"),
                              ("b@example.com", "shanghai_office"),
                              ("c@example.com", "pudong")):
        reps[email] = Api(api.client, tenant.add_user(email, roles=["rep"],
                                                        department=department))
    return reps


def put_rule(api: Api, document: dict[str, Any], name: str = "shanghai") -> Any:
    return api.put(f"/api/v1/meta/assignment_rules/{name}", json=document)


def owners(api: Api, ids: list[str]) -> list[str]:
    by_id = {u["id"]: u["email"] for u in api.get("/api/v1/users").get_json()["items"]}
    return [by_id[api.get(f"/api/v1/records/lead/{i}").get_json()["owner"]] for i in ids]


def test_rule_is_versioned_metadata(api: Api, tenant: TenantHandle) -> None:
    reps = setup(api, tenant)
    stored = put_rule(api, shanghai_rule())
    assert stored.status_code == 200, stored.get_json()
    first = stored.get_json()["version"]
    assert api.get("/api/v1/meta/assignment_rules/shanghai").get_json()["entries"][0][
        "to"] == [{"department": "shanghai_office"}]
    changed = put_rule(api, shanghai_rule(method="least_loaded"))
    assert changed.get_json()["version"] > first
    names = [d["api_name"] for d in api.get("/api/v1/meta/assignment_rules").get_json()[
        "items"]]
    assert names == ["shanghai"]
    # a rep without the customize right reads no rule (metadata access rules)
    problem(reps["a@example.com"].get("/api/v1/meta/assignment_rules/shanghai"), 403)


def test_bad_rules_are_refused_with_pointers(api: Api, tenant: TenantHandle) -> None:
    setup(api, tenant)
    bad = put_rule(api, {"object": "lead", "entries": [
        {"condition": {"field": "nope", "op": "eq", "value": 1},
         "to": [{"user": "ghost@example.com"}, {"department": "mars"}, {"role": "pilot"}]},
        {"to": [{"user": "a@example.com"}, {"user": "b@example.com"}], "method": "fixed"}]})
    assert bad.status_code == 422
    assert sorted(error_paths(bad)) == [
        "/entries/0/condition/field", "/entries/0/to/0/user", "/entries/0/to/1/department",
        "/entries/0/to/2/role", "/entries/1/to"]
    negative = put_rule(api, shanghai_rule(capacity=-1))
    assert negative.status_code == 422 and error_paths(negative) == ["/entries/0/capacity"]
    unknown_object = put_rule(api, {**shanghai_rule(), "object": "ticket"})
    assert error_paths(unknown_object) == ["/object"]
    zh = api.put("/api/v1/meta/assignment_rules/pilots",
                 json={"object": "lead", "entries": [{"to": [{"role": "pilot"}]}]},
                 headers={"Accept-Language": "zh-CN"})
    assert error_codes(zh) == ["unknown_recipient_role"]
    assert "不存在角色" in zh.get_json()["errors"][0]["message"]
    problem(api.get("/api/v1/meta/assignment_rules/shanghai"), 404)


def test_round_robin_over_the_office_and_fallback(api: Api, tenant: TenantHandle) -> None:
    setup(api, tenant)
    assert put_rule(api, shanghai_rule()).status_code == 200
    shanghai = [new_lead(api, city="shanghai") for _ in range(6)]
    elsewhere = new_lead(api, city="beijing")
    run = api.post("/api/v1/assignment_rules/shanghai/apply",
                   json={"ids": [*shanghai, elsewhere]})
    assert run.status_code == 200, run.get_json()
    assert run.get_json()["assigned"] == 7
    # the office's members, sub-department included, in turn
    assert Counter(owners(api, shanghai)) == {"a@example.com": 2, "b@example.com": 2,
                                              "c@example.com": 2}
    assert owners(api, [elsewhere]) == ["hq@example.com"]
    # why, in the audit trail and the event
    audit = api.get(f"/api/v1/records/lead/{shanghai[0]}/audit").get_json()["items"][0]
    because = audit["changes"][0]["because"]
    assert because["rule"] == "shanghai" and because["entry"] == 0
    assert because["method"] == "round_robin"
    fallback = record_events(tenant, elsewhere)[-1]["because"]
    assert fallback["entry"] == 1 and fallback["picked"] == "hq@example.com"


def test_inactive_and_full_recipients_are_skipped(api: Api, tenant: TenantHandle) -> None:
    setup(api, tenant)
    api.patch("/api/v1/users/b@example.com", json={"active": False})
    assert put_rule(api, shanghai_rule(method="least_loaded", capacity=1)).status_code == 200
    ids = [new_lead(api, city="shanghai") for _ in range(3)]
    run = api.post("/api/v1/assignment_rules/shanghai/apply", json={"ids": ids}).get_json()
    assert sorted(owners(api, ids)) == ["a@example.com", "c@example.com", "hq@example.com"]
    last = run["items"][2]["decision"]
    assert last["entry"] == 1
    skipped = {s["user"]: s["reason"] for s in last["tried"][0]["skipped"]}
    assert skipped == {"b@example.com": "inactive", "a@example.com": "over_capacity",
                       "c@example.com": "over_capacity"}


def test_nobody_eligible_keeps_the_owner_and_says_why(api: Api,
                                                      tenant: TenantHandle) -> None:
    setup(api, tenant)
    rule = {"object": "lead", "entries": [{"condition": SHANGHAI,
                                           "to": [{"user": "a@example.com"}],
                                           "capacity": 0}]}
    assert put_rule(api, rule).status_code == 200
    rid = new_lead(api, city="shanghai")
    run = api.post("/api/v1/assignment_rules/shanghai/apply", json={"ids": [rid]}).get_json()
    assert run["failed"] == 1 and run["items"][0]["assigned"] is False
    assert run["items"][0]["decision"]["reason"] == "no_eligible_recipient"
    assert api.get(f"/api/v1/records/lead/{rid}").get_json()["version"] == 1
    failed = record_events(tenant, rid, "record.assignment_failed")
    assert failed and failed[0]["reason"] == "no_eligible_recipient"


def test_who_may_apply(api: Api, tenant: TenantHandle) -> None:
    reps = setup(api, tenant)
    assert put_rule(api, shanghai_rule()).status_code == 200
    mine = new_lead(reps["hq@example.com"], city="shanghai")
    body = {"ids": [mine]}
    problem(reps["hq@example.com"].post("/api/v1/assignment_rules/shanghai/apply", json=body),
            403, "assignment_rule_not_usable")
    assert put_rule(api, {**shanghai_rule(), "usable_by": {"roles": ["rep"]}}
                    ).status_code == 200
    # usable by reps, on their own records
    done = reps["hq@example.com"].post("/api/v1/assignment_rules/shanghai/apply", json=body)
    assert done.status_code == 200, done.get_json()
    theirs = new_lead(api, city="shanghai")  # the admin's: the rep cannot see it
    problem(reps["hq@example.com"].post("/api/v1/assignment_rules/shanghai/apply",
                                        json={"ids": [theirs]}), 403)
    problem(api.post("/api/v1/assignment_rules/nope/apply", json=body), 404,
            "unknown_assignment_rule")
    bad = api.post("/api/v1/assignment_rules/shanghai/apply", json={"ids": [], "x": 1})
    assert bad.status_code == 422 and error_paths(bad) == ["/x"]


def test_workflow_assign_step_uses_the_rule(api: Api, tenant: TenantHandle) -> None:
    setup(api, tenant)
    assert put_rule(api, shanghai_rule()).status_code == 200
    workflow = {"object": "lead", "label": {"en": "Route"}, "trigger": {"on": "created"},
                "steps": [{"id": "route", "action": "assign", "rule": "shanghai"}]}
    stored = api.put("/api/v1/meta/workflows/route", json=workflow)
    assert stored.status_code == 200, stored.get_json()["errors"]
    ids = [new_lead(api, city="shanghai") for _ in range(3)]
    tick_at(tenant.services)
    assert sorted(owners(api, ids)) == ["a@example.com", "b@example.com", "c@example.com"]
    a = user_id(api, "a@example.com")
    assert any(c.get("because", {}).get("rule") == "shanghai"
               for e in api.get(f"/api/v1/records/lead/{ids[0]}/audit").get_json()["items"]
               for c in e["changes"])
    assert a in {api.get(f"/api/v1/records/lead/{i}").get_json()["owner"] for i in ids}


def test_assignment_history_of_a_record(api: Api, tenant: TenantHandle) -> None:
    reps = setup(api, tenant)
    rule = {"object": "lead", "entries": [{"condition": SHANGHAI,
                                           "to": [{"user": "a@example.com"}],
                                           "capacity": 1}]}
    assert put_rule(api, rule).status_code == 200
    first, second = new_lead(api, city="shanghai"), new_lead(api, city="shanghai")
    api.post("/api/v1/assignment_rules/shanghai/apply", json={"ids": [first, second]})
    taken = api.get(f"/api/v1/records/lead/{first}/assignments").get_json()["items"]
    assert [i["kind"] for i in taken] == ["owner_changed"]
    assert taken[0]["new"] == user_id(api, "a@example.com")
    assert taken[0]["because"]["rule"] == "shanghai"
    assert taken[0]["decision"]["tried"][0]["candidates"] == ["a@example.com"]
    failed = api.get(f"/api/v1/records/lead/{second}/assignments").get_json()["items"]
    assert [i["kind"] for i in failed] == ["assignment_failed"]
    assert failed[0]["decision"]["tried"][0]["skipped"] == [
        {"user": "a@example.com", "reason": "over_capacity"}]
    # the owner reads their record's history; a rep who cannot see the record cannot
    assert reps["a@example.com"].get(
        f"/api/v1/records/lead/{first}/assignments").status_code == 200
    problem(reps["b@example.com"].get(f"/api/v1/records/lead/{first}/assignments"), 403)


def test_workflow_dry_run_names_who_the_rule_would_pick(api: Api,
                                                        tenant: TenantHandle) -> None:
    setup(api, tenant)
    assert put_rule(api, shanghai_rule()).status_code == 200
    workflow = {"object": "lead", "label": {"en": "Route"}, "trigger": {"on": "created"},
                "steps": [{"id": "route", "action": "assign", "rule": "shanghai"}]}
    assert api.put("/api/v1/meta/workflows/route", json=workflow).status_code == 200
    rid = new_lead(api, city="beijing")
    answer = api.post("/api/v1/workflows/route/dry_run", json={})
    assert answer.status_code == 200, answer.get_json()
    described = [s["would"] for item in answer.get_json()["items"] if item["record"] == rid
                 for s in item["path"]]
    assert described[0] == {"assigns_by_rule": "shanghai", "would_go_to": "hq@example.com",
                            "entry": 1}
    assert api.get(f"/api/v1/records/lead/{rid}").get_json()["version"] == 1


def test_workflow_assign_step_names_an_existing_rule(api: Api, tenant: TenantHandle) -> None:
    setup(api, tenant)
    workflow = {"object": "lead", "label": {"en": "Route"}, "trigger": {"on": "created"},
                "steps": [{"id": "route", "action": "assign", "rule": "shanghai"}]}
    refused = problem(api.put("/api/v1/meta/workflows/route", json=workflow), 422)
    assert [(e["path"], e["code"]) for e in refused["errors"]] == [
        ("/steps/0/rule", "unknown_assignment_rule")]
    assert api.get("/api/v1/meta/workflows/route").status_code == 404
    # saved together in one batch, the rule comes first
    assert put_rule(api, shanghai_rule()).status_code == 200
    assert api.put("/api/v1/meta/workflows/route", json=workflow).status_code == 200
