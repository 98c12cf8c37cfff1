"""The web app's pages: home, lists, record pages and forms, per role, against the API."""

from __future__ import annotations

import re
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.admin_ui.conftest import Browser, set_password, text
from tests.admin_ui.labels import labelled
from tests.conftest import Api, TenantHandle
from tests.docs_objects import campaign, lead

LAYOUT = {"kind": "layout", "api_name": "lead_default", "object": "lead",
          "sections": [
              {"label": {"en": "Contact", "zh-CN": "联系人"}, "columns": 2,
               "fields": ["full_name", "mobile", "email"]},
              {"label": {"en": "Company", "zh-CN": "单位"}, "columns": 2,
               "fields": ["company_name", "city", "employees"]},
              {"label": {"en": "Deal", "zh-CN": "商机"}, "columns": 1,
               "fields": ["budget", "campaign", "status", "tags"]}],
          "list_columns": ["full_name", "company_name", "city", "mobile", "campaign", "status"]}
REP_ROLE = {"label": {"en": "Rep"}, "grants": {"lead": {
    "actions": ["read", "create", "edit"], "scope": "own",
    "field_groups": {"contact": "edit", "company": "none", "default": "read"}}}}


class World:
    """A tenant with leads and campaigns, an admin and a rep (contact: edit, company:
    hidden, the rest read-only; own leads only), each signed in to the web app."""

    def __init__(self, web_app: Any, api: Api, tenant: TenantHandle) -> None:
        api.define(labelled(campaign()))
        api.define(labelled(lead()))
        assert api.put("/api/v1/meta/layouts/lead_default", json=LAYOUT).status_code == 200
        assert api.put("/api/v1/meta/roles/rep", json=REP_ROLE).status_code == 200
        self.api = api
        self.rep_email = f"rep@{tenant.slug}.example.com"  # e-mails are per tenant
        self.rep_api = Api(api.client, tenant.add_user(self.rep_email, name="Rep One",
                                                       roles=["rep"]))
        self.campaign = api.post("/api/v1/records/campaign",
                                 json={"name": "Spring Expo"}).get_json()
        self.secret = api.post("/api/v1/records/lead", json={
            "full_name": "Admin Only Lead", "company_name": "Hidden Company Ltd",
            "city": "beijing"}).get_json()
        self.mine = self.rep_api.post("/api/v1/records/lead", json={
            "full_name": "Wang Wei", "mobile": "13812345678", "email": "wang@example.com",
        }).get_json()
        # what the rep may not read: set by the admin on the rep's own lead
        self.mine = api.patch(f"/api/v1/records/lead/{self.mine['id']}", json={
            "company_name": "Rep Cannot See Co", "city": "shanghai", "budget": 1234.5,
            "campaign": self.campaign["id"], "tags": ["vip", "partner"]}).get_json()
        for email in (tenant.admin_email, self.rep_email):
            set_password(tenant.services, tenant.slug, email)
        self.admin = Browser(web_app.test_client())
        self.admin.sign_in(tenant.admin_email)
        self.rep = Browser(web_app.test_client())
        self.rep.sign_in(self.rep_email)


@pytest.fixture
def world(web_app: Any, web_api: Api, tenant: TenantHandle) -> World:
    return World(web_app, web_api, tenant)


def urls(html: str) -> list[str]:
    return re.findall(r'(?:src|href|action|hx-get|hx-post)="([^"]*)"', html)


def test_home_lists_the_objects_each_user_may_read(world: World) -> None:
    admin = text(world.admin.get("/app/"))
    rep = text(world.rep.get("/app/"))
    assert "/app/o/lead" in admin and "/app/o/campaign" in admin
    assert "/app/o/lead" in rep and "/app/o/campaign" not in rep
    assert "Rep One" in rep


