"""The web app's list tools (count, filter builder, saved views), delete and the recycle
bin, the record page's runs, messages, grants, explain and buttons, and global search:
each per role, and never more than the API shows the same user."""

from __future__ import annotations

import dataclasses
import json
import re
from typing import Any
from urllib.parse import urlencode

import pytest

from objectry.admin_ui.host import SETTINGS_KEY
from objectry.metadata.fieldtypes.base import CHANGE_OPERATORS
from objectry.metadata.fieldtypes.registry import type_of
from tests.admin_ui.conftest import Browser, text
from tests.admin_ui.labels import labelled
from tests.admin_ui.test_pages import World
from tests.conftest import Api, TenantHandle
from tests.docs_objects import lead


@pytest.fixture
def world(web_app: Any, web_api: Api, tenant: TenantHandle) -> World:
    return World(web_app, web_api, tenant)


def listed(html: str) -> set[str]:
    """Names of the records a list page links to."""
    return set(re.findall(r'<a href="/app/o/lead/[0-9a-f-]{36}">([^<]+)</a>', html))


def builder(field: str, op: str, *values: str) -> str:
    params: list[tuple[str, str]] = [("fb", "1"), ("match", "all"), ("g0.match", "all"),
                                     ("g0.r0.field", field), ("g0.r0.op", op)]
    params += [("g0.r0.value", v) for v in values]
    return urlencode(params)


# -- count ------------------------------------------------------------------------------

def count_of(browser: Browser, list_url: str) -> str:
    """What the list page's count says once the browser has loaded it (htmx fetches it
    after the rows: the page carries its URL, the list's own state)."""
    html = browser.get(list_url).get_data(as_text=True)
    lazy = re.search(r'<span id="count"[^>]*hx-get="([^"]+)"[^>]*hx-trigger="load"', html)
    assert lazy is not None, "the list page loads its count after the rows"
    return text(browser.get(lazy.group(1).replace("&amp;", "&"),
                            headers={"HX-Request": "true"}))


def test_the_count_says_how_many_and_stops_at_the_cap(world: World, web_app: Any) -> None:
    assert "2 records" in count_of(world.admin, "/app/o/lead")
    mine = count_of(world.rep, "/app/o/lead")  # own leads only, as the API
    assert "1 record" in mine and "1 records" not in mine
    assert world.rep_api.get("/api/v1/records/lead?count=true").get_json()["count"] == 1
    # the count follows the list's filter and search
    only = urlencode({"filter": json.dumps({"field": "full_name", "op": "eq",
                                            "value": world.mine["full_name"]})})
    assert "1 record" in count_of(world.admin, f"/app/o/lead?{only}")
    settings = web_app.extensions[SETTINGS_KEY]
    web_app.extensions[SETTINGS_KEY] = dataclasses.replace(settings, list_count_cap=1)
    html = count_of(world.admin, "/app/o/lead")
    assert "1+ records" in html
    link = re.search(r'hx-get="(/app/o/lead/count[^"]*exact=1[^"]*)"',
                     world.admin.get("/app/o/lead/count").get_data(as_text=True))
    assert link is not None
    exact = world.admin.get(link.group(1).replace("&amp;", "&"), headers={"HX-Request": "true"})
    assert exact.status_code == 200 and "2 records" in text(exact)
    assert "2 records" not in text(world.rep.get("/app/o/lead/count?exact=1"))


# -- filter builder ------------------------------------------------------------------------

def test_the_filter_builder_offers_each_fields_operators_from_its_type(world: World) -> None:
    html = text(world.admin.get("/app/o/lead/filter?" + builder("employees", "gt", "5"),
                                headers={"HX-Request": "true"}))
    select = re.search(r'name="g0\.r0\.op"[^>]*>(.*?)</select>', html, re.S)
    assert select is not None
    offered = set(re.findall(r'<option value="([a-z_]+)"', select.group(1)))
    assert offered == set(type_of({"type": "integer"}).operators - CHANGE_OPERATORS)
    assert "is between" in html
    # a picklist's value is picked from its options, by label
    html = text(world.admin.get("/app/o/lead/filter?" + builder("city", "eq"),
                                headers={"HX-Request": "true"}))
    assert re.search(r'<select id="fb-g0-r0-value0" name="g0\.r0\.value">', html)
    # adding a row and a group
    html = text(world.admin.get("/app/o/lead/filter?" + builder("city", "eq") + "&add=group",
                                headers={"HX-Request": "true"}))
    assert 'name="g1.r0.field"' in html


