"""Ungrouped fields (status, budget...) and the ``default`` field group.

A role or a distribution grant that does not name ``default`` leaves the ungrouped
fields to the object-level right it gives: a role's actions (edit, read), a grant's most
generous level (within what the granter holds). Only an explicit ``default`` level
hides them. A field the caller may not read is reported as not readable, never as
unknown: its existence is part of the object definition the caller may read anyway.
"""

from __future__ import annotations

from typing import Any

from tests.conftest import Api, TenantHandle, error_codes, error_paths, problem
from tests.docs_objects import campaign, lead


def put(api: Api, path: str, body: dict[str, Any]) -> None:
    response = api.put(path, json=body)
    assert response.status_code == 200, response.get_json()


def put_role(api: Api, name: str, grant: dict[str, Any]) -> None:
    put(api, f"/api/v1/meta/roles/{name}", {"kind": "role", "api_name": name,
                                            "label": {"en": name}, "grants": {"lead": grant}})


def world(api: Api, tenant: TenantHandle, **groups: str) -> Api:
    """A rep whose role names the contact and company groups (and ``groups``)."""
    api.define(campaign())
    api.define(lead())
    put_role(api, "rep", {"actions": ["read", "create", "edit", "share"], "scope": "own",
                          "field_groups": {"contact": "edit", "company": "edit", **groups}})
    return Api(api.client, tenant.add_user("rep@example.com", roles=["rep"]))


def test_role_without_default_follows_its_object_right(api: Api, tenant: TenantHandle) -> None:
    rep = world(api, tenant)
    created = rep.post("/api/v1/records/lead", json={"full_name": "Li", "status": "working",
                                                     "budget": "12.50"})
    assert created.status_code == 201, created.get_json()
    record = created.get_json()
    assert record["status"] == "working" and float(record["budget"]) == 12.5
    url = f"/api/v1/records/lead/{record['id']}"
    changed = rep.patch(url, json={"status": "mql"})
    assert changed.status_code == 200, changed.get_json()
    assert rep.get(url).get_json()["status"] == "mql"
    page = rep.get("/api/v1/records/lead", query={"filter": '{"field": "status", "op": "eq", '
                                                            '"value": "mql"}',
                                                  "sort": "-status", "fields": "status"})
    assert page.status_code == 200, page.get_json()
    assert [item["status"] for item in page.get_json()["items"]] == ["mql"]


def test_read_only_role_reads_ungrouped_fields_but_cannot_edit(api: Api,
                                                               tenant: TenantHandle) -> None:
    api.define(campaign())
    api.define(lead())
    put_role(api, "viewer", {"actions": ["read"], "scope": "all",
                             "field_groups": {"contact": "read"}})
    viewer = Api(api.client, tenant.add_user("viewer@example.com", roles=["viewer"]))
    record = api.post("/api/v1/records/lead", json={"full_name": "Li", "status": "working"})
    url = f"/api/v1/records/lead/{record.get_json()['id']}"
    seen = viewer.get(url).get_json()
    assert seen["status"] == "working" and "company_name" not in seen
    refused = viewer.patch(url, json={"status": "mql"})
    assert refused.status_code == 403


def test_explicit_default_none_hides_and_says_not_readable(api: Api,
                                                           tenant: TenantHandle) -> None:
    """A customizer reads the whole object definition, so a field they may not read is
    named as not readable wherever they use it."""
    rep = world(api, tenant, default="none")
    put(api, "/api/v1/meta/roles/designer", {"kind": "role", "api_name": "designer",
                                             "label": {"en": "designer"},
                                             "actions": ["customize"], "grants": {}})
    designer = Api(api.client, tenant.add_user("designer@example.com",
                                               roles=["rep", "designer"]))
    assert "status" in [f["api_name"] for f in
                        designer.get("/api/v1/meta/objects/lead").get_json()["fields"]]
    created = designer.post("/api/v1/records/lead", json={"full_name": "Li"})
    assert created.status_code == 201, created.get_json()
    url = f"/api/v1/records/lead/{created.get_json()['id']}"
    assert "status" not in designer.get(url).get_json()
    for query in ({"fields": "full_name,status"}, {"sort": "status"},
                  {"filter": '{"field": "status", "op": "eq", "value": "new"}'}):
        refused = designer.get("/api/v1/records/lead", query=query)
        problem(refused, 422)
        assert error_codes(refused) == ["field_not_readable"], refused.get_json()
        assert "status" in refused.get_json()["errors"][0]["message"]
    one = designer.get(url, query={"fields": "status"})
    problem(one, 422)
    assert error_codes(one) == ["field_not_readable"]
    refused = designer.patch(url, json={"status": "mql", "full_name": "Wang"})
    problem(refused, 403)
    assert list(zip(error_paths(refused), error_codes(refused), strict=True)) == [
        ("/status", "field_not_readable")]
    refused = designer.post("/api/v1/records/lead", json={"full_name": "W", "status": "mql"})
    assert error_codes(refused) == ["field_not_readable"]
    # a field that does not exist stays unknown
    unknown = designer.get("/api/v1/records/lead", query={"fields": "nope"})
    assert error_codes(unknown) == ["unknown_field"]
    zh = designer.get("/api/v1/records/lead", query={"sort": "status"},
                      headers={"Accept-Language": "zh-CN"})
    message = zh.get_json()["errors"][0]["message"]
    assert "status" in message and "读取" in message and "{" not in message
    del rep


