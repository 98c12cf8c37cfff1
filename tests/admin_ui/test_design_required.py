"""A field made required over rows without a value: the metadata service refuses it
(409 at the field's ``default``) unless a default is given, which then fills those rows;
the same through the API as through the designer."""

from __future__ import annotations

from tests.conftest import Api
from tests.docs_objects import campaign, lead


def put_lead(api: Api, document: dict, dry_run: bool = False) -> object:
    suffix = "?dry_run=true" if dry_run else ""
    return api.put(f"/api/v1/meta/objects/lead{suffix}", json=document)


def test_a_new_required_field_needs_a_default_on_a_table_with_rows(api: Api) -> None:
    api.define(campaign())
    api.define(lead())
    document = api.get("/api/v1/meta/objects/lead").get_json()
    # an empty table: no rows to fill, nothing refused
    empty = dict(document, fields=[*document["fields"], {"api_name": "source", "type": "text",
                                                          "required": True}])
    assert put_lead(api, empty, dry_run=True).status_code == 200
    assert api.post("/api/v1/records/lead", json={"full_name": "Li"}).status_code == 201
    refused = put_lead(api, empty)
    body = refused.get_json()
    assert refused.status_code == 409, body
    index = len(document["fields"])
    assert [(e["path"], e["code"]) for e in body["errors"]] == [
        (f"/fields/{index}/default", "required_without_default")]
    assert "source" not in {f["api_name"] for f in
                            api.get("/api/v1/meta/objects/lead").get_json()["fields"]}
    with_default = dict(document, fields=[*document["fields"], {
        "api_name": "source", "type": "text", "required": True, "default": "web"}])
    plan = put_lead(api, with_default, dry_run=True).get_json()["plan"]
    assert {"action": "fill_default", "field": "source", "rows": 1,
            "value": "web"} in plan["steps"]
    assert put_lead(api, with_default).status_code == 200
    assert [r["source"] for r in api.get("/api/v1/records/lead").get_json()["items"]] == ["web"]


def test_an_existing_field_made_required(api: Api) -> None:
    api.define(campaign())
    api.define(lead())
    api.post("/api/v1/records/lead", json={"full_name": "Li", "company_name": "Acme"})
    api.post("/api/v1/records/lead", json={"full_name": "Wang"})
    document = api.get("/api/v1/meta/objects/lead").get_json()
    index = next(i for i, f in enumerate(document["fields"])
                 if f["api_name"] == "company_name")
    document["fields"][index]["required"] = True
    refused = put_lead(api, document)
    assert refused.status_code == 409
    assert refused.get_json()["errors"][0]["path"] == f"/fields/{index}/default"
    document["fields"][index]["default"] = "Unknown"
    assert put_lead(api, document).status_code == 200
    names = sorted(r["company_name"] for r in
                   api.get("/api/v1/records/lead").get_json()["items"])
    assert names == ["Acme", "Unknown"]