def test_the_builders_filter_narrows_the_list_as_the_api_does(world: World) -> None:
    html = text(world.admin.get("/app/o/lead?" + builder("city", "eq", "beijing")))
    assert listed(html) == {"Admin Only Lead"}
    condition = {"field": "city", "op": "eq", "value": "beijing"}
    assert f'value="{json.dumps(condition)}"'.replace('"', "&#34;")[7:] in html or \
        "beijing" in html  # the filter travels with paging and sorting
    api = world.api.post("/api/v1/records/lead/query", json={"filter": condition}).get_json()
    assert {i["full_name"] for i in api["items"]} == listed(html)
    # any-groups: either city
    params = builder("city", "eq", "beijing") + "&" + urlencode(
        [("match", "any"), ("g1.match", "all"), ("g1.r0.field", "full_name"),
         ("g1.r0.op", "contains"), ("g1.r0.value", "wang")])
    params = params.replace("match=all&g0", "g0", 1)
    assert listed(text(world.admin.get("/app/o/lead?" + params))) == {"Admin Only Lead",
                                                                      "Wang Wei"}


def test_a_restricted_user_cannot_filter_by_what_they_cannot_read(world: World) -> None:
    html = text(world.rep.get("/app/o/lead?" + builder("full_name", "contains", "")))
    assert 'value="company_name"' not in html and 'value="city"' not in html
    assert 'value="full_name"' in html
    forged = {"field": "city", "op": "eq", "value": "shanghai"}  # set on the rep's lead
    page = world.rep.get("/app/o/lead?" + urlencode({"filter": json.dumps(forged)}))
    api = world.rep_api.post("/api/v1/records/lead/query", json={"filter": forged})
    assert "Wang Wei" not in listed(text(page))
    assert page.status_code == api.status_code
    assert "Rep Cannot See Co" not in text(page)


# -- saved views ---------------------------------------------------------------------------

def test_a_user_saves_a_personal_view_only_they_see(world: World, web_app: Any,
                                                     tenant: TenantHandle) -> None:
    condition = json.dumps({"field": "full_name", "op": "contains", "value": "wang"})
    saved = world.rep.post("/app/o/lead/views", {"label": "My Wangs", "filter": condition,
                                                 "sort": "full_name"})
    assert saved.status_code == 303 and "saved=lv_lead_" in saved.headers["Location"]
    html = text(world.rep.get(saved.headers["Location"]))
    assert "My Wangs" in html and listed(html) == {"Wang Wei"}
    name = re.search(r"saved=(lv_lead_[0-9a-f]+)", saved.headers["Location"]).group(1)
    stored = world.rep_api.get(f"/api/v1/meta/list_views/{name}").get_json()
    assert stored["owner"] == world.rep_email and stored["sort"] == "full_name"
    # another user with the same role sees nothing of it
    other_email = f"rep2@{tenant.slug}.example.com"
    other = Api(world.api.client, tenant.add_user(other_email, roles=["rep"]))
    assert other.get(f"/api/v1/meta/list_views/{name}").status_code == 403
    assert other.get("/api/v1/meta/list_views").get_json()["items"] == []
    # nobody else may overwrite it; its owner may remove it
    assert other.put(f"/api/v1/meta/list_views/{name}", json={
        "object": "lead", "label": {"en": "x"}, "owner": other_email}).status_code == 403
    assert world.rep.post(f"/app/o/lead/views/{name}/delete").status_code == 303
    assert world.rep_api.get(f"/api/v1/meta/list_views/{name}").status_code == 404


def test_shared_views_are_for_their_roles_and_set_by_administrators(world: World) -> None:
    view = {"object": "lead", "label": {"en": "Beijing"}, "roles": ["rep"],
            "filter": {"field": "city", "op": "eq", "value": "beijing"}}
    assert world.rep_api.put("/api/v1/meta/list_views/beijing", json=view).status_code == 403
    assert world.api.put("/api/v1/meta/list_views/beijing", json=view).status_code == 200
    html = text(world.rep.get("/app/o/lead"))
    assert "Beijing" in html and "(shared)" in html
    # the rep's list through the view shows what the API's same filter shows them
    rep_view = world.rep.get("/app/o/lead?saved=beijing")
    api = world.rep_api.post("/api/v1/records/lead/query", json={"filter": view["filter"]})
    assert rep_view.status_code == api.status_code
    if api.status_code == 200:
        assert listed(text(rep_view)) == {i["full_name"] for i in api.get_json()["items"]}
    assert "Rep Cannot See Co" not in text(rep_view)
    assert world.admin.get("/app/o/lead?saved=unknown_view").status_code == 404


