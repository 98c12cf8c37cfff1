"""Automatic reclaim (seed 000/002/003's 30-day rule) on a moved clock: the holder is
warned first, activity extends the protection period, the sweep reclaims exactly once
(also after downtime) and revokes the grants."""

from __future__ import annotations

import uuid

import sqlalchemy as sa

from objectry.runtime.records.journal_tables import events
from tests.conftest import Api, TenantHandle
from tests.distribution.conftest import Sweeper
from tests.distribution.pool_support import pooled
from tests.distribution.support import user_id
from tests.docs_objects import task

THIRTY_DAYS = {"inactive_days": 30, "warn_days": 3,
               "activity": {"objects": ["task"], "fields": ["status"]}}


def owner_changes(tenant: TenantHandle, record_id: str) -> int:
    with tenant.context() as ctx:
        return int(ctx.conn.execute(sa.select(sa.func.count()).select_from(events).where(
            events.c.tenant_id == ctx.tenant.id, events.c.record_id == uuid.UUID(record_id),
            events.c.type == "record.owner_changed")).scalar_one())


def owner(api: Api, rid: str) -> str | None:
    value = api.get(f"/api/v1/records/lead/{rid}").get_json()["owner"]
    return None if value is None else str(value)


def test_thirty_day_reclaim_with_warning_and_extension(api: Api, tenant: TenantHandle,
                                                       sweeper: Sweeper) -> None:
    reps, (rid,) = pooled(api, tenant, objects=[task()], reclaim=THIRTY_DAYS)
    a = reps["a@example.com"]
    claimed = a.post("/api/v1/pools/sea/claim", json={"ids": [rid]})
    assert claimed.status_code == 200, claimed.get_json()
    assert claimed.get_json()["items"][0]["due_at"] is not None
    granted = a.post(f"/api/v1/records/lead/{rid}/grants", json={
        "grantee": "user:b@example.com", "field_groups": {"contact": "read"}})
    assert granted.status_code == 201
    sweeper.later(days=26)
    assert api.get(f"/api/v1/messages?record=lead/{rid}").get_json()["items"] == []
    sweeper.later(days=1, hours=1)  # 3 days before the deadline: the warning
    warned = api.get(f"/api/v1/messages?record=lead/{rid}").get_json()["items"]
    assert len(warned) == 1 and warned[0]["to"] == "a@example.com"
    assert warned[0]["channel"] == "email" and "sea" in warned[0]["subject"]
    sweeper.later(hours=1)
    assert len(api.get(f"/api/v1/messages?record=lead/{rid}").get_json()["items"]) == 1
    # activity: a task on the lead restarts the 30 days
    made = api.post("/api/v1/records/task", json={"subject": "call back", "lead": rid})
    assert made.status_code == 201, made.get_json()
    sweeper.later(days=5)  # past the first deadline
    assert owner(api, rid) == user_id(api, "a@example.com")
    sweeper.later(days=23)  # 28 days after the task: warned again
    assert len(api.get(f"/api/v1/messages?record=lead/{rid}").get_json()["items"]) == 2
    assert owner(api, rid) == user_id(api, "a@example.com")
    sweeper.later(days=2, hours=1)  # 30 days after the task: reclaimed
    assert owner(api, rid) is None
    assert b_sees_nothing(reps["b@example.com"], rid)
    changes = owner_changes(tenant, rid)
    sweeper.later(days=1)
    assert owner_changes(tenant, rid) == changes  # exactly once
    history = api.get(f"/api/v1/records/lead/{rid}/assignments").get_json()["items"]
    assert history[0]["because"] == {"pool": "sea", "action": "auto", "reason": "inactive"}
    assert len(a.get("/api/v1/pools/sea/records").get_json()["items"]) == 1


def b_sees_nothing(b: Api, rid: str) -> bool:
    return b.get(f"/api/v1/records/lead/{rid}").status_code in (403, 404)


def test_catch_up_after_downtime_and_status_reached(api: Api, tenant: TenantHandle,
                                                    sweeper: Sweeper) -> None:
    rule = {"status": {"field": "status", "values": ["mql"], "days": 14}}
    reps, ids = pooled(api, tenant, 2, reclaim=rule)
    a = reps["a@example.com"]
    assert a.post("/api/v1/pools/sea/claim", json={"ids": ids}).status_code == 200
    reached = a.patch(f"/api/v1/records/lead/{ids[1]}", json={"status": "mql"},
                      headers={"If-Match": '"3"'})
    assert reached.status_code == 200, reached.get_json()
    sweeper.later(days=100)  # no sweep for 100 days: the first one catches up
    assert owner(api, ids[0]) is None
    assert owner(api, ids[1]) == user_id(api, "a@example.com")
    assert owner_changes(tenant, ids[0]) == 3  # added, claimed, reclaimed
