"""Distribution grants: grant, change, revoke, list, and their bad input."""

from __future__ import annotations

import datetime as dt

from tests.conftest import Api, TenantHandle, error_codes, error_paths, problem
from tests.docs_objects import campaign, lead


def setup(api: Api) -> str:
    api.define(campaign())
    api.define(lead())
    api.post("/api/v1/users", json={"email": "a@example.com", "name": "A"})
    return api.post("/api/v1/records/lead", json={"full_name": "Zhang"}).get_json()["id"]


def test_grant_change_revoke_list(api: Api) -> None:
    rid = setup(api)
    base = f"/api/v1/records/lead/{rid}/grants"
    created = api.post(base, json={"grantee": "user:a@example.com",
                                   "field_groups": {"contact": "edit", "company": "read"}})
    assert created.status_code == 201, created.get_json()
    grant = created.get_json()
    assert grant["grantee"] == "user:a@example.com"
    # ``default`` left out: the ungrouped fields follow the grant's most generous level
    assert grant["field_groups"] == {"contact": "edit", "company": "read", "default": "edit"}
    assert grant["via"] == "manual"
    changed = api.patch(f"{base}/{grant['id']}", json={"field_groups": {"contact": "read"}})
    assert changed.get_json()["field_groups"]["contact"] == "read"
    assert [g["id"] for g in api.get(base).get_json()["items"]] == [grant["id"]]
    assert api.delete(f"{base}/{grant['id']}").status_code == 204
    assert api.get(base).get_json()["items"] == []
    history = api.get(base, query={"include_inactive": "true"}).get_json()["items"]
    assert history[0]["revoked_at"] is not None


def test_expired_grants_are_not_active(api: Api, tenant: TenantHandle) -> None:
    rid = setup(api)
    base = f"/api/v1/records/lead/{rid}/grants"
    soon = (dt.datetime.now(dt.UTC) + dt.timedelta(days=1)).isoformat()
    api.post(base, json={"grantee": "user:a@example.com", "field_groups": {"contact": "read"},
                         "expires_at": soon})
    assert len(api.get(base).get_json()["items"]) == 1
    later = tenant.services.clock
    tenant.services.clock = lambda: later() + dt.timedelta(days=2)
    try:
        assert api.get(base).get_json()["items"] == []
    finally:
        tenant.services.clock = later


def test_bad_grants(api: Api, other_api: Api) -> None:
    rid = setup(api)
    base = f"/api/v1/records/lead/{rid}/grants"
    other_api.post("/api/v1/users", json={"email": "b@example.com"})
    foreign = api.post(base, json={"grantee": "user:b@example.com",
                                   "field_groups": {"contact": "read"}})
    assert foreign.status_code == 422 and error_paths(foreign) == ["/grantee"]
    bad = api.post(base, json={"grantee": "team:x", "field_groups": {"nope": "edit",
                                                                    "contact": "write"},
                               "expires_at": "2001-01-01T00:00:00Z", "extra": 1})
    assert bad.status_code == 422
    assert sorted(error_codes(bad)) == sorted([
        "invalid_grantee", "unknown_group", "invalid_level", "expiry_in_past",
        "unknown_parameter"])
    assert api.get(base).get_json()["items"] == []
    problem(api.delete(f"{base}/not-a-grant"), 404, "unknown_grant")


def test_only_owner_or_admin_distributes(api: Api, tenant: TenantHandle) -> None:
    rid = setup(api)
    member = Api(api.client, tenant.add_user("rep@example.com"))
    refused = member.post(f"/api/v1/records/lead/{rid}/grants", json={
        "grantee": "user:a@example.com", "field_groups": {"contact": "read"}})
    problem(refused, 403, "record_not_accessible")  # a member without a role sees nothing
    assert api.get(f"/api/v1/records/lead/{rid}/grants").get_json()["items"] == []
