"""An administrator designs an object in a real browser: create it from its labels (the
api_name follows the English label), see the plan, apply; add a picklist with aliases
from the form its type's schema generates; hide and restore a field; use the new object
in the end-user form, where its picklist finds an option by alias. A rep sees 403."""

from __future__ import annotations

import re
from typing import Any

from tests.browser.conftest import Site
from tests.browser.test_accessibility import assert_clean

OBJECT_PAGE = re.compile(r"/app/design/objects/sales_opportunity\?applied=\d+$")


def test_create_an_object_and_add_a_field(site: Site, shot: Any) -> None:
    page = site.page()
    site.sign_in(page, site.tenant.admin_email)
    page.click("header a.designer-link")
    page.wait_for_url(f"{site.url}/app/design/objects")
    page.click("main a[role=button]:text-is('New object')")
    page.fill("#label-en", "Sales Opportunity")
    assert page.locator("#api_name").input_value() == "sales_opportunity"  # derived
    page.fill("#label-zh-CN", "销售机会")
    assert_clean(page, "new object")
    shot(page, "new-object")
    page.click("form.designer-form button[type=submit]")
    page.locator("ol.plan-steps li[data-action='create_table']").wait_for()
    assert site.api.get("/api/v1/meta/objects/sales_opportunity").status_code == 404
    shot(page, "plan")
    page.click("#apply")
    page.wait_for_url(OBJECT_PAGE)
    assert "Sales Opportunity" in page.locator("h1").inner_text()

    page.select_option("#new-field-type", "picklist")
    page.click("form.add-field button[type=submit]")
    page.wait_for_url(re.compile(r"/fields/new\?type=picklist$"))
    page.fill("#label-en", "Stage")
    page.fill("#label-zh-CN", "阶段")
    page.fill("#opt-options", "open | Open | 进行中 | OP, 开\nwon | Won | 赢单 | W")
    page.check("#opt-required")
    page.fill("#opt-default", "OP")
    assert_clean(page, "field form")
    shot(page, "field-form")
    page.click("form.field-form button[type=submit]")
    page.locator("ol.plan-steps li[data-action='add_column']").wait_for()
    page.click("#apply")
    page.wait_for_url(OBJECT_PAGE)
    assert page.locator("table.designer-fields tr[data-field='stage']").count() == 1
    assert_clean(page, "object page")
    shot(page, "object")
    stored = site.api.get("/api/v1/meta/objects/sales_opportunity").get_json()
    assert stored["fields"][-1]["options"][1] == {
        "value": "won", "label": {"en": "Won", "zh-CN": "赢单"}, "aliases": ["W"]}

    # move it up, hide it and restore it: each shows its plan first
    page.click("tr[data-field='stage'] button[aria-label='Move Stage up']")
    page.click("#apply")
    page.wait_for_url(OBJECT_PAGE)
    names = [f["api_name"] for f in site.api.get(
        "/api/v1/meta/objects/sales_opportunity").get_json()["fields"]]
    assert names == ["stage", "name"]
    page.click("tr[data-field='stage'] button:text-is('Hide')")
    page.locator("ol.plan-steps li[data-action='hide_field']").wait_for()
    page.click("#apply")
    page.locator("li[data-hidden='stage']").wait_for()
    page.click("li[data-hidden='stage'] button:text-is('Restore')")
    page.locator("ol.plan-steps li[data-action='unhide_field']").wait_for()
    page.click("#apply")
    page.locator("table.designer-fields tr[data-field='stage']").wait_for()

    # the end user's form: the new picklist finds "Won" by its alias
    page.goto(f"{site.url}/app/o/sales_opportunity/new")
    page.fill("#f-name", "Big deal")
    page.locator("[data-field='stage'] .ts-wrapper .ts-control").first.click()
    page.keyboard.type("W")
    page.locator("[data-field='stage'] .ts-dropdown .option", has_text="Won").click()
    page.click("form.record-form button[type=submit]")
    page.wait_for_url(re.compile(r"/app/o/sales_opportunity/[0-9a-f-]{36}$"))
    assert page.locator("[data-field='stage'] dd").inner_text() == "Won"
    shot(page, "record")

    # in Chinese, and refused to someone who is not an administrator
    page.goto(f"{site.url}/app/design/objects/sales_opportunity")
    rep = site.page()
    site.add_user("rep@example.com", name="Rep")
    site.sign_in(rep, "rep@example.com")
    assert "designer-link" not in rep.content()
    response = rep.goto(f"{site.url}/app/design/objects/sales_opportunity")
    assert response is not None and response.status == 403
    assert "Stage" not in rep.content()


def test_arrange_a_layout_and_see_it_in_the_form(site: Site, shot: Any) -> None:
    from tests.admin_ui.labels import labelled
    from tests.docs_objects import campaign, lead

    site.api.define(labelled(campaign()))
    site.api.define(labelled(lead()))
    page = site.page()
    site.sign_in(page, site.tenant.admin_email)
    page.goto(f"{site.url}/app/design/objects/lead")
    page.click("form[action$='/objects/lead/layouts'] button")
    page.click("#apply")
    page.wait_for_url(re.compile(r"/app/design/layouts/lead_default\?applied=\d+$"))
    page.fill("#section-label-en", "Deal")
    page.fill("#section-label-zh-CN", "商机")
    page.click("form.add-section button[type=submit]")
    page.click("#apply")
    page.select_option("#to-budget", "1")
    page.click("li[data-field='budget'] form.move-to button")
    page.click("#apply")
    page.click("section[data-section='1'] button[aria-label='Move Deal up']")
    page.click("#apply")
    page.locator("#applied").wait_for()
    assert_clean(page, "layout designer")
    shot(page, "layout")
    page.goto(f"{site.url}/app/o/lead/new")
    legends = page.locator("fieldset.record-section legend").all_inner_texts()
    assert legends == ["Deal"]  # the first section has no label
    first = page.locator("fieldset.record-section").first
    assert first.locator("#f-budget").count() == 1
    shot(page, "form-from-layout")
    page.goto(f"{site.url}/app/design/people")
    assert_clean(page, "people")
    shot(page, "people")
