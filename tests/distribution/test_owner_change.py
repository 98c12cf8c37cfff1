"""The one owner-change command: POST /records/{o}/{id}/owner and its bulk form."""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa

from objectry.runtime.records.journal_tables import events
from tests.conftest import Api, TenantHandle, error_codes, error_paths, problem
from tests.distribution.support import leads, new_lead, user_id


def record_events(tenant: TenantHandle, record_id: str,
                  kind: str = "record.owner_changed") -> list[dict[str, Any]]:
    """The data of the record's outbox events of ``kind``, oldest first."""
    with tenant.context() as ctx:
        rows = ctx.conn.execute(sa.select(events.c.data).where(
            events.c.tenant_id == ctx.tenant.id, events.c.record_id == uuid.UUID(record_id),
            events.c.type == kind).order_by(events.c.id)).all()
    return [dict(r.data) for r in rows]


def test_admin_reassigns_with_reason_audit_and_event(api: Api, tenant: TenantHandle) -> None:
    leads(api, tenant, "rep@example.com")
    rid = new_lead(api)
    rep = user_id(api, "rep@example.com")
    moved = api.post(f"/api/v1/records/lead/{rid}/owner",
                     json={"owner": "user:rep@example.com", "reason": "Shanghai lead"})
    assert moved.status_code == 200, moved.get_json()
    body = moved.get_json()
    assert body["owner"] == rep and body["changed"] is True and body["version"] == 2
    assert moved.headers["ETag"] == '"2"'
    assert api.get(f"/api/v1/records/lead/{rid}").get_json()["owner"] == rep
    latest = api.get(f"/api/v1/records/lead/{rid}/audit").get_json()["items"][0]
    assert latest["changes"] == [{"field": "owner", "old": body["previous_owner"],
                                  "new": rep, "because": {"reason": "Shanghai lead"}}]
    event = record_events(tenant, rid)[-1]
    assert event["new"] == rep and event["because"] == {"reason": "Shanghai lead"}
    again = api.post(f"/api/v1/records/lead/{rid}/owner", json={"owner": rep})
    assert again.get_json()["changed"] is False and again.get_json()["version"] == 2


def test_patch_of_owner_points_to_the_command(api: Api, tenant: TenantHandle) -> None:
    leads(api, tenant, "rep@example.com")
    rid = new_lead(api)
    refused = problem(api.patch(f"/api/v1/records/lead/{rid}",
                                json={"owner": "rep@example.com"}), 422)
    assert refused["errors"][0]["path"] == "/owner"
    assert refused["errors"][0]["code"] == "owner_via_command"
    assert "/records/lead/{id}/owner" in refused["errors"][0]["message"]
    zh = api.patch(f"/api/v1/records/lead/{rid}", json={"owner": "x"},
                   headers={"Accept-Language": "zh-CN"}).get_json()
    assert "负责人" in zh["errors"][0]["message"]
    assert api.get(f"/api/v1/records/lead/{rid}").get_json()["version"] == 1


def test_only_owner_or_admin_reassigns(api: Api, tenant: TenantHandle) -> None:
    reps = leads(api, tenant, "a@example.com", "b@example.com")
    mine = new_lead(reps["a@example.com"])  # a creates it, so a owns it
    # b cannot see a's lead (scope own): the same answer as any unknown record
    problem(reps["b@example.com"].post(f"/api/v1/records/lead/{mine}/owner",
                                       json={"owner": "b@example.com"}), 403)
    # a shares it with b for editing: b still may not give it away
    granted = reps["a@example.com"].post(f"/api/v1/records/lead/{mine}/grants", json={
        "grantee": "user:b@example.com", "field_groups": {"contact": "edit"}})
    assert granted.status_code == 201, granted.get_json()
    problem(reps["b@example.com"].post(f"/api/v1/records/lead/{mine}/owner",
                                       json={"owner": "b@example.com"}), 403,
            "reassign_not_allowed")
    # the owner gives it to b
    given = reps["a@example.com"].post(f"/api/v1/records/lead/{mine}/owner",
                                       json={"owner": "b@example.com"})
    assert given.status_code == 200, given.get_json()
    assert reps["b@example.com"].get(f"/api/v1/records/lead/{mine}").status_code == 200


def test_revoke_grants_on_reclaim(api: Api, tenant: TenantHandle) -> None:
    reps = leads(api, tenant, "a@example.com", "b@example.com")
    rid = new_lead(api)
    api.post(f"/api/v1/records/lead/{rid}/owner", json={"owner": "a@example.com"})
    reps["a@example.com"].post(f"/api/v1/records/lead/{rid}/grants", json={
        "grantee": "user:b@example.com", "field_groups": {"contact": "read"}})
    assert reps["b@example.com"].get(f"/api/v1/records/lead/{rid}").status_code == 200
    kept = api.post(f"/api/v1/records/lead/{rid}/owner",
                    json={"owner": tenant.admin_email}).get_json()
    assert kept["grants_revoked"] == 0
    assert reps["b@example.com"].get(f"/api/v1/records/lead/{rid}").status_code == 200
    reclaimed = api.post(f"/api/v1/records/lead/{rid}/owner",
                         json={"owner": "a@example.com", "grants": "revoke",
                               "reason": "回收"}).get_json()
    assert reclaimed["grants_revoked"] == 1
    problem(reps["b@example.com"].get(f"/api/v1/records/lead/{rid}"), 403)
    assert api.get(f"/api/v1/records/lead/{rid}/grants").get_json()["items"] == []


