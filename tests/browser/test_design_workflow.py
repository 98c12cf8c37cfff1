"""A workflow designed in the browser: its steps typed as JSON, a dry run (which records
would start a run, each one's path), then the plan and Apply; the steps drawn as a
graph; pause and resume."""

from __future__ import annotations

import json
import re
from typing import Any

from tests.admin_ui.labels import labelled
from tests.admin_ui.test_design_workflows import STEPS, TRIGGER
from tests.browser.conftest import Site
from tests.browser.test_accessibility import assert_clean
from tests.docs_objects import campaign, lead


def test_draw_and_dry_run_a_workflow(site: Site, shot: Any) -> None:
    site.api.define(labelled(campaign()))
    site.api.define(labelled(lead()))
    big = site.api.post("/api/v1/records/lead", json={"full_name": "Big", "employees": 20})
    site.api.post("/api/v1/records/lead", json={"full_name": "Tiny", "employees": 1})
    page = site.page()
    site.sign_in(page, site.tenant.admin_email)
    page.goto(f"{site.url}/app/design/workflows")
    page.fill("#workflow-api_name", "nurture")
    page.click("form.new-workflow button[type=submit]")
    page.wait_for_url(re.compile(r"/app/design/workflows/nurture$"))
    page.fill("#label-en", "Nurture")
    page.select_option("#object", "lead")
    page.fill("#trigger", json.dumps(TRIGGER, indent=2))
    page.fill("#steps", json.dumps(STEPS, indent=2))
    page.click("#dry-run")
    result = page.locator("#dry-run-result")
    result.wait_for()
    rows = result.locator("tbody tr")
    assert rows.count() == 1
    assert rows.first.get_attribute("data-record") == big.get_json()["id"]
    assert "mark → wait → check → tag" in rows.first.inner_text()
    shot(page, "dry-run")
    page.click("#preview")
    page.locator("#apply").click()
    page.wait_for_url(re.compile(r"/app/design/workflows/nurture\?applied=\d+$"))
    assert page.locator("svg.workflow-graph g[data-node]").count() == len(STEPS) + 2
    assert_clean(page, "workflow page")
    shot(page, "workflow")
    page.click("#pause")
    page.locator("#resume").wait_for()
    assert page.locator("#workflow-state").inner_text() == "paused"
