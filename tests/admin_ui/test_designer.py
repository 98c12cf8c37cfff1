"""The designers: objects and fields written through the metadata service with the plan
shown first, people and tokens through the people API's calls, admins only."""

from __future__ import annotations

import html as html_lib
import json
import re
from typing import Any

import pytest

from tests.admin_ui.conftest import Browser, set_password, text
from tests.admin_ui.labels import labelled
from tests.conftest import Api, TenantHandle
from tests.docs_objects import campaign, lead


class Admins:
    """A tenant with a lead object, its admin and a rep (no admin) signed in."""

    def __init__(self, web_app: Any, api: Api, tenant: TenantHandle) -> None:
        api.define(labelled(campaign()))
        api.define(labelled(lead()))
        assert api.put("/api/v1/meta/roles/rep", json={"label": {"en": "Rep"}, "grants": {
            "lead": {"actions": ["read"], "scope": "all"}}}).status_code == 200
        self.api, self.tenant = api, tenant
        self.rep_email = f"rep@{tenant.slug}.example.com"
        self.rep_api = Api(api.client, tenant.add_user(self.rep_email, name="Rep",
                                                       roles=["rep"]))
        for email in (tenant.admin_email, self.rep_email):
            set_password(tenant.services, tenant.slug, email)
        self.admin = Browser(web_app.test_client())
        self.admin.sign_in(tenant.admin_email)
        self.rep = Browser(web_app.test_client())
        self.rep.sign_in(self.rep_email)


@pytest.fixture
def admins(web_app: Any, web_api: Api, tenant: TenantHandle) -> Admins:
    return Admins(web_app, web_api, tenant)


def apply(browser: Browser, preview: Any, **conversions: str) -> Any:
    """Press Apply on a preview page (the document it shows, as it shows it)."""
    html = text(preview)
    action = re.search(r'<form method="post" action="([^"]+)" class="apply-document">', html)
    document = re.search(r'<textarea id="document" name="document"[^>]*>(.*?)</textarea>',
                         html, re.S)
    assert action and document, html[:2000]
    return browser.post(html_lib.unescape(action.group(1)), {
        "document": html_lib.unescape(document.group(1)), "action": "apply",
        **{f"convert-{k}": v for k, v in conversions.items()}})


def test_every_designer_route_is_refused_to_non_admins(admins: Admins, web_app: Any) -> None:
    rules = [r for r in web_app.url_map.iter_rules() if r.rule.startswith("/app/design")]
    assert len(rules) >= 10
    values = {"name": "lead", "field": "city", "email": admins.rep_email, "token_id": "1",
              "kind": "object", "api_name": "lead", "int:version": "1"}
    before = admins.api.get("/api/v1/meta/objects/lead").get_json()
    for rule in rules:
        path = rule.rule
        for key, value in values.items():
            path = path.replace(f"<{key}>", value)
        for method in sorted((rule.methods or set()) - {"HEAD", "OPTIONS"}):
            response = admins.rep.get(path) if method == "GET" else admins.rep.post(
                path, {"document": json.dumps(before), "action": "apply", "confirm": "city",
                       "direction": "up", "label-en": "X", "email": "x@example.com"})
            body = text(response)
            assert response.status_code == 403, (method, path, response.status_code)
            assert "Hidden" not in body and "lead" not in body.split("<main", 1)[-1], path
    assert admins.api.get("/api/v1/meta/objects/lead").get_json() == before
    assert "/app/design/" not in text(admins.rep.get("/app/"))
    assert "/app/design/objects" in text(admins.admin.get("/app/"))


