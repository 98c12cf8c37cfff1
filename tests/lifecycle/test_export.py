"""Exports in CSV and XLSX (issue 16, item 3): the list's records as the API presents
them (hidden absent, masked masked), picklists as labels or values, no CSV injection."""

from __future__ import annotations

import csv
import io
from typing import Any

import openpyxl

from tests.conftest import Api, TenantHandle, error_paths
from tests.docs_objects import campaign, lead

EXPORT = "/api/v1/records/lead/export"


def define(api: Api) -> None:
    api.define(campaign())
    api.define(lead())


def create(api: Api, **values: Any) -> str:
    response = api.post("/api/v1/records/lead", json=values)
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


def csv_rows(response: Any) -> list[dict[str, str]]:
    assert response.status_code == 200, response.get_data(as_text=True)
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))


def xlsx_rows(response: Any) -> list[dict[str, Any]]:
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    book = openpyxl.load_workbook(io.BytesIO(response.get_data()), read_only=True)
    rows = list(book.worksheets[0].iter_rows(values_only=True))
    return [dict(zip(rows[0], row, strict=True)) for row in rows[1:]]


def test_csv_cells_cannot_run_as_formulas(api: Api) -> None:
    define(api)
    for name in ("=1+1", "+cmd", "-2+3", "@SUM(A1)", "plain"):
        create(api, full_name=name, company_name="-5", employees=3)
    rows = csv_rows(api.get(EXPORT, query={"sort": "full_name", "fields": "full_name,"
                                                                          "company_name"}))
    assert sorted(r["full_name"] for r in rows) == ["'+cmd", "'-2+3", "'=1+1", "'@SUM(A1)",
                                                    "plain"]
    assert {r["company_name"] for r in rows} == {"-5"}  # a number is no formula


def test_xlsx_has_typed_cells_and_formulas_stay_text(api: Api) -> None:
    define(api)
    create(api, full_name="=HYPERLINK(\"http://x\")", employees=12, city="shanghai",
           tags=["vip", "cold"])
    response = api.get(EXPORT, query={"format": "xlsx"})
    assert response.mimetype.endswith("spreadsheetml.sheet")
    assert 'filename="lead.xlsx"' in response.headers["Content-Disposition"]
    [row] = xlsx_rows(response)
    assert row["full_name"] == "=HYPERLINK(\"http://x\")"  # a text cell, never evaluated
    assert row["employees"] == 12 and row["city"] == "shanghai"
    assert row["tags"] == "vip; cold"
    book = openpyxl.load_workbook(io.BytesIO(response.get_data()))
    cell = next(c for c in book.worksheets[0][2] if c.value == row["full_name"])
    assert cell.data_type == "s"


def test_picklists_as_labels_in_the_users_language(api: Api) -> None:
    define(api)
    create(api, full_name="a", city="shanghai")
    zh = {"Accept-Language": "zh-CN"}
    as_labels = csv_rows(api.get(EXPORT, query={"labels": "true"}, headers=zh))
    assert as_labels[0]["city"] == "上海"
    assert csv_rows(api.get(EXPORT, query={"labels": "true"}))[0]["city"] == "Shanghai"
    assert csv_rows(api.get(EXPORT))[0]["city"] == "shanghai"
    assert xlsx_rows(api.get(EXPORT, query={"labels": "1", "format": "xlsx"},
                             headers=zh))[0]["city"] == "上海"
    assert error_paths(api.get(EXPORT, query={"labels": "maybe"})) == ["/labels"]
    assert error_paths(api.get(EXPORT, query={"format": "xls"})) == ["/format"]


def test_a_restricted_users_export_holds_nothing_more_than_their_list(
        api: Api, tenant: TenantHandle) -> None:
    define(api)
    role = {"kind": "role", "api_name": "rep", "label": {"en": "rep"},
            "grants": {"lead": {"actions": ["read", "create", "export"], "scope": "own",
                                "field_groups": {"contact": "edit", "company": "none",
                                                 "default": "read"}}}}
    assert api.put("/api/v1/meta/roles/rep", json=role).status_code == 200
    rep = Api(api.client, tenant.add_user("rep@x.cn", roles=["rep"]))
    create(api, full_name="not theirs", mobile="13812345678", city="beijing")
    mine = rep.post("/api/v1/records/lead", json={"full_name": "theirs",
                                                  "mobile": "13900001111"})
    assert mine.status_code == 201, mine.get_json()
    listed = rep.get("/api/v1/records/lead").get_json()["items"]
    for kind, rows in (("csv", csv_rows(rep.get(EXPORT, query={"labels": "true"}))),
                       ("xlsx", xlsx_rows(rep.get(EXPORT, query={"format": "xlsx"})))):
        assert [r["full_name"] for r in rows] == ["theirs"], kind
        assert set(rows[0]) <= set(listed[0]), kind  # no column the list does not show
        assert "city" not in rows[0] and "company_name" not in rows[0], kind
        assert str(rows[0]["mobile"]) == str(listed[0]["mobile"]), kind  # masked alike
    text = rep.get(EXPORT, query={"format": "xlsx"}).get_data()
    assert b"13812345678" not in text and b"not theirs" not in text
