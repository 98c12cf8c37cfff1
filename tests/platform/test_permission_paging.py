"""Cursor pages of a permissioned list are exact: no row twice, none missed.

A list's visibility is answered as one top-n per alternative (each owner or the team,
a condition scope, the grants) merged into one page, so every page must still be the
next rows of the whole visible set in the requested order, under cursors, sorts with
ties and NULLs, filters and deleted rows, whichever shape the owners take.
"""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa

from objectry.platform import tenancy
from objectry.runtime.access.guard import Guard
from objectry.runtime.access.people import actor_for
from objectry.runtime.model.compiled import get_model
from tests.conftest import Api, TenantHandle
from tests.docs_objects import campaign, lead

ROWS = 240
CITIES = ("shanghai", "beijing", None)
#: owner -> department; rep's team is the "east" subtree (east, shanghai).
PEOPLE = {"rep": "east", "mate": "east", "junior": "shanghai", "boss": "sales",
          "outsider": "support"}
GRANTEES = ("user:rep@example.com", "department:east", "department:sales",
            "department:shanghai", "user:mate@example.com")  # the last two miss rep


def put(api: Api, path: str, body: dict[str, Any]) -> None:
    response = api.put(path, json=body)
    assert response.status_code == 200, response.get_json()


def role(api: Api, name: str, actions: list[str], scope: Any) -> None:
    put(api, f"/api/v1/meta/roles/{name}", {
        "kind": "role", "api_name": name, "label": {"en": name},
        "grants": {"lead": {"actions": actions, "scope": scope,
                            "field_groups": dict.fromkeys(("contact", "company",
                                                           "default"), "edit")}}})


