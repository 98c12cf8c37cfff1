"""Rollback from the history page: the plan first (the service's rollback with
``dry_run``: nothing changes), then the rollback as a new version; a rollback that
would lose values is refused with the field named and applied with a policy."""

from __future__ import annotations

import re

from tests.admin_ui.conftest import text
from tests.admin_ui.test_designer import Admins, admins

__all__ = ["admins"]  # the fixture, used by name


def current_version(admins: Admins) -> int:
    items = admins.api.get("/api/v1/meta/history?limit=1").get_json()["items"]
    return int(items[0]["version"])


def test_a_rollback_shows_its_plan_then_applies(admins: Admins) -> None:
    before = current_version(admins)
    document = admins.api.get("/api/v1/meta/objects/lead").get_json()
    document["label"] = {"en": "Prospect", "zh-CN": "潜在客户"}
    assert admins.api.put("/api/v1/meta/objects/lead", json=document).status_code == 200
    page = text(admins.admin.get("/app/design/history"))
    assert f'action="/app/design/history/{before}/rollback"' in page
    assert f'action="/app/design/history/{before + 1}/rollback"' not in page  # current
    preview = admins.admin.post(f"/app/design/history/{before}/rollback")
    html = text(preview)
    assert preview.status_code == 200 and 'data-document="object/lead"' in html
    assert 'id="apply"' in html
    assert admins.api.get("/api/v1/meta/objects/lead").get_json()["label"]["en"] == "Prospect"
    assert current_version(admins) == before + 1  # the preview made no version
    done = admins.admin.post(f"/app/design/history/{before}/rollback", {"action": "apply"})
    assert done.status_code == 303 and "rolled_back=" in done.headers["Location"]
    assert admins.api.get("/api/v1/meta/objects/lead").get_json()["label"]["en"] == "Lead"
    assert current_version(admins) == before + 2
    assert admins.admin.post("/app/design/history/99999/rollback").status_code == 422


def test_a_lossy_rollback_is_refused_then_applied_with_a_policy(admins: Admins) -> None:
    before = current_version(admins)
    document = admins.api.get("/api/v1/meta/objects/lead").get_json()
    field = next(f for f in document["fields"] if f["api_name"] == "company_name")
    field["max_length"] = 200
    assert admins.api.put("/api/v1/meta/objects/lead", json=document).status_code == 200
    admins.api.post("/api/v1/records/lead", json={"full_name": "Li", "company_name": "A" * 150})
    # a narrower version (160 characters), then a wider one and a value too long for
    # the narrower: rolling back to it would cut that value
    field["max_length"] = 300
    assert admins.api.put("/api/v1/meta/objects/lead", json=document).status_code == 200
    narrow = admins.api.get("/api/v1/meta/objects/lead").get_json()
    next(f for f in narrow["fields"] if f["api_name"] == "company_name")["max_length"] = 160
    assert admins.api.put("/api/v1/meta/objects/lead", json=narrow).status_code == 200
    target = current_version(admins)
    assert admins.api.put("/api/v1/meta/objects/lead", json=document).status_code == 200
    admins.api.post("/api/v1/records/lead", json={"full_name": "Wang",
                                                  "company_name": "B" * 250})
    refused = admins.admin.post(f"/app/design/history/{target}/rollback")
    html = text(refused)
    assert refused.status_code == 422 and 'id="apply"' not in html
    assert 'data-field="lead.company_name"' in html
    assert 'name="convert-lead.company_name"' in html
    preview = admins.admin.post(f"/app/design/history/{target}/rollback",
                                {"convert-lead.company_name": "truncate"})
    assert preview.status_code == 200, text(preview)[:3000]
    assert re.search(r'data-action="change_constraints"', text(preview))
    done = admins.admin.post(f"/app/design/history/{target}/rollback", {
        "convert-lead.company_name": "truncate", "action": "apply"})
    assert done.status_code == 303
    names = sorted(len(r["company_name"]) for r in
                   admins.api.get("/api/v1/records/lead").get_json()["items"])
    assert names == [150, 160]
    assert before < target
