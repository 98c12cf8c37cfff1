"""Scenario S1 built entirely in the browser by an administrator: the lead object with
contact, company and requirement groups; two roles from the role matrix; a rep invited
with a link; a conflict strategy; a grant on a record; the explain panel following the
strategy; and the rep's form showing what the decision says."""

from __future__ import annotations

import re
from typing import Any

from tests.browser.conftest import PASSWORD, Site
from tests.browser.test_accessibility import assert_clean

APPLIED = re.compile(r"\?applied=\d+$")
GROUPS = (("Contact", "联系人"), ("Company", "单位"), ("Requirement", "需求"))


def apply(page: Any, step: str) -> None:
    """The plan page: the expected step is listed, then Apply."""
    page.locator(f"ol.plan-steps li[data-action='{step}']").first.wait_for()
    page.click("#apply")
    page.wait_for_url(APPLIED)


def add_field(page: Any, url: str, type_name: str, label: str, group: str) -> None:
    page.goto(f"{url}/app/design/objects/lead/fields/new?type={type_name}")
    page.fill("#label-en", label)
    page.select_option("#group", group)
    page.click("form.field-form button[type=submit]")
    apply(page, "add_column")


def make_role(page: Any, url: str, label: str, name: str, actions: list[str], scope: str,
              level: str) -> None:
    page.goto(f"{url}/app/design/roles")
    page.fill("#role-label-en", label)
    page.click("form.new-role button[type=submit]")
    page.locator("#apply").wait_for()
    page.click("#apply")
    page.wait_for_url(re.compile(rf"/app/design/roles/{name}\?applied=\d+$"))
    for action in actions:
        page.check(f"#lead-{action}")
    page.select_option("#lead-scope", scope)
    for group in ("contact", "company", "requirement"):
        page.select_option(f"#lead-group-{group}", level)
    page.click("form.role-matrix button[type=submit]")
    page.locator("#apply").wait_for()
    page.click("#apply")
    page.wait_for_url(APPLIED)


def set_strategy(page: Any, url: str, strategy: str) -> None:
    page.goto(f"{url}/app/design/access/lead")
    page.select_option("#strategy", strategy)
    page.click("form.strategy button[type=submit]")
    page.locator("#apply").wait_for()
    page.click("#apply")
    page.wait_for_url(APPLIED)


def explained(page: Any) -> dict[str, str]:
    page.click("form.explain-user button[type=submit]")
    table = page.locator("table.explain-panel")
    table.wait_for()
    return {row.get_attribute("data-group"): row.locator("td.decision").inner_text().strip()
            for row in table.locator("tbody tr").all()}


def test_s1_in_the_browser(site: Site, shot: Any) -> None:
    url = site.url
    page = site.page()
    site.sign_in(page, site.tenant.admin_email)
    # the lead object and its three field groups
    page.goto(f"{url}/app/design/objects/new")
    page.fill("#label-en", "Lead")
    page.fill("#label-zh-CN", "线索")
    page.click("form.designer-form button[type=submit]")
    apply(page, "create_table")
    for label, chinese in GROUPS:
        page.fill("#group-label-en", label)
        page.fill("#group-label-zh-CN", chinese)
        page.click("form.add-group button[type=submit]")
        apply(page, "update_definition")
    page.goto(f"{url}/app/design/objects/lead/fields/name")
    page.select_option("#group", "contact")
    page.click("form.field-form button[type=submit]")
    apply(page, "update_definition")
    add_field(page, url, "text", "Company name", "company")
    add_field(page, url, "long_text", "Need", "requirement")
    shot(page, "lead-object")
    stored = site.api.get("/api/v1/meta/objects/lead").get_json()
    assert [g["api_name"] for g in stored["field_groups"]] == ["contact", "company",
                                                                "requirement"]

    # two roles from the matrix
    make_role(page, url, "Lead owner", "lead_owner",
              ["read", "create", "edit", "share", "view_sensitive"], "own", "edit")
    make_role(page, url, "Sales rep", "sales_rep", ["read", "export"], "team", "read")
    page.goto(f"{url}/app/design/roles/sales_rep")
    assert_clean(page, "role matrix")
    shot(page, "role-matrix")
    assert site.api.get("/api/v1/meta/roles/sales_rep").get_json()["grants"]["lead"][
        "field_groups"] == {"contact": "read", "company": "read", "requirement": "read"}

    # a rep, invited with a link
    page.goto(f"{url}/app/design/people")
    page.fill("#invite-email", "a@example.com")
    page.fill("#invite-name", "A")
    page.select_option("#invite-roles", ["sales_rep"])
    page.click("form.invite button[type=submit]")
    link = page.locator("#invitation-link").input_value()

    # a lead, from the end-user form
    page.goto(f"{url}/app/o/lead/new")
    page.fill("#f-name", "Zhang San")
    page.fill("#f-company_name", "Old Co")
    page.click("form.record-form button[type=submit]")
    page.wait_for_url(re.compile(r"/app/o/lead/[0-9a-f-]{36}$"))
    lead_id = page.url.rsplit("/", 1)[-1]

    # the strategy, with its explanation, then the grant from the record's access page
    set_strategy(page, url, "distribution_wins")
    assert_clean(page, "access page")
    shot(page, "strategy")
    page.select_option("#record", lead_id)
    page.click("form.pick-record button[type=submit]")
    page.wait_for_url(re.compile(rf"/records/{lead_id}$"))
    page.select_option("#grant-user", "a@example.com")
    page.select_option("#grant-group-contact", "edit")
    page.select_option("#grant-group-company", "read")
    page.select_option("#grant-group-requirement", "edit")
    page.click("form.add-grant button[type=submit]")
    page.locator("#granted").wait_for()
    assert page.locator("table.record-grants tbody tr").count() == 1
    page.select_option("#explain-user", "a@example.com")
    assert explained(page) == {"contact": "edit", "company": "read", "requirement": "edit"}
    assert_clean(page, "explain panel")
    shot(page, "explain-distribution-wins")

    # the strategy changes, and so does the explain panel
    set_strategy(page, url, "most_restrictive")
    page.goto(f"{url}/app/design/access/lead/records/{lead_id}?user=a@example.com")
    assert explained(page) == {"contact": "read", "company": "read", "requirement": "read"}
    shot(page, "explain-most-restrictive")

    # A sets a password from the link and sees the lead read-only, as the panel says
    rep = site.page()
    rep.goto(link)
    rep.fill("#password", PASSWORD)
    rep.fill("#password_again", PASSWORD)
    rep.click("form:has(#password_again) button[type=submit]")
    rep.wait_for_url(f"{url}/app/")  # signed in by setting the password
    rep.goto(f"{url}/app/o/lead/{lead_id}/edit")
    assert rep.locator("input#f-name").count() == 0
    assert rep.locator("#f-name.readonly").count() == 1
    set_strategy(page, url, "distribution_wins")
    rep.goto(f"{url}/app/o/lead/{lead_id}/edit")
    assert rep.locator("input#f-name").count() == 1
    assert rep.locator("input#f-company_name").count() == 0
    shot(rep, "rep-form")
