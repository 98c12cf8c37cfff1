"""A restricted actor holding no grants lists exactly what they did (issue 20).

When no live grant reaches the actor on an object, a list leaves the grants out of its
SQL (no grants arm, no per-row readability test). The rows must be the same as the
full statement gives, and the moment a grant reaches them, both come back: the granted
row joins their lists (also a cached, unfiltered page) and a ``company: none`` grant
makes its employee count filter and sort as empty.
"""

from __future__ import annotations

import json
from typing import Any

from tests.conftest import Api, TenantHandle
from tests.docs_objects import campaign, lead

LEADS = "/api/v1/records/lead"


def names(response: Any, ids: dict[str, str]) -> list[str]:
    assert response.status_code == 200, response.get_json()
    by_id = {v: k for k, v in ids.items()}
    return [by_id[item["id"]] for item in response.get_json()["items"]]


def test_a_rep_without_grants_lists_as_before_until_a_grant_reaches_them(
        api: Api, tenant: TenantHandle) -> None:
    api.define(campaign())
    api.define(lead())
    put = api.put("/api/v1/meta/roles/rep", json={
        "kind": "role", "api_name": "rep", "label": {"en": "rep"},
        "grants": {"lead": {"actions": ["create", "read", "edit"], "scope": "own",
                            "field_groups": {"contact": "edit", "company": "edit",
                                             "default": "read"}}}})
    assert put.status_code == 200, put.get_json()
    rep = Api(api.client, tenant.add_user("rep@example.com", roles=["rep"]))
    ids: dict[str, str] = {}
    for name, employees, creator in (("small", 100, rep), ("mine", 300, rep),
                                     ("empty", None, rep), ("foreign", 300, api),
                                     ("other", 700, api)):
        created = creator.post(LEADS, json={"full_name": name, "employees": employees})
        assert created.status_code == 201, created.get_json()
        ids[name] = created.get_json()["id"]

    def finds(op: str, value: Any = None, sort: str = "-created_at") -> list[str]:
        leaf = {"field": "employees", "op": op, **({} if value is None else {"value": value})}
        return names(rep.get(LEADS, query={"filter": json.dumps(leaf), "sort": sort}), ids)

    def listed() -> list[str]:  # no filter: the page statement cached for the actor
        return names(rep.get(LEADS, query={"sort": "-created_at"}), ids)

    # no grant: their own leads, every value readable
    assert listed() == ["empty", "mine", "small"]
    assert finds("eq", 300) == ["mine"]
    assert finds("is_empty") == ["empty"]
    assert finds("gt", 50, sort="-employees") == ["mine", "small"]
    assert names(rep.get(LEADS, query={"sort": "-employees"}), ids) == [
        "mine", "small", "empty"]

    # a grant hiding the company group on their own lead: its count tests as empty
    hiding = api.post(f"{LEADS}/{ids['mine']}/grants", json={
        "grantee": "user:rep@example.com",
        "field_groups": {"contact": "edit", "company": "none", "default": "read"}})
    assert hiding.status_code == 201, hiding.get_json()
    assert finds("eq", 300) == []
    assert finds("is_empty") == ["empty", "mine"]
    assert names(rep.get(LEADS, query={"sort": "-employees"}), ids) == [
        "small", "mine", "empty"]  # as if empty: among the NULLs, last

    # a grant on someone else's lead: it joins the lists, its count readable
    sharing = api.post(f"{LEADS}/{ids['foreign']}/grants", json={
        "grantee": "user:rep@example.com",
        "field_groups": {"contact": "read", "company": "read", "default": "read"}})
    assert sharing.status_code == 201, sharing.get_json()
    assert listed() == ["foreign", "empty", "mine", "small"]
    assert finds("eq", 300) == ["foreign"]
    assert finds("gt", 50, sort="-employees") == ["foreign", "small"]
