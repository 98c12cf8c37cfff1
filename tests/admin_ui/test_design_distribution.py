"""The designer's pages for assignment rules and pools: list, edit as JSON or through
the settings form (previewed, then applied), and the dry run's gap report as tables."""

from __future__ import annotations

import json

from tests.admin_ui.conftest import text
from tests.admin_ui.test_designer import Admins, admins, apply

__all__ = ["admins"]  # the fixture, used by name

RULE = {"object": "lead", "label": {"en": "Shanghai", "zh-CN": "上海地区分发规则"},
        "entries": [{"condition": {"field": "company_name", "op": "eq", "value": "上海"},
                     "to": [{"user": "__admin__"}]}]}


def _rule(admins: Admins) -> dict[str, object]:
    return json.loads(json.dumps(RULE).replace("__admin__", admins.tenant.admin_email))


def test_rules_listed_edited_by_form_and_json(admins: Admins) -> None:
    assert admins.api.put("/api/v1/meta/assignment_rules/sh", json=_rule(admins)
                          ).status_code == 200
    listed = text(admins.admin.get("/app/design/assignment_rules"))
    assert 'data-rule="sh"' in listed and "/app/design/assignment_rules/sh" in listed
    page = text(admins.admin.get("/app/design/assignment_rules/sh"))
    assert 'class="rule-settings"' in page and "上海" in page
    preview = admins.admin.post("/app/design/assignment_rules/sh",
                                {"active": "on", "auto": "on", "precedence": "5",
                                 "grants": "keep"})
    assert preview.status_code == 200
    assert "auto" not in admins.api.get("/api/v1/meta/assignment_rules/sh").get_json()
    assert apply(admins.admin, preview).status_code == 303
    stored = admins.api.get("/api/v1/meta/assignment_rules/sh").get_json()
    assert stored["auto"] is True and stored["precedence"] == 5
    # edited as JSON: a bad document is refused where it is wrong, nothing changes
    bad = {**stored, "entries": [{"to": [{"user": "ghost@example.com"}]}]}
    refused = admins.admin.post("/app/design/documents/assignment_rule/sh",
                                {"document": json.dumps(bad), "action": "preview"})
    assert refused.status_code == 422 and "ghost@example.com" in text(refused)
    assert admins.api.get("/api/v1/meta/assignment_rules/sh").get_json()["entries"] == \
        stored["entries"]


def test_new_rule_and_pool_drafts(admins: Admins) -> None:
    started = admins.admin.get("/app/design/assignment_rules/new?name=by_city&object=lead")
    assert started.status_code == 303
    draft = text(admins.admin.get(started.headers["Location"]))
    assert '"object": "lead"' in draft.replace("&#34;", '"')
    assert admins.admin.get("/app/design/assignment_rules/new?name=Bad Name").status_code \
        == 422
    pool = admins.admin.get("/app/design/pools/new?name=sea&object=lead")
    assert pool.status_code == 303
    document = {"object": "lead", "label": {"en": "Open sea"}, "members": {"roles": ["rep"]}}
    preview = admins.admin.post("/app/design/documents/pool/sea",
                                {"document": json.dumps(document), "action": "preview"})
    assert preview.status_code == 200
    assert apply(admins.admin, preview).status_code == 303
    assert 'data-pool="sea"' in text(admins.admin.get("/app/design/pools"))


def test_dry_run_shows_the_gap_report_as_tables(admins: Admins) -> None:
    assert admins.api.put("/api/v1/meta/assignment_rules/sh", json=_rule(admins)
                          ).status_code == 200
    for company in ("上海", "上海", "ShangHai"):
        assert admins.api.post("/api/v1/records/lead", json={
            "full_name": "Li", "company_name": company}).status_code == 201
    page = admins.admin.get("/app/design/assignment_rules/sh/dry_run")
    html = text(page)
    assert page.status_code == 200
    assert 'class="dry-run-entries"' in html and 'data-entry="0"' in html
    assert "3 records checked: 2 taken by an entry, 1 by none." in html
    assert 'class="dry-run-gaps"' in html and "ShangHai" in html and "alias" in html
    # nothing moved
    items = admins.api.get("/api/v1/records/lead").get_json()["items"]
    assert {i["version"] for i in items} == {1}
