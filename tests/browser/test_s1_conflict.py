"""Scenario S1 in three users' browsers: Bob distributes a lead to A, B and C with
different levels per field group; what each of them can edit in the form follows the
lead's conflict strategy, and changing the strategy changes the form at once."""

from __future__ import annotations

from typing import Any

from tests.admin_ui.labels import labelled
from tests.browser.conftest import Site
from tests.docs_objects import campaign
from tests.platform.test_s1_conflict import (
    EXPECTED_A,
    EXPECTED_B,
    GRANT_A,
    GRANT_B,
    PROBE,
    lead_with_requirement,
    put,
    role,
    set_strategy,
)

EXPECTED_C = {"contact": "read", "company": "read", "requirement": "read"}
#: An order that changes every user's form at least once between two steps.
STEPS = ("distribution_wins", "most_restrictive", "most_permissive")


def setup_world(site: Site) -> str:
    """Seed 004 as in tests/platform/test_s1_conflict.py; returns the lead's id."""
    api = site.api
    api.define(labelled(campaign()))
    api.define(labelled(lead_with_requirement()))
    put(api, "/api/v1/departments/sales", {"label": {"en": "Sales", "zh-CN": "销售部"}})
    put(api, "/api/v1/departments/east", {"label": {"en": "East", "zh-CN": "华东"},
                                          "parent": "sales"})
    put(api, "/api/v1/meta/roles/lead_owner",
        role("lead_owner", ["read", "create", "edit", "share", "view_sensitive"], "own",
             "edit"))
    put(api, "/api/v1/meta/roles/sales_rep", role("sales_rep", ["read", "export"], "team",
                                                  "read"))
    bob = site.add_user("bob@example.com", name="Bob", roles=["lead_owner"],
                        department="sales")
    for user in ("a", "b", "c"):
        site.add_user(f"{user}@example.com", name=user.upper(), roles=["sales_rep"],
                      department="east")
    created = bob.post("/api/v1/records/lead", json={
        "full_name": "Zhang San", "mobile": "13812341234", "company_name": "Old Co",
        "need": "ERP"})
    assert created.status_code == 201, created.get_json()
    lead_id = str(created.get_json()["id"])
    for user, levels in (("a", GRANT_A), ("b", GRANT_B), ("c", EXPECTED_C)):
        granted = bob.post(f"/api/v1/records/lead/{lead_id}/grants", json={
            "grantee": f"user:{user}@example.com", "field_groups": levels})
        assert granted.status_code == 201, granted.get_json()
    return lead_id


def form_levels(page: Any) -> dict[str, str]:
    """Each group's level as the edit form shows it: an input, read-only, or absent."""
    levels = {}
    for group, (field, _) in PROBE.items():
        box = page.locator(f"form.record-form [data-field='{field}']")
        if box.count() == 0:
            levels[group] = "none"
        elif box.locator(f"#f-{field}.readonly").count():
            levels[group] = "read"
        else:
            assert box.locator(f"label[for='f-{field}']").count() == 1
            levels[group] = "edit"
    return levels


def test_three_browsers_follow_the_strategy(site: Site, shot: Any) -> None:
    lead_id = setup_world(site)
    edit_url = f"{site.url}/app/o/lead/{lead_id}/edit"
    pages = {}
    for user in ("a", "b", "c"):
        pages[user] = site.page()
        site.sign_in(pages[user], f"{user}@example.com")
    expected = {"a": EXPECTED_A, "b": EXPECTED_B, "c": {s: EXPECTED_C for s in STEPS}}
    for strategy in STEPS:
        set_strategy(site.api, strategy)
        for user, page in pages.items():
            page.goto(edit_url)
            assert form_levels(page) == expected[user][strategy], (strategy, user)
            shot(page, f"{strategy}-{user}")

    # under most_permissive A edits the contact group in the browser and it is saved;
    # the company group, read-only for A, is not an input at all
    page = pages["a"]
    page.goto(edit_url)
    page.fill("#f-full_name", "Li Lei")
    assert page.locator("input#f-company_name").count() == 0
    page.click("form.record-form button[type=submit]")
    page.wait_for_url(f"{site.url}/app/o/lead/{lead_id}")
    assert page.locator("h1").inner_text() == "Li Lei"
    assert page.locator("[data-field='mobile'] dd").inner_text() == "138****1234"
    shot(page, "a-saved")
    stored = site.api.get(f"/api/v1/records/lead/{lead_id}").get_json()
    assert stored["full_name"] == "Li Lei" and stored["company_name"] == "Old Co"

    # Bob, the owner, sees whom he shared the lead with and asks why A can edit it;
    # C may not ask about A
    bob = site.page()
    site.sign_in(bob, "bob@example.com")
    bob.goto(f"{site.url}/app/o/lead/{lead_id}")
    shared = bob.locator("section.grants").inner_text()
    assert all(f"{user}@example.com" in shared for user in "abc")
    bob.fill("#explain-user", "a@example.com")
    bob.click("form.explain-form button[type=submit]")
    answer = bob.locator("#explain table.explain-groups")
    answer.wait_for()
    levels = {row.locator("td").nth(0).inner_text().strip():
              row.locator("td").nth(1).inner_text().strip()
              for row in answer.locator("tbody tr").all()}
    assert levels.get("contact", levels.get("Contact")) == "edit", levels
    assert levels.get("company", levels.get("Company")) == "read", levels
    shot(bob, "bob-explains-a")
    nosy = pages["c"]
    nosy.goto(f"{site.url}/app/o/lead/{lead_id}")
    if nosy.locator("#explain-user").count():
        nosy.fill("#explain-user", "a@example.com")
        nosy.click("form.explain-form button[type=submit]")
        nosy.locator("#explain [role=alert]").wait_for()
        assert nosy.locator("#explain table").count() == 0
