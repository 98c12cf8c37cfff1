"""No page loads anything from another host: every request the browser makes while a
user goes through the main pages goes to the app's own address, and none fails."""

from __future__ import annotations

from typing import Any

from tests.browser.conftest import Site
from tests.browser.test_lead_journey import setup_leads


def test_every_request_goes_to_the_app_itself(site: Site) -> None:
    setup_leads(site)
    page = site.page()
    failed: list[str] = []
    page.on("response", lambda r: failed.append(f"{r.status} {r.url}")
            if r.status >= 400 and not r.url.endswith("/favicon.ico") else None)
    page.goto(f"{site.url}/")
    site.sign_in(page, site.tenant.admin_email)
    visited = visit_main_pages(site, page)
    assert len(visited) >= 6
    assert site.requests and site.foreign_requests() == []
    assert any("/app/static/" in url and url.endswith(".js") for url in site.requests)
    assert failed == []


def visit_main_pages(site: Site, page: Any) -> list[str]:
    """Home, every list in the sidebar, a record of each, its edit form, a new form,
    and any other page linked from those (same host), once each."""
    seen: list[str] = []

    def visit(url: str) -> None:
        if url in seen or len(seen) > 40:
            return
        seen.append(url)
        page.goto(url)

    visit(f"{site.url}/app/")
    for href in page.locator("aside.sidebar a").evaluate_all(
            "links => links.map(a => a.href)"):
        visit(href)
        records = page.locator("#records tbody tr a").evaluate_all(
            "links => links.map(a => a.href)")
        for record in records[:1]:
            visit(record)
            links = page.locator("main a[href^='/app/']").evaluate_all(
                "links => links.map(a => a.href)")
            for link in links:
                visit(link)
    visit(f"{site.url}/app/o/lead/new")
    return seen
