"""The packs designer's catalog in a real browser (issue 19): the administrator finds
the core CRM pack with its SOP titles, installs it with one click (htmx: the section
swaps in place, nothing reloads), and its objects appear, sample leads included.
Installed from the shipped catalog, so verified by the built-in project key."""

from __future__ import annotations

from typing import Any

from playwright.sync_api import expect

from tests.browser.conftest import Site


def test_admin_installs_core_crm_from_the_catalog(site: Site, shot: Any) -> None:
    page = site.page(locale="zh-CN")
    site.sign_in(page, site.tenant.admin_email)
    page.goto(f"{site.url}/app/design/packs")
    expect(page.locator("#catalog-title")).to_have_text("行业包目录")
    row = page.locator("tr[data-catalog-pack='objectry.core_crm']")
    expect(row).to_contain_text("核心 CRM")
    shot(page, "catalog")

    row.locator("button[type=submit]").click()
    done = page.locator("#catalog-done")
    expect(done).to_contain_text("已安装 objectry.core_crm", timeout=60_000)
    expect(page.locator("tr[data-catalog-pack='objectry.core_crm']")).to_contain_text(
        "已安装 1.1.0")
    expect(page.locator("#installed-packs")).to_contain_text("objectry.core_crm")
    shot(page, "installed")

    done.locator("a[data-object='lead']").click()
    page.wait_for_url(f"{site.url}/app/o/lead")
    expect(page.locator("#records tbody tr").filter(has_text="王建华")).to_have_count(1)
    expect(page.locator("aside.sidebar")).to_contain_text("客户")
    shot(page, "leads")