def test_list_shows_the_layout_columns_with_values_by_type(world: World) -> None:
    page = world.admin.get("/app/o/lead")
    html = text(page)
    assert page.status_code == 200
    for label in ("Full name", "Wang Wei", "Admin Only Lead", "Hidden Company Ltd",
                  "Shanghai", "Spring Expo"):
        assert label in html
    assert f'/app/o/campaign/{world.campaign["id"]}' in html  # a lookup links its target
    assert "13812345678" in html  # the admin reads the sensitive mobile


def test_a_restricted_user_sees_no_more_in_the_list_than_through_the_api(
        world: World) -> None:
    api_items = world.rep_api.get("/api/v1/records/lead").get_json()["items"]
    assert [i["full_name"] for i in api_items] == ["Wang Wei"]
    html = text(world.rep.get("/app/o/lead"))
    assert "Wang Wei" in html
    for unseen in ("Admin Only Lead", "Hidden Company Ltd", "Rep Cannot See Co",
                   "13812345678", "company_name", "Shanghai"):
        assert unseen not in html
    assert api_items[0]["mobile"] in html  # masked as the API masks it
    assert world.rep.get("/app/o/campaign").status_code == 403


def test_sorting_searching_and_paging(world: World) -> None:
    for i in range(55):
        world.api.post("/api/v1/records/lead", json={"full_name": f"Bulk {i:02d}"})
    first = text(world.admin.get("/app/o/lead?sort=full_name"))
    assert first.index("Admin Only Lead") < first.index("Bulk 00") < first.index("Bulk 10")
    assert "Wang Wei" not in first  # past the first 50
    cursor = re.search(r'href="(/app/o/lead\?[^"]*cursor=[^"]+)"', first)
    assert cursor is not None
    second = text(world.admin.get(cursor.group(1).replace("&amp;", "&")))
    assert "Wang Wei" in second and "Bulk 00" not in second
    assert "First page" in second and "First page" not in first  # a way back, not a loop
    descending = text(world.admin.get("/app/o/lead?sort=-full_name"))
    assert descending.index("Wang Wei") < descending.index("Bulk 54")
    found = text(world.admin.get("/app/o/lead?q=wang"))
    assert "Wang Wei" in found and "Bulk 01" not in found
    refused = world.admin.get("/app/o/lead?sort=no_such_field")
    assert refused.status_code == 422 and "<html" in text(refused)


def test_htmx_list_requests_get_only_the_list_fragment(world: World) -> None:
    response = world.admin.get("/app/o/lead?q=wang", headers={
        "HX-Request": "true", "HX-Target": "records"})
    html = text(response)
    assert response.status_code == 200 and "Wang Wei" in html
    assert "<html" not in html and "<aside" not in html


def test_record_page_follows_the_layout_and_the_field_types(world: World) -> None:
    page = world.admin.get(f"/app/o/lead/{world.mine['id']}")
    html = text(page)
    assert page.status_code == 200
    assert html.index(">Contact<") < html.index(">Company<") < html.index(">Deal<")
    assert "CNY 1,234.50" in html and "Shanghai" in html and "vip, partner" in html
    assert f'/app/o/campaign/{world.campaign["id"]}' in html and "Spring Expo" in html
    assert world.admin.post("/app/language", {"language": "zh-CN"}).status_code == 303
    chinese = text(world.admin.get(f"/app/o/lead/{world.mine['id']}"))
    assert "上海" in chinese and ">联系人<" in chinese and "CNY 1,234.50" in chinese


def test_a_restricted_user_sees_no_more_on_the_record_page_than_through_the_api(
        world: World) -> None:
    record = world.rep_api.get(f"/api/v1/records/lead/{world.mine['id']}").get_json()
    assert "company_name" not in record and record["mobile"] != "13812345678"
    html = text(world.rep.get(f"/app/o/lead/{world.mine['id']}"))
    assert "Wang Wei" in html and record["mobile"] in html
    for unseen in ("Rep Cannot See Co", "Shanghai", "13812345678", ">Company<"):
        assert unseen not in html
    assert world.rep.get(f"/app/o/lead/{world.secret['id']}").status_code in (403, 404)


