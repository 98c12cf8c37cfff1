"""A pool's masked fields hold on every path of the records service, not only in the
pool's own list: a member whose role reads every lead sees them masked (record, list,
query, export, audit, sort, aggregate) and cannot find them by a filter until a
claim; pool admins (and tenant admins) always see them."""

from __future__ import annotations

import csv
import io
import json
from typing import Any

from tests.conftest import Api, TenantHandle
from tests.distribution.pool_support import pool
from tests.distribution.support import leads, new_lead

LEADS = "/api/v1/records/lead"
READER = {"kind": "role", "api_name": "reader", "label": {"en": "Reader"},
          "grants": {"lead": {"actions": ["read", "export"], "scope": "all"}}}
SECRET = "lead0@example.com"


def _setup(api: Api, tenant: TenantHandle, **pool_options: Any) -> tuple[Api, Api, str, str]:
    """A pool member reading every lead, a pool admin (by role), a pooled lead and an
    unpooled one."""
    leads(api, tenant, "a@example.com")
    assert api.put("/api/v1/meta/roles/reader", json=READER).status_code == 200
    boss_role = {**READER, "api_name": "pool_boss", "label": {"en": "Boss"}}
    assert api.put("/api/v1/meta/roles/pool_boss", json=boss_role).status_code == 200
    pool(api, admins={"roles": ["pool_boss"]}, **pool_options)
    rid = new_lead(api, email=SECRET, company_name="ACME 0")
    added = api.post("/api/v1/pools/sea/records", json={"ids": [rid]})
    assert added.status_code == 200, added.get_json()
    member = Api(api.client, tenant.add_user("m@example.com", roles=["rep", "reader"]))
    boss = Api(api.client, tenant.add_user("boss@example.com", roles=["rep", "pool_boss"]))
    free = new_lead(api, email="free@example.com", company_name="Free Co")
    return member, boss, rid, free


def _query(who: Api, leaf: dict[str, Any], **extra: Any) -> list[str]:
    found = who.post(f"{LEADS}/query", json={"filter": leaf, **extra})
    assert found.status_code == 200, found.get_json()
    return [item["id"] for item in found.get_json()["items"]]


def test_member_sees_pool_fields_masked_everywhere_until_claim(
        api: Api, tenant: TenantHandle) -> None:
    member, _, rid, free = _setup(api, tenant)
    one = member.get(f"{LEADS}/{rid}")
    assert one.status_code == 200, one.get_json()
    record = one.get_json()
    assert record["email"] not in (None, SECRET) and "ACME 0" not in str(record)
    assert record["full_name"] == "Zhang"  # not a pool field: as the role shows it
    listed = {i["id"]: i for i in member.get(LEADS).get_json()["items"]}
    assert SECRET not in str(listed[rid]) and "ACME 0" not in str(listed[rid])
    assert listed[free]["email"] == "free@example.com"  # not pooled: normal rules
    # a filter cannot find the value: on a pooled row the field tests as empty
    assert _query(member, {"field": "email", "op": "eq", "value": SECRET}) == []
    assert _query(member, {"field": "email", "op": "contains", "value": "lead0"}) == []
    assert _query(member, {"field": "company_name", "op": "starts_with",
                           "value": "ACME"}) == []
    assert _query(member, {"field": "email", "op": "eq",
                           "value": "free@example.com"}) == [free]
    leaf = json.dumps({"field": "email", "op": "eq", "value": SECRET})
    assert member.get(LEADS, query={"filter": leaf}).get_json()["items"] == []
    exported = member.get(f"{LEADS}/export")
    assert exported.status_code == 200
    text = exported.get_data(as_text=True)
    assert SECRET not in text and "ACME 0" not in text and "free@example.com" in text
    filtered = member.get(f"{LEADS}/export", query={"filter": leaf})
    assert list(csv.DictReader(io.StringIO(filtered.get_data(as_text=True)))) == []
    audit = member.get(f"{LEADS}/{rid}/audit")
    assert audit.status_code == 200 and SECRET not in str(audit.get_json())
    # once claimed, the normal rules apply
    claimed = member.post("/api/v1/pools/sea/claim", json={"ids": [rid]})
    assert claimed.status_code == 200, claimed.get_json()
    assert member.get(f"{LEADS}/{rid}").get_json()["email"] == SECRET
    assert _query(member, {"field": "email", "op": "eq", "value": SECRET}) == [rid]
    assert SECRET in member.get(f"{LEADS}/export").get_data(as_text=True)


def test_pool_admins_and_tenant_admins_see_pool_fields(api: Api,
                                                       tenant: TenantHandle) -> None:
    _, boss, rid, _ = _setup(api, tenant)
    for who in (boss, api):
        assert who.get(f"{LEADS}/{rid}").get_json()["email"] == SECRET
        assert _query(who, {"field": "email", "op": "eq", "value": SECRET}) == [rid]
        assert SECRET in who.get(f"{LEADS}/export").get_data(as_text=True)


def test_sort_and_aggregate_do_not_reveal_pool_fields(api: Api,
                                                      tenant: TenantHandle) -> None:
    member, _, rid, _ = _setup(api, tenant)
    new_lead(api, email="z@last.example", company_name="ZZZ")
    # by its value the pooled row would sort between the others; as empty it sorts at
    # one end (where NULLs go), both ways
    for sort in ("email", "-email"):
        order = _query(member, {"field": "full_name", "op": "eq", "value": "Zhang"},
                       sort=sort)
        assert len(order) == 3 and order.index(rid) in (0, 2), (sort, order)
        assert _query(api, {"field": "full_name", "op": "eq", "value": "Zhang"},
                      sort=sort).index(rid) == 1  # the admin sorts by the value
    counted = member.post(f"{LEADS}/aggregate", json={
        "group_by": ["company_name"], "measures": [{"op": "count"}]})
    assert counted.status_code == 200, counted.get_json()
    assert "ACME 0" not in str(counted.get_json())
