"""Permissions on every path of the records API: scopes, actions, fields, masks, sharing."""

from __future__ import annotations

import datetime as dt
from typing import Any

from tests.conftest import Api, TenantHandle, error_codes, error_paths, problem
from tests.docs_objects import campaign, lead, task


def put(api: Api, path: str, body: dict[str, Any]) -> None:
    response = api.put(path, json=body)
    assert response.status_code == 200, response.get_json()


def role(name: str, grants: dict[str, Any]) -> dict[str, Any]:
    return {"kind": "role", "api_name": name, "label": {"en": name, "zh-CN": name},
            "grants": grants}


def lead_grant(actions: list[str], scope: Any = "own", level: str = "edit",
               **extra: Any) -> dict[str, Any]:
    return {"lead": {"actions": actions, "scope": scope,
                     "field_groups": {"contact": level, "company": level, "default": level},
                     **extra}}


class Org:
    """sales > east > shanghai; a user per department plus an outsider in support."""

    def __init__(self, api: Api, tenant: TenantHandle) -> None:
        self.admin, self.tenant = api, tenant
        api.define(campaign())
        api.define(lead())
        api.define(task())
        for name, parent in (("sales", None), ("east", "sales"), ("shanghai", "east"),
                             ("support", None)):
            put(api, f"/api/v1/departments/{name}",
                {"label": {"en": name, "zh-CN": name}, "parent": parent})

    def user(self, email: str, roles: list[str], department: str | None = None) -> Api:
        return Api(self.admin.client, self.tenant.add_user(email, roles=roles,
                                                           department=department))

    def role(self, name: str, grants: dict[str, Any]) -> None:
        put(self.admin, f"/api/v1/meta/roles/{name}", role(name, grants))


def names(api: Api, **query: Any) -> list[str]:
    response = api.get("/api/v1/records/lead", query={"sort": "full_name", **query})
    assert response.status_code == 200, response.get_json()
    return [r.get("full_name") for r in response.get_json()["items"]]


def grantees(api: Api, grants_path: str) -> list[str]:
    response = api.get(grants_path)
    assert response.status_code == 200, response.get_json()
    return [g["grantee"] for g in response.get_json()["items"]]


def create(api: Api, **values: Any) -> str:
    response = api.post("/api/v1/records/lead", json=values)
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


def test_data_scopes_own_team_all_and_condition(api: Api, tenant: TenantHandle) -> None:
    org = Org(api, tenant)
    org.role("writer", lead_grant(["read", "create"], "own"))
    org.role("team_reader", lead_grant(["read"], "team", "read"))
    org.role("all_reader", lead_grant(["read"], "all", "read"))
    org.role("shanghai_reader", lead_grant(["read"], {"field": "city", "op": "eq",
                                                      "value": "上海"}, "read"))
    east = org.user("east@example.com", ["writer"], "east")
    shanghai = org.user("sh@example.com", ["writer"], "shanghai")
    support = org.user("support@example.com", ["writer"], "support")
    create(east, full_name="E1", city="beijing")
    create(shanghai, full_name="S1", city="shanghai")
    create(support, full_name="X1", city="shanghai")

    assert names(east) == ["E1"]  # own
    assert names(org.user("lead_east@example.com", ["team_reader"], "east")) == ["E1", "S1"]
    assert names(org.user("lead_sh@example.com", ["team_reader"], "shanghai")) == ["S1"]
    assert names(org.user("boss@example.com", ["all_reader"])) == ["E1", "S1", "X1"]
    assert names(org.user("sh_desk@example.com", ["shanghai_reader"])) == ["S1", "X1"]
    both = org.user("both@example.com", ["writer", "shanghai_reader"], "east")
    create(both, full_name="B1", city="beijing")
    assert names(both) == ["B1", "S1", "X1"]
    assert names(both, view="own") == ["B1"]
    assert names(api) == ["B1", "E1", "S1", "X1"]  # the admin sees everything
    bad_view = east.get("/api/v1/records/lead", query={"view": "mine"})
    assert bad_view.status_code == 422 and error_paths(bad_view) == ["/view"]


def test_grant_to_a_department_reaches_its_subdepartments(api: Api,
                                                          tenant: TenantHandle) -> None:
    org = Org(api, tenant)
    org.role("writer", lead_grant(["read", "create"], "own"))
    owner = org.user("owner@example.com", ["writer"], "support")
    rid = create(owner, full_name="Shared")
    granted = owner.post(f"/api/v1/records/lead/{rid}/grants", json={
        "grantee": "department:east", "field_groups": {"contact": "read"}})
    assert granted.status_code == 201
    assert names(org.user("sh@example.com", ["writer"], "shanghai"), view="shared") == ["Shared"]
    assert names(org.user("east@example.com", ["writer"], "east")) == ["Shared"]
    assert names(org.user("top@example.com", ["writer"], "sales")) == []