def test_create_an_object_from_its_labels_then_add_a_field(admins: Admins) -> None:
    form = text(admins.admin.get("/app/design/objects/new"))
    assert 'name="label-zh-CN"' in form and "data-api-name-target" in form
    preview = admins.admin.post("/app/design/objects/new", {
        "label-en": "Sales Opportunity", "label-zh-CN": "销售机会", "api_name": ""})
    assert preview.status_code == 200
    assert 'data-action="create_table"' in text(preview)
    assert admins.api.get("/api/v1/meta/objects/sales_opportunity").status_code == 404
    applied = apply(admins.admin, preview)
    assert applied.status_code == 303
    stored = admins.api.get("/api/v1/meta/objects/sales_opportunity").get_json()
    assert stored["label"] == {"en": "Sales Opportunity", "zh-CN": "销售机会"}
    # a picklist with aliases and labels in both languages, from the generated form
    form = text(admins.admin.get("/app/design/objects/sales_opportunity/fields/new"
                                 "?type=picklist"))
    assert 'name="opt-options"' in form and 'name="opt-required"' in form
    preview = admins.admin.post("/app/design/objects/sales_opportunity/fields/new", {
        "type": "picklist", "label-en": "Stage", "label-zh-CN": "阶段",
        "opt-options": "open | Open | 进行中 | O, 开\nwon | Won | 赢单", "opt-default": "O"})
    assert 'data-action="add_column"' in text(preview)
    assert apply(admins.admin, preview).status_code == 303
    stored = admins.api.get("/api/v1/meta/objects/sales_opportunity").get_json()
    stage = stored["fields"][-1]
    assert stage["api_name"] == "stage" and stage["label"] == {"en": "Stage", "zh-CN": "阶段"}
    assert stage["options"][0] == {"value": "open", "label": {"en": "Open", "zh-CN": "进行中"},
                                   "aliases": ["O", "开"]}
    assert stage["default"] == "open"  # the type read the alias
    page = text(admins.admin.get("/app/design/objects/sales_opportunity"))
    assert "Stage" in page and '"stage"' in page  # the field, and the document as JSON


def test_a_refusal_shows_next_to_its_field_and_nothing_changes(admins: Admins) -> None:
    for _ in range(2):
        admins.api.post("/api/v1/records/lead", json={"full_name": "Twin",
                                                      "company_name": "Same Co"})
    preview = admins.admin.post("/app/design/objects/lead/fields/company_name", {
        "type": "text", "label-en": "Company name", "group": "company", "opt-unique": "on"})
    html = text(preview)
    assert preview.status_code == 422
    assert 'id="refusal-company_name"' in html and 'id="apply"' not in html
    bad = admins.admin.post("/app/design/objects/lead/fields/new", {
        "type": "text", "label-en": "Region", "opt-max_length": "many"})
    assert bad.status_code == 422 and 'id="refusal-region"' in text(bad)
    stored = admins.api.get("/api/v1/meta/objects/lead").get_json()["fields"]
    assert all(f["api_name"] != "region" for f in stored)
    assert not next(f for f in stored if f["api_name"] == "company_name").get("unique")
    # making a field required over rows without a value: the impact, and a refusal at
    # the field's default until one is given; then those rows get it
    admins.api.post("/api/v1/records/lead", json={"full_name": "No company"})
    preview = admins.admin.post("/app/design/objects/lead/fields/employees", {
        "type": "integer", "label-en": "Employees", "group": "company",
        "opt-required": "on"})
    html = text(preview)
    assert preview.status_code == 422 and 'id="apply"' not in html
    assert 'data-action="require_field"' in html and "rows_without_value" in html
    assert 'id="refusal-employees"' in html and "default value" in html
    assert 'name="default-employees"' in html  # asked on the plan page itself
    preview = admins.admin.post("/app/design/documents/object/lead", {
        "document": html_lib.unescape(re.search(
            r'<textarea id="document" name="document"[^>]*>(.*?)</textarea>', html,
            re.S).group(1)),  # type: ignore[union-attr]
        "default-employees": "1", "action": "preview"})
    assert 'data-action="fill_default"' in text(preview), text(preview)[:3000]
    assert apply(admins.admin, preview).status_code == 303
    rows = admins.api.get("/api/v1/records/lead").get_json()["items"]
    assert rows and all(r["employees"] == 1 for r in rows)


