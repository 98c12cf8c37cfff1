"""Exports stream: the body is written a page of records at a time while they are read,
so memory holds a page, not the export (issue 11, item 10)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from flask import Response, request_finished

from objectry.platform.api import exports
from objectry.runtime.records import read
from tests.conftest import Api, TenantHandle, error_codes, error_paths
from tests.docs_objects import campaign, lead

PAGE = 3


@pytest.fixture
def pages_read(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Small export pages, one chunk of output per record, and a count of page reads."""
    monkeypatch.setattr(read, "EXPORT_PAGE", PAGE)
    monkeypatch.setattr(exports, "CHUNK", 1)
    counted: list[int] = []
    original = read._page

    def counting(*args: Any, **kwargs: Any) -> dict[str, Any]:
        page = original(*args, **kwargs)
        counted.append(len(page["items"]))
        return page

    monkeypatch.setattr(read, "_page", counting)
    return counted


@contextmanager
def view_responses(app: Any) -> Iterator[list[Response]]:
    """The responses views returned (before the WSGI layer wraps them)."""
    seen: list[Response] = []

    def record(sender: Any, response: Response, **extra: Any) -> None:
        seen.append(response)

    with request_finished.connected_to(record, app):
        yield seen


def define(api: Api) -> None:
    api.define(campaign())
    api.define(lead())


def create(api: Api, **values: Any) -> str:
    response = api.post("/api/v1/records/lead", json=values)
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


def test_an_export_of_several_pages_streams_every_row_in_order(
        app: Any, api: Api, pages_read: list[int]) -> None:
    define(api)
    names = [f"lead {i:02d}" for i in range(10)]
    for name in reversed(names):
        create(api, full_name=name, city="shanghai")
    with view_responses(app) as seen:
        response = api.get("/api/v1/records/lead/export",
                           query={"format": "jsonl", "sort": "full_name"})
    assert response.status_code == 200
    assert response.mimetype == "application/x-ndjson"
    assert seen[0].is_streamed and response.is_streamed
    # the view read one page and the test client the first line: the rest is unread
    assert pages_read == [PAGE]
    lines = response.get_data(as_text=True).splitlines()
    assert pages_read == [PAGE, PAGE, PAGE, 1]  # ten records, a page at a time
    assert [json.loads(line)["full_name"] for line in lines] == names
    assert all(json.loads(line)["city"] == "shanghai" for line in lines)


def test_a_restricted_user_streams_only_their_rows_and_fields(
        app: Any, api: Api, tenant: TenantHandle, pages_read: list[int]) -> None:
    define(api)
    response = api.put("/api/v1/meta/roles/rep", json={
        "label": {"en": "Rep"}, "grants": {"lead": {
            "actions": ["read", "create", "edit", "export"], "scope": "own",
            "field_groups": {"contact": "edit", "company": "none", "default": "edit"}}}})
    assert response.status_code == 200, response.get_json()
    rep = Api(api.client, tenant.add_user("rep@example.com", roles=["rep"]))
    mine = [f"mine {i}" for i in range(7)]
    ids = [create(rep, full_name=name, email=f"m{i}@example.com")
           for i, name in enumerate(mine)]
    for i in range(4):
        create(api, full_name=f"not mine {i}", company_name="Other Co")
    secret = api.patch(f"/api/v1/records/lead/{ids[0]}", json={"company_name": "Secret Co"})
    assert secret.status_code == 200, secret.get_json()

    with view_responses(app) as seen:
        exported = rep.get("/api/v1/records/lead/export", query={"sort": "-full_name"})
    assert exported.status_code == 200 and exported.mimetype == "text/csv"
    assert seen[0].is_streamed
    text = exported.get_data(as_text=True)
    assert text.startswith("\ufeff")
    rows = list(csv.DictReader(io.StringIO(text.lstrip("\ufeff"))))
    assert [r["full_name"] for r in rows] == sorted(mine, reverse=True)
    assert [r["email"] for r in rows][-1] == "m0@example.com"
    header = next(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert header[:2] == ["id", "version"]
    assert {"full_name", "email", "mobile", "status"} <= set(header)
    assert not {"company_name", "city", "employees"} & set(header)
    assert "Secret Co" not in text and "Other Co" not in text and "not mine" not in text
    assert max(pages_read) <= PAGE

    selected = rep.get("/api/v1/records/lead/export",
                       query={"fields": "full_name", "sort": "full_name"})
    lines = selected.get_data(as_text=True).lstrip("\ufeff").splitlines()
    assert lines == ["id,full_name", *[f"{i},{n}" for i, n in zip(ids, mine, strict=True)]]


def test_refusals_come_before_the_first_byte(api: Api, tenant: TenantHandle) -> None:
    define(api)
    create(api, full_name="x")
    for query, path, code in [
        ({"sort": "nope"}, "/sort/0", "unknown_field"),
        ({"fields": "full_name,nope"}, "/fields/1", "unknown_field"),
        ({"filter": '{"field": "nope", "op": "eq", "value": 1}'}, "/filter/field",
         "unknown_field"),
        ({"format": "xls"}, "/format", "export_format"),
    ]:
        response = api.get("/api/v1/records/lead/export", query=query)
        assert response.status_code == 422, query
        assert response.mimetype == "application/problem+json"
        assert (error_paths(response), error_codes(response)) == ([path], [code])
    reader = Api(api.client, tenant.add_user("reader@example.com"))
    assert reader.get("/api/v1/records/lead/export").status_code == 403
    empty = api.get("/api/v1/records/lead/export",
                    query={"filter": '{"field": "full_name", "op": "eq", "value": "none"}'})
    assert empty.get_data(as_text=True) == "\ufeffid\r\n"
    head = api.request("HEAD", "/api/v1/records/lead/export")  # body never read
    assert head.status_code == 200 and head.get_data() == b""
    assert api.get("/api/v1/records/lead/export").status_code == 200
