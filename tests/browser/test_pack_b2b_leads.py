"""The b2b_leads pack's key journey in a real browser: after core_crm and b2b_leads are
installed, a new lead scores as an MQL and is handed to the Shanghai office; the rep it
went to finds it under "MQLs waiting for acceptance", opens it and accepts it with the
pack's button; the funnel dashboard counts it as accepted."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from playwright.sync_api import expect

from objectry.platform.automation import tick_at
from tests.browser.conftest import Site
from tests.catalog.support import install, trusted_key


def test_a_rep_accepts_an_mql_waiting_for_acceptance(site: Site,
                                                      shot: Callable[[Any, str], None]) -> None:
    api, services = site.api, site.tenant.services
    key = trusted_key(services)
    install(api, key, "objectry.core_crm", sample_data=False)
    install(api, key, "objectry.b2b_leads", sample_data=False)
    site.add_user("rep@example.com", roles=["sales_rep"], department="shanghai_office",
                  name="Sun Li")
    made = api.post("/api/v1/records/lead", json={
        "full_name": "王建国", "company_name": "华东精密机械有限公司", "city": "ShangHai",
        "mobile": "021-62991640", "employees": 850, "need_match": "strong",
        "need": "生产线设备联网与预测性维护"})
    assert made.status_code == 201, made.get_json()
    rid = made.get_json()["id"]
    for _ in range(4):  # score → MQL → hand-off to the Shanghai office
        tick_at(services)
    assert api.get(f"/api/v1/records/lead/{rid}").get_json()["status"] == "mql"

    page = site.page()
    site.sign_in(page, "rep@example.com")
    page.goto(f"{site.url}/app/o/lead")
    page.get_by_role("link", name="MQLs waiting for acceptance").click()
    row = page.get_by_role("row", name=re.compile("王建国"))
    expect(row).to_be_visible()
    shot(page, "waiting-for-acceptance")
    row.get_by_role("link").first.click()
    expect(page.get_by_role("heading", name="王建国")).to_be_visible()
    page.get_by_role("button", name="Accept MQL").click()
    expect(page.get_by_text("MQL accepted")).to_be_visible()
    shot(page, "accepted")
    page.reload()
    expect(page.locator("main")).to_contain_text("Accepted")
    stored = api.get(f"/api/v1/records/lead/{rid}").get_json()
    assert stored["status"] == "accepted" and stored["accepted_at"]
    # gone from the waiting list
    page.goto(f"{site.url}/app/o/lead?saved=b2b_mqls_waiting")
    expect(page.get_by_role("row", name=re.compile("王建国"))).to_have_count(0)
    # the funnel counts it as accepted
    page.goto(f"{site.url}/app/dashboards/b2b_lead_funnel")
    expect(page.get_by_role("heading", name="Lead funnel")).to_be_visible()
    expect(page.get_by_text("Accepted by sales")).to_be_visible()
    shot(page, "funnel")
