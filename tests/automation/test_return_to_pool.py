"""The ``return_to_pool`` workflow step: checked when the workflow is saved (a pool of
the workflow's object, a reason), and at run time the same owner change as a pool
reclaim: owner cleared, the record listed in the pool, the reason in its assignment
history, and the owner it was taken from told by email."""

from __future__ import annotations

from typing import Any

from tests.automation.conftest import Engine
from tests.automation.test_workflows import put_workflow
from tests.conftest import Api, TenantHandle, error_codes, error_paths
from tests.distribution.pool_support import pool
from tests.distribution.support import leads, new_lead, user_id


def back_to_pool(**step: Any) -> dict[str, Any]:
    return {"api_name": "send_back", "object": "lead", "trigger": {"on": "created"},
            "steps": [{"id": "back", "action": "return_to_pool", **step}]}


def test_return_to_pool_is_checked_when_the_workflow_is_saved(api: Api,
                                                              tenant: TenantHandle) -> None:
    leads(api, tenant)
    pool(api)
    unknown = put_workflow(api, back_to_pool(pool="nope", reason="idle"))
    assert unknown.status_code == 422, unknown.get_json()
    assert error_paths(unknown) == ["/steps/0/pool"]
    assert error_codes(unknown) == ["unknown_pool"]
    zh = api.put("/api/v1/meta/workflows/send_back", headers={"Accept-Language": "zh-CN"},
                 json={"kind": "workflow", "label": {"en": "x", "zh-CN": "x"},
                       **back_to_pool(pool="nope", reason="idle")})
    assert "公海" in zh.get_json()["errors"][0]["message"]
    missing = put_workflow(api, back_to_pool())
    assert missing.status_code == 422
    assert error_paths(missing) == ["/steps/0/pool", "/steps/0/reason"]
    assert error_codes(missing) == ["required", "required"]
    blank = put_workflow(api, back_to_pool(pool="sea", reason=""))
    assert blank.status_code == 422 and error_paths(blank) == ["/steps/0/reason"]
    # a pool of another object cannot take leads
    campaigns = {"object": "campaign", "label": {"en": "Campaigns", "zh-CN": "活动池"},
                 "members": {"roles": ["rep"]}}
    assert api.put("/api/v1/meta/pools/campaigns", json=campaigns).status_code == 200
    wrong = put_workflow(api, back_to_pool(pool="campaigns", reason="idle"))
    assert wrong.status_code == 422
    assert error_paths(wrong) == ["/steps/0/pool"]
    assert error_codes(wrong) == ["pool_wrong_object"]
    assert put_workflow(api, back_to_pool(pool="sea", reason="idle")).status_code == 200


def test_return_to_pool_takes_the_record_back_and_tells_its_owner(
        api: Api, tenant: TenantHandle, engine: Engine) -> None:
    reps = leads(api, tenant, "a@example.com")
    pool(api)
    saved = put_workflow(api, back_to_pool(pool="sea",
                                           reason="nobody called {{record.full_name}}"))
    assert saved.status_code == 200, saved.get_json()
    rep = reps["a@example.com"]
    record_id = new_lead(rep, full_name="Li Lei")
    engine.tick()
    assert api.get(f"/api/v1/records/lead/{record_id}").get_json()["owner"] is None
    listed = rep.get("/api/v1/pools/sea/records").get_json()["items"]
    assert [r["id"] for r in listed] == [record_id]
    [moved, *_] = api.get(f"/api/v1/records/lead/{record_id}/assignments").get_json()["items"]
    assert moved["old"] == user_id(api, "a@example.com") and moved["new"] is None
    assert moved["because"] == {"pool": "sea", "action": "workflow",
                                "reason": "nobody called Li Lei"}
    [told] = api.get("/api/v1/messages", query={"record": f"lead/{record_id}"}
                     ).get_json()["items"]
    assert told["to"] == "a@example.com" and "sea" in told["subject"]
    assert "nobody called Li Lei" in told["body"]
    # the rep may claim it back from the pool like any other pooled lead
    assert rep.post("/api/v1/pools/sea/claim", json={"ids": [record_id]}).status_code == 200
