"""Applying a rule to many records in one call does what applying it to each record in
its own call does: the same owners, grants, answers, assignment histories and events
(round robin with a cap, least loaded with caps over records some recipients own
already, levels, a fallback pool, a record named twice)."""

from __future__ import annotations

import json
import uuid
from typing import Any

import sqlalchemy as sa

from objectry.permissions.grant_tables import record_grants
from objectry.runtime.records.journal_tables import events
from tests.conftest import Api, TenantHandle, problem
from tests.distribution.pool_support import pool
from tests.distribution.support import leads, new_lead, office

RULE = {"object": "lead", "label": {"en": "Mixed"}, "fallback_pool": "sea", "entries": [
    {"condition": {"field": "city", "op": "eq", "value": "shanghai"},
     "to": [{"department": "shanghai_office"}], "capacity": 1},
    {"condition": {"field": "city", "op": "in", "value": ["beijing"]},
     "to": [{"user": "d@example.com"}, {"user": "e@example.com"}],
     "method": "least_loaded", "capacity": 2},
    {"condition": {"field": "company_name", "op": "eq", "value": "Levels"},
     "to": [{"user": "f@example.com"}], "levels": {"contact": "read", "company": "none"}},
    {"condition": {"field": "employees", "op": "in", "value": [13]},
     "to": [{"user": "a@example.com"}], "capacity": 0},
    {"condition": {"field": "employees", "op": "ne", "value": 13},
     "to": [{"user": "hq@example.com"}], "method": "fixed"}]}

LEADS: list[dict[str, Any]] = [
    *({"city": "shanghai"} for _ in range(4)),
    {"city": "beijing", "owner": "d@example.com"}, {"city": "beijing", "owner": "d@example.com"},
    *({"city": "beijing"} for _ in range(3)),
    {"company_name": "Levels"}, {"employees": 13}, {"employees": 2}]


def setup(api: Api, tenant: TenantHandle) -> list[str]:
    """The same users, departments, pool, rule and leads in a tenant: the lead ids."""
    office(api, "shanghai_office")
    office(api, "pudong", parent="shanghai_office")
    leads(api, tenant, "hq@example.com", "d@example.com", "e@example.com", "f@example.com")
    for email, department in (("a@example.com", "shanghai_office"),
                              ("b@example.com", "shanghai_office"),
                              ("c@example.com", "pudong")):
        tenant.add_user(email, roles=["rep"], department=department)
    pool(api, "sea")
    saved = api.put("/api/v1/meta/assignment_rules/mixed", json=RULE)
    assert saved.status_code == 200, saved.get_json()
    ids = []
    for values in LEADS:
        rid = new_lead(api, **{k: v for k, v in values.items() if k != "owner"})
        if "owner" in values:
            moved = api.post(f"/api/v1/records/lead/{rid}/owner",
                             json={"owner": f"user:{values['owner']}"})
            assert moved.status_code == 200, moved.get_json()
        ids.append(rid)
    return [*ids, ids[0]]  # the first named again: decided after its first move


def outcome(api: Api, tenant: TenantHandle, ids: list[str],
            answers: list[dict[str, Any]]) -> dict[str, Any]:
    """What applying left, ids and grant ids named by position and users by email."""
    names = {u["id"]: u["email"] for u in api.get("/api/v1/users").get_json()["items"]}
    names.update({rid: f"record{i}" for i, rid in enumerate(ids)})
    with tenant.context() as ctx:
        grants = ctx.conn.execute(sa.select(record_grants).where(
            record_grants.c.tenant_id == ctx.tenant.id)).mappings().all()
        found = ctx.conn.execute(sa.select(events.c.record_id, events.c.type, events.c.data)
                                 .where(events.c.tenant_id == ctx.tenant.id,
                                        events.c.type != "record.created")).all()
    names.update({str(g["id"]): "grant" for g in grants})
    names[tenant.admin_email] = "admin"

    def named(value: Any) -> Any:
        text = json.dumps(value, sort_keys=True, default=str)
        for raw, name in names.items():
            text = text.replace(raw, name)
        return json.loads(text)

    first = ids[:-1]
    return named({
        "answers": answers,
        "records": [{k: v for k, v in api.get(f"/api/v1/records/lead/{i}").get_json().items()
                     if k in ("owner", "version")} for i in first],
        "histories": [api.get(f"/api/v1/records/lead/{i}/assignments").get_json()["items"]
                      for i in first],
        "grants": sorted(json.dumps([str(g["record_id"]), g["grantee"], g["field_groups"],
                                     g["via"], g["revoked_at"] is None], default=str)
                         for g in grants),
        "events": sorted(json.dumps([str(e.record_id), e.type, e.data], sort_keys=True,
                                    default=str) for e in found),
        "pooled": api.get("/api/v1/pools/sea/records").get_json()["items"].__len__(),
    })


def without_times(value: Any) -> Any:
    """The outcome without instants (the two tenants ran at different times)."""
    if isinstance(value, dict):
        return {k: without_times(v) for k, v in value.items()
                if k not in ("at", "occurred_at", "updated_at")}
    if isinstance(value, list):
        return [without_times(v) for v in value]
    return value


def test_applying_to_many_is_applying_to_each(api: Api, tenant: TenantHandle,
                                              other_api: Api,
                                              other_tenant: TenantHandle) -> None:
    together = setup(api, tenant)
    alone = setup(other_api, other_tenant)
    run = api.post("/api/v1/assignment_rules/mixed/apply", json={"ids": together})
    assert run.status_code == 200, run.get_json()
    answers = []
    for rid in alone:
        one = other_api.post("/api/v1/assignment_rules/mixed/apply", json={"ids": [rid]})
        assert one.status_code == 200, one.get_json()
        answers += one.get_json()["items"]
    assert run.get_json()["assigned"] == 12 and run.get_json()["failed"] == 1
    batch = without_times(outcome(api, tenant, together, run.get_json()["items"]))
    each = without_times(outcome(other_api, other_tenant, alone, answers))
    assert batch["answers"] == each["answers"]
    assert batch["records"] == each["records"]
    assert batch["histories"] == each["histories"]
    assert batch["grants"] == each["grants"]
    assert batch["events"] == each["events"]
    assert batch["pooled"] == each["pooled"] == 1
    owners = [r["owner"] for r in batch["records"]]
    # round robin over the office up to one lead each, then the catch-all (the first
    # lead, named again, finds everyone full, its owner a counting it); least loaded
    # with caps of 2 counted with the leads d owned before
    assert owners[:4] == ["hq@example.com", "b@example.com", "c@example.com",
                          "hq@example.com"]
    assert owners[4:9] == ["e@example.com", "d@example.com", "d@example.com",
                           "e@example.com", "hq@example.com"]


def test_a_refusal_points_at_the_first_culprit_and_changes_nothing(
        api: Api, tenant: TenantHandle) -> None:
    ids = setup(api, tenant)
    answer = problem(api.post("/api/v1/assignment_rules/mixed/apply",
                              json={"ids": [ids[0], str(uuid.uuid4()), "nope"]}), 404)
    assert [e["path"] for e in answer["errors"]] == ["/ids/1"]
    assert api.get(f"/api/v1/records/lead/{ids[0]}").get_json()["version"] == 1
