"""The records API end to end through the Flask test client."""

from __future__ import annotations

import json
from decimal import Decimal

from tests.conftest import Api, error_codes, error_paths, problem
from tests.docs_objects import campaign, lead, task


def setup_crm(api: Api, task_delete: str = "keep") -> None:
    api.define(campaign())
    api.define(lead())
    api.define(task(task_delete))


def test_create_read_update_with_etag(api: Api) -> None:
    setup_crm(api)
    created = api.post("/api/v1/records/lead", json={
        "full_name": "张三", "city": "上海市", "budget": "12000.50", "email": "z@x.cn"})
    assert created.status_code == 201, created.get_json()
    record = created.get_json()
    assert record["city"] == "shanghai"
    assert json.loads(created.data, parse_float=Decimal)["budget"] == Decimal("12000.50")
    assert b'"budget":12000.50' in created.data  # exact, not a float
    assert record["status"] == "new"
    assert created.headers["ETag"] == '"1"'
    assert created.headers["Location"].endswith(record["id"])

    read = api.get(f"/api/v1/records/lead/{record['id']}")
    assert read.get_json() == record

    updated = api.patch(f"/api/v1/records/lead/{record['id']}", json={"employees": 30},
                        headers={"If-Match": '"1"'})
    assert updated.status_code == 200
    assert updated.get_json()["employees"] == 30
    assert updated.headers["ETag"] == '"2"'

    stale = api.patch(f"/api/v1/records/lead/{record['id']}", json={"employees": 31},
                      headers={"If-Match": '"1"'})
    problem(stale, 412, "version_mismatch")
    assert api.get(f"/api/v1/records/lead/{record['id']}").get_json()["employees"] == 30


def test_audit_trail_records_who_old_and_new(api: Api) -> None:
    setup_crm(api)
    rid = api.post("/api/v1/records/lead", json={"full_name": "A"}).get_json()["id"]
    api.patch(f"/api/v1/records/lead/{rid}", json={"full_name": "B"})
    trail = api.get(f"/api/v1/records/lead/{rid}/audit").get_json()["items"]
    assert [t["action"] for t in trail] == ["updated", "created"]
    assert trail[0]["changes"] == [{"field": "full_name", "old": "A", "new": "B"}]
    assert trail[0]["actor"] is not None


def test_delete_restore_and_keep_lookup(api: Api) -> None:
    setup_crm(api, task_delete="keep")
    lead_id = api.post("/api/v1/records/lead", json={"full_name": "A"}).get_json()["id"]
    task_id = api.post("/api/v1/records/task",
                       json={"subject": "call", "lead": lead_id}).get_json()["id"]
    assert api.delete(f"/api/v1/records/lead/{lead_id}").status_code == 204
    problem(api.get(f"/api/v1/records/lead/{lead_id}"), 404, "record_deleted")
    kept = api.get(f"/api/v1/records/task/{task_id}").get_json()
    assert kept["lead"] == lead_id
    binned = api.get("/api/v1/recycle-bin/lead").get_json()["items"]
    assert [r["id"] for r in binned] == [lead_id]
    restored = api.post(f"/api/v1/records/lead/{lead_id}/restore")
    assert restored.status_code == 200
    assert api.get(f"/api/v1/records/lead/{lead_id}").status_code == 200


def test_restrict_refuses_delete_and_cascade_restores_together(api: Api) -> None:
    setup_crm(api, task_delete="restrict")
    lead_id = api.post("/api/v1/records/lead", json={"full_name": "A"}).get_json()["id"]
    api.post("/api/v1/records/task", json={"subject": "call", "lead": lead_id})
    refused = api.delete(f"/api/v1/records/lead/{lead_id}")
    problem(refused, 409, "delete_restricted")
    assert api.get("/api/v1/recycle-bin/lead").get_json()["items"] == []
    assert api.get(f"/api/v1/records/lead/{lead_id}").status_code == 200

    api.define(task("cascade"))
    task_id = api.get("/api/v1/records/task").get_json()["items"][0]["id"]
    assert api.delete(f"/api/v1/records/lead/{lead_id}").status_code == 204
    problem(api.get(f"/api/v1/records/task/{task_id}"), 404, "record_deleted")
    api.post(f"/api/v1/records/lead/{lead_id}/restore")
    assert api.get(f"/api/v1/records/task/{task_id}").status_code == 200


