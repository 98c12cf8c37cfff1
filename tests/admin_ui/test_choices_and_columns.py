"""Picklists searched by alias and label in either language; a saved view's columns
chosen and ordered in the browser (personal by their owner, shared by admins)."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from tests.admin_ui.conftest import text
from tests.admin_ui.test_pages import World
from tests.conftest import Api, TenantHandle


@pytest.fixture
def world(web_app: Any, web_api: Api, tenant: TenantHandle) -> World:
    return World(web_app, web_api, tenant)


def found(response: Any) -> list[str]:
    assert response.status_code == 200, text(response)
    return [item["value"] for item in response.get_json()["items"]]


def test_typing_an_alias_or_a_label_in_either_language_finds_the_option(
        world: World) -> None:
    url = "/app/o/lead/fields/city/choices?q="
    for typed in ("SH", "\uff53\uff48", "ShangHai", "上海市", "上海", "Shang", "shanghai"):
        assert found(world.admin.get(url + typed)) == ["shanghai"], typed
    assert found(world.admin.get(url + "北京")) == ["beijing"]  # an alias only
    assert found(world.admin.get(url)) == ["shanghai", "beijing"]
    assert found(world.admin.get(url + "Tokyo")) == []
    items = world.admin.get(url + "SH", headers={"Accept-Language": "zh-CN"}).get_json()
    assert items["items"] == [{"value": "shanghai", "text": "Shanghai"}]  # session: en
    assert found(world.admin.get("/app/o/lead/fields/tags/choices?q=par")) == ["partner"]


def test_the_form_wires_picklists_to_the_search(world: World) -> None:
    html = text(world.admin.get("/app/o/lead/new"))
    assert 'data-choices-url="/app/o/lead/fields/city/choices"' in html
    assert 'data-choices-url="/app/o/lead/fields/tags/choices"' in html


def test_the_search_follows_field_access(world: World) -> None:
    # the rep cannot read the company group (city): nothing, as for the API
    assert world.rep.get("/app/o/lead/fields/city/choices?q=SH").status_code == 404
    assert world.rep.get("/app/o/campaign/fields/name/choices").status_code == 403
    assert world.admin.get("/app/o/lead/fields/full_name/choices").status_code == 404


def saved_view(world: World, browser: Any, **extra: Any) -> str:
    response = browser.post("/app/o/lead/views", {"label": "Mine", "sort": "full_name",
                                                  **extra})
    assert response.status_code == 303
    return re.search(r"saved=(\w+)", response.headers["Location"]).group(1)  # type: ignore[union-attr]


def test_an_owner_chooses_and_orders_the_columns_of_a_personal_view(world: World) -> None:
    name = saved_view(world, world.rep)
    listed = text(world.rep.get(f"/app/o/lead?saved={name}"))
    assert f"/app/o/lead/views/{name}/columns" in listed
    form = text(world.rep.get(f"/app/o/lead/views/{name}/columns"))
    assert 'name="show" value="full_name"' in form and "company_name" not in form
    saved = world.rep.post(f"/app/o/lead/views/{name}/columns", {
        "show": ["email", "full_name"], "pos-email": "1", "pos-full_name": "2",
        "pos-mobile": "3"})
    assert saved.status_code == 303
    stored = world.api.get(f"/api/v1/meta/list_views/{name}").get_json()
    assert stored["columns"] == ["email", "full_name"]
    html = text(world.rep.get(f"/app/o/lead?saved={name}"))
    heads = re.findall(r'<th scope="col"[^>]*>\s*(?:<a [^>]*>)?([^<▲▼]+)', html)
    assert [h.strip() for h in heads if h.strip() in ("E-mail", "Full name", "Mobile")] \
        == ["E-mail", "Full name"]
    # columns the user cannot read are never written, even when posted
    world.rep.post(f"/app/o/lead/views/{name}/columns", {
        "show": ["company_name", "email"], "pos-email": "1"})
    stored = world.api.get(f"/api/v1/meta/list_views/{name}").get_json()
    assert stored["columns"] == ["email"]


def test_shared_views_columns_are_for_administrators(world: World) -> None:
    name = saved_view(world, world.admin, roles="rep")
    assert world.rep.get(f"/app/o/lead/views/{name}/columns").status_code == 403
    assert world.rep.post(f"/app/o/lead/views/{name}/columns", {
        "show": ["email"], "pos-email": "1"}).status_code == 403
    assert f"/app/o/lead/views/{name}/columns" not in text(
        world.rep.get(f"/app/o/lead?saved={name}"))
    assert world.admin.post(f"/app/o/lead/views/{name}/columns", {
        "show": ["city", "full_name"], "pos-city": "1", "pos-full_name": "2"}
    ).status_code == 303
    assert world.api.get(f"/api/v1/meta/list_views/{name}").get_json()["columns"] == [
        "city", "full_name"]
    bad = world.admin.post(f"/app/o/lead/views/{name}/columns", {
        "show": ["city"], "pos-city": "first"})
    assert bad.status_code == 422 and "<html" in text(bad)
    assert json.dumps(world.api.get(f"/api/v1/meta/list_views/{name}").get_json()[
        "columns"]) == '["city", "full_name"]'


def test_empty_values_show_a_dash_in_lists(world: World) -> None:
    html = text(world.admin.get("/app/o/lead"))
    assert '<span class="empty">—</span>' in html  # the admin's lead has no mobile


def test_selected_records_are_assigned_through_the_owner_command(world: World,
                                                                 tenant: TenantHandle) -> None:
    html = text(world.admin.get("/app/o/lead"))
    assert 'name="owner"' in html and world.rep_email not in html  # searched, not listed
    found = world.admin.get("/app/people/options?q=" + world.rep_email[:3]).get_json()
    assert world.rep_email in [item["value"] for item in found["items"]]
    assert world.admin.get("/app/people/options?q=zzz-nobody").get_json()["items"] == []
    typed = world.admin.get("/app/people/options?owner=" + world.rep_email[:3],
                            headers={"HX-Request": "true"})  # the box's datalist
    assert f'<option value="{world.rep_email}">' in text(typed)
    assigned = world.admin.post("/app/o/lead/owner", {"ids": [world.secret["id"]],
                                                      "owner": world.rep_email})
    assert assigned.status_code == 303 and "assigned=1" in assigned.headers["Location"]
    stored = world.api.get(f"/api/v1/records/lead/{world.secret['id']}").get_json()
    assert stored["owner"] == world.mine["owner"]  # the rep's id
    assert "1 record(s) assigned." in text(world.admin.get(assigned.headers["Location"]))
    # the owner (with edit) may hand their lead on, as through the API ...
    handed = world.rep.post("/app/o/lead/owner", {"ids": [world.mine["id"]],
                                                  "owner": tenant.admin_email})
    assert handed.status_code == 303
    # ... but not one they no longer own (nor can see): refused, nothing changes
    refused = world.rep.post("/app/o/lead/owner", {"ids": [world.mine["id"]],
                                                   "owner": world.rep_email})
    assert refused.status_code in (403, 404)
    assert world.api.get(f"/api/v1/records/lead/{world.mine['id']}").get_json()[
        "owner"] != world.mine["owner"]
    bad = world.admin.post("/app/o/lead/owner", {"ids": [world.mine["id"]],
                                                 "owner": "nobody@example.com"})
    assert bad.status_code == 422 and "<html" in text(bad)
