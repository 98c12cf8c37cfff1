"""Lead pools (公海): members see masked records, claim within limits, return with a
reason; admins add and reclaim; bad input is a 4xx with a pointer, nothing changed."""

from __future__ import annotations

from typing import Any

from tests.conftest import Api, TenantHandle, problem
from tests.distribution.pool_support import pool, pooled
from tests.distribution.support import leads, new_lead, user_id


def test_member_sees_pooled_records_masked_until_claimed(api: Api,
                                                         tenant: TenantHandle) -> None:
    reps, (rid,) = pooled(api, tenant)
    a = reps["a@example.com"]
    listed = a.get("/api/v1/pools/sea/records")
    assert listed.status_code == 200, listed.get_json()
    (item,) = listed.get_json()["items"]
    assert item["id"] == rid and item["owner"] is None
    assert item["email"] != "lead0@example.com" and item["company_name"] != "ACME 0"
    assert "lead0" not in str(item) and "ACME 0" not in str(item)
    assert item["full_name"] == "Zhang"
    # the records API shows a rep nothing of a record nobody owns (scope own)
    assert a.get(f"/api/v1/records/lead/{rid}").status_code in (403, 404)
    claimed = a.post("/api/v1/pools/sea/claim", json={"ids": [rid]})
    assert claimed.status_code == 200, claimed.get_json()
    assert claimed.get_json()["items"][0]["owner"] == user_id(api, "a@example.com")
    mine = a.get(f"/api/v1/records/lead/{rid}").get_json()
    assert mine["email"] == "lead0@example.com" and mine["company_name"] == "ACME 0"
    assert a.get("/api/v1/pools/sea/records").get_json()["items"] == []
    # the pool admin (a tenant admin) sees the fields
    pool(api, "other")
    assert api.get("/api/v1/pools/other/records").get_json()["items"] == []


def test_claimed_once_and_history(api: Api, tenant: TenantHandle) -> None:
    reps, (rid,) = pooled(api, tenant)
    assert reps["a@example.com"].post("/api/v1/pools/sea/claim",
                                      json={"ids": [rid]}).status_code == 200
    taken = problem(reps["b@example.com"].post("/api/v1/pools/sea/claim",
                                               json={"ids": [rid]}), 409)
    assert taken["errors"][0]["path"] == "/ids/0"
    assert taken["errors"][0]["code"] == "pool_record_taken"
    history = api.get(f"/api/v1/records/lead/{rid}/assignments").get_json()["items"]
    assert history[0]["because"]["pool"] == "sea"
    assert history[0]["because"]["action"] == "claim"
    assert history[1]["because"]["action"] == "added" and history[1]["new"] is None


def test_return_needs_a_reason_and_the_holder(api: Api, tenant: TenantHandle) -> None:
    reps, (rid,) = pooled(api, tenant)
    a, b = reps["a@example.com"], reps["b@example.com"]
    assert a.post("/api/v1/pools/sea/claim", json={"ids": [rid]}).status_code == 200
    refused = problem(a.post("/api/v1/pools/sea/return", json={"ids": [rid]}), 422)
    assert paths(refused) == ["/reason"]
    problem(b.post("/api/v1/pools/sea/return", json={"ids": [rid], "reason": "mine"}), 403,
            "pool_not_holder")
    back = a.post("/api/v1/pools/sea/return", json={"ids": [rid], "reason": "not reachable"})
    assert back.status_code == 200, back.get_json()
    assert api.get(f"/api/v1/records/lead/{rid}").get_json()["owner"] is None
    zh = a.post("/api/v1/pools/sea/return", json={"ids": [rid], "reason": "x"},
                headers={"Accept-Language": "zh-CN"})
    assert zh.status_code == 409 and "公海" in zh.get_json()["errors"][0]["message"]


def test_limits_held_per_day_and_cooldown(api: Api, tenant: TenantHandle) -> None:
    reps, ids = pooled(api, tenant, 4, limits={"max_held": 2, "max_claims_per_day": 3,
                                               "cooldown_days": 7})
    a = reps["a@example.com"]
    over = problem(a.post("/api/v1/pools/sea/claim", json={"ids": ids[:3]}), 409,
                   "pool_max_held")
    assert paths(over) == ["/ids"]
    assert api.get(f"/api/v1/records/lead/{ids[0]}").get_json()["owner"] is None
    assert a.post("/api/v1/pools/sea/claim", json={"ids": ids[:2]}).status_code == 200
    assert a.post("/api/v1/pools/sea/return",
                  json={"ids": [ids[0]], "reason": "wrong number"}).status_code == 200
    again = problem(a.post("/api/v1/pools/sea/claim", json={"ids": [ids[0]]}), 409,
                    "pool_cooldown")
    assert paths(again) == ["/ids/0"]
    assert a.post("/api/v1/pools/sea/claim", json={"ids": [ids[2]]}).status_code == 200
    assert a.post("/api/v1/pools/sea/return",
                  json={"ids": [ids[2]], "reason": "done"}).status_code == 200
    problem(a.post("/api/v1/pools/sea/claim", json={"ids": [ids[3]]}), 409,
            "pool_max_claims_per_day")
    assert reps["b@example.com"].post("/api/v1/pools/sea/claim",
                                      json={"ids": [ids[0]]}).status_code == 200


