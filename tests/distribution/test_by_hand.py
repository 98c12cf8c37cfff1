"""Distribution by hand (seed 004): many records to users and departments with levels,
reclaimed in bulk, tagged in bulk; one call, one transaction, refusals change nothing."""

from __future__ import annotations

from typing import Any

from tests.conftest import Api, TenantHandle, error_paths, problem
from tests.distribution.support import leads, new_lead, office


def live_grants(api: Api, rid: str) -> list[dict[str, Any]]:
    return api.get(f"/api/v1/records/lead/{rid}/grants").get_json()["items"]


def test_distribute_to_users_and_departments_with_levels(api: Api,
                                                         tenant: TenantHandle) -> None:
    office(api, "shanghai_office")
    reps = leads(api, tenant, "a@example.com")
    reps["b@example.com"] = Api(api.client, tenant.add_user(
        "b@example.com", roles=["rep"], department="shanghai_office"))
    ids = [new_lead(api, email=f"l{i}@example.com", company_name="ACME") for i in range(3)]
    body = {"ids": ids, "to": [
        {"grantee": "user:a@example.com", "field_groups": {"contact": "read", "company": "edit"}},
        {"grantee": "department:shanghai_office", "field_groups": {"contact": "none",
                                                                  "company": "read"}}]}
    done = api.post("/api/v1/records/lead/distribute", json=body)
    assert done.status_code == 200, done.get_json()
    assert done.get_json()["granted"] == 6
    for rid in ids:
        given = {g["grantee"]: g["field_groups"] for g in live_grants(api, rid)}
        assert given["user:a@example.com"]["contact"] == "read"
        assert given["department:shanghai_office"]["company"] == "read"
    # the grants work: the department's rep reads the company, not the contact
    seen = reps["b@example.com"].get(f"/api/v1/records/lead/{ids[0]}").get_json()
    assert seen.get("company_name") == "ACME" and "email" not in seen
    # bulk reclaim (回收): only the department's grants
    recalled = api.post("/api/v1/records/lead/recall",
                        json={"ids": ids, "grantees": ["department:shanghai_office"]})
    assert recalled.status_code == 200 and recalled.get_json()["revoked"] == 3
    assert [g["grantee"] for g in live_grants(api, ids[0])] == ["user:a@example.com"]
    problem(reps["b@example.com"].get(f"/api/v1/records/lead/{ids[0]}"), 403)
    everything = api.post("/api/v1/records/lead/recall", json={"ids": ids})
    assert everything.get_json()["revoked"] == 3 and live_grants(api, ids[1]) == []


def test_a_bad_recipient_or_record_changes_nothing(api: Api, tenant: TenantHandle) -> None:
    reps = leads(api, tenant, "a@example.com")
    ids = [new_lead(api) for _ in range(2)]
    bad = api.post("/api/v1/records/lead/distribute", json={"ids": ids, "to": [
        {"grantee": "user:a@example.com", "field_groups": {"contact": "read"}},
        {"grantee": "user:ghost@example.com", "field_groups": {"nope": "read"}}]})
    assert bad.status_code == 422
    assert sorted(error_paths(bad)) == ["/to/1/field_groups/nope", "/to/1/grantee"]
    assert live_grants(api, ids[0]) == []
    missing = api.post("/api/v1/records/lead/distribute", json={
        "ids": [ids[0], "0190f0f0-0000-7000-8000-000000000000"],
        "to": [{"grantee": "user:a@example.com", "field_groups": {"contact": "read"}}]})
    assert missing.status_code == 404 and error_paths(missing) == ["/ids/1"]
    assert live_grants(api, ids[0]) == []
    # a rep may not distribute the admin's records
    theirs = reps["a@example.com"].post("/api/v1/records/lead/distribute", json={
        "ids": ids, "to": [{"grantee": "user:a@example.com",
                            "field_groups": {"contact": "read"}}]})
    assert theirs.status_code in (403, 404)
    for body in ({"to": []}, {"ids": ids}, {"ids": ids, "to": [{}], "x": 1}):
        assert api.post("/api/v1/records/lead/distribute", json=body).status_code == 422


def test_tags_on_many_records(api: Api, tenant: TenantHandle) -> None:
    leads(api, tenant)
    first = new_lead(api, tags=["cold"])
    second = new_lead(api)
    added = api.post("/api/v1/records/lead/tags",
                     json={"ids": [first, second], "field": "tags", "add": ["vip"],
                           "remove": ["cold"]})
    assert added.status_code == 200, added.get_json()
    assert added.get_json()["changed"] == 2
    assert api.get(f"/api/v1/records/lead/{first}").get_json()["tags"] == ["vip"]
    assert api.get(f"/api/v1/records/lead/{second}").get_json()["tags"] == ["vip"]
    audit = api.get(f"/api/v1/records/lead/{second}/audit").get_json()["items"][0]
    assert audit["changes"][0]["field"] == "tags"
    again = api.post("/api/v1/records/lead/tags",
                     json={"filter": {"field": "tags", "op": "is_not_empty"}, "field": "tags",
                           "add": ["vip"]})
    assert again.get_json() == {**again.get_json(), "changed": 0, "unchanged": 2}
    for body, at in (({"ids": [first], "field": "city", "add": ["x"]}, "/field"),
                     ({"ids": [first], "field": "tags"}, "/add"),
                     ({"ids": [first], "field": "tags", "add": ["nope"]}, None)):
        refused = api.post("/api/v1/records/lead/tags", json=body)
        assert refused.status_code == 422, refused.get_json()
        if at is not None:
            assert error_paths(refused) == [at]
    assert api.get(f"/api/v1/records/lead/{first}").get_json()["tags"] == ["vip"]


def test_watch_a_record(api: Api, tenant: TenantHandle) -> None:
    reps = leads(api, tenant, "a@example.com", "b@example.com")
    rid = new_lead(reps["a@example.com"])
    url = f"/api/v1/records/lead/{rid}/watch"
    assert reps["a@example.com"].get(url).get_json() == {
        "id": rid, "watching": False, "watchers": 0}
    assert reps["a@example.com"].put(url).get_json()["watching"] is True
    assert reps["a@example.com"].put(url).get_json()["watchers"] == 1  # once
    assert api.put(url).get_json() == {"id": rid, "watching": True, "watchers": 2}
    assert reps["a@example.com"].delete(url).get_json() == {
        "id": rid, "watching": False, "watchers": 1}
    # a rep who cannot read the record cannot follow it, nor learn who does
    problem(reps["b@example.com"].put(url), 403)
    problem(reps["b@example.com"].get(url), 403)
    problem(api.put("/api/v1/records/lead/0190f0f0-0000-7000-8000-000000000000/watch"), 404)
