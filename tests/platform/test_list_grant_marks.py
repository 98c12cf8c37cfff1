"""A listed row shows its grants whichever way the list reached it.

A restricted page looks a row's grants up only where the row is distributed to the
user (on PostgreSQL: rows the grants' part of the page brought); a row the user's own
scope shows and that is also distributed to them must still show what its grants give
or take away, on every page size and cursor, exactly as the record's own page does. A
field hidden by the role stays hidden and a masked one masked on rows without grants.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import Api, TenantHandle
from tests.docs_objects import campaign, lead
from tests.platform.lead_grants import grant, own_scope_rep, put


def listed(api: Api, limit: int) -> list[dict[str, Any]]:
    """Every row of the user's list, page by page."""
    return [item for page in pages(api, limit, None) for item in page]


@pytest.fixture
def office(api: Api, tenant: TenantHandle) -> dict[str, Any]:
    """A rep (own scope: contact edit, company read, default none, mobile masked) with
    rows of their own, some also distributed to them, and others' rows distributed."""
    api.define(campaign())
    api.define(lead())
    put(api, "/api/v1/departments/east", {"label": {"en": "east"}})
    put(api, "/api/v1/meta/access_policies/lead",  # a grant gives as well as takes
        {"kind": "access_policy", "object": "lead", "conflict_strategy": "distribution_wins"})
    rep = own_scope_rep(api, tenant, default="none")
    rows: dict[str, str] = {}
    for i in range(9):  # newest last: the list shows them the other way round
        name = f"others_{i}" if i % 3 == 0 else f"mine_{i}"
        creator = api if name.startswith("others") else rep
        created = creator.post("/api/v1/records/lead", json={
            "full_name": name, "mobile": f"1380013800{i}"})
        assert created.status_code == 201, created.get_json()
        rows[name] = created.get_json()["id"]
        assert api.patch(f"/api/v1/records/lead/{rows[name]}",
                         json={"company_name": f"C{i}"}).status_code == 200
    assert api.patch(f"/api/v1/records/lead/{rows['others_6']}",
                     json={"budget": 6}).status_code == 200
    # own and distributed: the grant shows the default group, takes company away
    grant(api, rows["mine_1"], "user:rep@example.com", {"contact": "edit", "default": "read",
                                                          "company": "none"})
    grant(api, rows["mine_7"], "department:east", {"contact": "edit", "default": "read",
                                                   "company": "none"})
    # reached only by the grant
    grant(api, rows["others_3"], "user:rep@example.com",
          {"contact": "edit", "company": "read", "default": "read"})
    grant(api, rows["others_6"], "department:east",
          {"contact": "edit", "company": "read", "default": "read"})
    # reached by two grants (the user's and their department's): both count
    grant(api, rows["others_3"], "department:east",
          {"contact": "read", "company": "edit", "default": "none"})
    return {"rep": rep, "rows": rows}


@pytest.mark.parametrize("limit", [1, 2, 3, 50])
def test_rows_own_and_distributed_show_their_grants(office: dict[str, Any],
                                                     limit: int) -> None:
    rep, rows = office["rep"], office["rows"]
    items = listed(rep, limit)
    by_name = {item["full_name"]: item for item in items}
    assert sorted(by_name) == sorted(["mine_1", "mine_2", "mine_4", "mine_5", "mine_7",
                                      "mine_8", "others_3", "others_6"])
    for item in items:  # each row as its own page shows it
        record = rep.get(f"/api/v1/records/lead/{item['id']}")
        assert record.status_code == 200, record.get_json()
        assert item == record.get_json()
    for name in ("mine_1", "mine_7"):  # own rows whose grants change what shows
        assert "company_name" not in by_name[name]
        assert "budget" in by_name[name]
    assert by_name["others_6"]["budget"] == 6  # the grant shows the default group
    for name in ("mine_2", "mine_4", "mine_5", "mine_8"):  # no grant: the role alone
        assert by_name[name]["company_name"] == f"C{name[-1]}"
        assert "budget" not in by_name[name]
        assert "*" in by_name[name]["mobile"]
    assert rows["others_0"] not in [item["id"] for item in items]


def pages(api: Api, limit: int, filter: dict[str, Any] | None) -> list[list[dict[str, Any]]]:
    """The user's list page by page, through the query endpoint when filtered."""
    found: list[list[dict[str, Any]]] = []
    cursor = None
    while True:
        if filter is None:
            response = api.get(f"/api/v1/records/lead?limit={limit}"
                               + ("" if cursor is None else f"&cursor={cursor}"))
        else:
            response = api.post("/api/v1/records/lead/query", json={
                "filter": filter, "limit": limit,
                **({} if cursor is None else {"cursor": cursor})})
        assert response.status_code == 200, response.get_json()
        page = response.get_json()
        found.append(page["items"])
        cursor = page["next_cursor"]
        if cursor is None:
            return found


@pytest.mark.parametrize("limit", [1, 2, 3, 5, 50])
def test_distributed_rows_gone_or_filtered_out_leave_no_gap(
        api: Api, tenant: TenantHandle, limit: int) -> None:
    """Rows distributed to the user are tested where the page fetches them (PostgreSQL
    walks the grants unchecked): a deleted one, or one the filter leaves out, is
    skipped, and every page but the last is still full, newest first, none twice."""
    api.define(campaign())
    api.define(lead())
    put(api, "/api/v1/departments/east", {"label": {"en": "east"}})
    rep = own_scope_rep(api, tenant, default="none")
    live_ids: list[str] = []
    kept_ids: list[str] = []
    for i in range(15):  # every third row the rep's own, the others distributed to them
        mine = i % 3 == 0
        company = "X" if i % 4 == 1 else "K"
        created = (rep if mine else api).post("/api/v1/records/lead",
                                              json={"full_name": f"row_{i}"})
        assert created.status_code == 201, created.get_json()
        row = created.get_json()["id"]
        assert api.patch(f"/api/v1/records/lead/{row}",
                         json={"company_name": company}).status_code == 200
        if not mine:
            grant(api, row, "user:rep@example.com",
                  {"contact": "edit", "company": "read", "default": "read"})
        if not mine and i % 4 == 2:  # distributed, then deleted
            assert api.delete(f"/api/v1/records/lead/{row}").status_code == 204
            continue
        live_ids.append(row)
        if company == "K":
            kept_ids.append(row)
    newest_first = {"all": live_ids[::-1], "K": kept_ids[::-1]}
    for name, filter in (("all", None),
                         ("K", {"field": "company_name", "op": "eq", "value": "K"})):
        listed_pages = pages(rep, limit, filter)
        assert [row["id"] for page in listed_pages for row in page] == newest_first[name]
        assert all(len(page) == limit for page in listed_pages[:-1])
