"""A restricted list shows each row exactly as the record's own page does.

The list reads each row's distribution levels in its page query (every grant reaching
the user there, joined as they are stored) and lists distributed rows by the grants'
ids; the record page reads them with a query of its own. Rows with no grant, one, and
two (to the user and to their department, merged), a revoked one and a deleted
distributed row must come out the same both ways: fields shown, hidden and masked.
"""

from __future__ import annotations

from typing import Any

from tests.conftest import Api, TenantHandle
from tests.docs_objects import campaign, lead
from tests.platform.lead_grants import grant, own_scope_rep, put


def test_listed_rows_match_their_record_pages(api: Api, tenant: TenantHandle) -> None:
    api.define(campaign())
    api.define(lead())
    for name, parent in (("sales", None), ("east", "sales")):
        put(api, f"/api/v1/departments/{name}", {"label": {"en": name}, "parent": parent})
    rep = own_scope_rep(api, tenant, default="read")
    ids = []
    for i in range(8):
        created = api.post("/api/v1/records/lead", json={
            "full_name": f"L{i}", "mobile": f"1380013800{i}", "company_name": f"C{i}",
            "city": "shanghai", "employees": i})
        assert created.status_code == 201, created.get_json()
        ids.append(created.get_json()["id"])
    grant(api, ids[0], "user:rep@example.com", {"contact": "edit", "company": "none"})
    grant(api, ids[1], "user:rep@example.com", {"contact": "edit", "company": "none"})
    grant(api, ids[1], "department:east", {"contact": "edit", "company": "read"})
    grant(api, ids[2], "department:sales", {"contact": "edit", "company": "read"})
    revoked = grant(api, ids[3], "user:rep@example.com", {"company": "read"})
    assert api.delete(f"/api/v1/records/lead/{ids[3]}/grants/{revoked}").status_code == 204
    grant(api, ids[4], "user:rep@example.com", {"company": "read"})
    assert api.delete(f"/api/v1/records/lead/{ids[4]}").status_code == 204
    mine = rep.post("/api/v1/records/lead", json={"full_name": "mine", "mobile": "13900139000"})
    assert mine.status_code == 201, mine.get_json()

    listed = rep.get("/api/v1/records/lead?limit=3")
    items: list[dict[str, Any]] = []
    while True:
        assert listed.status_code == 200, listed.get_json()
        page = listed.get_json()
        items += page["items"]
        if page["next_cursor"] is None:
            break
        listed = rep.get(f"/api/v1/records/lead?limit=3&cursor={page['next_cursor']}")

    assert [item["id"] for item in items] == [mine.get_json()["id"], ids[2], ids[1], ids[0]]
    for item in items:
        record = rep.get(f"/api/v1/records/lead/{item['id']}")
        assert record.status_code == 200, record.get_json()
        assert item == record.get_json()
    by_id = {item["id"]: item for item in items}
    assert "*" in by_id[mine.get_json()["id"]]["mobile"]  # masked: no view_sensitive
    assert "company_name" not in by_id[ids[0]]  # the grant takes the group away
    assert by_id[ids[1]]["company_name"] == "C1"  # two grants: the more generous counts
    assert by_id[ids[2]]["company_name"] == "C2"  # through the department above rep's
