"""Rules that batches and previews must keep as single writes keep them (issue 16):
two alike records in one bulk batch, a restore under a block rule, an upsert preview
checked as updates, what assignment would do in a preview, and the retention of an
import's rows."""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

import sqlalchemy as sa

from objectry.platform.services import Services
from objectry.runtime.lifecycle.imports.retention import KEEP_DAYS
from objectry.runtime.lifecycle.imports.tables import import_rows, imports
from tests.conftest import Api, TenantHandle, error_codes, error_paths, problem
from tests.distribution.test_assignment_rules import put_rule, setup
from tests.docs_objects import campaign, lead
from tests.lifecycle.test_import import names, upload, wait_done

BLOCK_EMAIL = {"kind": "duplicate_rule", "api_name": "same_email", "object": "lead",
               "action": "block", "match": [{"field": "email", "as": "email"}]}


def block_rule(api: Api) -> None:
    response = api.put("/api/v1/meta/duplicate_rules/same_email", json=BLOCK_EMAIL)
    assert response.status_code == 200, response.get_json()


def test_two_alike_records_in_one_bulk_batch_are_blocked(api: Api) -> None:
    api.define(campaign())
    api.define(lead())
    block_rule(api)
    batch = [{"full_name": "A", "email": "x@example.com"},
             {"full_name": "B", "email": "other@example.com"},
             {"full_name": "C", "email": "X@Example.com"}]
    response = api.post("/api/v1/records/lead/bulk", json={"records": batch})
    problem(response, 409, "bulk_rejected")
    assert error_codes(response) == ["duplicate_in_batch"]
    assert error_paths(response) == ["/records/2"]
    assert names(api) == []  # all or nothing
    answer = api.post("/api/v1/records/lead/bulk",
                      json={"records": batch, "mode": "per_row"}).get_json()
    assert [i["status"] for i in answer["items"]] == ["created", "created", "failed"]
    assert answer["items"][2]["code"] == "duplicate_in_batch"
    assert names(api) == ["A", "B"]


def test_a_restore_is_checked_by_block_rules(api: Api) -> None:
    api.define(campaign())
    api.define(lead())
    block_rule(api)
    first = api.post("/api/v1/records/lead", json={"full_name": "A",
                                                   "email": "x@example.com"}).get_json()
    assert api.delete(f"/api/v1/records/lead/{first['id']}").status_code == 204
    second = api.post("/api/v1/records/lead", json={"full_name": "B",
                                                    "email": "X@example.com"})
    assert second.status_code == 201, second.get_json()
    refused = problem(api.post(f"/api/v1/records/lead/{first['id']}/restore"), 409,
                      "duplicate_blocked")
    assert [d["id"] for d in refused["duplicates"]] == [second.get_json()["id"]]
    assert names(api) == ["B"]


def test_an_upsert_preview_checks_matched_rows_as_updates(api: Api) -> None:
    api.define(campaign())
    api.define(lead(fields=[{"api_name": "region", "type": "text", "required": True}]))
    stored = api.post("/api/v1/records/lead", json={"full_name": "old", "email": "a@x.cn",
                                                    "region": "east"})
    assert stored.status_code == 201, stored.get_json()
    body = upload(api, b"email,full_name\na@x.cn,renamed\nb@x.cn,fresh\n",
                  upsert_on="email").get_json()
    # the matched row updates a record that has its region; the new one has none
    assert [(i["row"], i["field"], i["code"]) for i in body["issues"]] == [
        (3, "region", "required")]
    api.post(f"/api/v1/imports/{body['id']}/run")
    final = wait_done(api, body["id"])
    assert (final["rows_done"], final["rows_failed"]) == (1, 1)
    assert names(api) == ["renamed"]


def test_the_preview_says_what_assignment_would_do(api: Api, tenant: TenantHandle) -> None:
    setup(api, tenant)
    rule = {"object": "lead", "auto": True, "entries": [
        {"condition": {"field": "city", "op": "eq", "value": "shanghai"},
         "to": [{"user": "c@example.com"}], "method": "fixed"}]}
    assert put_rule(api, rule, name="east").status_code == 200
    body = upload(api, "full_name,city\nLi,上海\nWu,beijing\n".encode()).get_json()
    assignment = body["preview"]["assignment"]
    assert assignment["rules"] == ["east"]
    assert (assignment["assigned"], assignment["unassigned"]) == (1, 1)
    assert assignment["owners"] == [{"user": "c@example.com", "rows": 1}]
    assert [(r["row"], r["user"]) for r in assignment["rows"]] == [
        (2, "c@example.com"), (3, None)]
    assert assignment["rows"][1]["reason"] == "no_entry_matched"
    assert names(api) == []  # the preview wrote nothing