def test_create_shows_errors_inline_then_saves(world: World) -> None:
    form = world.admin.get("/app/o/lead/new")
    assert form.status_code == 200 and 'name="city"' in text(form)
    bad = world.admin.post("/app/o/lead/new", {"full_name": "Li Lei", "email": "not-an-email",
                                               "employees": "many", "city": "上海"})
    html = text(bad)
    assert bad.status_code == 422
    assert 'id="f-email-error"' in html and 'id="f-employees-error"' in html
    assert 'aria-describedby="f-email-error"' in html and "error-summary" in html
    assert 'value="Li Lei"' in html  # what the user typed is kept
    saved = world.admin.post("/app/o/lead/new", {"full_name": "Li Lei",
                                                 "email": "li@example.com", "city": "上海",
                                                 "tags": ["vip", "cold"], "budget": "99.5",
                                                 "campaign": world.campaign["id"]})
    assert saved.status_code == 303
    record_id = saved.headers["Location"].rsplit("/", 1)[1]
    stored = world.api.get(f"/api/v1/records/lead/{record_id}").get_json()
    assert stored["city"] == "shanghai" and stored["tags"] == ["vip", "cold"]
    assert str(stored["budget"]) in ("99.5", "99.50") and stored["status"] == "new"


def test_a_chosen_lookup_keeps_its_name_when_the_form_comes_back(world: World) -> None:
    campaign = world.campaign
    bad = world.admin.post("/app/o/lead/new", {"full_name": "Li Lei", "email": "nope",
                                               "campaign": campaign["id"]})
    assert bad.status_code == 422
    assert 'data-lookup-label="Spring Expo"' in text(bad)
    lead_id = world.mine["id"]
    edit = world.admin.get(f"/app/o/lead/{lead_id}/edit")
    version = world.api.get(f"/api/v1/records/lead/{lead_id}").get_json()["version"]
    other = world.api.post("/api/v1/records/campaign", json={"name": "Autumn Fair"}).get_json()
    assert edit.status_code == 200
    again = world.admin.post(f"/app/o/lead/{lead_id}/edit", {
        "full_name": "Wang Wei", "email": "nope", "campaign": other["id"],
        "version": str(version)})
    assert again.status_code == 422
    assert 'data-lookup-label="Autumn Fair"' in text(again)


def test_edit_form_follows_the_users_field_access(world: World) -> None:
    html = text(world.rep.get(f"/app/o/lead/{world.mine['id']}/edit"))
    assert 'name="full_name"' in html and 'name="email"' in html  # contact: edit
    assert 'name="status"' not in html and "read-only" in html  # default group: read
    assert 'name="company_name"' not in html and "Rep Cannot See Co" not in html
    assert "13812345678" not in html  # the masked mobile is never sent to the page
    saved = world.rep.post(f"/app/o/lead/{world.mine['id']}/edit", {
        "version": str(world.mine["version"]), "full_name": "Wang Wei 2",
        "email": "wang@example.com", "mobile": "", "status": "mql"})
    assert saved.status_code == 303
    stored = world.api.get(f"/api/v1/records/lead/{world.mine['id']}").get_json()
    assert stored["full_name"] == "Wang Wei 2" and stored["status"] == "new"
    assert stored["mobile"] == "13812345678"  # left empty: unchanged


#: What the admin puts back before each example (what the rep's lead holds at the start).
BASELINE = {"full_name": "Wang Wei", "mobile": "13812345678", "email": "wang@example.com",
            "company_name": "Rep Cannot See Co", "city": "shanghai", "employees": None,
            "budget": 1234.5, "status": "new", "tags": ["vip", "partner"]}
#: A value for every field, each different from the baseline.
WRITES = {"full_name": "X", "mobile": "13900000000", "email": "x@example.com",
          "company_name": "Y", "city": "beijing", "employees": 3, "budget": 1,
          "campaign": None, "status": "mql", "tags": ["vip"]}
LEVELS = st.sampled_from(["none", "read", "edit"])


