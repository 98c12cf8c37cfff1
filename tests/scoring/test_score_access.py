"""A score breakdown tells a reader of the record no more than the record does.

The model (seed 000's b2b_lead_score) scores employees (a company field), a function
over the whole lead and activities. One reader's role hides the company group, masks
the mobile and shows only the activities they logged; the other reads everything from
their role, but a distribution grant hides the company group on one lead. The score is
the same for everyone; the criterion on employees is shown without its condition, the
function's points only to whoever sees the whole lead, and activities are counted over
those the reader may see. An administrator sees the whole breakdown.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from tests.conftest import Api, TenantHandle
from tests.scoring.support import log_activity, new_lead, put, setup_scoring


def lead_role(name: str, actions: list[str], company: str,
              activity_scope: str) -> dict[str, Any]:
    return {"kind": "role", "api_name": name, "label": {"en": name},
            "grants": {"lead": {"actions": actions, "scope": "all", "field_groups": {
                "contact": "read", "company": company, "default": "read"}},
                "activity": {"actions": ["read", "create"], "scope": activity_scope,
                             "field_groups": {"default": "edit"}}}}


def breakdown(user: Api, lead_id: str) -> dict[str, Any]:
    response = user.get(f"/api/v1/records/lead/{lead_id}/score",
                        query={"model": "b2b_lead_score"})
    assert response.status_code == 200, response.get_json()
    return dict(response.get_json())


WITHHELD_CRITERIA = {"index": 0, "kind": "criteria", "weight": 30, "withheld": True}
WITHHELD_FUNCTION = {"index": 1, "kind": "function", "weight": 40, "withheld": True}


def test_breakdown_shows_a_reader_only_what_they_may_see(api: Api,
                                                         tenant: TenantHandle) -> None:
    setup_scoring(api)
    put(api, "roles", lead_role("company_blind", ["read"], "none", "own"))
    put(api, "roles", lead_role("reader", ["read", "view_sensitive"], "read", "all"))
    put(api, "access_policies", {"kind": "access_policy", "api_name": "lead",
                                 "object": "lead", "conflict_strategy": "distribution_wins"})
    by_role = Api(api.client, tenant.add_user("blind@example.com", roles=["company_blind"]))
    by_grant = Api(api.client, tenant.add_user("reader@example.com", roles=["reader"]))
    values = {"employees": 600, "need": "CRM automation", "mobile": "13812341234"}
    granted_lead, plain_lead = new_lead(api, **values)["id"], new_lead(api, **values)["id"]
    granted = api.post(f"/api/v1/records/lead/{granted_lead}/grants", json={
        "grantee": "user:reader@example.com",
        "field_groups": {"contact": "read", "company": "none", "default": "read"}})
    assert granted.status_code == 201, granted.get_json()
    now = dt.datetime.now(dt.UTC)
    for lead_id in (granted_lead, plain_lead):
        log_activity(by_role, lead_id, "whitepaper_download", now)
        log_activity(api, lead_id, "pricing_page_view", now)
        log_activity(api, lead_id, "webinar_attended", now)

    everything = breakdown(api, granted_lead)
    assert everything["score"] == 73  # 30 + 16 + 27
    criteria, function, activities = everything["dimensions"]
    assert criteria["matched"] == 0 and criteria["points"] == 100
    assert function["points"] == 40
    assert activities["counts"] == {"pricing_page_view": 1, "webinar_attended": 1,
                                    "whitepaper_download": 1}
    assert activities["points"] == 90

    seen = breakdown(by_role, granted_lead)
    text = json.dumps(seen)
    assert "matched" not in text and "pricing_page_view" not in text
    assert "webinar_attended" not in text
    assert seen["score"] == 73 and seen["threshold"] == 60  # the score is readable
    criteria, function, activities = seen["dimensions"]
    assert criteria == WITHHELD_CRITERIA
    assert function == WITHHELD_FUNCTION  # the mobile is masked for them
    assert activities["counts"] == {"whitepaper_download": 1}
    assert activities["points"] == 20 and activities["weighted"] == 6

    seen = breakdown(by_grant, granted_lead)  # company hidden on this lead only
    assert "matched" not in json.dumps(seen)
    criteria, function, activities = seen["dimensions"]
    assert (criteria, function) == (WITHHELD_CRITERIA, WITHHELD_FUNCTION)
    assert activities == everything["dimensions"][2]  # they see every activity
    assert seen["score"] == 73

    assert breakdown(by_grant, plain_lead)["dimensions"] == \
        breakdown(api, plain_lead)["dimensions"]
