"""Metadata is for customizers (issue 12, item 8): a user without the ``customize`` right
reads only what they work with — the objects and layouts of objects their roles let them
read (without the fields they cannot read), their own user, and people's names."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import Api, TenantHandle, problem
from tests.docs_objects import campaign, lead
from tests.platform.test_functions_api import put_function

LAYOUT = {"kind": "layout", "api_name": "lead_form", "object": "lead",
          "sections": [{"fields": ["full_name", "company_name", "mobile"]}],
          "list_columns": ["full_name", "company_name"]}
WORKFLOW = {"kind": "workflow", "api_name": "notify", "label": {"en": "Notify"},
            "object": "lead", "trigger": {"on": "created"},
            "steps": [{"id": "post", "action": "call_webhook",
                       "url": "https://hooks.example/{{secret.api_key}}"}]}
#: What a user without customize must not read (path, or (method, path, body)).
CUSTOMIZER_ONLY = ["/api/v1/meta/functions", "/api/v1/meta/functions/fn",
                   "/api/v1/meta/functions/fn/calls", "/api/v1/meta/workflows",
                   "/api/v1/meta/workflows/notify", "/api/v1/workflows/notify/runs",
                   "/api/v1/meta/roles", "/api/v1/meta/roles/rep",
                   "/api/v1/meta/scoring_models", "/api/v1/meta/access_policies",
                   "/api/v1/meta/function_settings", "/api/v1/meta/departments",
                   "/api/v1/meta/history", "/api/v1/secrets"]


class World:
    def __init__(self, api: Api, tenant: TenantHandle) -> None:
        api.define(campaign())
        api.define(lead())
        for name, role in {
                "rep": {"grants": {"lead": {
                    "actions": ["read", "create", "edit"], "scope": "own",
                    "field_groups": {"contact": "edit", "company": "none",
                                     "default": "read"}}}},
                "customizer": {"actions": ["customize"], "grants": {}}}.items():
            response = api.put(f"/api/v1/meta/roles/{name}",
                               json={"label": {"en": name}, **role})
            assert response.status_code == 200, response.get_json()
        assert api.put("/api/v1/meta/layouts/lead_form", json=LAYOUT).status_code == 200
        for name, parent in (("sales", None), ("east", "sales")):
            assert api.put(f"/api/v1/departments/{name}", json={
                "label": {"en": name.title()}, "parent": parent}).status_code == 200
        assert api.put("/api/v1/meta/workflows/notify", json=WORKFLOW).status_code == 200
        put_function(api, "fn", code="def main(record, params):\n    return 1\n")
        self.admin = api
        self.nobody = Api(api.client, tenant.add_user("nobody@example.com", name="No Body"))
        self.rep = Api(api.client, tenant.add_user("rep@example.com", roles=["rep"]))
        self.customizer = Api(api.client, tenant.add_user("custom@example.com",
                                                          roles=["customizer"]))


@pytest.fixture
def world(api: Api, tenant: TenantHandle) -> World:
    return World(api, tenant)


def test_without_customize_functions_workflows_roles_history_and_secrets_are_403(
        world: World) -> None:
    for reader in (world.nobody, world.rep):
        for path in CUSTOMIZER_ONLY:
            refused = problem(reader.get(path), 403, "customize_required")
            assert "items" not in refused and "code" not in refused.get("document", {})
        problem(reader.get("/api/v1/users/custom@example.com"), 403, "customize_required")
        problem(reader.put("/api/v1/secrets/api_key", json={"value": "x"}), 403,
                "customize_required")
    chinese = world.rep.get("/api/v1/meta/roles", headers={"Accept-Language": "zh-CN"})
    assert "定制" in chinese.get_json()["detail"]


def test_a_rep_reads_the_objects_and_layouts_they_work_with_without_hidden_fields(
        world: World) -> None:
    rep = world.rep
    assert [o["api_name"] for o in rep.get("/api/v1/meta/objects").get_json()["items"]] \
        == ["lead"]
    problem(rep.get("/api/v1/meta/objects/campaign"), 403, "customize_required")
    fields = [f["api_name"] for f in rep.get("/api/v1/meta/objects/lead").get_json()["fields"]]
    assert "full_name" in fields and "mobile" in fields
    assert not {"company_name", "city", "employees"} & set(fields)
    layout = rep.get("/api/v1/meta/layouts/lead_form").get_json()
    assert layout["sections"][0]["fields"] == ["full_name", "mobile"]
    assert layout["list_columns"] == ["full_name"]
    assert [la["api_name"] for la in rep.get("/api/v1/meta/layouts").get_json()["items"]] \
        == ["lead_form"]
    spec = rep.get("/api/v1/openapi.json").get_json()
    assert "/api/v1/records/lead" in spec["paths"]
    assert "/api/v1/records/campaign" not in spec["paths"]
    assert "campaign" not in spec["components"]["schemas"]
    assert "company_name" not in spec["components"]["schemas"]["lead"]["properties"]


def test_a_user_without_roles_sees_no_object_but_names_of_people(world: World) -> None:
    nobody = world.nobody
    assert nobody.get("/api/v1/meta/objects").get_json()["items"] == []
    assert nobody.get("/api/v1/meta/layouts").get_json()["items"] == []
    problem(nobody.get("/api/v1/meta/objects/lead"), 403, "customize_required")
    problem(nobody.get("/api/v1/meta/layouts/lead_form"), 403, "customize_required")
    spec = nobody.get("/api/v1/openapi.json").get_json()
    assert not [p for p in spec["paths"] if p.startswith("/api/v1/records/lead")]
    assert "lead" not in spec["components"]["schemas"]
    users = {u["email"]: u for u in nobody.get("/api/v1/users").get_json()["items"]}
    assert set(users) >= {"nobody@example.com", "rep@example.com", "custom@example.com"}
    assert users["rep@example.com"].keys() == {"id", "email", "name"}
    assert not any("is_admin" in u or "roles" in u
                   for email, u in users.items() if email != "nobody@example.com")
    departments = nobody.get("/api/v1/departments").get_json()["items"]
    assert departments == [{"api_name": "east", "label": {"en": "East"}},
                           {"api_name": "sales", "label": {"en": "Sales"}}]
    own = users["nobody@example.com"]
    assert own["name"] == "No Body" and own["is_admin"] is False
    assert nobody.get("/api/v1/users/nobody@example.com").get_json()["roles"] == []


def test_customizers_and_admins_read_all_metadata_but_only_admins_change_it(
        world: World) -> None:
    for reader in (world.admin, world.customizer):
        for path in CUSTOMIZER_ONLY:
            assert reader.get(path).status_code == 200, (path, reader.get(path).get_json())
        objects = reader.get("/api/v1/meta/objects").get_json()["items"]
        assert [o["api_name"] for o in objects] == ["campaign", "lead"]
        assert "hidden_fields" in objects[0]
        fields = [f["api_name"] for f in
                  reader.get("/api/v1/meta/objects/lead").get_json()["fields"]]
        assert "company_name" in fields
        assert reader.get("/api/v1/meta/functions/fn").get_json()["code"]
        users = reader.get("/api/v1/users").get_json()["items"]
        assert all("roles" in u and "is_admin" in u for u in users)
        assert reader.get("/api/v1/users/rep@example.com").get_json()["roles"] == ["rep"]
        departments = reader.get("/api/v1/departments").get_json()["items"]
        assert {d["api_name"]: d["parent"] for d in departments} == {"east": "sales",
                                                                     "sales": None}
    problem(world.customizer.put("/api/v1/meta/workflows/notify", json=WORKFLOW), 403,
            "admin_required")


def test_a_role_may_only_grant_known_tenant_actions(world: World) -> None:
    response = world.admin.put("/api/v1/meta/roles/bad", json={
        "label": {"en": "Bad"}, "actions": ["customise"], "grants": {}})
    body: dict[str, Any] = problem(response, 422)
    assert [e["path"] for e in body["errors"]] == ["/actions/0"]
