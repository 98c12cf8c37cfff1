"""Users, departments, roles and access policies as API resources with history."""

from __future__ import annotations

from tests.conftest import Api, error_codes, error_paths, problem
from tests.docs_objects import campaign, lead

SALES_REP = {"label": {"en": "Sales rep", "zh-CN": "业务人员"},
             "grants": {"lead": {"actions": ["read", "create", "edit"], "scope": "own",
                                 "field_groups": {"contact": "read", "company": "read"}}}}


def setup(api: Api) -> None:
    api.define(campaign())
    api.define(lead())


def test_roles_departments_users_round_trip(api: Api) -> None:
    setup(api)
    assert api.put("/api/v1/meta/roles/sales_rep", json=SALES_REP).status_code == 200
    assert api.put("/api/v1/departments/sales", json={"label": {"en": "Sales"}}
                   ).status_code == 200
    assert api.put("/api/v1/departments/sh_office", json={
        "label": {"en": "Shanghai office", "zh-CN": "上海代表处"}, "parent": "sales"}
    ).status_code == 200
    created = api.post("/api/v1/users", json={"email": "A@Example.com", "name": "A",
                                              "roles": ["sales_rep"],
                                              "department": "sh_office"})
    assert created.status_code == 201
    assert created.get_json()["email"] == "a@example.com"
    assert created.get_json()["is_admin"] is False
    moved = api.patch("/api/v1/users/a@example.com", json={"department": "sales"})
    assert moved.get_json()["department"] == "sales"
    history = api.get("/api/v1/meta/history").get_json()["items"]
    assert history[0]["summary"] == "membership of a@example.com"
    assert history[0]["changes"][0]["diff"] == [
        {"op": "replace", "path": "/department", "value": "sales"}]
    assert [d["api_name"] for d in api.get("/api/v1/departments").get_json()["items"]] == [
        "sales", "sh_office"]


def test_bad_people_input(api: Api) -> None:
    setup(api)
    bad_role = api.put("/api/v1/meta/roles/rep", json={
        "label": {"en": "R"}, "grants": {"lead": {"field_groups": {"nope": "edit",
                                                                   "contact": "write"}}}})
    assert bad_role.status_code == 422
    assert "/grants/lead/field_groups/contact" in error_paths(bad_role)
    unknown_group = api.put("/api/v1/meta/roles/rep", json={
        "label": {"en": "R"}, "grants": {"lead": {"field_groups": {"nope": "edit"}}}})
    assert error_codes(unknown_group) == ["unknown_group"]
    unknown_object = api.put("/api/v1/meta/roles/rep", json={
        "label": {"en": "R"}, "grants": {"ghost": {"actions": ["read"]}}})
    assert error_paths(unknown_object) == ["/grants/ghost"]
    api.put("/api/v1/departments/a_dept", json={"label": {"en": "A"}})
    api.put("/api/v1/departments/b_dept", json={"label": {"en": "B"}, "parent": "a_dept"})
    cycle = api.put("/api/v1/departments/a_dept", json={"label": {"en": "A"},
                                                        "parent": "b_dept"})
    assert cycle.status_code == 422 and error_codes(cycle) == ["department_cycle"]
    user = api.post("/api/v1/users", json={"email": "x@example.com", "roles": ["ghost"],
                                           "department": "nowhere"})
    assert user.status_code == 422
    assert sorted(error_paths(user)) == ["/department", "/roles/0"]
    problem(api.get("/api/v1/users/x@example.com"), 404, "unknown_user")
    strategy = api.put("/api/v1/meta/access_policies/lead", json={
        "conflict_strategy": "whoever_shouts"})
    assert strategy.status_code == 422 and error_paths(strategy) == ["/conflict_strategy"]


def test_role_still_assigned_cannot_be_deleted(api: Api) -> None:
    setup(api)
    api.put("/api/v1/meta/roles/sales_rep", json=SALES_REP)
    api.post("/api/v1/users", json={"email": "a@example.com", "roles": ["sales_rep"]})
    refused = api.delete("/api/v1/meta/roles/sales_rep")
    problem(refused, 409)
    assert api.get("/api/v1/meta/roles/sales_rep").status_code == 200  # still there
    assert refused.get_json()["errors"][0]["code"] == "role_in_use"
    assert "a@example.com" in refused.get_json()["detail"]
    api.patch("/api/v1/users/a@example.com", json={"roles": []})
    assert api.delete("/api/v1/meta/roles/sales_rep").status_code == 200
    problem(api.get("/api/v1/meta/roles/sales_rep"), 404, "unknown_document")


def test_access_policy_per_object_and_tenant(api: Api) -> None:
    setup(api)
    ok = api.put("/api/v1/meta/access_policies/lead", json={
        "conflict_strategy": "most_restrictive",
        "per_field_group": {"contact": "distribution_wins"}})
    assert ok.status_code == 200, ok.get_json()
    tenant_wide = api.put("/api/v1/meta/access_policies/tenant_default", json={
        "conflict_strategy": "distribution_wins"})
    assert tenant_wide.status_code == 200
    bad_group = api.put("/api/v1/meta/access_policies/lead", json={
        "conflict_strategy": "most_restrictive", "per_field_group": {"nope": "most_permissive"}})
    assert error_paths(bad_group) == ["/per_field_group/nope"]


def test_only_admins_manage_people(api: Api, tenant) -> None:  # type: ignore[no-untyped-def]
    setup(api)
    member = Api(api.client, tenant.add_user("rep@example.com"))
    problem(member.post("/api/v1/users", json={"email": "z@example.com"}), 403,
            "admin_required")
    problem(member.patch("/api/v1/users/rep@example.com", json={"is_admin": True}), 403,
            "admin_required")
    problem(api.get("/api/v1/users/z@example.com"), 404, "unknown_user")  # not created
    assert api.get("/api/v1/users/rep@example.com").get_json()["is_admin"] is False
