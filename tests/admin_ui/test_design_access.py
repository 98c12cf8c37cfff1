"""The roles and access designer: scenario S1 built with the designer's forms (two
roles, users, a conflict strategy, a grant) and the explain panel following the
strategy; every document through the metadata service's preview, then Apply."""

from __future__ import annotations

import re
from typing import Any

import pytest

from tests.admin_ui.conftest import Browser, set_password, text
from tests.admin_ui.labels import labelled
from tests.admin_ui.test_designer import apply
from tests.conftest import Api, TenantHandle
from tests.docs_objects import campaign
from tests.platform.test_s1_conflict import lead_with_requirement

GROUPS = ("contact", "company", "requirement", "default")


class World:
    """A tenant with the S1 lead object and its admin signed in to the designer."""

    def __init__(self, web_app: Any, api: Api, tenant: TenantHandle) -> None:
        api.define(labelled(campaign()))
        api.define(labelled(lead_with_requirement()))
        self.api, self.tenant = api, tenant
        set_password(tenant.services, tenant.slug, tenant.admin_email)
        self.admin = Browser(web_app.test_client())
        self.admin.sign_in(tenant.admin_email)

    def role(self, label: str, name: str, actions: list[str], scope: str,
             level: str) -> dict[str, Any]:
        """Create a role on the roles page, then fill its matrix for leads."""
        created = self.admin.post("/app/design/roles", {"label-en": label, "api_name": ""})
        assert created.status_code == 200 and 'id="apply"' in text(created)
        assert apply(self.admin, created).status_code == 303
        form = {f"lead:action:{a}": "on" for a in actions}
        form.update({"lead:scope": scope, "label-en": label,
                     **{f"lead:group:{g}": level for g in GROUPS}})
        preview = self.admin.post(f"/app/design/roles/{name}", form)
        assert preview.status_code == 200, text(preview)[:2000]
        assert apply(self.admin, preview).status_code == 303
        return dict(self.api.get(f"/api/v1/meta/roles/{name}").get_json())

    def strategy(self, strategy: str) -> None:
        preview = self.admin.post("/app/design/access/lead", {"strategy": strategy})
        assert preview.status_code == 200, text(preview)[:2000]
        assert apply(self.admin, preview).status_code == 303

    def decisions(self, lead_id: str, user: str) -> dict[str, str]:
        html = text(self.admin.get(f"/app/design/access/lead/records/{lead_id}?user={user}"))
        found = re.findall(r'<tr data-group="(\w+)">.*?class="decision"><strong>(\w+)</strong>',
                           html, re.S)
        return dict(found)


@pytest.fixture
def world(web_app: Any, web_api: Api, tenant: TenantHandle) -> World:
    return World(web_app, web_api, tenant)


def test_s1_is_built_in_the_designer(world: World) -> None:
    owner = world.role("Lead owner", "lead_owner",
                       ["read", "create", "edit", "share", "view_sensitive"], "own", "edit")
    assert owner["grants"]["lead"]["actions"] == ["read", "create", "edit", "share",
                                                  "view_sensitive"]
    assert owner["grants"]["lead"]["field_groups"]["requirement"] == "edit"
    rep = world.role("Sales rep", "sales_rep", ["read", "export"], "team", "read")
    assert rep["grants"]["lead"]["scope"] == "team"
    assert "campaign" not in rep["grants"]  # nothing ticked: left out of the role
    roles_page = text(world.admin.get("/app/design/roles"))
    assert 'data-role="lead_owner"' in roles_page and 'data-role="sales_rep"' in roles_page
    # a user with the rep role, invited from the people designer
    invited = world.admin.post("/app/design/people", {"email": "a@example.com",
                                                      "roles": ["sales_rep"]})
    assert invited.status_code == 200
    lead_id = world.api.post("/api/v1/records/lead", json={
        "full_name": "Zhang San", "company_name": "Old Co"}).get_json()["id"]

    world.strategy("distribution_wins")
    policy = world.api.get("/api/v1/meta/access_policies/lead").get_json()
    assert policy["conflict_strategy"] == "distribution_wins"
    page = text(world.admin.get("/app/design/access/lead"))
    assert f'<option value="{lead_id}">Zhang San</option>' in page
    picked = world.admin.get(f"/app/design/access/lead/record?record={lead_id}")
    assert picked.status_code == 303
    shared = world.admin.post(f"/app/design/access/lead/records/{lead_id}/grants", {
        "grantee_kind": "user", "user": "a@example.com", "group-contact": "edit",
        "group-company": "read", "group-requirement": "edit"})
    assert shared.status_code == 303
    grants = world.api.get(f"/api/v1/records/lead/{lead_id}/grants").get_json()["items"]
    assert [g["grantee"] for g in grants] == ["user:a@example.com"]
    assert grants[0]["field_groups"]["contact"] == "edit"

    # the explain panel: A's role says read, the grant says edit; the strategy decides
    decided = world.decisions(lead_id, "a@example.com")
    assert decided["contact"] == "edit" and decided["company"] == "read", decided
    world.strategy("most_restrictive")
    assert world.decisions(lead_id, "a@example.com")["contact"] == "read"
    # a strategy for one group only
    preview = world.admin.post("/app/design/access/lead", {
        "strategy": "most_restrictive", "group-contact": "most_permissive"})
    assert apply(world.admin, preview).status_code == 303
    assert world.decisions(lead_id, "a@example.com")["contact"] == "edit"
    assert world.api.get("/api/v1/meta/access_policies/lead").get_json()[
        "per_field_group"] == {"contact": "most_permissive"}

    # revoking the grant: A is no longer shared the record
    page = text(world.admin.get(f"/app/design/access/lead/records/{lead_id}"))
    grant_id = re.search(r'data-grant="([^"]+)"', page).group(1)  # type: ignore[union-attr]
    revoked = world.admin.post(
        f"/app/design/access/lead/records/{lead_id}/grants/{grant_id}/revoke")
    assert revoked.status_code == 303
    assert world.api.get(f"/api/v1/records/lead/{lead_id}/grants").get_json()["items"] == []


