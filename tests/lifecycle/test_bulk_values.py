"""Bulk creates check each record's values as a single create does: the values stored
and audited are the same whichever order a body names its fields in, and a refused
record names every culprit in the same words on both paths."""

from __future__ import annotations

from typing import Any

from tests.conftest import Api

THING = {
    "kind": "object", "api_name": "thing", "label": {"en": "Thing"},
    "fields": [
        {"api_name": "name", "type": "text", "required": True, "max_length": 20},
        {"api_name": "notes", "type": "long_text"},
        {"api_name": "email", "type": "email"},
        {"api_name": "mobile", "type": "phone"},
        {"api_name": "size", "type": "integer", "min": 0},
        {"api_name": "budget", "type": "currency"},
        {"api_name": "share", "type": "percent"},
        {"api_name": "active", "type": "boolean"},
        {"api_name": "due", "type": "date"},
        {"api_name": "city", "type": "picklist",
         "options": [{"value": "shanghai", "aliases": ["上海"]}, "beijing"]},
        {"api_name": "tags", "type": "multi_picklist", "options": ["a", "b", "c"]},
    ],
}
GOOD = {"tags": ["c", "a"], "city": "上海", "due": "2026-03-01", "active": True,
        "share": "12.5", "budget": "1234.50", "size": 7, "mobile": "021-62991640",
        "email": "li@example.com", "notes": "line one\nline two", "name": "Li"}
BAD = {"size": -1, "city": "tokyo", "notes": "bell \x07", "email": None}


def test_bulk_and_single_store_and_audit_the_same_values(api: Api) -> None:
    api.define(THING)
    single = api.post("/api/v1/records/thing", json=GOOD)
    assert single.status_code == 201, single.get_json()
    bulk = api.post("/api/v1/records/thing/bulk", json={"records": [GOOD]})
    assert bulk.status_code == 200, bulk.get_json()
    ids = [single.get_json()["id"], bulk.get_json()["items"][0]["id"]]
    stored = [api.get(f"/api/v1/records/thing/{i}").get_json() for i in ids]
    fields = [f["api_name"] for f in THING["fields"]]
    assert [{f: s[f] for f in fields} for s in stored] == [
        {f: stored[0][f] for f in fields}] * 2
    assert stored[0]["city"] == "shanghai" and stored[0]["tags"] == ["a", "c"]
    audits = [api.get(f"/api/v1/records/thing/{i}/audit").get_json()["items"][0]
              for i in ids]
    # the audit lists the fields in the object's order, not the body's
    assert [[c["field"] for c in a["changes"]] for a in audits] == [fields] * 2
    assert audits[0]["changes"] == audits[1]["changes"]


def test_a_refused_record_names_every_culprit_on_both_paths(api: Api) -> None:
    api.define(THING)
    single = api.post("/api/v1/records/thing", json=BAD)
    assert single.status_code == 422
    body: dict[str, Any] = {"records": [GOOD, BAD], "mode": "per_row"}
    bulk = api.post("/api/v1/records/thing/bulk", json=body)
    assert bulk.status_code == 200, bulk.get_json()
    items = bulk.get_json()["items"]
    assert [i["status"] for i in items] == ["created", "failed"]
    culprits = [(e["path"], e["code"]) for e in single.get_json()["errors"]]
    assert culprits == [
        ("/city", "invalid_choice"), ("/name", "required"),
        ("/notes", "control_characters"), ("/size", "below_min")]
    assert [(e["path"].removeprefix("/records/1"), e["code"])
            for e in items[1]["errors"]] == culprits
    assert items[1]["errors"][0]["params"]["allowed"] == ["shanghai", "beijing"]