def test_set_null_clears_reference_with_audit(api: Api) -> None:
    setup_crm(api, task_delete="set_null")
    lead_id = api.post("/api/v1/records/lead", json={"full_name": "A"}).get_json()["id"]
    task_id = api.post("/api/v1/records/task",
                       json={"subject": "call", "lead": lead_id}).get_json()["id"]
    api.delete(f"/api/v1/records/lead/{lead_id}")
    assert api.get(f"/api/v1/records/task/{task_id}").get_json()["lead"] is None
    trail = api.get(f"/api/v1/records/task/{task_id}/audit").get_json()["items"]
    assert trail[0]["changes"] == [{"field": "lead", "old": lead_id, "new": None}]


def test_list_filter_sort_cursor_and_fields(api: Api) -> None:
    setup_crm(api)
    for i in range(7):
        api.post("/api/v1/records/lead", json={
            "full_name": f"n{i}", "employees": i % 3, "city": "SH" if i % 2 else "北京"})
    seen = []
    cursor = None
    while True:
        body = {"filter": {"field": "city", "op": "eq", "value": "shanghai"},
                "sort": "-employees,full_name", "limit": 2, "fields": ["full_name", "employees"]}
        if cursor:
            body["cursor"] = cursor
        page = api.post("/api/v1/records/lead/query", json=body).get_json()
        seen += [(r["employees"], r["full_name"]) for r in page["items"]]
        assert all(set(r) == {"id", "full_name", "employees"} for r in page["items"])
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [(2, "n5"), (1, "n1"), (0, "n3")]

    by_get = api.get("/api/v1/records/lead", query={
        "filter": '{"any": [{"field": "full_name", "op": "starts_with", "value": "N1"},'
                  ' {"not": {"field": "employees", "op": "gte", "value": 1}}]}',
        "sort": "full_name"}).get_json()
    assert [r["full_name"] for r in by_get["items"]] == ["n0", "n1", "n3", "n6"]


def test_related_list_through_lookup(api: Api) -> None:
    setup_crm(api)
    lead_id = api.post("/api/v1/records/lead", json={"full_name": "A"}).get_json()["id"]
    other = api.post("/api/v1/records/lead", json={"full_name": "B"}).get_json()["id"]
    api.post("/api/v1/records/task", json={"subject": "mine", "lead": lead_id})
    api.post("/api/v1/records/task", json={"subject": "theirs", "lead": other})
    related = api.get(f"/api/v1/records/lead/{lead_id}/related/task",
                      query={"via": "lead"}).get_json()
    assert [r["subject"] for r in related["items"]] == ["mine"]


def test_tenant_cannot_reach_another_tenants_records(api: Api, other_api: Api) -> None:
    setup_crm(api)
    rid = api.post("/api/v1/records/lead", json={"full_name": "secret"}).get_json()["id"]
    problem(other_api.get(f"/api/v1/records/lead/{rid}"), 404, "unknown_object")
    other_api.define(campaign())
    other_api.define(lead())
    missing = problem(other_api.get(f"/api/v1/records/lead/{rid}"), 404, "unknown_record")
    assert "secret" not in str(missing)
    assert other_api.get("/api/v1/records/lead").get_json()["items"] == []
    problem(other_api.patch(f"/api/v1/records/lead/{rid}", json={"full_name": "x"}), 404,
            "unknown_record")
    assert api.get(f"/api/v1/records/lead/{rid}").get_json()["full_name"] == "secret"


def test_unique_violation_names_the_field(api: Api) -> None:
    setup_crm(api)
    api.post("/api/v1/records/lead", json={"full_name": "A", "email": "a@x.cn"})
    clash = api.post("/api/v1/records/lead", json={"full_name": "B", "email": "a@x.cn"})
    assert clash.status_code == 409
    assert error_paths(clash) == ["/email"]
    assert error_codes(clash) == ["unique_violation"]
    assert len(api.get("/api/v1/records/lead").get_json()["items"]) == 1
