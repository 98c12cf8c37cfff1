"""Merge (S5): two leads found by name + phone in different spellings become one; the
children follow the survivor, tags and grants are united, the merged lead waits in the
recycle bin with its merged_into link, and the merge can be undone, saying what it does."""

from __future__ import annotations

from typing import Any

from tests.conftest import Api, TenantHandle, problem
from tests.lifecycle.support import NAME_PHONE, create, crm, rule


def two_duplicates(api: Api) -> tuple[str, str, str, str]:
    campaign = create(api, "campaign", name="Expo")
    first = create(api, "lead", full_name="Zhang San", mobile="021-62991640", tags=["vip"],
                   campaign=campaign)
    second = create(api, "lead", full_name="ZHANG  san", mobile="+86 21 6299 1640",
                    email="zs@example.com", tags=["partner"])
    task = create(api, "task", subject="Call back", lead=second)
    return first, second, task, campaign


def audit(api: Api, object_name: str, record_id: str) -> list[dict[str, Any]]:
    return api.get(f"/api/v1/records/{object_name}/{record_id}/audit").get_json()["items"]


def test_s5_merge_two_duplicates_and_undo(api: Api, tenant: TenantHandle) -> None:
    crm(api, tenant, "rep@example.com")
    rule(api, "lead_phone", NAME_PHONE)
    first, second, task, _ = two_duplicates(api)
    found = api.get(f"/api/v1/records/lead/{first}/duplicates").get_json()["items"]
    assert [f["id"] for f in found] == [second]
    shared = api.post(f"/api/v1/records/lead/{second}/grants",
                      json={"grantee": "user:rep@example.com",
                            "field_groups": {"contact": "read"}})
    assert shared.status_code in (200, 201), shared.get_json()
    merged = api.post("/api/v1/records/lead/merge", json={
        "survivor": first, "merged": [second], "values": {"email": second}})
    assert merged.status_code == 200, merged.get_json()
    body = merged.get_json()
    survivor = body["survivor"]
    assert survivor["email"] == "zs@example.com" and survivor["full_name"] == "Zhang San"
    assert sorted(survivor["tags"]) == ["partner", "vip"]
    assert body["repointed"] == [{"object": "task", "field": "lead", "count": 1}]
    assert body["grants_added"] == 1
    assert api.get(f"/api/v1/records/task/{task}").get_json()["lead"] == first
    problem(api.get(f"/api/v1/records/lead/{second}"), 404)
    assert api.get(f"/api/v1/records/lead/{first}/duplicates").get_json()["items"] == []
    grants = api.get(f"/api/v1/records/lead/{first}/grants").get_json()["items"]
    assert [g["grantee"] for g in grants] == ["user:rep@example.com"]
    # a plain restore refuses, pointing at the undo
    refused = problem(api.post(f"/api/v1/records/lead/{second}/restore"), 409, "record_merged")
    assert first in refused["detail"]
    preview = api.post(f"/api/v1/records/lead/{second}/unmerge", json={"dry_run": True})
    assert preview.status_code == 200, preview.get_json()
    assert preview.get_json()["applied"] is False
    assert preview.get_json()["repoint"] == [{"object": "task", "field": "lead", "count": 1}]
    problem(api.get(f"/api/v1/records/lead/{second}"), 404)  # the preview changed nothing
    undone = api.post(f"/api/v1/records/lead/{second}/unmerge", json={})
    assert undone.status_code == 200 and undone.get_json()["applied"] is True
    assert api.get(f"/api/v1/records/lead/{second}").status_code == 200
    assert api.get(f"/api/v1/records/task/{task}").get_json()["lead"] == second
    problem(api.post(f"/api/v1/records/lead/{second}/unmerge", json={}), 409, "not_merged")
    changes = [c for entry in audit(api, "lead", second) for c in entry["changes"]]
    assert {"field": "merged_into", "old": None, "new": first} in changes


def test_merge_refusals_change_nothing(api: Api, tenant: TenantHandle) -> None:
    crm(api, tenant)
    first, second, _, campaign = two_duplicates(api)
    problem(api.post("/api/v1/records/lead/merge",
                     json={"survivor": first, "merged": [first]}), 422)
    problem(api.post("/api/v1/records/lead/merge", json={"survivor": first}), 422)
    problem(api.post("/api/v1/records/lead/merge",
                     json={"survivor": first, "merged": [second, second]}), 422)
    problem(api.post("/api/v1/records/lead/merge",
                     json={"survivor": first, "merged": ["0190a0a0-0000-7000-8000-000000000000"]}),
            404)
    # a record of another object is no record of this one
    problem(api.post("/api/v1/records/lead/merge",
                     json={"survivor": first, "merged": [campaign]}), 404)
    problem(api.post("/api/v1/records/lead/merge", json={
        "survivor": first, "merged": [second], "values": {"email": "someone-else"}}), 422)
    problem(api.post("/api/v1/records/lead/merge", json={
        "survivor": first, "merged": [second], "values": {"ghost": second}}), 422)
    bad_value = api.post("/api/v1/records/lead/merge", json={
        "survivor": first, "merged": [second], "values": {"employees": {"value": -5}}})
    problem(bad_value, 422)
    # nothing half-applied: both live, the task still on the second
    assert api.get(f"/api/v1/records/lead/{second}").status_code == 200
    assert api.get(f"/api/v1/records/lead/{first}").get_json()["version"] == 1
    api.delete(f"/api/v1/records/lead/{second}")
    problem(api.post("/api/v1/records/lead/merge",
                     json={"survivor": first, "merged": [second]}), 404)


def test_a_rep_merges_only_what_they_may(api: Api, tenant: TenantHandle) -> None:
    reps = crm(api, tenant, "a@example.com", "b@example.com")
    a, b = reps["a@example.com"], reps["b@example.com"]
    mine = create(a, "lead", full_name="Zhang", mobile="13800000000")
    theirs = create(b, "lead", full_name="Zhang", mobile="13800000000")
    other_mine = create(a, "lead", full_name="Zhang S", mobile="13800000000")
    refused = a.post("/api/v1/records/lead/merge", json={"survivor": mine, "merged": [theirs]})
    assert refused.status_code in (403, 404)
    assert "13800000000" not in refused.get_data(as_text=True)
    assert b.get(f"/api/v1/records/lead/{theirs}").status_code == 200
    ok = a.post("/api/v1/records/lead/merge", json={"survivor": mine, "merged": [other_mine]})
    assert ok.status_code == 200, ok.get_json()
