"""Accessibility in the browser: an axe-core scan of the main pages (zero serious or
critical violations), the form by keyboard alone, and focus kept after htmx swaps."""

from __future__ import annotations

import json
from typing import Any

from playwright.sync_api import expect

from tests.browser.conftest import AXE, Site
from tests.browser.test_lead_journey import RECORD_URL, setup_leads

#: WCAG 2.x A/AA rules plus axe's best practices (landmarks, headings, regions).
AXE_OPTIONS = {"runOnly": {"type": "tag", "values": [
    "wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa", "best-practice"]},
    "resultTypes": ["violations"]}


def serious_violations(page: Any) -> list[dict[str, Any]]:
    """axe's serious and critical findings on the page as it is now. The script is
    evaluated through the DevTools protocol, which the page's CSP does not govern."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        page.evaluate(AXE.read_text(encoding="utf-8"))
    result = page.evaluate("options => axe.run(document, options)", AXE_OPTIONS)
    return [{"id": v["id"], "impact": v["impact"], "help": v["help"],
             "nodes": [n["target"] for n in v["nodes"]][:5]}
            for v in result["violations"] if v["impact"] in ("serious", "critical")]


def assert_clean(page: Any, name: str) -> None:
    found = serious_violations(page)
    assert found == [], f"{name}: " + json.dumps(found, ensure_ascii=False, indent=1)


def test_main_pages_have_no_serious_violations(site: Site, shot: Any) -> None:
    setup_leads(site)
    for locale in ("en-US", "zh-CN"):
        page = site.page(locale=locale)
        page.goto(f"{site.url}/app/sign-in")
        assert_clean(page, f"sign-in {locale}")
        site.sign_in(page, site.tenant.admin_email)
        assert_clean(page, f"home {locale}")
        page.goto(f"{site.url}/app/o/lead")
        assert_clean(page, f"list {locale}")
        page.click("details.filter summary")  # the filter builder, for a text field
        page.select_option("#fb-g0-r0-field", "company_name")
        page.locator("#fb-g0-r0-value0").wait_for()
        assert_clean(page, f"list with the filter builder {locale}")
        page.locator("#records tbody tr a").first.click()
        page.wait_for_selector("section.record-section")
        assert_clean(page, f"record {locale}")
        page.goto(f"{page.url}/delete")
        assert_clean(page, f"delete confirmation {locale}")
        page.goto(f"{site.url}/app/o/lead/recycle-bin")
        assert_clean(page, f"recycle bin {locale}")
        page.goto(f"{site.url}/app/o/lead/new")
        assert_clean(page, f"new form {locale}")
        page.fill("#f-email", "not-an-e-mail")
        page.click("form.record-form button[type=submit]")
        page.wait_for_selector("#error-summary")
        assert_clean(page, f"form with errors {locale}")
        shot(page, f"form-errors-{locale}")


def focused(page: Any) -> str:
    return str(page.evaluate(
        "() => { const e = document.activeElement;"
        " return e.id || e.getAttribute('name') || e.textContent.trim() || e.tagName; }"))


def test_the_form_works_by_keyboard_alone(site: Site) -> None:
    expo = setup_leads(site)
    page = site.page()
    site.sign_in(page, site.tenant.admin_email)
    page.goto(f"{site.url}/app/o/lead/new")

    page.keyboard.press("Tab")  # the first stop skips the navigation
    assert page.evaluate("document.activeElement.classList.contains('skip')")
    assert page.locator("a.skip").is_visible()
    page.keyboard.press("Enter")
    assert focused(page) == "main"

    order = []
    for _ in range(40):
        page.keyboard.press("Tab")
        order.append(focused(page))
        if order[-1] == "Save":
            break
    # the layout's order, section by section; tom-select's search box stands in for
    # an input it enhances (the lookup, the multi-picklist)
    inputs = [name.removesuffix("-ts-control") for name in order if name.startswith("f-")]
    expected = ["f-full_name", "f-mobile", "f-email", "f-company_name", "f-city",
                "f-employees", "f-budget", "f-campaign", "f-status", "f-tags"]
    assert inputs == expected, order
    assert order[-1] == "Save"

    # fill it in by keyboard: focus the name, type, move on with Tab, submit with Enter
    page.focus("#f-full_name")
    page.keyboard.type("Han Meimei")
    page.keyboard.press("Tab")
    page.keyboard.press("Tab")
    page.keyboard.type("han@example.com")
    page.focus("#f-campaign-ts-control")
    page.keyboard.type("Spring")
    page.locator("[data-field='campaign'] .ts-dropdown .option.active").wait_for()
    page.keyboard.press("Enter")
    assert page.locator("#f-campaign").input_value() == expo["id"]
    for _ in range(3):  # status, tags, then the Save button
        page.keyboard.press("Tab")
    assert focused(page) == "Save"
    page.keyboard.press("Enter")
    page.wait_for_url(RECORD_URL)
    assert page.locator("h1").inner_text() == "Han Meimei"
    assert page.locator("[data-field='campaign'] dd a").inner_text() == "Spring Expo"


def test_focus_is_kept_after_htmx_swaps(site: Site) -> None:
    setup_leads(site)
    page = site.page()
    site.sign_in(page, site.tenant.admin_email)
    page.goto(f"{site.url}/app/o/lead")
    page.focus("#q")
    page.keyboard.type("Zhao")
    expect(page.locator("#records tbody tr")).to_have_count(1)
    assert focused(page) == "q"  # typing goes on in the search box

    sort = page.locator("#records th a").first
    sort.focus()
    page.keyboard.press("Enter")  # the link is swapped away with the table
    expect(page.locator("#records th[aria-sort]")).to_have_count(1)
    assert page.evaluate("document.activeElement !== document.body")
    assert page.evaluate("document.getElementById('records')"
                         ".contains(document.activeElement)")

    # choosing a field rebuilds the filter builder; the keyboard stays on that choice
    page.click("details.filter summary")
    page.focus("#fb-g0-r0-field")
    page.keyboard.press("ArrowDown")  # the first field in the list
    page.locator("#fb-g0-r0-op").wait_for()
    assert focused(page) == "fb-g0-r0-field"
    page.keyboard.press("Tab")
    assert focused(page) == "fb-g0-r0-op"
