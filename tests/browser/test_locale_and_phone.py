"""The app in Chinese and English (from the browser's language, then switched and
remembered), and on a 390 px wide phone: lists as cards, forms in one column, nothing
wider than the screen."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect

from tests.browser.conftest import Site
from tests.browser.test_lead_journey import setup_leads


def test_chinese_from_the_browser_then_english_by_choice(site: Site, shot: Any) -> None:
    setup_leads(site)
    page = site.page(locale="zh-CN")
    page.goto(f"{site.url}/app/sign-in")
    assert page.locator("html").get_attribute("lang") == "zh-CN"
    assert page.locator("h1").inner_text() == "登录"
    shot(page, "zh-sign-in")
    site.sign_in(page, site.tenant.admin_email)
    assert page.locator("h1").inner_text().startswith("欢迎")
    page.click("aside.sidebar a:text-is('线索')")
    page.wait_for_url(f"{site.url}/app/o/lead")
    assert page.locator("h1").inner_text() == "线索"
    page.locator("#records tbody tr a").first.click()
    page.wait_for_selector("section.record-section h2:text('联系人')")
    shot(page, "zh-record")
    page.goto(f"{site.url}/app/o/lead/new")
    page.fill("#f-email", "坏地址")
    page.click("form.record-form button[type=submit]")
    page.wait_for_selector("#error-summary")
    assert "记录未保存" in page.locator("#error-summary").inner_text()
    assert page.locator("#f-email-error").inner_text().strip() != ""
    shot(page, "zh-form-errors")

    page.click("header button[lang='en']")  # the language switch
    expect(page.locator("html")).to_have_attribute("lang", "en")
    assert "The record was not saved" not in page.content()  # a fresh page, not a replay
    page.goto(f"{site.url}/app/")
    assert page.locator("h1").inner_text().startswith("Welcome")
    shot(page, "en-home")

    # remembered for the user: a new browser in Chinese still gets English once signed in
    again = site.page(locale="zh-CN")
    site.sign_in(again, site.tenant.admin_email)
    assert again.locator("h1").inner_text().startswith("Welcome")


def no_sideways_scroll(page: Any) -> bool:
    return bool(page.evaluate(
        "document.documentElement.scrollWidth <= document.documentElement.clientWidth"))


def header_buttons_on_one_line(page: Any) -> bool:
    """Every button of the top bar keeps its text on one line, all in one row."""
    return bool(page.evaluate("""() => {
        const buttons = [...document.querySelectorAll('header.topbar button')];
        const lines = buttons.map(b => { const r = document.createRange();
            r.selectNodeContents(b); return new Set([...r.getClientRects()]
                .map(x => Math.round(x.top))).size; });
        const tops = buttons.map(b => Math.round(b.getBoundingClientRect().top));
        return buttons.length > 0 && lines.every(n => n === 1)
            && Math.max(...tops) - Math.min(...tops) < 8; }"""))


def test_a_390_px_phone(site: Site, shot: Any) -> None:
    setup_leads(site)
    page = site.page(width=390, height=844)
    page.goto(f"{site.url}/app/sign-in")
    assert no_sideways_scroll(page)
    site.sign_in(page, site.tenant.admin_email)
    assert no_sideways_scroll(page)
    assert header_buttons_on_one_line(page)
    shot(page, "phone-home")

    page.goto(f"{site.url}/app/o/lead")
    assert no_sideways_scroll(page)
    assert not page.locator("#records thead").is_visible()  # rows become cards
    cells = page.locator("#records tbody tr").first.locator("td[data-label]")
    first, second = cells.nth(0).bounding_box(), cells.nth(1).bounding_box()
    assert second["y"] >= first["y"] + first["height"] - 1  # stacked, not side by side
    label = page.evaluate("getComputedStyle(document.querySelector('#records td[data-label]'),"
                          " '::before').content")
    assert "Full name" in label  # each value says which field it is, by its label
    shown = page.locator("#records tbody td[data-label]").all_inner_texts()
    assert "—" in shown and all(t.strip() for t in shown)  # empty values: a dash
    shot(page, "phone-list")

    page.goto(f"{site.url}/app/o/lead/new")
    assert no_sideways_scroll(page)
    name, mobile = (page.locator(f"[data-field='{f}']").bounding_box()
                    for f in ("full_name", "mobile"))
    assert abs(name["x"] - mobile["x"]) < 1 and mobile["y"] > name["y"]  # one column
    assert name["width"] > 300
    shot(page, "phone-form")

    page.goto(f"{site.url}/app/o/lead")
    page.locator("#records tbody tr a").first.click()
    page.wait_for_selector("section.record-section")
    assert no_sideways_scroll(page)
    shot(page, "phone-record")
