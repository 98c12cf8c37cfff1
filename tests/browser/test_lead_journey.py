"""A sales rep's day with a lead, in a real browser: sign in, create a lead (picklist,
lookup by search-as-you-type), an inline error for a bad e-mail, fix and save, an edit
that meets someone else's newer version, the list (search, sort, a filter saved as a
view), delete with its confirmation, and restore from the recycle bin."""

from __future__ import annotations

import re
from typing import Any

from playwright.sync_api import TimeoutError as PlaywrightTimeout
from playwright.sync_api import expect

from tests.admin_ui.labels import labelled
from tests.admin_ui.test_pages import LAYOUT
from tests.browser.conftest import Site
from tests.docs_objects import campaign, lead, task

#: A record page's address (not the form's: ``/new`` would match a plain glob).
RECORD_URL = re.compile(r"/app/o/lead/[0-9a-f-]{36}(#.*)?$")


def setup_leads(site: Site) -> dict[str, Any]:
    api = site.api
    api.define(labelled(campaign()))
    api.define(labelled(lead()))
    assert api.put("/api/v1/meta/layouts/lead_default", json=LAYOUT).status_code == 200
    expo = api.post("/api/v1/records/campaign", json={"name": "Spring Expo"}).get_json()
    api.post("/api/v1/records/campaign", json={"name": "Autumn Fair"})
    for name, company in (("Zhao Min", "Beta Ltd"), ("Qian Yu", "Alpha Inc")):
        api.post("/api/v1/records/lead", json={"full_name": name, "company_name": company})
    return expo


def choose_lookup(page: Any, field: str, typed: str, option: str) -> None:
    """Search-as-you-type in a lookup (tom-select over the options endpoint)."""
    page.wait_for_load_state("networkidle")  # the widgets are set up once scripts ran
    wrapper = page.locator(f"[data-field='{field}'] .ts-wrapper")
    found = page.locator(f"[data-field='{field}'] .ts-dropdown .option", has_text=option)
    for attempt in range(3):  # a keystroke sent while the page is busy can be lost
        wrapper.locator("input").first.click()
        page.keyboard.type(typed)
        try:
            found.wait_for(state="visible", timeout=10_000)
            break
        except PlaywrightTimeout:
            if attempt == 2:
                raise
            page.keyboard.press("Escape")
            wrapper.locator("input").first.fill("")
    found.click()


def choose_picklist(page: Any, field: str, typed: str, label: str) -> None:
    """A picklist by an alias where the widget searches (tom-select), else by label."""
    page.wait_for_load_state("networkidle")  # the widgets are set up once scripts ran
    select = page.locator(f"#f-{field}")
    if "tomselected" in (select.get_attribute("class") or ""):
        page.locator(f"[data-field='{field}'] .ts-wrapper .ts-control").first.click()
        page.keyboard.type(typed)
        page.locator(f"[data-field='{field}'] .ts-dropdown .option", has_text=label).click()
    else:
        select.select_option(label=label)


def test_create_fix_conflict_list_delete(site: Site, shot: Any) -> None:
    expo = setup_leads(site)
    page = site.page()
    page.goto(f"{site.url}/")
    assert "/app/sign-in" in page.url
    shot(page, "sign-in")
    site.sign_in(page, site.tenant.admin_email)
    assert page.locator("h1").inner_text().startswith("Welcome")
    shot(page, "home")

    page.click("aside.sidebar a:text-is('Lead')")
    page.wait_for_url(f"{site.url}/app/o/lead")
    page.click("main a[role=button]:text-is('New')")
    page.wait_for_url(f"{site.url}/app/o/lead/new")
    page.fill("#f-full_name", "Li Lei")
    page.fill("#f-email", "not-an-e-mail")
    page.fill("#f-company_name", "Objectry Co")
    choose_picklist(page, "city", "SH", "Shanghai")
    choose_lookup(page, "campaign", "Spring", "Spring Expo")
    shot(page, "new-form")
    page.click("form.record-form button[type=submit]")

    # the bad e-mail: an inline error tied to its input, a summary, the rest kept
    error = page.locator("#f-email-error")
    error.wait_for()
    assert page.locator("#f-email").get_attribute("aria-invalid") == "true"
    assert "f-email-error" in (page.locator("#f-email").get_attribute("aria-describedby")
                               or "")
    assert page.locator("#error-summary").is_visible()
    assert page.locator("#f-full_name").input_value() == "Li Lei"
    assert page.locator("#f-campaign").input_value() == expo["id"]
    shot(page, "inline-error")

    page.fill("#f-email", "li.lei@example.com")
    page.click("form.record-form button[type=submit]")
    page.wait_for_url(RECORD_URL)
    record_url = page.url
    assert page.locator("h1").inner_text() == "Li Lei"
    assert page.locator("[data-field='city'] dd").inner_text() == "Shanghai"
    link = page.locator("[data-field='campaign'] dd a")
    assert link.inner_text() == "Spring Expo"
    assert link.get_attribute("href") == f"/app/o/campaign/{expo['id']}"
    shot(page, "record")

    # the global search on the home page finds it by name
    page.goto(f"{site.url}/app/")
    page.fill("#global-q", "Li Lei")
    page.press("#global-q", "Enter")
    page.wait_for_url(f"{site.url}/app/search?*")
    page.click("section.search-hits a:text-is('Li Lei')")
    page.wait_for_url(record_url)

    # two pages open the edit form; the second save meets the first one's version
    other = page.context.new_page()
    page.goto(f"{record_url}/edit")
    other.goto(f"{record_url}/edit")
    other.fill("#f-company_name", "Saved First Ltd")
    other.click("form.record-form button[type=submit]")
    other.wait_for_url(record_url)
    page.fill("#f-company_name", "Stale Edit Ltd")
    page.click("form.record-form button[type=submit]")
    conflict = page.locator("#conflict")
    conflict.wait_for()
    assert "Someone else changed this record" in conflict.inner_text()
    assert "Saved First Ltd" in page.locator("#f-company_name-theirs").inner_text()
    assert page.locator("#f-company_name").input_value() == "Stale Edit Ltd"  # kept
    shot(page, "stale-version")
    page.click("form.record-form button[type=submit]")  # now on the newer version
    page.wait_for_url(record_url)
    assert page.locator("[data-field='company_name'] dd").inner_text() == "Stale Edit Ltd"
    history = page.locator("section.history").inner_text()
    assert "Saved First Ltd" in history and "Stale Edit Ltd" in history

    # the list: quick search (htmx swaps only the rows), then sort by a column
    page.goto(f"{site.url}/app/o/lead")
    rows = page.locator("#records tbody tr")
    assert rows.count() == 3
    page.fill("#q", "Li Lei")
    expect(page.locator("#records tbody tr")).to_have_count(1)
    assert "Li Lei" in rows.first.inner_text()
    assert "q=Li+Lei" in page.url or "q=Li%20Lei" in page.url
    page.fill("#q", "")
    expect(page.locator("#records tbody tr")).to_have_count(3)
    page.click("#records th a:text('Company name')")
    expect(page.locator("#records th[aria-sort]")).to_have_count(1)
    companies = [text.strip() for text in
                 page.locator("#records tbody td[data-label='Company name']").all_inner_texts()]
    assert companies == sorted(companies) and len(companies) == 3
    shot(page, "list-sorted")
    save_a_filtered_view(site, page, shot)

    delete_and_restore(site, page, record_url, shot)
    shot(page, "restored")


