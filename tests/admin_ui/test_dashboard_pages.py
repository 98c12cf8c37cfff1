"""Dashboards in the web app: drawn from the viewer's own figures (a restricted
viewer's counts leave out what they cannot see; a chart over a field they cannot read
shows no data)."""

from __future__ import annotations

from objectry.platform.services import Services
from tests.admin_ui.conftest import Browser, set_password, text
from tests.analytics.objects import label
from tests.analytics.test_dashboards import charts, setup
from tests.conftest import Api, TenantHandle


def test_a_dashboard_is_drawn_from_the_viewers_figures(
        services: Services, tenant: TenantHandle, web_api: Api, browser: Browser) -> None:
    setup(web_api)
    role = {"kind": "role", "api_name": "clerk", "label": label("clerk"), "grants": {
        "lead": {"actions": ["read"], "scope": "own", "field_groups": {"default": "read"}},
        "opportunity": {"actions": ["read"], "scope": "all",
                        "field_groups": {"default": "read", "money": "none"}}}}
    assert web_api.put("/api/v1/meta/roles/clerk", json=role).status_code == 200
    tenant.add_user("clerk@example.com", roles=["clerk"])
    set_password(services, tenant.slug, tenant.admin_email)
    set_password(services, tenant.slug, "clerk@example.com")
    browser.sign_in(tenant.admin_email)
    assert "/app/dashboards/sales" in text(browser.get("/app/dashboards"))
    page = browser.get("/app/dashboards/sales")
    assert page.status_code == 200
    body = text(page)
    assert "chart.umd.min" in body and "<strong>2</strong>" in body  # two leads
    funnel, amounts = charts(body)
    assert (funnel["type"], funnel["labels"]) == ("funnel", ["won", "open"])
    assert funnel["series"][0]["values"] == [2.0, 1.0]
    assert amounts["labels"] == ["open", "won"]
    assert amounts["series"][0]["values"] == [10.0, 150.0]
    # the clerk owns no lead and may not read amounts: no count, no amounts
    clerk = Browser(browser.client.application.test_client())
    clerk.sign_in("clerk@example.com")
    theirs = text(clerk.get("/app/dashboards/sales"))
    assert "<strong>0</strong>" in theirs
    assert len(charts(theirs)) == 1  # the funnel; the amounts chart is unavailable
    assert "You cannot see the data of this chart." in theirs
    assert "150" not in theirs
