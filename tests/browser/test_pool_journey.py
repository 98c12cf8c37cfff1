"""A rep claims a lead from the pool (公海) in a real browser: the pool's masked fields
are masked until the claim, the claimed lead is theirs, and returning it asks why."""

from __future__ import annotations

from playwright.sync_api import expect

from tests.browser.conftest import Site
from tests.distribution.pool_support import pool
from tests.distribution.support import REP_ROLE
from tests.docs_objects import campaign, lead


def test_claim_from_the_pool_and_return_with_a_reason(site: Site) -> None:
    api = site.api
    api.define(campaign())
    api.define(lead())
    assert api.put("/api/v1/meta/roles/rep", json=REP_ROLE).status_code == 200
    site.add_user("rep@example.com", roles=["rep"], name="Rita Rep")
    pool(api, "sea")
    made = api.post("/api/v1/records/lead", json={
        "full_name": "Zhou Lan", "email": "zhou@example.com", "company_name": "Secret Co"})
    rid = made.get_json()["id"]
    assert api.post("/api/v1/pools/sea/records", json={"ids": [rid]}).status_code == 200

    page = site.page()
    site.sign_in(page, "rep@example.com")
    page.goto(f"{site.url}/app/pools")
    page.get_by_role("link", name="Open sea").click()
    expect(page.get_by_role("heading", name="Records in the pool")).to_be_visible()
    assert "Secret Co" not in page.content() and "zhou@example.com" not in page.content()
    page.get_by_role("checkbox").first.check()
    page.get_by_role("button", name="Claim selected").click()
    expect(page.get_by_text("1 record(s) claimed.")).to_be_visible()
    expect(page.get_by_role("link", name="Zhou Lan")).to_be_visible()
    assert "zhou@example.com" in page.content()  # theirs now: unmasked

    reason = page.get_by_placeholder("Reason")
    expect(reason).to_have_attribute("required", "")
    reason.fill("Not in my region")
    page.get_by_role("button", name="Return Zhou Lan to the pool").click()
    expect(page.get_by_text("1 record(s) returned.")).to_be_visible()
    expect(page.get_by_text("You hold no record of this pool.")).to_be_visible()