def test_a_lossy_type_change_is_refused_then_applied_with_a_policy(admins: Admins) -> None:
    admins.api.post("/api/v1/records/lead", json={"full_name": "Li", "company_name": "Acme"})
    preview = admins.admin.post("/app/design/objects/lead/fields/company_name?type=integer",
                                {"type": "integer", "label-en": "Company name",
                                 "group": "company"})
    html = text(preview)
    assert preview.status_code in (409, 422) and 'id="refusal-company_name"' in html
    assert 'name="convert-company_name"' in html
    again = admins.admin.post("/app/design/documents/object/lead", {
        "document": re.search(r'<textarea id="document" name="document"[^>]*>(.*?)</textarea>',
                              html, re.S).group(1).replace("&#34;", '"')  # type: ignore[union-attr]
        .replace("&quot;", '"').replace("&amp;", "&"),
        "convert-company_name": "null_invalid", "action": "preview"})
    assert again.status_code == 200, text(again)[:3000]
    assert 'data-action="change_type"' in text(again)
    assert apply(admins.admin, again, company_name="null_invalid").status_code == 303
    stored = admins.api.get("/api/v1/meta/objects/lead").get_json()
    assert next(f for f in stored["fields"] if f["api_name"] == "company_name")[
        "type"] == "integer"


def test_reorder_hide_restore_and_purge_fields(admins: Admins) -> None:
    def names() -> list[str]:
        return [f["api_name"] for f in admins.api.get(
            "/api/v1/meta/objects/lead").get_json()["fields"]]

    first = names()
    apply(admins.admin, admins.admin.post("/app/design/objects/lead/fields/mobile/move",
                                          {"direction": "up"}))
    assert names()[:2] == ["mobile", "full_name"]
    preview = admins.admin.post("/app/design/objects/lead/fields/employees/hide")
    assert 'data-action="hide_field"' in text(preview)
    apply(admins.admin, preview)
    assert "employees" not in names()
    page = text(admins.admin.get("/app/design/objects/lead"))
    assert 'data-hidden="employees"' in page
    apply(admins.admin, admins.admin.post("/app/design/objects/lead/hidden/employees/restore"))
    assert "employees" in names() and len(names()) == len(first)
    apply(admins.admin, admins.admin.post("/app/design/objects/lead/fields/employees/hide"))
    refused = admins.admin.post("/app/design/objects/lead/hidden/employees/purge",
                                {"confirm": "employee"})
    assert refused.status_code == 422
    assert admins.admin.post("/app/design/objects/lead/hidden/employees/purge",
                             {"confirm": "employees"}).status_code == 303
    assert 'data-hidden="employees"' not in text(admins.admin.get("/app/design/objects/lead"))


def test_pasted_json_is_previewed_and_bad_json_is_a_page(admins: Admins) -> None:
    document = admins.api.get("/api/v1/meta/objects/lead").get_json()
    document["label"] = {"en": "Prospect", "zh-CN": "潜在客户"}
    preview = admins.admin.post("/app/design/documents/object/lead", {
        "document": json.dumps(document), "action": "preview"})
    assert preview.status_code == 200 and 'data-action="update_definition"' in text(preview)
    assert admins.api.get("/api/v1/meta/objects/lead").get_json()["label"]["en"] == "Lead"
    assert admins.admin.post("/app/design/documents/object/lead", {
        "document": json.dumps(document), "action": "apply"}).status_code == 303
    assert admins.api.get("/api/v1/meta/objects/lead").get_json()["label"]["en"] == "Prospect"
    bad = admins.admin.post("/app/design/documents/object/lead", {"document": "{nope",
                                                                 "action": "preview"})
    assert bad.status_code == 422 and "<html" in text(bad)
    assert admins.admin.post("/app/design/documents/scoring_model/rep", {
        "document": "{}", "action": "apply"}).status_code == 404