def build(api: Api, tenant: TenantHandle, idle_users: int) -> tuple[Api, dict[str, Any]]:
    """Rows owned across rep, their team and others; grants to rep, to departments
    above and below them, one revoked; a few deleted. Returns rep and the truth."""
    api.define(campaign())
    api.define(lead())
    for name, parent in (("sales", None), ("east", "sales"), ("shanghai", "east"),
                         ("support", None)):
        put(api, f"/api/v1/departments/{name}", {"label": {"en": name}, "parent": parent})
    role(api, "writer", ["read", "create"], "own")
    role(api, "team_reader", ["read", "create"], "team")
    role(api, "shanghai_reader", ["read"], {"field": "city", "op": "eq", "value": "shanghai"})
    users = {name: Api(api.client, tenant.add_user(
        f"{name}@example.com", department=department,
        roles=["team_reader", "shanghai_reader"] if name == "rep" else ["writer"]))
        for name, department in PEOPLE.items()}
    for i in range(idle_users):  # more users: the team's owners get one query each
        tenant.add_user(f"idle{i}@example.com", department="support", roles=["writer"])
    owners = list(PEOPLE)
    rows: dict[str, dict[str, Any]] = {}
    for i in range(ROWS):
        owner = owners[(i * 7) % len(owners)]
        city = CITIES[(i // 3) % len(CITIES)]
        body = {"full_name": f"L{i:03d}", "employees": None if i % 5 == 0 else i % 4,
                **({"city": city} if city else {})}
        created = users[owner].post("/api/v1/records/lead", json=body)
        assert created.status_code == 201, created.get_json()
        rid = created.get_json()["id"]
        rows[rid] = {"id": rid, "owner": owner, "city": city,
                     "employees": body["employees"], "full_name": body["full_name"]}
    ids = list(rows)
    granted: set[str] = set()
    for n, rid in enumerate(ids[::6]):
        grantee = GRANTEES[n % len(GRANTEES)]
        response = api.post(f"/api/v1/records/lead/{rid}/grants",
                            json={"grantee": grantee, "field_groups": {"contact": "read"}})
        assert response.status_code == 201, response.get_json()
        if n % 11 == 0:  # revoked: no longer shared
            grant = response.get_json()["id"]
            assert api.delete(f"/api/v1/records/lead/{rid}/grants/{grant}").status_code == 204
        elif grantee.startswith(("user:rep", "department:east", "department:sales")):
            granted.add(rid)
    deleted = set(ids[1::17])
    for rid in deleted:
        assert api.delete(f"/api/v1/records/lead/{rid}").status_code == 204
    visible = {rid for rid, row in rows.items() if rid not in deleted and (
        row["owner"] in ("rep", "mate", "junior") or row["city"] == "shanghai"
        or rid in granted)}
    assert granted - visible - deleted == set()
    return users["rep"], {"rows": rows, "visible": visible, "granted": granted}


def page_through(user: Api, body: dict[str, Any]) -> list[dict[str, Any]]:
    seen: list[dict[str, Any]] = []
    cursor = None
    for _ in range(ROWS + 1):  # a cursor that does not advance fails instead of looping
        response = user.post("/api/v1/records/lead/query",
                             json={**body, **({"cursor": cursor} if cursor else {})})
        assert response.status_code == 200, response.get_json()
        page = response.get_json()
        seen += page["items"]
        cursor = page["next_cursor"]
        if cursor is None:
            return seen
    raise AssertionError(f"more pages than rows: {body}")


def sort_key(spec: str, item: dict[str, Any]) -> tuple[Any, ...]:
    """The order of ``sort`` (NULLs last either way, ``id`` breaks ties) over the values
    the rep sees: a row shared with read on one group only shows the rep no city, and
    sorts as if it had none (issue 12: a sort must not reveal a hidden value)."""
    key: list[Any] = []
    for part in [*spec.split(","), "id"] if spec else ["-id"]:
        name = part.lstrip("-")
        value = item.get(name)
        if part.startswith("-") and value is not None:
            value = Desc(value)
        key += [value is None, value]
    return tuple(key)


class Desc:
    """A value that sorts in reverse (for descending keys of mixed types)."""

    def __init__(self, value: Any) -> None:
        self.value = value

    def __lt__(self, other: Desc) -> bool:
        return other.value < self.value

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Desc) and other.value == self.value

    __hash__ = None  # type: ignore[assignment]


@pytest.mark.parametrize("idle_users", [0, 12], ids=["team-in-list", "owner-by-owner"])
def test_pages_of_a_permissioned_list_are_exact(api: Api, tenant: TenantHandle,
                                                idle_users: int) -> None:
    rep, truth = build(api, tenant, idle_users)
    visible, rows, granted = truth["visible"], truth["rows"], truth["granted"]
    cases = [({"limit": 7}, None),
             ({"limit": 13, "sort": "city,-employees"}, None),
             ({"limit": 9, "sort": "-employees,full_name"}, None),
             ({"limit": 5, "sort": "-full_name",
               "filter": {"field": "employees", "op": "gte", "value": 2}},
              lambda row: row["employees"] is not None and row["employees"] >= 2
              and row["id"] not in granted)]  # hidden there: filters as empty
    for body, keep in cases:
        seen = page_through(rep, body)
        ids = [item["id"] for item in seen]
        expected = {rid for rid in visible if keep is None or keep(rows[rid])}
        assert len(ids) == len(set(ids)), body  # no row on two pages
        assert set(ids) == expected, body  # none missed, none extra
        spec = body.get("sort", "")
        shown = {item["id"]: item for item in seen}
        assert ids == sorted(ids, key=lambda rid: sort_key(spec, shown[rid])), body


def test_single_condition_matches_the_paged_shape(api: Api, tenant: TenantHandle) -> None:
    """The one-condition form (single rows, related filters) selects the same rows."""
    _rep, truth = build(api, tenant, 12)
    with tenant.services.connection(read_only=True) as conn:
        actor = actor_for(conn, tenancy.find_tenant(conn, tenant.slug).id,
                          email="rep@example.com")
    assert actor is not None
    with tenant.context(actor=actor, read_only=True) as ctx:
        guard = Guard(ctx, get_model(ctx, "lead"))
        table = guard.model.table
        clause = guard.visible()
        assert clause is not None
        single = {str(rid) for rid in ctx.conn.execute(sa.select(table.c.id).where(
            table.c.deleted_at.is_(None), clause)).scalars()}
    assert single == truth["visible"]