def _rows(services: Services, import_id: str) -> list[Any]:
    with services.connection() as conn:
        return list(conn.execute(sa.select(import_rows.c.row_no).where(
            import_rows.c.import_id == uuid.UUID(import_id))
            .order_by(import_rows.c.row_no)).scalars())


def test_a_finished_import_keeps_only_its_failed_rows_until_retention_ends(
        api: Api, services: Services) -> None:
    api.define(campaign())
    api.define(lead())
    body = upload(api, b"full_name,employees\nA,1\nB,-1\nC,2\n").get_json()
    api.post(f"/api/v1/imports/{body['id']}/run")
    assert wait_done(api, body["id"])["rows_failed"] == 1
    assert _rows(services, body["id"]) == [3]  # the written rows are records now
    assert "B,'-1" in api.get(f"/api/v1/imports/{body['id']}/errors").get_data(as_text=True)
    never_run = upload(api, b"full_name\nD\n").get_json()
    old = dt.datetime.now(dt.UTC) - dt.timedelta(days=KEEP_DAYS + 1)
    with services.connection() as conn:
        ids = [uuid.UUID(body["id"]), uuid.UUID(never_run["id"])]
        conn.execute(imports.update().where(imports.c.id.in_(ids))
                     .values(finished_at=sa.case((imports.c.status == "done", old),
                                                 else_=None), updated_at=old))
    upload(api, b"full_name\nE\n")  # the tenant's next upload purges what expired
    assert _rows(services, body["id"]) == [] and _rows(services, never_run["id"]) == []
    status = api.get(f"/api/v1/imports/{body['id']}").get_json()
    assert status["rows_purged"] and status["rows_failed"] == 1
    expired = api.get(f"/api/v1/imports/{never_run['id']}").get_json()
    assert expired["status"] == "failed" and expired["error"]["code"] == "import_expired"
    problem(api.post(f"/api/v1/imports/{never_run['id']}/run"), 409, "import_state")


def test_a_rule_is_keyed_when_saved_not_in_a_users_first_write(
        api: Api, tenant: TenantHandle) -> None:
    api.define(campaign())
    api.define(lead())
    for i in range(3):
        api.post("/api/v1/records/lead", json={"full_name": f"L{i}",
                                               "email": f"l{i}@example.com"})
    block_rule(api)  # saving the rule keys the three leads in that request
    again = api.post("/api/v1/duplicate_rules/same_email/rebuild")
    assert again.status_code == 200, again.get_json()
    assert again.get_json() == {"rule": "same_email", "rebuilt": False, "keys": 3}
    rep = Api(api.client, tenant.add_user(f"rep@{tenant.slug}.example.com"))
    problem(rep.post("/api/v1/duplicate_rules/same_email/rebuild"), 403,
            "duplicate_rebuild_admin")
    problem(api.post("/api/v1/duplicate_rules/nothing/rebuild"), 404,
            "unknown_duplicate_rule")


def test_records_a_restore_brings_back_with_it_are_checked_by_block_rules(api: Api) -> None:
    """Leads deleted with their campaign (cascade) come back with it only if they pass
    the rules a create passes: the campaign's restore is refused, nothing comes back."""
    api.define(campaign())
    cascading = lead()
    cascading["fields"] = [{**f, "on_target_delete": "cascade"} if f["api_name"] == "campaign"
                           else f for f in cascading["fields"]]
    api.define(cascading)
    block_rule(api)
    spring = api.post("/api/v1/records/campaign", json={"name": "Spring"}).get_json()
    api.post("/api/v1/records/lead", json={"full_name": "A", "email": "x@example.com",
                                           "campaign": spring["id"]})
    assert api.delete(f"/api/v1/records/campaign/{spring['id']}").status_code == 204
    assert names(api) == []  # the lead went with its campaign
    second = api.post("/api/v1/records/lead", json={"full_name": "B",
                                                    "email": "X@Example.com"})
    assert second.status_code == 201, second.get_json()
    refused = problem(api.post(f"/api/v1/records/campaign/{spring['id']}/restore"), 409,
                      "duplicate_blocked")
    assert [d["id"] for d in refused["duplicates"]] == [second.get_json()["id"]]
    assert names(api) == ["B"]
    assert api.get(f"/api/v1/records/campaign/{spring['id']}").status_code == 404