@settings(max_examples=12, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(contact=LEVELS, company=LEVELS, default=LEVELS, may_edit=st.booleans(),
       scope=st.sampled_from(["own", "all"]))
def test_the_form_offers_exactly_what_the_api_lets_the_user_write(
        world: World, contact: str, company: str, default: str, may_edit: bool,
        scope: str) -> None:
    """For random roles (actions, scope, a level per field group), the inputs of the
    edit form are exactly the fields the records API lets the user change."""
    role = {"label": {"en": "Rep"}, "grants": {"lead": {
        "actions": ["read", "create", *(["edit"] if may_edit else [])], "scope": scope,
        "field_groups": {"contact": contact, "company": company, "default": default}}}}
    assert world.api.put("/api/v1/meta/roles/rep", json=role).status_code == 200
    record = f"/api/v1/records/lead/{world.mine['id']}"
    assert world.api.patch(record, json={**BASELINE, "campaign": world.campaign["id"]}
                           ).status_code == 200
    form = world.rep.get(f"/app/o/lead/{world.mine['id']}/edit")
    editable = set(re.findall(r'<(?:input|select|textarea) id="f-(\w+)"', text(form))) \
        if form.status_code == 200 else set()
    allowed = set()
    for name, value in WRITES.items():
        current = world.rep_api.get(record)
        if current.status_code != 200:
            break
        response = world.rep_api.patch(record, json={name: value},
                                       headers={"If-Match": current.headers["ETag"]})
        if response.status_code == 200:
            allowed.add(name)
    assert editable == allowed
    if may_edit and (contact, company, default) == ("edit", "none", "read"):
        assert allowed == {"full_name", "mobile", "email"}


def test_a_stale_version_says_someone_else_changed_the_record(world: World) -> None:
    form = text(world.admin.get(f"/app/o/lead/{world.mine['id']}/edit"))
    version = re.search(r'name="version" value="(\d+)"', form)
    assert version is not None
    world.api.patch(f"/api/v1/records/lead/{world.mine['id']}",
                    json={"full_name": "Changed Elsewhere"})
    stale = world.admin.post(f"/app/o/lead/{world.mine['id']}/edit", {
        "version": version.group(1), "full_name": "My Edit", "city": "shanghai"})
    html = text(stale)
    assert stale.status_code == 412
    assert "Someone else changed this record" in html
    assert "Now: Changed Elsewhere" in html and 'value="My Edit"' in html
    new_version = re.search(r'name="version" value="(\d+)"', html)
    assert new_version is not None and new_version.group(1) != version.group(1)
    again = world.admin.post(f"/app/o/lead/{world.mine['id']}/edit", {
        "version": new_version.group(1), "full_name": "My Edit", "city": "shanghai"})
    assert again.status_code == 303
    assert world.api.get(f"/api/v1/records/lead/{world.mine['id']}").get_json()[
        "full_name"] == "My Edit"


def test_no_page_loads_anything_from_another_host(world: World) -> None:
    paths = ["/app/sign-in", "/app/", "/app/o/lead", f"/app/o/lead/{world.mine['id']}",
             f"/app/o/lead/{world.mine['id']}/edit", "/app/o/lead/new", "/app/o/nothing"]
    for path in paths:
        response = world.admin.get(path)
        html = text(response)
        assert "default-src 'self'" in response.headers["Content-Security-Policy"]
        for url in urls(html):
            local = url.startswith(("/", "#")) and not url.startswith("//")
            assert local, (path, url)
        assert "http://" not in html and "https://" not in html, path


def test_static_files_have_content_hashed_urls_and_long_caching(world: World) -> None:
    html = text(world.admin.get("/app/"))
    scripts = re.findall(r'src="(/app/static/[0-9a-f]{16}/[^"]+)"', html)
    assert any("htmx.min.js" in s for s in scripts)
    response = world.admin.get(scripts[0])
    assert response.status_code == 200
    assert "immutable" in response.headers["Cache-Control"]
    assert "max-age=31536000" in response.headers["Cache-Control"]
    old = world.admin.get(scripts[0].replace("/static/", "/static/0000").replace(
        scripts[0].split("/")[3], "0" * 16, 1))
    assert old.status_code == 200 and "immutable" not in old.headers["Cache-Control"]
    assert world.admin.get("/app/static/0/../web.py").status_code == 404


def test_unknown_objects_and_records_are_pages_not_json(world: World) -> None:
    missing = world.admin.get("/app/o/nothing")
    assert missing.status_code == 404 and missing.mimetype == "text/html"
    record = world.admin.get("/app/o/lead/00000000-0000-0000-0000-000000000000")
    assert record.status_code == 404 and record.mimetype == "text/html"


def test_lookup_search_offers_what_the_user_may_list(world: World) -> None:
    world.api.post("/api/v1/records/campaign", json={"name": "Autumn Fair"})
    found = world.admin.get("/app/o/campaign/options?q=spring")
    assert found.status_code == 200 and found.mimetype == "application/json"
    assert found.get_json()["items"] == [{"value": world.campaign["id"],
                                          "text": "Spring Expo"}]
    assert len(world.admin.get("/app/o/campaign/options").get_json()["items"]) == 2
    assert world.rep.get("/app/o/campaign/options?q=spring").status_code == 403
    form = text(world.admin.get(f"/app/o/lead/{world.mine['id']}/edit"))
    assert 'data-lookup-url="/app/o/campaign/options"' in form
    assert 'data-lookup-label="Spring Expo"' in form


def test_a_user_without_roles_sees_no_objects(world: World, web_app: Any,
                                              tenant: TenantHandle) -> None:
    email = f"nobody@{tenant.slug}.example.com"
    tenant.add_user(email)
    set_password(tenant.services, tenant.slug, email)
    nobody = Browser(web_app.test_client())
    nobody.sign_in(email)
    home = text(nobody.get("/app/"))
    assert "There is no object you may read yet." in home and "/app/o/lead" not in home
    for path in ("/app/o/lead", f"/app/o/lead/{world.mine['id']}", "/app/o/lead/new"):
        response = nobody.get(path)
        assert response.status_code == 403 and "Wang Wei" not in text(response), path


def test_system_fields_are_shown_by_their_type_in_the_users_language(world: World) -> None:
    html = text(world.admin.get(f"/app/o/lead/{world.mine['id']}"))
    assert re.search(r"<dd>[A-Z][a-z]{2} \d{1,2}, \d{4} \d{2}:\d{2} UTC</dd>", html)
    world.admin.post("/app/language", {"language": "zh-CN"})
    html = text(world.admin.get(f"/app/o/lead/{world.mine['id']}"))
    assert re.search(r"<dd>\d{4}年\d{1,2}月\d{1,2}日 \d{2}:\d{2} UTC</dd>", html)
    assert "创建时间" in html


def test_the_view_switch_narrows_the_list_as_the_api_does(world: World) -> None:
    mine = text(world.admin.get("/app/o/lead?view=own"))
    assert "Admin Only Lead" in mine and "Wang Wei" not in mine  # the rep owns Wang Wei
    shared = text(world.admin.get("/app/o/lead?view=shared"))
    assert "Admin Only Lead" not in shared and "Wang Wei" not in shared
    assert "Wang Wei" in text(world.admin.get("/app/o/lead?view=all"))
    assert world.admin.get("/app/o/lead?view=bogus").status_code == 422


def test_history_shows_changes_as_the_api_shows_them(world: World) -> None:
    html = text(world.admin.get(f"/app/o/lead/{world.mine['id']}"))
    assert ">History<" in html and "Rep One" in html
    assert "<del>—</del> → <ins>Rep Cannot See Co</ins>" in html
    assert "<ins>CNY 1,234.50</ins>" in html and "<ins>Shanghai</ins>" in html
    api = world.rep_api.get(f"/api/v1/records/lead/{world.mine['id']}/audit").get_json()
    assert all(c["field"] != "company_name" for e in api["items"] for c in e["changes"])
    rep = text(world.rep.get(f"/app/o/lead/{world.mine['id']}"))
    assert ">History<" in rep and "Wang Wei" in rep
    for unseen in ("Rep Cannot See Co", "13812345678", "Shanghai"):
        assert unseen not in rep


def history_of(html: str) -> str:
    return html[html.index('class="record-section history"'):]


def test_history_names_a_lookups_target_only_for_who_may_read_it(world: World) -> None:
    spring = world.campaign["id"]
    autumn = world.api.post("/api/v1/records/campaign",
                            json={"name": "Autumn Fair"}).get_json()["id"]
    world.api.patch(f"/api/v1/records/lead/{world.mine['id']}", json={"campaign": autumn})
    admin = history_of(text(world.admin.get(f"/app/o/lead/{world.mine['id']}")))
    assert (f'<del><a href="/app/o/campaign/{spring}">Spring Expo</a></del> → '
            f'<ins><a href="/app/o/campaign/{autumn}">Autumn Fair</a></ins>') in admin
    assert f'<del>—</del> → <ins><a href="/app/o/campaign/{spring}">Spring Expo</a>' in admin
    assert world.rep_api.get(f"/api/v1/records/campaign/{spring}").status_code == 403
    rep = history_of(text(world.rep.get(f"/app/o/lead/{world.mine['id']}")))
    assert "Campaign: <del>(hidden record)</del> → <ins>(hidden record)</ins>" in rep
    for unseen in ("Spring Expo", "Autumn Fair", spring, autumn, "/app/o/campaign/"):
        assert unseen not in rep
    world.rep.post("/app/language", {"language": "zh-CN"})
    rep = history_of(text(world.rep.get(f"/app/o/lead/{world.mine['id']}")))
    assert "<ins>(无权查看的记录)</ins>" in rep and "Autumn Fair" not in rep


def test_saving_an_untouched_form_writes_nothing(world: World) -> None:
    html = text(world.admin.get(f"/app/o/lead/{world.mine['id']}/edit"))
    form: dict[str, Any] = {}
    for name, value in re.findall(r'<input id="f-\w+" name="(\w+)"[^>]*value="([^"]*)"', html):
        form[name] = value
    for name, options in re.findall(r'<select id="f-\w+" name="(\w+)"[^>]*>(.*?)</select>',
                                     html, re.S):
        form[name] = re.findall(r'<option value="([^"]*)" selected>', options)
    assert form["city"] == ["shanghai"] and form["tags"] == ["vip", "partner"]
    version = re.search(r'name="version" value="(\d+)"', html)
    assert version is not None
    saved = world.admin.post(f"/app/o/lead/{world.mine['id']}/edit",
                             {**form, "version": version.group(1)})
    assert saved.status_code == 303
    after = world.api.get(f"/api/v1/records/lead/{world.mine['id']}").get_json()
    assert after["version"] == int(version.group(1))


def test_related_lists_follow_lookups_as_the_user_may_read_them(world: World) -> None:
    campaign_page = text(world.admin.get(f"/app/o/campaign/{world.campaign['id']}"))
    assert ">Related<" in campaign_page and "Wang Wei" in campaign_page
    assert f'/app/o/lead/{world.mine["id"]}' in campaign_page
    world.api.define({"kind": "object", "api_name": "task", "label": {"en": "Task"},
                      "name_field": "subject",
                      "fields": [{"api_name": "subject", "type": "text"},
                                 {"api_name": "lead", "type": "lookup", "target": "lead",
                                  "on_target_delete": "keep"}]})
    world.api.post("/api/v1/records/task", json={"subject": "Call back",
                                                 "lead": world.mine["id"]})
    admin = text(world.admin.get(f"/app/o/lead/{world.mine['id']}"))
    assert "Call back" in admin
    rep = text(world.rep.get(f"/app/o/lead/{world.mine['id']}"))
    assert "Call back" not in rep and ">Related<" not in rep  # the rep reads no tasks