def save_a_filtered_view(site: Site, page: Any, shot: Any) -> None:
    """Build a filter (the operator and value inputs follow the chosen field), apply
    it, save it as a view, and open the list through that view later."""
    page.goto(f"{site.url}/app/o/lead")
    page.click("details.filter summary")
    page.select_option("#fb-g0-r0-field", "company_name")
    page.locator("#fb-g0-r0-op").wait_for()  # the builder was rebuilt for a text field
    page.select_option("#fb-g0-r0-op", "contains")
    page.locator("#fb-g0-r0-value0").wait_for()
    page.fill("#fb-g0-r0-value0", "Ltd")
    page.click("#filter-builder button[type=submit]:text-is('Apply')")
    expect(page.locator("#records tbody tr")).to_have_count(2)
    page.fill("#view-label", "Limited companies")
    page.click("form.save-view button[type=submit]")
    saved = page.locator("nav.saved-views a", has_text="Limited companies")
    saved.wait_for()
    companies = page.locator("#records td[data-label='Company name']").all_inner_texts()
    assert sorted(text.strip() for text in companies) == ["Beta Ltd", "Stale Edit Ltd"]

    page.goto(f"{site.url}/app/o/lead")  # later: all records, then the saved view
    expect(page.locator("#records tbody tr")).to_have_count(3)
    page.click("nav.saved-views a:has-text('Limited companies')")
    expect(page.locator("#records tbody tr")).to_have_count(2)
    assert page.locator("nav.saved-views a[aria-current='true']").inner_text().startswith(
        "Limited companies")
    shot(page, "saved-view")


def delete_and_restore(site: Site, page: Any, record_url: str, shot: Any) -> None:
    """Delete from the record page (the confirmation says what happens to the task
    that refers to it), find it in the recycle bin and restore it."""
    record_id = record_url.rsplit("/", 1)[-1]
    site.api.define(labelled(task()))
    site.api.post("/api/v1/records/task", json={"subject": "Call back", "lead": record_id})
    page.goto(record_url)
    page.click("main .page-head a[role=button]:text-is('Delete')")
    page.wait_for_url(f"{record_url}/delete")
    assert "Li Lei" in page.locator("ul.to-delete").inner_text()
    assert page.locator(".impact li[data-policy='keep']").count() == 1
    assert page.locator("h1").inner_text() == "Delete records?"
    shot(page, "delete-confirm")
    page.click("main form button[type=submit]:text-is('Move to the recycle bin')")
    page.wait_for_url(f"{site.url}/app/o/lead?*")
    expect(page.locator("#records tbody tr")).to_have_count(2)
    assert site.api.get(f"/api/v1/records/lead/{record_id}").status_code == 404

    page.click("main a:text-is('Recycle bin')")
    page.wait_for_url(f"{site.url}/app/o/lead/recycle-bin")
    shot(page, "recycle-bin")
    page.click("main button[aria-label='Restore Li Lei']")
    page.wait_for_url(RECORD_URL)
    assert page.locator("h1").inner_text() == "Li Lei"
    assert site.api.get(f"/api/v1/records/lead/{record_id}").status_code == 200
