"""The after-sales pack's key journey in a real browser (issue 19, scenario S9/S10): an
agent opens the customer's 360° view and reads the whole history, opens the ticket from
it, closes it, and finds the follow-up visit task the closing booked."""

from __future__ import annotations

import datetime as dt
from typing import Any

from playwright.sync_api import expect

from objectry.platform.automation import tick_at
from objectry.platform.services import Services
from tests.browser.conftest import Site
from tests.browser.test_accessibility import assert_clean
from tests.browser.test_lead_journey import choose_picklist
from tests.catalog.support import install, trusted_key


def setup_customer(site: Site, services: Services) -> tuple[str, str]:
    """The packs installed, an agent, and a customer with some history; (account id,
    the agent's e-mail)."""
    key = trusted_key(services)
    install(site.api, key, "objectry.core_crm", sample_data=False)
    install(site.api, key, "objectry.after_sales", sample_data=False)
    email = "li.na@example.com"
    agent = site.add_user(email, name="Li Na", roles=["after_sales_agent"])
    api = site.api
    now = services.clock()

    def made(response: Any) -> str:
        assert response.status_code == 201, response.get_json()
        return str(response.get_json()["id"])

    account = made(api.post("/api/v1/records/account", json={
        "name": "Shanghai Huaxin Machinery", "city": "ShangHai", "phone": "021-62991640"}))
    contact = made(api.post("/api/v1/records/contact", json={
        "full_name": "Wang Jianguo", "account": account}))
    for days, kind, subject in ((40, "event_attendance", "Attended the Smart Factory Summit"),
                                (30, "download", "Downloaded the predictive maintenance paper"),
                                (3, "question", "Asked about monthly billing")):
        made(api.post("/api/v1/records/activity", json={
            "subject": subject, "type": kind, "account": account, "contact": contact,
            "occurred_at": (now - dt.timedelta(days=days)).isoformat()}))
    made(api.post("/api/v1/records/contract", json={
        "name": "Maintenance contract 2026", "account": account, "contact": contact,
        "amount": 250000, "signed_on": (now - dt.timedelta(days=10)).date().isoformat()}))
    made(agent.post("/api/v1/records/service_ticket", json={
        "subject": "Spindle noise on line 2", "type": "repair", "status": "in_progress",
        "account": account, "contact": contact}))
    tick_at(services)
    return account, email


def test_agent_reads_the_360_view_and_closes_a_ticket(site: Site, services: Services,
                                                     shot: Any) -> None:
    account, email = setup_customer(site, services)
    page = site.page()
    site.sign_in(page, email)
    page.goto(f"{site.url}/app/o/account/{account}")
    page.click("nav.record-views a:text-is('360° customer view')")
    page.wait_for_url(f"{site.url}/app/o/account/{account}?layout=account_360")
    timeline = page.locator("section.record-timeline ol.timeline li")
    expect(timeline).to_have_count(5)
    expect(timeline.nth(0)).to_contain_text("Spindle noise on line 2")
    expect(timeline.nth(1)).to_contain_text("Question asked")
    expect(timeline.nth(2)).to_contain_text("Maintenance contract 2026")
    expect(timeline.nth(4)).to_contain_text("Campaign attended")
    shot(page, "360-view")
    assert_clean(page, "360-view")

    timeline.nth(0).locator("a").click()
    expect(page.locator("h1")).to_have_text("Spindle noise on line 2")
    page.click("main a[role=button]:text-is('Edit')")
    choose_picklist(page, "status", "Closed", "Closed")
    page.fill("#f-resolution", "Replaced the spindle bearing.")
    shot(page, "closing")
    page.click("form button[type=submit]:text-is('Save')")
    expect(page.locator("[data-field='status'] dd")).to_have_text("Closed")

    tick_at(services)  # the engine books the follow-up visit
    page.goto(f"{site.url}/app/o/task")
    visit = page.locator("table a", has_text="Spindle noise on line 2")
    expect(visit).to_have_count(1)
    visit.click()
    expect(page.locator("[data-field='type'] dd")).to_have_text("Visit")
    expect(page.locator("[data-field='account'] dd")).to_have_text("Shanghai Huaxin Machinery")
    shot(page, "follow-up-visit")
