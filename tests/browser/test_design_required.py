"""A required field added to an object with rows, in the browser: the plan is refused
next to the field, which asks for a default there; the default then fills the rows."""

from __future__ import annotations

import re
from typing import Any

from tests.admin_ui.labels import labelled
from tests.browser.conftest import Site
from tests.docs_objects import campaign, lead


def test_a_required_field_needs_a_default_over_rows(site: Site, shot: Any) -> None:
    site.api.define(labelled(campaign()))
    site.api.define(labelled(lead()))
    created = site.api.post("/api/v1/records/lead", json={"full_name": "Li"}).get_json()
    page = site.page()
    site.sign_in(page, site.tenant.admin_email)
    page.goto(f"{site.url}/app/design/objects/lead/fields/new?type=text")
    page.fill("#label-en", "Source")
    page.check("#opt-required")
    page.click("form.field-form button[type=submit]")
    refusal = page.locator("#refusal-source")
    refusal.wait_for()
    assert "default value" in refusal.inner_text()
    assert page.locator("#apply").count() == 0
    assert page.locator("ol.plan-steps li[data-action='add_column']").count() == 1
    shot(page, "refused")
    # the default is asked right there, next to the refusal
    page.fill("#default-source", "web")
    page.click("form.apply-document button[value=preview]")
    page.locator("ol.plan-steps li[data-action='fill_default']").wait_for()
    shot(page, "fills")
    page.click("#apply")
    page.wait_for_url(re.compile(r"/app/design/objects/lead\?applied=\d+$"))
    assert site.api.get(f"/api/v1/records/lead/{created['id']}").get_json()["source"] == "web"
