"""Assignment rules, part 2: recipients from a field or a related record's owner,
weighted round robin, caps per recipient, working hours, levels that become
distribution grants, and honest failure into the fallback pool."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from typing import Any

from tests.conftest import Api, TenantHandle, problem
from tests.distribution.pool_support import pool
from tests.distribution.support import leads, new_lead, user_id
from tests.distribution.test_owner_change import record_events
from tests.docs_objects import lead

REPS = ("a@example.com", "b@example.com", "c@example.com")


def setup(api: Api, tenant: TenantHandle) -> dict[str, Api]:
    reps = leads(api, tenant, *REPS)
    api.define(lead(fields=[{"api_name": "city_text", "type": "text", "group": "company"},
                            {"api_name": "rep_email", "type": "text"}]))
    return reps


def put_rule(api: Api, document: dict[str, Any], name: str = "route") -> Any:
    return api.put(f"/api/v1/meta/assignment_rules/{name}", json={"object": "lead", **document})


def apply(api: Api, ids: list[str], name: str = "route") -> dict[str, Any]:
    answer = api.post(f"/api/v1/assignment_rules/{name}/apply", json={"ids": ids})
    assert answer.status_code == 200, answer.get_json()
    return dict(answer.get_json())


def owner_email(api: Api, rid: str) -> str | None:
    by_id = {u["id"]: u["email"] for u in api.get("/api/v1/users").get_json()["items"]}
    owner = api.get(f"/api/v1/records/lead/{rid}").get_json()["owner"]
    return None if owner is None else by_id[owner]


def test_recipient_from_a_field_and_from_a_related_owner(api: Api,
                                                         tenant: TenantHandle) -> None:
    setup(api, tenant)
    made = api.post("/api/v1/records/campaign", json={"name": "Expo"})
    assert made.status_code == 201, made.get_json()
    campaign = made.get_json()["id"]
    assert api.post(f"/api/v1/records/campaign/{campaign}/owner",
                    json={"owner": "c@example.com"}).status_code == 200
    assert put_rule(api, {"entries": [
        {"condition": {"field": "rep_email", "op": "is_not_empty"},
         "to": [{"field": "rep_email"}], "method": "fixed"},
        {"to": [{"owner_of": "campaign"}], "method": "fixed"}]}).status_code == 200
    by_field = new_lead(api, rep_email="B@example.com ")
    by_campaign = new_lead(api, campaign=campaign)
    neither = new_lead(api)
    answer = apply(api, [by_field, by_campaign, neither])
    assert [i["assigned"] for i in answer["items"]] == [True, True, False]
    assert owner_email(api, by_field) == "b@example.com"
    assert owner_email(api, by_campaign) == "c@example.com"
    assert answer["items"][2]["decision"]["tried"][0]["skipped"] == [
        {"owner_of": "campaign", "reason": "no_such_recipient"}]


def test_weighted_round_robin_and_caps_per_recipient(api: Api,
                                                     tenant: TenantHandle) -> None:
    setup(api, tenant)
    assert put_rule(api, {"entries": [{"method": "weighted_round_robin", "to": [
        {"user": "a@example.com", "weight": 3}, {"user": "b@example.com", "weight": 1},
        {"user": "c@example.com", "capacity": 1}]}]}).status_code == 200
    ids = [new_lead(api) for _ in range(9)]
    apply(api, ids)
    counts = Counter(owner_email(api, i) for i in ids)
    # c takes one turn a round until capped at 1; a three to b's one
    assert counts["c@example.com"] == 1
    assert counts["a@example.com"] == 6 and counts["b@example.com"] == 2


def test_levels_become_a_distribution_grant(api: Api, tenant: TenantHandle) -> None:
    reps = setup(api, tenant)
    assert put_rule(api, {"entries": [{"to": [{"user": "b@example.com"}],
                                       "levels": {"contact": "read", "company": "none"}}]}
                    ).status_code == 200
    mine = new_lead(reps["a@example.com"], company_name="ACME", email="li@example.com")
    answer = apply(api, [mine])
    assert answer["items"][0]["assigned"] and answer["items"][0]["changed"] is False
    assert owner_email(api, mine) == "a@example.com"  # the 主控者 keeps it
    seen = reps["b@example.com"].get(f"/api/v1/records/lead/{mine}")
    assert seen.status_code == 200
    assert "company_name" not in seen.get_json()
    assert problem(reps["b@example.com"].patch(f"/api/v1/records/lead/{mine}",
                                               json={"full_name": "X"}), 403)
    history = api.get(f"/api/v1/records/lead/{mine}/assignments").get_json()["items"]
    assert history[0]["kind"] == "distributed"
    assert history[0]["decision"]["picked"] == "b@example.com"


def test_nobody_eligible_goes_to_the_fallback_pool(api: Api, tenant: TenantHandle) -> None:
    reps = setup(api, tenant)
    pool(api, "sea")
    tenant.add_user("gone@example.com", roles=["rep"])
    api.patch("/api/v1/users/gone@example.com", json={"active": False})
    night = {"from": "00:00", "to": "00:01", "days": [1]}
    assert put_rule(api, {"fallback_pool": "sea", "entries": [
        {"to": [{"user": "gone@example.com"}]},
        {"to": [{"role": "rep"}], "hours": night}]}).status_code == 200
    rid = new_lead(api)
    answer = apply(api, [rid])
    item = answer["items"][0]
    assert item["assigned"] is False and item["pool"] == "sea"
    reasons = {s["reason"] for t in item["decision"]["tried"] for s in t["skipped"]}
    now = dt.datetime.now(dt.UTC).astimezone(dt.timezone(dt.timedelta(hours=8)))
    if not (now.isoweekday() == 1 and now.strftime("%H:%M") < "00:01"):
        assert reasons == {"inactive", "outside_working_hours"}
    assert owner_email(api, rid) is None
    assert record_events(tenant, rid, "record.assignment_failed")[-1]["fallback_pool"] == "sea"
    listed = reps["a@example.com"].get("/api/v1/pools/sea/records").get_json()["items"]
    assert [i["id"] for i in listed] == [rid]


def test_bad_rules_are_refused_with_pointers(api: Api, tenant: TenantHandle) -> None:
    setup(api, tenant)
    bad = {"fallback_pool": "nope", "entries": [
        {"to": [{"field": "nope"}, {"owner_of": "full_name"},
                {"user": "a@example.com", "role": "rep"}],
         "levels": {"secret": "read"}, "hours": {"from": "18:00", "to": "09:00",
                                                 "timezone": "Mars/Base"}}]}
    refused = problem(put_rule(api, bad), 422)
    assert sorted(e["path"] for e in refused["errors"]) == [
        "/entries/0/hours/timezone", "/entries/0/hours/to", "/entries/0/levels/secret",
        "/entries/0/to/0/field", "/entries/0/to/1/owner_of", "/entries/0/to/2",
        "/fallback_pool"]
    negative = problem(put_rule(api, {"entries": [{"to": [{"user": "a@example.com",
                                                           "capacity": -1}]}]}), 422)
    assert [e["path"] for e in negative["errors"]] == ["/entries/0/to/0/capacity"]
    assert api.get("/api/v1/meta/assignment_rules/route").status_code == 404
    assert user_id(api, "a@example.com")