def test_a_field_left_out_of_the_readers_definition_is_unknown_everywhere(
        api: Api, tenant: TenantHandle) -> None:
    """Without ``customize`` the object definition leaves out the fields one may not
    read; every answer about such a field is the one about a name the object lacks."""
    rep = world(api, tenant, default="none")
    assert "status" not in [f["api_name"] for f in
                            rep.get("/api/v1/meta/objects/lead").get_json()["fields"]]
    created = rep.post("/api/v1/records/lead", json={"full_name": "Li"})
    url = f"/api/v1/records/lead/{created.get_json()['id']}"
    for name in ("status", "nope"):
        answers = [
            rep.get("/api/v1/records/lead", query={"fields": f"full_name,{name}"}),
            rep.get("/api/v1/records/lead", query={"sort": name}),
            rep.get("/api/v1/records/lead", query={
                "filter": f'{{"field": "{name}", "op": "is_empty"}}'}),
            rep.patch(url, json={name: "mql", "full_name": 5}),
            rep.post("/api/v1/records/lead", json={"full_name": "W", name: "mql"})]
        seen = [(a.status_code, error_paths(a) if a.status_code >= 400 else a.get_json(),
                 error_codes(a) if a.status_code >= 400 else []) for a in answers]
        if name == "status":
            hidden = [(status, [p.replace("status", "?") for p in paths], codes)
                      for status, paths, codes in seen]
        else:
            assert [(status, [p.replace("nope", "?") for p in paths], codes)
                    for status, paths, codes in seen] == hidden
            assert all("unknown_field" in codes for _, _, codes in seen)


def test_grant_without_default_shares_ungrouped_fields(api: Api, tenant: TenantHandle) -> None:
    rep = world(api, tenant)
    put(api, "/api/v1/meta/access_policies/lead",
        {"kind": "access_policy", "object": "lead", "conflict_strategy": "distribution_wins"})
    put_role(api, "guest", {"actions": ["read"], "scope": "own",
                            "field_groups": {"contact": "none"}})
    guest = Api(api.client, tenant.add_user("guest@example.com", roles=["guest"]))
    created = rep.post("/api/v1/records/lead", json={"full_name": "Li", "status": "working"})
    rid = created.get_json()["id"]
    granted = rep.post(f"/api/v1/records/lead/{rid}/grants", json={
        "grantee": "user:guest@example.com", "field_groups": {"contact": "read"}})
    assert granted.status_code == 201, granted.get_json()
    assert granted.get_json()["field_groups"]["default"] == "read"
    seen = guest.get(f"/api/v1/records/lead/{rid}").get_json()
    assert seen["full_name"] == "Li" and seen["status"] == "working"
    assert "company_name" not in seen
    # the owner can still give an explicit default: none
    other = rep.post("/api/v1/records/lead", json={"full_name": "Wu", "status": "working"})
    oid = other.get_json()["id"]
    assert rep.post(f"/api/v1/records/lead/{oid}/grants", json={
        "grantee": "user:guest@example.com",
        "field_groups": {"contact": "edit", "default": "none"}}).status_code == 201
    seen = guest.get(f"/api/v1/records/lead/{oid}").get_json()
    assert seen["full_name"] == "Wu" and "status" not in seen
    refused = guest.patch(f"/api/v1/records/lead/{oid}", json={"status": "mql"})
    problem(refused, 403)
    assert error_codes(refused) == ["field_not_readable"]


def test_implicit_default_of_a_grant_stays_within_the_granters_holding(
        api: Api, tenant: TenantHandle) -> None:
    rep = world(api, tenant, default="read")
    put(api, "/api/v1/meta/access_policies/lead",
        {"kind": "access_policy", "object": "lead", "conflict_strategy": "distribution_wins"})
    tenant.add_user("guest@example.com", roles=[])
    rid = rep.post("/api/v1/records/lead", json={"full_name": "Li"}).get_json()["id"]
    granted = rep.post(f"/api/v1/records/lead/{rid}/grants", json={
        "grantee": "user:guest@example.com", "field_groups": {"contact": "edit"}})
    assert granted.status_code == 201, granted.get_json()
    assert granted.get_json()["field_groups"]["default"] == "read"
    explicit = rep.post(f"/api/v1/records/lead/{rid}/grants", json={
        "grantee": "user:guest@example.com", "field_groups": {"default": "edit"}})
    problem(explicit, 403, "grant_exceeds_holding")
