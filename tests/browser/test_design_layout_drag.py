"""The layout designer by drag and drop (SortableJS): a field dragged to another section
shows the plan, is applied, and the end-user form follows; the buttons stay for the
keyboard."""

from __future__ import annotations

import re
from typing import Any

from tests.admin_ui.labels import labelled
from tests.admin_ui.test_designer import LAYOUT
from tests.browser.conftest import Site
from tests.docs_objects import campaign, lead


def test_drag_a_field_to_another_section(site: Site, shot: Any) -> None:
    site.api.define(labelled(campaign()))
    site.api.define(labelled(lead()))
    assert site.api.put("/api/v1/meta/layouts/lead_default", json=LAYOUT).status_code == 200
    page = site.page()
    site.sign_in(page, site.tenant.admin_email)
    page.goto(f"{site.url}/app/design/layouts/lead_default")
    page.locator("html.drag-enabled").wait_for(state="attached")
    shot(page, "layout")
    source = page.locator("ol[data-section-fields='0'] > li[data-field='email']")
    target = page.locator("ol[data-section-fields='1'] > li[data-field='city']")
    box, to = source.bounding_box(), target.bounding_box()
    assert box and to
    page.mouse.move(box["x"] + 20, box["y"] + box["height"] / 2)
    page.mouse.down()
    page.mouse.move(to["x"] + 20, to["y"] + to["height"] / 2, steps=12)
    page.mouse.move(to["x"] + 20, to["y"] + to["height"] * 0.75, steps=4)
    page.mouse.up()
    page.locator("#apply").wait_for()
    shot(page, "plan")
    page.click("#apply")
    page.wait_for_url(re.compile(r"/app/design/layouts/lead_default\?applied=\d+$"))
    sections = site.api.get("/api/v1/meta/layouts/lead_default").get_json()["sections"]
    assert "email" not in sections[0]["fields"] and "email" in sections[1]["fields"]
    # the keyboard alternative is still there
    assert page.locator("button[aria-label='Move Full name down']").count() == 1
    page.goto(f"{site.url}/app/o/lead/new")
    company = page.locator("form.record-form fieldset, form.record-form section").nth(1)
    assert company.locator("#f-email").count() == 1