def test_the_designer_speaks_chinese(admins: Admins) -> None:
    admins.admin.post("/app/language", {"language": "zh-CN"})
    html = text(admins.admin.get("/app/design/objects/lead"))
    assert "字段" in html and "添加字段" in html
    html = text(admins.admin.get("/app/design/objects/lead/fields/city"))
    assert "选项" in html and "别名" in html and "上海" in html


# -- people -------------------------------------------------------------------------------

def test_invite_a_user_with_a_link_and_roles(admins: Admins, web_app: Any) -> None:
    page = text(admins.admin.get("/app/design/people"))
    assert admins.rep_email in page
    invited = admins.admin.post("/app/design/people", {
        "email": "new.person@example.com", "name": "New Person", "roles": "rep"})
    link = re.search(r'id="invitation-link" type="text" readonly value="([^"]+)"',
                     text(invited))
    assert invited.status_code == 200 and link
    users = admins.api.get("/api/v1/users").get_json()["items"]
    person = next(u for u in users if u["email"] == "new.person@example.com")
    assert person["roles"] == ["rep"] and not person["is_admin"]
    newcomer = Browser(web_app.test_client())
    path = link.group(1).split("://", 1)[-1].split("/", 1)[1]
    assert newcomer.get("/" + path).status_code == 200
    set_pw = newcomer.post("/" + path, {"password": "a long password",
                                        "password_again": "a long password"})
    assert set_pw.status_code == 303
    assert admins.admin.post("/app/design/people", {"email": "not an email"}
                             ).status_code == 422


def test_roles_department_deactivation_and_the_last_admin(admins: Admins) -> None:
    admins.api.put("/api/v1/departments/sales", json={"label": {"en": "Sales"}})
    saved = admins.admin.post(f"/app/design/people/{admins.rep_email}", {
        "roles": ["rep"], "department": "sales", "active": "on"})
    assert saved.status_code == 303
    rep = admins.api.get(f"/api/v1/users/{admins.rep_email}").get_json()
    assert rep["department"] == "sales" and rep["active"]
    # the only admin cannot take away their own admin flag, nor deactivate themselves
    refused = admins.admin.post(f"/app/design/people/{admins.tenant.admin_email}", {
        "active": "on"})
    assert refused.status_code == 409
    assert admins.api.get(f"/api/v1/users/{admins.tenant.admin_email}").get_json()[
        "is_admin"]
    assert admins.admin.post(f"/app/design/people/{admins.rep_email}", {
        "roles": ["rep"]}).status_code == 303  # deactivated
    assert admins.rep.get("/app/").status_code in (302, 303)  # signed out
    assert admins.rep_api.get("/api/v1/records/lead").status_code == 401


def test_tokens_are_listed_and_revoked(admins: Admins) -> None:
    page = text(admins.admin.get(f"/app/design/people/{admins.rep_email}"))
    token_id = re.search(r'data-token="(\d+)"', page)
    assert token_id and admins.rep_api.token not in page  # never the secret
    assert admins.admin.post(f"/app/design/people/{admins.tenant.admin_email}/tokens/"
                             f"{token_id.group(1)}/revoke").status_code == 404  # not theirs
    assert admins.rep_api.get("/api/v1/records/lead").status_code == 200
    revoked = admins.admin.post(f"/app/design/people/{admins.rep_email}/tokens/"
                                f"{token_id.group(1)}/revoke")
    assert revoked.status_code == 303
    assert admins.rep_api.get("/api/v1/records/lead").status_code == 401
    assert "revoked" in text(admins.admin.get(f"/app/design/people/{admins.rep_email}"))


