"""Assignment on create: a rule with ``auto: true`` takes every new record of its object,
whatever path creates it, in the creating transaction; failures never fail the create."""

from __future__ import annotations

import uuid
from collections import Counter
from typing import Any

import pytest
import sqlalchemy as sa

from objectry.runtime.distribution import auto
from objectry.runtime.records.journal_tables import events
from tests.conftest import Api, TenantHandle, error_paths
from tests.distribution.pool_support import pool
from tests.distribution.test_assignment_rules import owners, put_rule, setup, shanghai_rule
from tests.distribution.test_owner_change import record_events


def auto_rule(**options: Any) -> dict[str, Any]:
    return {**shanghai_rule(), "auto": True, **options}


def test_api_create_answers_with_the_assigned_owner(api: Api, tenant: TenantHandle) -> None:
    setup(api, tenant)
    assert put_rule(api, auto_rule()).status_code == 200
    by_email = {u["email"]: u["id"] for u in api.get("/api/v1/users").get_json()["items"]}
    created = [api.post("/api/v1/records/lead", json={"full_name": "Li", "city": "shanghai"})
               for _ in range(3)]
    assert {c.status_code for c in created} == {201}
    answered = [c.get_json()["owner"] for c in created]
    # the 201 shows the owner the rule picked, in turn over the office
    assert sorted(answered) == sorted(by_email[e] for e in
                                      ("a@example.com", "b@example.com", "c@example.com"))
    stored = [api.get(f"/api/v1/records/lead/{c.get_json()['id']}").get_json()
              for c in created]
    assert [s["owner"] for s in stored] == answered
    assert [s["version"] for s in stored] == [c.get_json()["version"] for c in created]
    rid = created[0].get_json()["id"]
    history = api.get(f"/api/v1/records/lead/{rid}/assignments").get_json()["items"]
    assert [h["kind"] for h in history] == ["owner_changed"]
    assert history[0]["because"]["rule"] == "shanghai" and history[0]["because"]["auto"]
    # the catch-all entry takes the rest
    other = api.post("/api/v1/records/lead", json={"full_name": "Wu", "city": "beijing"})
    assert other.get_json()["owner"] == by_email["hq@example.com"]


def test_assigned_record_is_written_once_with_its_owner(api: Api,
                                                        tenant: TenantHandle) -> None:
    """The rule decides before the write: version 1, one audit entry that says who got
    the record and why, and its ``owner_changed`` event (single and bulk)."""
    setup(api, tenant)
    assert put_rule(api, auto_rule()).status_code == 200
    one = api.post("/api/v1/records/lead", json={"full_name": "Li", "city": "shanghai"})
    bulk = api.post("/api/v1/records/lead/bulk",
                    json={"records": [{"full_name": "Wu", "city": "shanghai"}]})
    assert one.status_code == 201 and bulk.status_code == 200
    for rid in (one.get_json()["id"], bulk.get_json()["items"][0]["id"]):
        stored = api.get(f"/api/v1/records/lead/{rid}").get_json()
        assert stored["version"] == 1
        audit = api.get(f"/api/v1/records/lead/{rid}/audit").get_json()["items"]
        assert [a["action"] for a in audit] == ["created"]
        owner = [c for c in audit[0]["changes"] if c["field"] == "owner"]
        assert owner[0]["new"] == stored["owner"]
        assert owner[0]["because"]["rule"] == "shanghai" and owner[0]["because"]["auto"]
        with tenant.context() as ctx:
            kinds = ctx.conn.execute(sa.select(events.c.type).where(
                events.c.record_id == uuid.UUID(rid)).order_by(events.c.id)).scalars().all()
        assert sorted(kinds) == ["record.created", "record.owner_changed"]  # no update
        changed = record_events(tenant, rid)[0]
        assert changed["version"] == 1 and changed["new"] == stored["owner"]
        assert changed["decision"]["rule"] == "shanghai"


def test_rule_without_auto_leaves_new_records_alone(api: Api, tenant: TenantHandle) -> None:
    setup(api, tenant)
    assert put_rule(api, shanghai_rule()).status_code == 200
    assert put_rule(api, auto_rule(active=False), name="off").status_code == 200
    created = api.post("/api/v1/records/lead", json={"full_name": "Li", "city": "shanghai"})
    assert created.get_json()["version"] == 1
    assert owners(api, [created.get_json()["id"]]) == [tenant.admin_email]