def test_refusals_change_nothing(world: World) -> None:
    world.role("Viewer", "viewer", ["read"], "all", "read")
    before = world.api.get("/api/v1/meta/roles/viewer").get_json()
    bad = world.admin.post("/app/design/roles/viewer", {
        "lead:action:read": "on", "lead:scope": "condition", "lead:condition": "{nope",
        **{f"lead:group:{g}": "read" for g in GROUPS}})
    assert bad.status_code == 422 and 'id="apply"' not in text(bad)
    unknown = world.admin.post("/app/design/roles/viewer", {
        "lead:action:read": "on", "lead:scope": "condition",
        "lead:condition": '{"field": "nope", "op": "eq", "value": 1}'})
    assert unknown.status_code == 422
    assert world.api.get("/api/v1/meta/roles/viewer").get_json() == before
    exists = world.admin.post("/app/design/roles", {"label-en": "Viewer"})
    assert exists.status_code == 422
    lead_id = world.api.post("/api/v1/records/lead", json={"full_name": "Li"}).get_json()["id"]
    nobody = world.admin.post(f"/app/design/access/lead/records/{lead_id}/grants", {
        "grantee_kind": "user", "user": "ghost@example.com", "group-contact": "read"})
    assert nobody.status_code == 422 and "ghost@example.com" in text(nobody)
    assert world.api.get(f"/api/v1/records/lead/{lead_id}/grants").get_json()["items"] == []
    strategy = world.admin.post("/app/design/access/lead", {"strategy": "whoever"})
    assert strategy.status_code == 422
    assert world.api.get("/api/v1/meta/access_policies/lead").status_code == 404
    missing = world.admin.get("/app/design/access/lead/records/not-a-record")
    assert missing.status_code in (404, 422)
    assert world.admin.get("/app/design/access/nothing").status_code == 404


def test_a_condition_scope_and_the_chinese_page(world: World) -> None:
    world.role("Shanghai", "shanghai", ["read"], "all", "read")
    preview = world.admin.post("/app/design/roles/shanghai", {
        "lead:action:read": "on", "lead:scope": "condition",
        "lead:condition": '{"field": "city", "op": "eq", "value": "shanghai"}',
        **{f"lead:group:{g}": "read" for g in GROUPS}})
    assert preview.status_code == 200, text(preview)[:3000]
    apply(world.admin, preview)
    stored = world.api.get("/api/v1/meta/roles/shanghai").get_json()
    assert stored["grants"]["lead"]["scope"] == {"field": "city", "op": "eq",
                                                 "value": "shanghai"}
    page = text(world.admin.get("/app/design/roles/shanghai"))
    assert '<option value="condition" selected>' in page
    world.admin.post("/app/language", {"language": "zh-CN"})
    html = text(world.admin.get("/app/design/access/lead"))
    assert "冲突策略" in html and "取最严格" in html


def test_the_layout_previewed_as_a_role(world: World) -> None:
    world.role("Reader", "reader", ["read"], "all", "read")
    document = world.api.get("/api/v1/meta/roles/reader").get_json()
    grant = document["grants"]["lead"]
    grant["field_groups"].update({"company": "none", "requirement": "edit"})
    grant["actions"] = ["read", "edit"]
    assert world.api.put("/api/v1/meta/roles/reader", json=document).status_code == 200
    created = world.admin.post("/app/design/objects/lead/layouts", {})
    assert apply(world.admin, created).status_code == 303
    html = text(world.admin.get("/app/design/layouts/lead_default?as_role=reader"))
    states = dict(re.findall(r'data-preview-field="(\w+)" data-state="(\w+)"', html))
    # contact: read; mobile is sensitive and the role may not view sensitive values
    assert states["full_name"] == "read" and states["mobile"] == "masked"
    assert states["company_name"] == "hidden" and states["need"] == "edit"
    plain = text(world.admin.get("/app/design/layouts/lead_default"))
    assert "data-preview-field" not in plain and '<option value="reader">' in plain
    assert world.admin.get("/app/design/layouts/lead_default?as_role=ghost").status_code == 404
