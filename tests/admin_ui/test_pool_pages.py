"""Lead pools in the web app: a member sees the pool's records as the pools API shows
them (masked fields masked), claims some, and returns one with a reason."""

from __future__ import annotations

from typing import Any

from objectry.platform.services import Services
from tests.admin_ui.conftest import Browser, set_password, text
from tests.conftest import Api, TenantHandle
from tests.distribution.pool_support import pooled


def _member(services: Services, tenant: TenantHandle, browser: Browser) -> None:
    set_password(services, tenant.slug, "a@example.com")
    browser.sign_in("a@example.com")


def test_member_sees_masked_values_only_then_claims_and_returns(
        services: Services, tenant: TenantHandle, web_api: Api, browser: Browser) -> None:
    reps, ids = pooled(web_api, tenant, count=2)
    _member(services, tenant, browser)
    listed = text(browser.get("/app/pools"))
    assert "/app/pools/sea" in listed and "Open sea" in listed
    api_items: list[dict[str, Any]] = reps["a@example.com"].get(
        "/api/v1/pools/sea/records").get_json()["items"]
    page = browser.get("/app/pools/sea")
    html = text(page)
    assert page.status_code == 200
    for secret in ("lead0@example.com", "lead1@example.com", "ACME 0", "ACME 1"):
        assert secret not in html  # masked until claimed, as the API masks them
    assert api_items[0]["email"] in html and api_items[0]["company_name"] in html
    assert html.count('name="ids"') == 2
    claimed = browser.post("/app/pools/sea/claim", {"ids": [ids[0]]})
    assert claimed.status_code == 303
    after = text(browser.get(claimed.headers["Location"]))
    assert "lead0@example.com" in after  # the holder reads it now
    assert "lead1@example.com" not in after
    assert "1 record(s) claimed." in after
    # returning asks for a reason
    refused = browser.post("/app/pools/sea/return", {"ids": [ids[0]], "reason": " "})
    assert refused.status_code == 422
    assert reps["a@example.com"].get(f"/api/v1/records/lead/{ids[0]}").status_code == 200
    returned = browser.post("/app/pools/sea/return", {"ids": [ids[0]], "reason": "wrong city"})
    assert returned.status_code == 303
    back = text(browser.get("/app/pools/sea"))
    assert "lead0@example.com" not in back and back.count('name="ids" value=') == 2


def test_non_members_and_restricted_users_see_nothing_more(
        services: Services, tenant: TenantHandle, web_api: Api, browser: Browser) -> None:
    pooled(web_api, tenant, count=1)
    tenant.add_user("outsider@example.com")
    set_password(services, tenant.slug, "outsider@example.com")
    browser.sign_in("outsider@example.com")
    assert "/app/pools/sea" not in text(browser.get("/app/pools"))
    page = browser.get("/app/pools/sea")
    assert page.status_code == 403 and "lead0@example.com" not in text(page)
    assert browser.post("/app/pools/sea/claim", {"ids": ["x"]}).status_code in (403, 422)