def test_list_views_are_validated_and_documented(world: World) -> None:
    bad = world.api.put("/api/v1/meta/list_views/bad", json={
        "object": "lead", "label": {"en": "Bad"}, "owner": "x@example.com",
        "filter": {"field": "nope", "op": "eq", "value": 1}, "columns": ["missing"],
        "roles": ["rep"]})
    assert bad.status_code == 422
    bad = world.api.put("/api/v1/meta/list_views/bad", json={
        "object": "lead", "label": {"en": "Bad"}, "owner": "x@example.com",
        "filter": {"field": "nope", "op": "eq", "value": 1}, "columns": ["missing"]})
    pointers = {e["path"] for e in bad.get_json()["errors"]}
    assert bad.status_code == 422 and "/columns/0" in pointers
    assert any(p.startswith("/filter") for p in pointers)
    spec = world.api.get("/api/v1/openapi.json").get_json()
    assert "/api/v1/meta/list_views/{api_name}" in spec["paths"]


# -- delete, bulk delete, recycle bin --------------------------------------------------------

def test_delete_says_what_happens_to_related_records_then_restores(world: World) -> None:
    campaign = world.campaign["id"]
    confirm = text(world.admin.get(f"/app/o/campaign/{campaign}/delete"))
    assert "Spring Expo" in confirm
    assert re.search(r'data-policy="keep">1 Lead \(campaign\) are kept', confirm, re.I)
    deleted = world.admin.post("/app/o/campaign/delete", {"ids": campaign, "confirm": "yes"})
    assert deleted.status_code == 303
    assert world.api.get(f"/api/v1/records/campaign/{campaign}").status_code == 404
    bin_page = text(world.admin.get("/app/o/campaign/recycle-bin"))
    assert "Spring Expo" in bin_page
    restored = world.admin.post(f"/app/o/campaign/{campaign}/restore")
    assert restored.status_code == 303
    assert world.api.get(f"/api/v1/records/campaign/{campaign}").status_code == 200
    assert "Spring Expo" not in text(world.admin.get("/app/o/campaign/recycle-bin"))


def test_cascade_and_unlink_are_announced(world: World) -> None:
    world.api.define(labelled(lead(fields=[{"api_name": "source", "type": "lookup",
                                            "target": "campaign",
                                            "on_target_delete": "set_null"}])))
    world.api.patch(f"/api/v1/records/lead/{world.secret['id']}",
                    json={"source": world.campaign["id"]})
    confirm = text(world.admin.get(f"/app/o/campaign/{world.campaign['id']}/delete"))
    assert 'data-policy="set_null">1 Lead' in confirm and "are unlinked" in confirm


def test_bulk_delete_confirms_then_deletes_all_selected(world: World) -> None:
    ids = [world.mine["id"], world.secret["id"]]
    html = text(world.admin.get("/app/o/lead"))
    assert all(f'name="ids" value="{i}"' in html for i in ids)
    confirm = world.admin.post("/app/o/lead/delete", {"ids": ids})
    assert confirm.status_code == 200 and "2 record(s) go to the recycle bin" in text(confirm)
    assert world.api.get(f"/api/v1/records/lead/{ids[0]}").status_code == 200
    done = world.admin.post("/app/o/lead/delete", {"ids": ids, "confirm": "yes"})
    assert done.status_code == 303
    assert "2 record(s) moved to the recycle bin." in text(world.admin.get(
        done.headers["Location"]))
    assert listed(text(world.admin.get("/app/o/lead"))) == set()
    assert {"Wang Wei", "Admin Only Lead"} <= set(
        re.findall(r"<td[^>]*>([^<]+)</td>", text(world.admin.get("/app/o/lead/recycle-bin"))))


def test_a_restricted_user_cannot_delete_or_see_the_bin_beyond_the_api(world: World) -> None:
    html = text(world.rep.get("/app/o/lead"))
    assert "Delete selected" not in html  # no delete right: no delete button
    assert 'name="ids"' in html and "Assign selected" in html  # (edit: may assign)
    refused = world.rep.post("/app/o/lead/delete", {"ids": world.mine["id"], "confirm": "yes"})
    assert refused.status_code == 403
    assert world.rep.get(f"/app/o/lead/{world.mine['id']}/delete").status_code == 403
    world.api.delete(f"/api/v1/records/lead/{world.secret['id']}")
    bin_page = world.rep.get("/app/o/lead/recycle-bin")
    api = world.rep_api.get("/api/v1/recycle-bin/lead")
    assert bin_page.status_code == api.status_code
    assert "Admin Only Lead" not in text(bin_page)