def test_expired_grant_no_longer_shows_the_record(api: Api, tenant: TenantHandle) -> None:
    org = Org(api, tenant)
    org.role("writer", lead_grant(["read", "create"], "own"))
    owner = org.user("owner@example.com", ["writer"])
    other = org.user("other@example.com", ["writer"])
    rid = create(owner, full_name="Brief")
    soon = (dt.datetime.now(dt.UTC) + dt.timedelta(hours=1)).isoformat()
    owner.post(f"/api/v1/records/lead/{rid}/grants", json={
        "grantee": "user:other@example.com", "field_groups": {"contact": "read"},
        "expires_at": soon})
    assert names(other) == ["Brief"]
    real_clock = tenant.services.clock
    tenant.services.clock = lambda: real_clock() + dt.timedelta(hours=2)
    try:
        assert names(other) == []
        expired = problem(other.get(f"/api/v1/records/lead/{rid}"), 403,
                          "record_not_accessible")
        assert "Brief" not in str(expired)
    finally:
        tenant.services.clock = real_clock


def test_fields_hidden_and_masked_on_every_read_path(api: Api, tenant: TenantHandle) -> None:
    org = Org(api, tenant)
    org.role("writer", lead_grant(["read", "create", "edit", "export"], "all",
                                  fields={"email": "none"}))
    org.role("task_writer", {"task": {"actions": ["read", "create"], "scope": "all",
                                      "field_groups": {"default": "edit"}}})
    org.role("sensitive", {"lead": {"actions": ["view_sensitive"]}})
    rep = org.user("rep@example.com", ["writer", "task_writer"])
    rid = create(api, full_name="Wang", mobile="13812341234", email="wang@example.com")
    api.patch(f"/api/v1/records/lead/{rid}", json={"email": "w2@example.com",
                                                    "mobile": "13900001111"})
    record = rep.get(f"/api/v1/records/lead/{rid}").get_json()
    assert "email" not in record and record["mobile"] == "139****1111"
    listed = rep.get("/api/v1/records/lead").get_json()["items"][0]
    assert "email" not in listed and listed["mobile"] == "139****1111"
    trail = rep.get(f"/api/v1/records/lead/{rid}/audit").get_json()["items"]
    changed = {c["field"]: c for entry in trail if entry["action"] == "updated"
               for c in entry["changes"]}
    assert "email" not in changed
    assert changed["mobile"]["old"] == "138****1234"
    exported = rep.get("/api/v1/records/lead/export", query={"format": "jsonl"})
    assert exported.status_code == 200
    assert "wang@example.com" not in exported.get_data(as_text=True)
    assert "13900001111" not in exported.get_data(as_text=True)
    schema = rep.get("/api/v1/openapi.json").get_json()["components"]["schemas"]["lead"]
    assert "email" not in schema["properties"] and "mobile" in schema["properties"]
    assert "email" in api.get("/api/v1/openapi.json").get_json()[
        "components"]["schemas"]["lead"]["properties"]
    hidden_filter = rep.get("/api/v1/records/lead", query={
        "filter": '{"field": "email", "op": "eq", "value": "w2@example.com"}'})
    assert hidden_filter.status_code == 422 and error_paths(hidden_filter) == ["/filter/field"]
    hidden_sort = rep.get("/api/v1/records/lead", query={"sort": "email"})
    assert hidden_sort.status_code == 422 and error_paths(hidden_sort) == ["/sort/0"]
    hidden_field = rep.get(f"/api/v1/records/lead/{rid}", query={"fields": "email"})
    assert hidden_field.status_code == 422 and error_paths(hidden_field) == ["/fields/0"]
    assert "w2@example.com" not in str(hidden_sort.get_json()) + str(hidden_field.get_json())

    sees_all = org.user("vip@example.com", ["writer", "sensitive"])
    assert sees_all.get(f"/api/v1/records/lead/{rid}").get_json()["mobile"] == "13900001111"
    task_id = rep.post("/api/v1/records/task", json={"subject": "call", "lead": rid})
    assert task_id.status_code == 201
    related = rep.get(f"/api/v1/records/lead/{rid}/related/task").get_json()["items"]
    assert [t["subject"] for t in related] == ["call"]


