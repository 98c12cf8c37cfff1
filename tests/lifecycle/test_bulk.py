"""The bulk API (issue 16, item 1): up to 1,000 records in one transaction, through the
records service: validation, access, audit and one event per record."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa

from objectry.runtime.records import batch
from objectry.runtime.records.journal_tables import events, record_audit
from tests.conftest import Api, TenantHandle, error_codes, error_paths, problem
from tests.docs_objects import campaign, lead

BULK = "/api/v1/records/lead/bulk"


def define(api: Api, **extra: Any) -> None:
    api.define(campaign())
    api.define(lead(**extra))


def lead_names(api: Api) -> list[str]:
    items = api.get("/api/v1/records/lead", query={"limit": 200}).get_json()["items"]
    return sorted(item["full_name"] for item in items)


def test_bulk_creates_every_record_with_its_audit_entry_and_event(
        api: Api, tenant: TenantHandle) -> None:
    define(api)
    records = [{"full_name": f"lead {i}", "city": "上海", "employees": i} for i in range(30)]
    response = api.post(BULK, json={"records": records})
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert (body["created"], body["updated"], body["failed"]) == (30, 0, 0)
    assert [item["index"] for item in body["items"]] == list(range(30))
    first = api.get(f"/api/v1/records/lead/{body['items'][0]['id']}").get_json()
    assert first["city"] == "shanghai" and first["status"] == "new" and first["version"] == 1
    assert len(lead_names(api)) == 30
    ids = {item["id"] for item in body["items"]}
    with tenant.context() as ctx:
        audited = ctx.conn.execute(sa.select(record_audit.c.record_id).where(
            record_audit.c.tenant_id == ctx.tenant.id, record_audit.c.object == "lead",
            record_audit.c.action == "created")).scalars().all()
        announced = ctx.conn.execute(sa.select(events.c.record_id).where(
            events.c.tenant_id == ctx.tenant.id, events.c.type == "record.created",
            events.c.object == "lead")).scalars().all()
    assert {str(i) for i in audited} == ids and len(audited) == 30
    assert {str(i) for i in announced} == ids and len(announced) == 30
    trail = api.get(f"/api/v1/records/lead/{body['items'][0]['id']}/audit").get_json()
    assert trail["items"][0]["action"] == "created"


def test_all_or_nothing_refuses_the_batch_and_points_at_every_culprit(api: Api) -> None:
    define(api)
    records = [{"full_name": "ok"}, {"full_name": "bad city", "city": "mars"},
               {"full_name": "ok 2"}, {"employees": -3, "nope": 1}]
    response = api.post(BULK, json={"records": records})
    body = problem(response, 422, "bulk_rejected")
    assert error_paths(response) == ["/records/1/city", "/records/3/employees",
                                     "/records/3/nope"]
    assert "unknown_field" in error_codes(response)
    assert body["errors"]
    assert lead_names(api) == []  # nothing half-applied


def test_per_row_writes_the_good_records_and_reports_the_others(api: Api) -> None:
    define(api)
    records = [{"full_name": "a", "email": "a@x.cn"}, {"full_name": "b", "city": "mars"},
               {"full_name": "c", "email": "a@x.cn"}, {"full_name": "d"}]
    response = api.post(BULK, json={"records": records, "mode": "per_row"})
    body = response.get_json()
    assert response.status_code == 200, body
    assert [i["status"] for i in body["items"]] == ["created", "failed", "failed", "created"]
    assert body["items"][1]["errors"][0]["path"] == "/records/1/city"
    assert body["items"][2]["code"] == "unique_violation"
    assert body["items"][2]["status_code"] == 409
    assert "duplicate" not in str(body["items"][2])
    assert lead_names(api) == ["a", "d"]


def test_upsert_updates_matches_on_a_unique_field_and_creates_the_rest(api: Api) -> None:
    define(api)
    first = api.post(BULK, json={"records": [{"full_name": "old", "email": "a@x.cn"}]})
    existing = first.get_json()["items"][0]["id"]
    response = api.post(BULK, json={"upsert_on": "email", "records": [
        {"full_name": "new", "email": "a@x.cn"}, {"full_name": "other", "email": "b@x.cn"}]})
    body = response.get_json()
    assert [i["status"] for i in body["items"]] == ["updated", "created"], body
    assert body["items"][0]["id"] == existing and body["items"][0]["version"] == 2
    assert lead_names(api) == ["new", "other"]
    wrong = api.post(BULK, json={"upsert_on": "full_name", "records": [{"full_name": "x"}]})
    assert error_paths(wrong) == ["/upsert_on"]


def test_bad_bodies_are_422_with_pointers(api: Api) -> None:
    define(api)
    assert error_paths(api.post(BULK, json={"records": []})) == ["/records"]
    too_many = api.post(BULK, json={"records": [{"full_name": "x"}] * 1001})
    assert error_codes(too_many) == ["bulk_too_many"]
    odd = api.post(BULK, json={"records": [{}], "mode": "some", "extra": 1})
    assert sorted(error_paths(odd)) == ["/extra", "/mode"]
    problem(api.post(BULK, json=[1]), 422)
    assert problem(api.post("/api/v1/records/nothing/bulk", json={"records": [{}]}),
                   404)


def test_a_user_without_create_right_writes_nothing(api: Api, app: Any,
                                                     tenant: TenantHandle) -> None:
    define(api)
    role = {"kind": "role", "api_name": "reader", "label": {"en": "Reader"},
            "grants": {"lead": {"actions": ["read"], "scope": "all"}}}
    assert api.put("/api/v1/meta/roles/reader", json=role).status_code == 200
    token = tenant.add_user("reader@x.cn", roles=["reader"])
    reader = Api(app.test_client(), token)
    problem(reader.post(BULK, json={"records": [{"full_name": "x"}]}), 403)
    assert lead_names(api) == []


def test_lookups_must_point_at_visible_records(api: Api) -> None:
    define(api)
    response = api.post(BULK, json={"mode": "per_row", "records": [
        {"full_name": "x", "campaign": "018f0000-0000-7000-8000-000000000000"}]})
    assert response.get_json()["items"][0]["errors"][0]["code"] == "lookup_target_missing"


def test_auto_numbers_are_handed_out_in_order(api: Api) -> None:
    define(api, fields=[{"api_name": "ref", "type": "auto_number", "format": "L-{0000}"}])
    body = api.post(BULK, json={"records": [{"full_name": f"n{i}"} for i in range(3)]})
    ids = [i["id"] for i in body.get_json()["items"]]
    refs = [api.get(f"/api/v1/records/lead/{i}").get_json()["ref"] for i in ids]
    single = api.post("/api/v1/records/lead", json={"full_name": "one"}).get_json()["ref"]
    every = [*refs, single]
    assert every == sorted(every) and len(set(every)) == 4


def test_a_unique_clash_the_checks_missed_fails_only_its_row(
        api: Api, monkeypatch: pytest.MonkeyPatch) -> None:
    """A concurrent writer can take a unique value between the check and the insert:
    the batch statement fails, and each row is then written on its own."""
    define(api)
    monkeypatch.setattr(batch, "_check_unique", lambda *args: None)
    response = api.post(BULK, json={"mode": "per_row", "records": [
        {"full_name": "a", "email": "same@x.cn"}, {"full_name": "b"},
        {"full_name": "c", "email": "same@x.cn"}]})
    body = response.get_json()
    assert [i["status"] for i in body["items"]] == ["created", "created", "failed"], body
    assert body["items"][2]["code"] == "unique_violation"
    assert lead_names(api) == ["a", "b"]
    trail = api.get(f"/api/v1/records/lead/{body['items'][1]['id']}/audit").get_json()
    assert [e["action"] for e in trail["items"]] == ["created"]