def test_delete_needs_the_csrf_token(world: World) -> None:
    refused = world.admin.post("/app/o/lead/delete", {"ids": world.mine["id"],
                                                      "confirm": "yes"}, csrf=False)
    assert refused.status_code in (400, 403)
    assert world.api.get(f"/api/v1/records/lead/{world.mine['id']}").status_code == 200


# -- record page: grants, explain, runs, messages, buttons ----------------------------------

def test_grants_and_explain_follow_the_apis_rules(world: World, tenant: TenantHandle) -> None:
    mine = world.mine["id"]
    colleague = f"colleague@{tenant.slug}.example.com"
    tenant.add_user(colleague, roles=["rep"])
    granted = world.api.post(f"/api/v1/records/lead/{mine}/grants", json={
        "grantee": f"user:{colleague}", "field_groups": {"default": "read"}})
    assert granted.status_code == 201, granted.get_json()
    page = text(world.rep.get(f"/app/o/lead/{mine}"))
    api = world.rep_api.get(f"/api/v1/records/lead/{mine}/grants")
    assert f"user:{colleague}" in page
    assert len(api.get_json()["items"]) == page.count("<li>user:") == 1
    assert "Why can this user edit this?" in page
    own = text(world.rep.get(f"/app/o/lead/{mine}/access", headers={"HX-Request": "true"}))
    assert "Access of rep@" in own and "Contact" in own and "Company" in own
    # the rep owns the lead: they may ask about others too, as the API allows
    asked = world.rep_api.get(f"/api/v1/records/lead/{mine}/access?user={tenant.admin_email}")
    html = text(world.rep.get(f"/app/o/lead/{mine}/access?user={tenant.admin_email}",
                              headers={"HX-Request": "true"}))
    assert (asked.status_code == 200) == ("Access of " in html)
    # a record the rep cannot see: no explain at all
    hidden = world.rep.get(f"/app/o/lead/{world.secret['id']}/access")
    assert hidden.status_code == world.rep_api.get(
        f"/api/v1/records/lead/{world.secret['id']}/access?user={world.rep_email}").status_code


def test_explain_refuses_what_the_api_refuses(world: World, web_app: Any,
                                              tenant: TenantHandle) -> None:
    world.api.put("/api/v1/meta/roles/reader", json={
        "label": {"en": "Reader"}, "grants": {"lead": {"actions": ["read"], "scope": "all"}}})
    email = f"reader@{tenant.slug}.example.com"
    reader_api = Api(world.api.client, tenant.add_user(email, roles=["reader"]))
    from tests.admin_ui.conftest import set_password
    set_password(tenant.services, tenant.slug, email)
    reader = Browser(web_app.test_client())
    reader.sign_in(email)
    path = f"/app/o/lead/{world.mine['id']}/access?user={world.rep_email}"
    html = text(reader.get(path, headers={"HX-Request": "true"}))
    api = reader_api.get(f"/api/v1/records/lead/{world.mine['id']}/access?user={world.rep_email}")
    assert api.status_code == 403 and "Access of" not in html and 'role="alert"' in html


def test_a_button_runs_its_function_and_shows_the_result(world: World) -> None:
    world.api.put("/api/v1/meta/functions/greet", json={
        "label": {"en": "Greet"}, "purpose": "button", "object": "lead", "run_as": "caller",
        "code": "def main(record, params):\n    return 'hello ' + record['full_name']\n"})
    page = text(world.rep.get(f"/app/o/lead/{world.mine['id']}"))
    assert "/actions/greet" in page and ">Greet</button>" in page
    result = world.rep.post(f"/app/o/lead/{world.mine['id']}/actions/greet",
                            headers={"HX-Request": "true"})
    assert result.status_code == 200 and "hello Wang Wei" in text(result)
    # the records the rep cannot read cannot be acted on either
    refused = world.rep.post(f"/app/o/lead/{world.secret['id']}/actions/greet")
    api = world.rep_api.post(f"/api/v1/records/lead/{world.secret['id']}/actions/greet")
    assert refused.status_code == api.status_code >= 400 and "hello" not in text(refused)


