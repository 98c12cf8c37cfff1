"""The consumer goods pack's key journey in a real browser (issue 19, scenario S10): a
brand manager opens a new launch with its planning checklist, moves it on to channel
distribution, and finds that stage's SOP tasks waiting."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect

from objectry.platform.automation import tick_at
from objectry.platform.services import Services
from tests.browser.conftest import Site
from tests.browser.test_lead_journey import choose_picklist
from tests.catalog.support import install, trusted_key


def test_brand_manager_moves_a_launch_into_the_channel(site: Site, services: Services,
                                                       shot: Any) -> None:
    key = trusted_key(services)
    install(site.api, key, "objectry.core_crm", sample_data=False)
    install(site.api, key, "objectry.consumer_goods", sample_data=False)
    email = "zhao.min@example.com"
    brand = site.add_user(email, name="Zhao Min", roles=["cg_brand_manager"])
    product = brand.post("/api/v1/records/product", json={
        "name": "Morning Dew sheet mask", "sku": "CL-MK-05", "category": "beauty"})
    assert product.status_code == 201, product.get_json()
    launch = brand.post("/api/v1/records/product_launch", json={
        "name": "Morning Dew launch, South China", "product": product.get_json()["id"],
        "target_units": 40000})
    assert launch.status_code == 201, launch.get_json()
    launch_id = launch.get_json()["id"]
    tick_at(services)  # the planning checklist

    page = site.page()
    site.sign_in(page, email)
    page.goto(f"{site.url}/app/o/product_launch/{launch_id}")
    expect(page.locator("[data-field='stage'] dd")).to_have_text("Planning")
    related = page.locator("section.related ul li")
    expect(related.filter(has_text="确定建议零售价")).to_have_count(1)
    shot(page, "launch-planning")

    page.click("main a[role=button]:text-is('Edit')")
    choose_picklist(page, "stage", "Channel", "Channel distribution")
    page.click("form button[type=submit]:text-is('Save')")
    expect(page.locator("[data-field='stage'] dd")).to_have_text("Channel distribution")

    tick_at(services)  # the channel checklist
    page.goto(f"{site.url}/app/o/launch_task")
    rows = page.locator("table tbody tr")
    expect(rows).to_have_count(6)
    expect(page.locator("table a", has_text="与每家经销商确认铺货数量")).to_have_count(1)
    shot(page, "launch-tasks")
