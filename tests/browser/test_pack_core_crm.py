"""The core CRM pack's key journey in a real browser (issue 19, S5): the administrator
opens the leads list the pack installed with its sample data, opens the Shanghai lead,
converts it into an account, a contact and two opportunities, and finds them."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect

from objectry.platform.services import Services
from tests.browser.conftest import Site
from tests.catalog.support import install, trusted_key


def test_admin_converts_a_lead_from_the_list(site: Site, services: Services,
                                            shot: Any) -> None:
    install(site.api, trusted_key(services), "objectry.core_crm")
    page = site.page()
    site.sign_in(page, site.tenant.admin_email)
    page.click("aside.sidebar a:text-is('Lead')")
    page.wait_for_url(f"{site.url}/app/o/lead")
    page.click("nav.saved-views a:has-text('MQLs by score')")
    rows = page.locator("#records tbody tr")
    expect(rows.filter(has_text="上海金桥精工机械有限公司")).to_have_count(1)
    shot(page, "mql-leads")

    page.click("#records a:text-is('王建华')")
    expect(page.locator("h1")).to_have_text("王建华")
    expect(page.locator("[data-field='city'] dd")).to_have_text("Shanghai")
    expect(page.locator("section.record-timeline")).to_contain_text("首次电话沟通")
    shot(page, "lead")

    page.click("main a[role=button]:text-is('Convert…')")
    page.fill("#count-opportunity", "2")
    page.click("main form button[type=submit]:text-is('Preview')")
    page.fill("#item_opportunity_0_name", "数控机床改造")  # each deal its name and amount
    page.fill("#item_opportunity_0_amount", "380000")
    page.click("main form button[type=submit]:text-is('Preview')")
    will = page.locator("ul.produced li")
    expect(will).to_have_count(4)
    expect(will.nth(2)).to_have_text("create · Opportunity: 数控机床改造")
    expect(will.nth(3)).to_have_text("create · Opportunity: 上海金桥精工机械有限公司")
    shot(page, "convert-preview")
    page.click("main form button[type=submit]:text-is('Convert')")
    expect(page.locator("#converted")).to_be_visible()
    produced = page.locator("ul.produced li")
    expect(produced).to_have_count(4)
    shot(page, "converted")

    produced.nth(0).locator("a").click()  # the new account
    expect(page.locator("h1")).to_have_text("上海金桥精工机械有限公司")
    related = page.locator("main")
    expect(related).to_contain_text("王建华")  # its contact
    expect(related.locator("a:text-is('上海金桥精工机械有限公司')")).to_have_count(1)  # deals
    expect(related.locator("a:text-is('数控机床改造')")).to_have_count(1)
    shot(page, "account")
    page.click("main a:text-is('王建华')")
    expect(page.locator("h1")).to_have_text("王建华")
    expect(page.locator("[data-field='account'] dd")).to_contain_text("上海金桥精工机械有限公司")
    expect(page.locator("section.record-timeline")).to_contain_text("首次电话沟通")