def test_bulk_create_assigns_in_turn(api: Api, tenant: TenantHandle) -> None:
    setup(api, tenant)
    assert put_rule(api, auto_rule()).status_code == 200
    body = {"records": [{"full_name": f"L{i}", "city": "shanghai"} for i in range(6)]
            + [{"full_name": "X", "city": "beijing"}, {"full_name": 5}], "mode": "per_row"}
    answer = api.post("/api/v1/records/lead/bulk", json=body)
    assert answer.status_code == 200, answer.get_json()
    items = answer.get_json()["items"]
    assert [i["status"] for i in items] == ["created"] * 7 + ["failed"]
    ids = [i["id"] for i in items[:7]]
    assert Counter(owners(api, ids[:6])) == {"a@example.com": 2, "b@example.com": 2,
                                             "c@example.com": 2}
    assert owners(api, ids[6:]) == ["hq@example.com"]
    # the bulk answer's versions are those stored
    assert [api.get(f"/api/v1/records/lead/{i}").get_json()["version"] for i in ids] == [
        i["version"] for i in items[:7]]
    # the turn continues where the batch left it
    one = api.post("/api/v1/records/lead", json={"full_name": "Li", "city": "shanghai"})
    assert owners(api, [one.get_json()["id"]]) == ["a@example.com"]


def test_nobody_eligible_goes_to_the_fallback_pool(api: Api, tenant: TenantHandle) -> None:
    setup(api, tenant)
    pool(api, "sea")
    rule = {"object": "lead", "auto": True, "fallback_pool": "sea",
            "entries": [{"to": [{"user": "a@example.com"}], "capacity": 0}]}
    assert put_rule(api, rule).status_code == 200
    created = api.post("/api/v1/records/lead", json={"full_name": "Li", "city": "shanghai"})
    assert created.status_code == 201
    assert created.get_json()["owner"] is None  # in the pool, belonging to nobody
    rid = created.get_json()["id"]
    failed = record_events(tenant, rid, "record.assignment_failed")
    assert failed[0]["reason"] == "no_eligible_recipient"
    assert failed[0]["fallback_pool"] == "sea"
    listed = api.get("/api/v1/pools/sea/records").get_json()["items"]
    assert rid in [r["id"] for r in listed]


def test_failure_never_fails_the_create(api: Api, tenant: TenantHandle,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    setup(api, tenant)
    assert put_rule(api, auto_rule()).status_code == 200

    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("deciding broke")

    # deciding runs before the write (the owner written with the record) and again
    # after it when that failed: broken both times, the record keeps its creator
    monkeypatch.setattr(auto, "_decision", broken)
    created = api.post("/api/v1/records/lead", json={"full_name": "Li", "city": "shanghai"})
    assert created.status_code == 201
    rid = created.get_json()["id"]
    assert owners(api, [rid]) == [tenant.admin_email]
    assert record_events(tenant, rid, "record.assignment_failed")[0]["reason"] == "error"
    assert record_events(tenant, rid) == []  # no owner change half made
    bulk = api.post("/api/v1/records/lead/bulk",
                    json={"records": [{"full_name": "A", "city": "shanghai"},
                                      {"full_name": "B", "city": "beijing"}]})
    assert bulk.status_code == 200 and bulk.get_json()["created"] == 2
    for item in bulk.get_json()["items"]:
        assert item["version"] == 1
        assert record_events(tenant, item["id"], "record.assignment_failed")


def test_precedence_between_auto_rules(api: Api, tenant: TenantHandle) -> None:
    setup(api, tenant)
    only_shanghai = {"object": "lead", "auto": True, "precedence": 1, "entries": [
        {"condition": {"field": "city", "op": "eq", "value": "shanghai"},
         "to": [{"user": "c@example.com"}], "method": "fixed"}]}
    assert put_rule(api, only_shanghai, name="zz_first").status_code == 200
    assert put_rule(api, auto_rule(), name="aa_second").status_code == 200
    first = api.post("/api/v1/records/lead", json={"full_name": "Li", "city": "shanghai"})
    second = api.post("/api/v1/records/lead", json={"full_name": "Wu", "city": "beijing"})
    assert owners(api, [first.get_json()["id"], second.get_json()["id"]]) == [
        "c@example.com", "hq@example.com"]


def test_auto_and_precedence_are_checked(api: Api, tenant: TenantHandle) -> None:
    setup(api, tenant)
    bad = put_rule(api, auto_rule(auto="yes", precedence=-1))
    assert bad.status_code == 422
    assert sorted(error_paths(bad)) == ["/auto", "/precedence"]
