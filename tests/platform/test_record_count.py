"""``count=true`` on a record list: what the caller may page through, exact up to a cap.

The count goes through the same visibility, filter and view as the page, so a
restricted user counts only their rows (own, team, condition scope, grants, each once);
past ``OBJECTRY_LIST_COUNT_CAP`` it says "that many or more" (``count_capped``).
"""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest

from objectry.platform import tenancy
from objectry.runtime import records
from objectry.runtime.access.people import actor_for
from tests.conftest import Api, TenantHandle, error_paths, problem
from tests.platform.test_permission_paging import ROWS, build, page_through

SHANGHAI = {"field": "city", "op": "eq", "value": "shanghai"}


def counted(user: Api, body: dict[str, Any]) -> dict[str, Any]:
    response = user.post("/api/v1/records/lead/query", json={**body, "count": True})
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def test_a_restricted_count_is_what_the_caller_pages_through(api: Api,
                                                             tenant: TenantHandle) -> None:
    rep, truth = build(api, tenant, 12)
    everything = counted(api, {"limit": 3})
    deleted = len(range(1, ROWS, 17))  # build deletes every 17th record
    assert everything["count"] == len(page_through(api, {})) == ROWS - deleted
    assert everything["count_capped"] is False and len(everything["items"]) == 3
    for body in ({}, {"filter": SHANGHAI}, {"view": "own"}, {"view": "shared"},
                 {"filter": {"field": "employees", "op": "gte", "value": 2}}):
        seen = page_through(rep, body)
        page = counted(rep, {**body, "limit": 5})
        assert page["count"] == len(seen), body
        assert page["count_capped"] is False
    assert counted(rep, {})["count"] == len(truth["visible"])
    by_query = rep.get("/api/v1/records/lead", query={"count": "true", "view": "own"})
    assert by_query.status_code == 200
    assert by_query.get_json()["count"] == len(page_through(rep, {"view": "own"}))
    plain = rep.get("/api/v1/records/lead", query={"count": "false"}).get_json()
    assert "count" not in plain and "count_capped" not in plain


def test_past_the_cap_the_count_is_capped(api: Api, tenant: TenantHandle,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    rep, truth = build(api, tenant, 0)
    services = tenant.services
    monkeypatch.setattr(services, "settings",
                        dataclasses.replace(services.settings, list_count_cap=20))
    admin = counted(api, {})
    assert (admin["count"], admin["count_capped"]) == (20, True)
    assert counted(rep, {})["count_capped"] is True
    assert counted(rep, {})["count"] == 20
    few = counted(rep, {"filter": {"field": "full_name", "op": "eq", "value": "L000"}})
    assert few["count_capped"] is False and few["count"] == len(few["items"])
    with services.connection(read_only=True) as conn:
        actor = actor_for(conn, tenancy.find_tenant(conn, tenant.slug).id,
                          email="rep@example.com")
    with tenant.context(actor=actor, read_only=True) as ctx:
        visible = len(truth["visible"])
        for cap in (1, visible - 1, visible, visible + 1):
            found = records.count_records(ctx, "lead", cap=cap)
            assert found == {"count": min(cap, visible), "count_capped": visible > cap}


def test_a_bad_count_parameter_is_a_422(api: Api, tenant: TenantHandle) -> None:
    build(api, tenant, 0)
    response = api.get("/api/v1/records/lead", query={"count": "yes"})
    assert error_paths(response) == ["/count"]
    problem(response, 422, "invalid")
    response = api.post("/api/v1/records/lead/query", json={"count": "true"})
    assert error_paths(response) == ["/count"]


def test_the_openapi_document_describes_count(api: Api, tenant: TenantHandle) -> None:
    build(api, tenant, 0)
    spec = api.get("/api/v1/openapi.json").get_json()
    listing = spec["paths"]["/api/v1/records/lead"]["get"]
    assert "count" in [p["name"] for p in listing["parameters"]]
    page = listing["responses"]["200"]["content"]["application/json"]["schema"]
    assert {"count", "count_capped"} <= set(page["properties"])
    query = spec["paths"]["/api/v1/records/{object}/query"]["post"]
    body = query["requestBody"]["content"]["application/json"]["schema"]
    assert body["properties"]["count"]["type"] == "boolean"