def test_bad_owner_changes_change_nothing(api: Api, tenant: TenantHandle) -> None:
    leads(api, tenant, "rep@example.com")
    rid = new_lead(api)
    api.patch("/api/v1/users/rep@example.com", json={"active": False})
    inactive = api.post(f"/api/v1/records/lead/{rid}/owner", json={"owner": "rep@example.com"})
    assert inactive.status_code == 422 and error_paths(inactive) == ["/owner"]
    assert error_codes(inactive) == ["owner_not_active_user"]
    bad = api.post(f"/api/v1/records/lead/{rid}/owner",
                   json={"grants": "burn", "reason": 3, "extra": 1})
    assert sorted(error_paths(bad)) == ["/extra", "/grants", "/owner", "/reason"]
    stale = api.post(f"/api/v1/records/lead/{rid}/owner", json={"owner": tenant.admin_email},
                     headers={"If-Match": '"7"'})
    problem(stale, 412, "version_mismatch")
    problem(api.post("/api/v1/records/lead/nope/owner", json={"owner": tenant.admin_email}),
            404)
    assert api.get(f"/api/v1/records/lead/{rid}").get_json()["version"] == 1


def test_bulk_by_ids_and_by_filter(api: Api, tenant: TenantHandle) -> None:
    reps = leads(api, tenant, "a@example.com")
    a = user_id(api, "a@example.com")
    shanghai = [new_lead(api, city="shanghai") for _ in range(3)]
    beijing = new_lead(api, city="beijing")
    by_filter = api.post("/api/v1/records/lead/owner", json={
        "owner": "a@example.com", "filter": {"field": "city", "op": "eq",
                                             "value": "shanghai"}})
    assert by_filter.status_code == 200, by_filter.get_json()
    assert by_filter.get_json()["changed"] == 3
    assert {i["id"] for i in by_filter.get_json()["items"]} == set(shanghai)
    assert api.get(f"/api/v1/records/lead/{beijing}").get_json()["owner"] != a
    # a sees their three only; a bulk by filter over a's view moves those alone
    back = reps["a@example.com"].post("/api/v1/records/lead/owner", json={
        "owner": tenant.admin_email, "view": "own"})
    assert back.get_json()["changed"] == 3
    by_ids = api.post("/api/v1/records/lead/owner",
                      json={"owner": "a@example.com", "ids": [shanghai[0], beijing]})
    assert by_ids.get_json()["changed"] == 2


def test_bulk_refusals_change_nothing(api: Api, tenant: TenantHandle) -> None:
    reps = leads(api, tenant, "a@example.com")
    rid = new_lead(api)
    both = api.post("/api/v1/records/lead/owner",
                    json={"owner": "a@example.com", "ids": [rid], "filter": {}})
    assert error_codes(both) == ["bulk_ids_or_filter"]
    missing = api.post("/api/v1/records/lead/owner",
                       json={"owner": "a@example.com", "ids": [rid, "nope"]})
    assert missing.status_code == 404 and error_paths(missing) == ["/ids/1"]
    assert api.get(f"/api/v1/records/lead/{rid}").get_json()["version"] == 1
    # a filter on a field the caller cannot read is refused as in a list, in the words
    # of an unknown field (nothing moves, nothing is told of the field)
    role = {"kind": "role", "api_name": "no_company", "label": {"en": "x"},
            "grants": {"lead": {"actions": ["read", "edit"], "scope": "all",
                                "field_groups": {"contact": "edit", "company": "none",
                                                 "default": "edit"}}}}
    assert api.put("/api/v1/meta/roles/no_company", json=role).status_code == 200
    limited = Api(api.client, tenant.add_user("c@example.com", roles=["no_company"]))
    body = {"owner": "a@example.com", "filter": {"field": "city", "op": "eq",
                                                 "value": "shanghai"}}
    hidden = limited.post("/api/v1/records/lead/owner", json=body)
    unknown = limited.post("/api/v1/records/lead/owner",
                           json={**body, "filter": {**body["filter"], "field": "nope"}})
    assert hidden.status_code == unknown.status_code == 422
    assert error_paths(hidden) == error_paths(unknown) == ["/filter/field"]
    assert error_codes(hidden) == error_codes(unknown)
    assert reps["a@example.com"].get(f"/api/v1/records/lead/{rid}").status_code == 403
