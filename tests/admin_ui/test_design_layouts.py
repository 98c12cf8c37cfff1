"""The layout designer's drag and drop: a drop posts the whole arrangement (``arrange``),
previewed like every other change; a bad arrangement is a 422 that changes nothing."""

from __future__ import annotations

import json

from tests.admin_ui.conftest import text
from tests.admin_ui.test_designer import LAYOUT, Admins, admins, apply, layout

__all__ = ["admins"]  # the fixture, used by name


def test_a_dropped_arrangement_is_previewed_then_applied(admins: Admins) -> None:
    assert admins.api.put("/api/v1/meta/layouts/lead_default", json=LAYOUT).status_code == 200
    page = text(admins.admin.get("/app/design/layouts/lead_default"))
    assert 'data-section-fields="1"' in page and "sortable.min.js" in page
    assert 'class="arrange-layout"' in page
    arrangement = [["email", "full_name"], ["mobile", "company_name", "city", "budget"]]
    preview = admins.admin.post("/app/design/layouts/lead_default", {
        "op": "arrange", "arrangement": json.dumps(arrangement)})
    assert preview.status_code == 200 and layout(admins)["sections"][0]["fields"] == [
        "full_name", "mobile", "email"]  # nothing applied before Apply
    assert apply(admins.admin, preview).status_code == 303
    stored = layout(admins)
    assert [s["fields"] for s in stored["sections"]] == arrangement
    assert stored["sections"][0]["label"] == {"en": "Contact", "zh-CN": "联系人"}


def test_a_bad_arrangement_changes_nothing(admins: Admins) -> None:
    assert admins.api.put("/api/v1/meta/layouts/lead_default", json=LAYOUT).status_code == 200
    for bad in ("nope", json.dumps([["full_name"]]), json.dumps([["full_name"], ["ghost"]]),
                json.dumps([["full_name"], ["full_name"]]), json.dumps([[1], []])):
        response = admins.admin.post("/app/design/layouts/lead_default",
                                     {"op": "arrange", "arrangement": bad})
        assert response.status_code == 422, bad
    assert layout(admins)["sections"] == LAYOUT["sections"]