def test_non_member_and_bad_input(api: Api, tenant: TenantHandle) -> None:
    reps, (rid,) = pooled(api, tenant)
    outsider = Api(api.client, tenant.add_user("x@example.com"))
    problem(outsider.post("/api/v1/pools/sea/claim", json={"ids": [rid]}), 403,
            "pool_not_member")
    problem(outsider.get("/api/v1/pools/sea/records"), 403, "pool_not_member")
    a = reps["a@example.com"]
    problem(a.post("/api/v1/pools/sea/records", json={"ids": [rid]}), 403, "pool_not_admin")
    problem(a.post("/api/v1/pools/nope/claim", json={"ids": [rid]}), 404)
    assert paths(problem(a.post("/api/v1/pools/sea/claim", json={"ids": []}),
                               422)) == ["/ids"]
    assert paths(problem(a.post("/api/v1/pools/sea/claim", json={"id": rid}),
                               422)) == ["/id"]
    loose = new_lead(api)
    refused = problem(api.post("/api/v1/pools/sea/reclaim",
                               json={"ids": [loose], "reason": "x"}), 409,
                      "pool_record_not_claimed")
    assert paths(refused) == ["/ids/0"]
    problem(a.post("/api/v1/pools/sea/claim", json={"ids": [loose]}), 409,
            "pool_record_not_in_pool")


def test_pool_documents_are_checked(api: Api, tenant: TenantHandle) -> None:
    leads(api, tenant)
    bad = {"object": "lead", "members": {"users": ["ghost@example.com"], "roles": ["rep"]},
           "masked_fields": ["nope"], "limits": {"max_held": -1}}
    assert paths(problem(api.put("/api/v1/meta/pools/bad_pool", json=bad), 422)) == [
        "/limits/max_held"]
    del bad["limits"]
    assert paths(problem(api.put("/api/v1/meta/pools/bad_pool", json=bad), 422)) == [
        "/masked_fields/0", "/members/users/0"]
    worse = {"object": "lead", "reclaim": {"inactive_days": 5, "warn_days": 5,
                                           "activity": {"objects": ["lead"]},
                                           "status": {"field": "stage", "values": ["x"],
                                                      "days": 9}}}
    assert paths(problem(api.put("/api/v1/meta/pools/bad_pool", json=worse), 422)) == [
        "/reclaim/activity/objects/0", "/reclaim/status/field", "/reclaim/warn_days"]
    assert api.get("/api/v1/meta/pools/bad_pool").status_code == 404


def test_bulk_reclaim_revokes_grants(api: Api, tenant: TenantHandle) -> None:
    reps, ids = pooled(api, tenant, 3)
    a, b = reps["a@example.com"], reps["b@example.com"]
    assert a.post("/api/v1/pools/sea/claim", json={"ids": ids}).status_code == 200
    shared = a.post(f"/api/v1/records/lead/{ids[0]}/grants", json={
        "grantee": "user:b@example.com", "field_groups": {"contact": "read"}})
    assert shared.status_code == 201, shared.get_json()
    assert b.get(f"/api/v1/records/lead/{ids[0]}").status_code == 200
    back = api.post("/api/v1/pools/sea/reclaim",
                    json={"filter": {"field": "company_name", "op": "starts_with",
                                     "value": "ACME"}, "reason": "quarter end"})
    assert back.status_code == 200, back.get_json()
    assert len(back.get_json()["items"]) == 3
    assert back.get_json()["items"][0]["grants_revoked"] == 1
    assert b.get(f"/api/v1/records/lead/{ids[0]}").status_code in (403, 404)
    assert a.get(f"/api/v1/records/lead/{ids[0]}").status_code in (403, 404)
    assert len(a.get("/api/v1/pools/sea/records").get_json()["items"]) == 3


def paths(body: dict[str, Any]) -> list[str]:
    return sorted(e["path"] for e in body["errors"])