def test_departments_are_added_as_a_tree(admins: Admins) -> None:
    apply(admins.admin, admins.admin.post("/app/design/people/departments", {
        "label-en": "Sales", "label-zh-CN": "销售部"}))
    preview = admins.admin.post("/app/design/people/departments", {
        "label-en": "East China", "label-zh-CN": "华东", "parent": "sales"})
    assert preview.status_code == 200
    assert apply(admins.admin, preview).status_code == 303
    stored = admins.api.get("/api/v1/departments").get_json()["items"]
    assert {d["api_name"]: d.get("parent") for d in stored} == {"sales": None,
                                                                "east_china": "sales"}
    page = text(admins.admin.get("/app/design/people"))
    assert page.index('data-department="sales"') < page.index('data-department="east_china"')
    assert 'class="depth-1" data-department="east_china"' in page
    refused = admins.admin.post("/app/design/people/departments", {
        "label-en": "Lost", "parent": "nowhere"})
    assert refused.status_code == 422 and 'id="apply"' not in text(refused)


def test_history_shows_who_changed_what(admins: Admins) -> None:
    apply(admins.admin, admins.admin.post("/app/design/objects/lead/fields/new", {
        "type": "text", "label-en": "Region", "label-zh-CN": "区域"}))
    html = text(admins.admin.get("/app/design/history"))
    assert admins.tenant.admin_email in html and 'data-op="add"' in html
    assert "/fields/" in html and "Region" in html
    assert admins.rep.get("/app/design/history").status_code == 403


# -- layouts ------------------------------------------------------------------------------

LAYOUT = {"object": "lead", "sections": [
    {"label": {"en": "Contact", "zh-CN": "联系人"}, "columns": 2,
     "fields": ["full_name", "mobile", "email"]},
    {"label": {"en": "Company", "zh-CN": "单位"}, "fields": ["company_name", "city"]}],
    "list_columns": ["full_name", "city"]}


def layout(admins: Admins) -> dict[str, Any]:
    document: dict[str, Any] = admins.api.get("/api/v1/meta/layouts/lead_default").get_json()
    return document


def test_a_layout_is_arranged_with_buttons_and_shown_in_the_form(admins: Admins) -> None:
    page = text(admins.admin.get("/app/design/objects/lead"))
    assert "/app/design/objects/lead/layouts" in page  # no layout yet: offer one
    apply(admins.admin, admins.admin.post("/app/design/objects/lead/layouts"))
    assert layout(admins)["sections"][0]["fields"][0] == "full_name"
    assert admins.api.put("/api/v1/meta/layouts/lead_default", json=LAYOUT).status_code == 200

    def act(**form: str) -> Any:
        return apply(admins.admin, admins.admin.post("/app/design/layouts/lead_default", form))

    act(op="down", field="full_name")
    assert layout(admins)["sections"][0]["fields"] == ["mobile", "full_name", "email"]
    act(op="to_section", field="email", section="1")
    assert layout(admins)["sections"][1]["fields"] == ["company_name", "city", "email"]
    act(op="remove", field="mobile")
    html = text(admins.admin.get("/app/design/layouts/lead_default"))
    assert 'data-unplaced="mobile"' in html and 'aria-label="Move Full name up"' in html
    act(op="add_section", **{"label-en": "Deal", "label-zh-CN": "商机", "columns": "1"})
    act(op="place", field="budget", section="2")
    act(op="section_up", section="2")
    act(op="list_columns", show="city", **{"pos-city": "1"})
    stored = layout(admins)
    assert [s["label"]["en"] for s in stored["sections"]] == ["Contact", "Deal", "Company"]
    assert stored["sections"][1] == {"label": {"en": "Deal", "zh-CN": "商机"}, "columns": 1,
                                     "fields": ["budget"]}
    assert stored["list_columns"] == ["city"]
    form = text(admins.admin.get("/app/o/lead/new"))
    assert form.index("Deal") < form.index("Company") and 'id="f-mobile"' not in form
    assert admins.admin.post("/app/design/layouts/lead_default", {
        "op": "place", "field": "nope", "section": "0"}).status_code == 404
    assert admins.admin.post("/app/design/layouts/lead_default", {
        "op": "to_section", "field": "budget", "section": "9"}).status_code == 422