def test_writes_need_the_right_and_name_each_field(api: Api, tenant: TenantHandle) -> None:
    org = Org(api, tenant)
    org.role("clerk", {"lead": {"actions": ["read", "create", "edit"], "scope": "own",
                                "field_groups": {"contact": "edit", "company": "read",
                                                 "default": "edit"}}})
    org.role("viewer", lead_grant(["read"], "all", "read"))
    clerk = org.user("clerk@example.com", ["clerk"])
    refused = clerk.post("/api/v1/records/lead", json={
        "full_name": "Li", "company_name": "X", "employees": 5})
    assert refused.status_code == 403
    assert error_paths(refused) == ["/company_name", "/employees"]
    assert error_codes(refused) == ["field_not_editable", "field_not_editable"]
    assert names(api) == []  # nothing written
    rid = create(clerk, full_name="Li")
    edit = clerk.patch(f"/api/v1/records/lead/{rid}", json={"full_name": "Li Lei",
                                                            "city": "beijing"})
    assert edit.status_code == 403 and error_paths(edit) == ["/city"]
    assert clerk.get(f"/api/v1/records/lead/{rid}").get_json()["full_name"] == "Li"
    viewer = org.user("viewer@example.com", ["viewer"])
    before = api.get(f"/api/v1/records/lead/{rid}").get_json()
    refusals = {
        "create": viewer.post("/api/v1/records/lead", json={"full_name": "x"}),
        "delete": viewer.delete(f"/api/v1/records/lead/{rid}"),
        "export": viewer.get("/api/v1/records/lead/export"),
    }
    for action, response in refusals.items():
        body = problem(response, 403, "action_not_allowed")
        assert action in body["detail"], body
    no_delete_right = problem(clerk.delete(f"/api/v1/records/lead/{rid}"), 403,
                              "action_not_allowed")
    assert "delete" in no_delete_right["detail"]
    assert names(api) == ["Li"]  # nothing created, nothing deleted
    assert api.get(f"/api/v1/records/lead/{rid}").get_json() == before
    assert api.delete(f"/api/v1/records/lead/{rid}").status_code == 204
    problem(clerk.post(f"/api/v1/records/lead/{rid}/restore"), 403, "action_not_allowed")
    assert [r["id"] for r in api.get("/api/v1/recycle-bin/lead").get_json()["items"]] == [rid]
    assert api.post(f"/api/v1/records/lead/{rid}/restore").status_code == 200


def test_a_sharer_gives_no_more_than_they_hold(api: Api, tenant: TenantHandle) -> None:
    org = Org(api, tenant)
    org.role("owner_role", lead_grant(["read", "create", "edit"], "own"))
    org.role("sharer", lead_grant(["read", "share"], "own", "none"))
    org.role("plain", lead_grant(["read"], "own", "none"))
    owner = org.user("owner@example.com", ["owner_role"])
    sharer = org.user("sharer@example.com", ["sharer"])
    plain = org.user("plain@example.com", ["plain"])
    org.user("friend@example.com", ["plain"])
    rid = create(owner, full_name="Lead")
    base = f"/api/v1/records/lead/{rid}/grants"
    for grantee in ("sharer", "plain"):
        owner.post(base, json={"grantee": f"user:{grantee}@example.com",
                               "field_groups": {"contact": "read", "company": "edit"}})
    put(api, "/api/v1/meta/access_policies/lead",
        {"kind": "access_policy", "object": "lead", "conflict_strategy": "distribution_wins"})
    too_much = sharer.post(base, json={"grantee": "user:friend@example.com",
                                       "field_groups": {"contact": "edit", "company": "edit"}})
    assert too_much.status_code == 403
    assert error_paths(too_much) == ["/field_groups/contact"]
    assert error_codes(too_much) == ["grant_exceeds_holding"]
    assert "user:friend@example.com" not in grantees(owner, base)
    within = sharer.post(base, json={"grantee": "user:friend@example.com",
                                     "field_groups": {"contact": "read", "company": "edit"}})
    assert within.status_code == 201, within.get_json()
    granted = owner.get(base).get_json()["items"]
    no_right = plain.post(base, json={"grantee": "user:friend@example.com",
                                      "field_groups": {"contact": "read"}})
    problem(no_right, 403, "share_not_allowed")
    assert owner.get(base).get_json()["items"] == granted
    owners_grant = next(g for g in granted if g["grantee"] == "user:plain@example.com")
    problem(sharer.delete(f"{base}/{owners_grant['id']}"), 403, "grant_not_yours")
    assert owner.get(base).get_json()["items"] == granted
    assert sharer.delete(f"{base}/{within.get_json()['id']}").status_code == 204
