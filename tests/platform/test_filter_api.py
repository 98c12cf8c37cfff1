"""The filter language through the records API: new operators, moved clock, 422s."""

from __future__ import annotations

import datetime as dt

from tests.conftest import Api, TenantHandle, error_codes, error_paths
from tests.docs_objects import campaign, lead, task


def setup(api: Api) -> dict[str, str]:
    api.define(campaign())
    api.define(lead())
    api.define(task())
    ids = {}
    acme = "\uff21\uff23\uff2d\uff25\u3000Trading"  # full-width ACME, ideographic space
    for name, city, company in [("a", "上海市", acme), ("b", "beijing", "Other")]:
        created = api.post("/api/v1/records/lead", json={
            "full_name": name, "city": city, "company_name": company})
        assert created.status_code == 201, created.get_json()
        ids[name] = created.get_json()["id"]
    assert api.post("/api/v1/records/task", json={
        "subject": "Follow-up call", "lead": ids["a"]}).status_code == 201
    return ids


def names(api: Api, tree: object) -> list[str]:
    response = api.post("/api/v1/records/lead/query", json={"filter": tree})
    assert response.status_code == 200, response.get_json()
    return sorted(item["full_name"] for item in response.get_json()["items"])


def test_aliases_width_case_and_spaces(api: Api) -> None:
    setup(api)
    for spelling in ["上海", "ShangHai", " shanghai "]:
        assert names(api, {"field": "city", "op": "eq", "value": spelling}) == ["a"]
    assert names(api, {"field": "company_name", "op": "contains",
                       "value": " acme  trading"}) == ["a"]
    assert names(api, {"field": "company_name", "op": "starts_with",
                       "value": "\uff41\uff23"}) == ["a"]


def test_related_records(api: Api) -> None:
    setup(api)
    has = {"related": {"object": "task", "via": "lead",
                       "where": {"field": "subject", "op": "contains", "value": "FOLLOW-UP"}}}
    assert names(api, has) == ["a"]
    assert names(api, {"not": has}) == ["b"]
    assert names(api, {"related": {"object": "task", "via": "lead", "count": {"lt": 1}}}) == ["b"]
    bad = api.post("/api/v1/records/lead/query", json={"filter": {"any": [
        {"related": {"object": "task", "via": "subject"}}]}})
    assert bad.status_code == 422
    assert error_paths(bad) == ["/filter/any/0/related/via"]
    assert error_codes(bad) == ["related_via_not_lookup"]


def test_relative_dates_follow_the_context_clock(api: Api, tenant: TenantHandle) -> None:
    setup(api)
    recent = {"field": "created_at", "op": "last_n_days", "value": 30}
    old = {"field": "created_at", "op": "older_than_days", "value": 30}
    assert names(api, recent) == ["a", "b"]
    assert names(api, old) == []
    real_clock = tenant.services.clock
    tenant.services.clock = lambda: real_clock() + dt.timedelta(days=40)
    try:
        assert names(api, recent) == []
        assert names(api, old) == ["a", "b"]
    finally:
        tenant.services.clock = real_clock


def test_changes_are_refused_in_lists(api: Api) -> None:
    setup(api)
    tree = {"all": [{"field": "city", "op": "eq", "value": "上海"},
                    {"field": "status", "op": "changed_to", "value": "mql"}]}
    response = api.post("/api/v1/records/lead/query", json={"filter": tree})
    assert response.status_code == 422
    assert error_paths(response) == ["/filter/all/1/op"]
    assert error_codes(response) == ["operator_needs_update"]
    assert "update" in response.get_json()["errors"][0]["message"]
    zh = api.get("/api/v1/records/lead", query={"filter": '{"field": "city", "op": "changed"}'},
                 headers={"Accept-Language": "zh-CN"})
    assert zh.status_code == 422
    assert "更新" in zh.get_json()["errors"][0]["message"]
