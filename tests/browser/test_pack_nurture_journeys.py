# ruff: noqa: RUF001  (the assertions quote the Chinese wording, full-width punctuation included)
"""The nurture journeys pack's key journey in a real browser (issue 19, S7 rule A): a
contact downloads a whitepaper, gets the EDM at once and, silent for three days, gets a
WeCom follow-up task; the contact's owner, a sales rep, opens the contact and reads both
in its history, then opens the task."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect

from objectry.platform.services import Services
from tests.automation.conftest import Engine, engine  # noqa: F401  (fixture)
from tests.browser.conftest import Site
from tests.catalog.support import install, trusted_key


def test_owner_sees_rule_a_in_the_contacts_history(site: Site, services: Services,
                                                     engine: Engine,  # noqa: F811
                                                     shot: Any) -> None:
    key = trusted_key(services)
    for name in ("objectry.core_crm", "objectry.nurture_journeys"):
        install(site.api, key, name, sample_data=False)
    engine.tick()
    owner = "mei.lin@example.com"
    api = site.add_user(owner, name="Lin Mei", roles=["sales_rep"])
    created = api.post("/api/v1/records/contact", json={
        "full_name": "郑雅婷", "email": "zheng.yating@huaxin-mfg.example.cn",
        "mobile": "13916620381", "wecom_id": "zhengyt_hx"})
    assert created.status_code == 201, created.get_json()
    contact = created.get_json()["id"]
    assert api.put(f"/api/v1/records/contact/{contact}/consent",
                   json={"email": "opted_in"}).status_code == 200
    download = api.post("/api/v1/records/activity", json={
        "subject": "下载《2026 制造业数字化白皮书》", "type": "download", "contact": contact,
        "document": "2026 制造业数字化白皮书"})
    assert download.status_code == 201, download.get_json()
    engine.tick()  # the EDM goes at once
    engine.later(days=3, minutes=1)  # no reply in three days: the WeCom task

    page = site.page(locale="zh-CN")
    site.sign_in(page, owner)
    page.goto(f"{site.url}/app/o/contact/{contact}")
    expect(page.locator("h1")).to_have_text("郑雅婷")
    messages = page.locator("section.messages")
    expect(messages).to_contain_text("您下载的白皮书：要点解读与客户案例")
    runs = page.locator("section.runs")
    expect(runs).to_contain_text("nurture_rule_a_whitepaper")
    related = page.locator("section.related")
    expect(related).to_contain_text("企微跟进：郑雅婷 下载白皮书 3 天未回复")
    shot(page, "contact-history")

    related.locator("a", has_text="企微跟进：郑雅婷").first.click()
    expect(page.locator("h1")).to_contain_text("企微跟进：郑雅婷")
    expect(page.locator("[data-field='type'] dd")).to_have_text("企业微信跟进")
    shot(page, "wecom-task")