def test_runs_and_messages_come_through_the_apis_views(world: World) -> None:
    mine = world.mine["id"]
    assert world.api.put("/api/v1/meta/workflows/wake_up", json={
        "label": {"en": "Wake up"}, "object": "lead", "trigger": {"on": "manual"},
        "steps": [{"id": "tag", "action": "add_tag", "field": "tags", "tag": "cold"}],
    }).status_code == 200
    assert world.api.post("/api/v1/workflows/wake_up/runs",
                          json={"records": [mine]}).status_code == 202
    page = text(world.rep.get(f"/app/o/lead/{mine}"))
    assert "<strong>wake_up</strong>" in page
    runs = world.rep_api.get(f"/api/v1/records/lead/{mine}/runs").get_json()["items"]
    messages = world.rep_api.get(f"/api/v1/messages?record=lead/{mine}").get_json()["items"]
    assert ("Workflow runs" in page) == bool(runs)
    assert ("Messages</h2>" in page) == bool(messages)


# -- search and recent records ----------------------------------------------------------------

def test_global_search_finds_names_the_user_may_read(world: World) -> None:
    admin = text(world.admin.get("/app/search?q=lead"))
    assert "Admin Only Lead" in admin
    assert "Admin Only Lead" not in text(world.rep.get("/app/search?q=lead"))
    assert "Spring Expo" in text(world.admin.get("/app/search?q=spring"))
    assert "Spring Expo" not in text(world.rep.get("/app/search?q=spring"))
    assert "Wang Wei" in text(world.rep.get("/app/search?q=wang"))
    assert 'role="search"' in text(world.rep.get("/app/"))


def test_home_shows_recently_opened_records_the_user_may_still_read(world: World) -> None:
    world.admin.get(f"/app/o/lead/{world.secret['id']}")
    world.admin.get(f"/app/o/campaign/{world.campaign['id']}")
    home = text(world.admin.get("/app/"))
    assert "Recently opened" in home and home.index("Spring Expo") < home.index(
        "Admin Only Lead")
    world.api.delete(f"/api/v1/records/lead/{world.secret['id']}")
    assert "Admin Only Lead" not in text(world.admin.get("/app/"))


def test_phones_get_cards_and_one_column_forms(world: World) -> None:
    html = text(world.admin.get("/app/o/lead"))
    assert re.search(r'<td data-label="Company name">|<td data-label="[^"]+">', html)
    css_url = re.search(r'href="(/app/static/[0-9a-f]+/app\.css)"', html)
    assert css_url is not None
    css = text(world.admin.get(css_url.group(1)))
    phone = css[css.index("@media (max-width: 600px)"):]
    assert "table.records tr { display: block" in phone
    assert ".fields.cols-2, .fields.cols-3, .fields.cols-4 { grid-template-columns: 1fr; }" \
        in phone


def test_bad_input_is_a_page_with_the_problem_never_a_500(world: World) -> None:
    for path in ("/app/o/lead?filter=not-json", "/app/o/lead?filter=%7B%22field%22%3A1%7D",
                 "/app/o/lead?" + builder("employees", "gt", "many"),
                 "/app/o/lead/count?filter=%5B%5D", "/app/o/lead?saved=../x"):
        response = world.admin.get(path)
        assert response.status_code in (404, 422), path
        assert response.mimetype == "text/html"
    assert world.admin.post("/app/o/lead/delete", {"ids": ""}).status_code == 422
    too_many = world.admin.post("/app/o/lead/delete", {"ids": [str(i) for i in range(60)]})
    assert too_many.status_code == 422 and "At most 50 items." in text(too_many)


def test_the_new_pages_speak_chinese(world: World) -> None:
    world.admin.post("/app/language", {"language": "zh-CN"})
    confirm = text(world.admin.get(f"/app/o/campaign/{world.campaign['id']}/delete"))
    assert "移入回收站" in confirm and "保持不变" in confirm
    listing = text(world.admin.get("/app/o/lead"))
    assert "筛选" in listing and "回收站" in listing
    assert "共 2 条记录" in count_of(world.admin, "/app/o/lead")
    record = text(world.admin.get(f"/app/o/lead/{world.mine['id']}"))
    assert "为什么该用户可以编辑此记录?" in record and "未分发给任何人。" in record
    assert "全局搜索" in text(world.admin.get("/app/search?q=wang"))
