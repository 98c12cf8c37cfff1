"""Imports (issue 16, item 2): upload → preview (mapping, validation report, duplicates)
→ run in batches in the background → progress, error file; resumable; the CLI."""

from __future__ import annotations

import dataclasses
import io
import time
import uuid
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from click.testing import CliRunner

from objectry.platform import import_jobs
from objectry.platform.cli import main
from objectry.platform.services import Services
from objectry.runtime.lifecycle.imports import jobs
from objectry.runtime.lifecycle.imports import outcomes as outcome_rows
from tests.conftest import Api, TenantHandle, error_codes, error_paths, problem
from tests.docs_objects import campaign, lead

LABELLED = {"fields": [{"api_name": "region", "type": "text",
                        "label": {"en": "Sales region", "zh-CN": "销售区域"}}]}


def define(api: Api) -> None:
    api.define(campaign())
    api.define(lead(**LABELLED))


def upload(api: Api, content: bytes, name: str = "leads.csv", **form: Any) -> Any:
    data = {"file": (io.BytesIO(content), name), "object": "lead", **form}
    return api.client.post("/api/v1/imports", data=data, headers=api.headers(
        {"Accept-Language": form.pop("_lang", "en")}),
        content_type="multipart/form-data")


def wait_done(api: Api, import_id: str) -> dict[str, Any]:
    for _ in range(600):  # the run is a thread of the app; poll its rows
        body = api.get(f"/api/v1/imports/{import_id}").get_json()
        if body["status"] in ("done", "failed"):
            return body
        time.sleep(0.05)
    raise AssertionError(body)


def names(api: Api) -> list[str]:
    items = api.get("/api/v1/records/lead", query={"limit": 200}).get_json()["items"]
    return sorted(item["full_name"] for item in items)


CSV = ("Full Name,City,销售区域,Employees,Email\n"
       "张三,上海,华东,10,a@x.cn\n"
       "李四,mars,华北,-1,b@x.cn\n"
       "王五,北京,,3,c@x.cn\n")


def test_preview_maps_columns_reports_rows_and_the_run_writes_the_valid_ones(
        api: Api) -> None:
    define(api)
    response = upload(api, ("\ufeff" + CSV).encode("utf-8"))
    body = response.get_json()
    assert response.status_code == 201, body
    assert response.headers["Location"].endswith(body["id"])
    assert [c["field"] for c in body["columns"]] == ["full_name", "city", "region",
                                                      "employees", "email"]
    assert (body["rows"], body["valid"], body["invalid"]) == (3, 2, 1)
    assert body["encoding"] == "utf-8" and body["format"] == "csv"
    issues = {(i["row"], i["column"], i["code"]) for i in body["issues"]}
    assert issues == {(3, "City", "schema_enum"), (3, "Employees", "below_min")} or \
        {(r, c) for r, c, _ in issues} == {(3, "City"), (3, "Employees")}
    assert body["mapping_errors"] == [] and body["runnable"]
    assert names(api) == []  # a preview writes nothing
    started = api.post(f"/api/v1/imports/{body['id']}/run")
    assert started.status_code == 202, started.get_json()
    final = wait_done(api, body["id"])
    assert (final["rows_done"], final["rows_failed"], final["rows_pending"]) == (2, 1, 0)
    assert final["rate"] is not None and final["eta_seconds"] is None
    assert names(api) == ["张三", "王五"]
    errors = api.get(f"/api/v1/imports/{body['id']}/errors")
    assert errors.status_code == 200 and errors.mimetype == "text/csv"
    lines = errors.get_data(as_text=True).lstrip("\ufeff").splitlines()
    assert lines[0] == "Full Name,City,销售区域,Employees,Email,reason"
    assert len(lines) == 2 and lines[1].startswith("李四,mars") and "City:" in lines[1]
    again = api.post(f"/api/v1/imports/{body['id']}/run")
    problem(again, 409, "import_state")


def test_the_report_speaks_the_users_language(api: Api) -> None:
    define(api)
    body = upload(api, CSV.encode("utf-8"), _lang="zh-CN").get_json()
    messages = [i["message"] for i in body["issues"]]
    assert messages and all(any("\u4e00" <= ch <= "\u9fff" for ch in m) for m in messages)


def test_gb18030_files_are_read(api: Api) -> None:
    define(api)
    body = upload(api, CSV.encode("gb18030")).get_json()
    assert body["encoding"] == "gb18030" and body["rows"] == 3
    assert body["columns"][2]["field"] == "region"


def test_unknown_columns_and_read_only_fields_must_be_mapped_before_running(
        api: Api) -> None:
    define(api)
    content = b"Full Name,Shoe size,created_at\nA,42,2024-01-01\n"
    body = upload(api, content).get_json()
    codes = {e["path"]: e["code"] for e in body["mapping_errors"]}
    assert codes == {"/mapping/Shoe size": "import_unknown_column",
                     "/mapping/created_at": "import_read_only_field"}
    assert not body["runnable"]
    refused = api.post(f"/api/v1/imports/{body['id']}/run")
    problem(refused, 409, "import_not_ready")
    assert sorted(error_paths(refused)) == ["/mapping/Shoe size", "/mapping/created_at"]
    wrong = api.patch(f"/api/v1/imports/{body['id']}", json={"mapping": {"Shoe size": "id"}})
    assert "import_read_only_field" in [e["code"] for e in wrong.get_json()["mapping_errors"]]
    fixed = api.patch(f"/api/v1/imports/{body['id']}",
                      json={"mapping": {"Shoe size": None, "created_at": None}})
    assert fixed.get_json()["runnable"], fixed.get_json()
    assert api.post(f"/api/v1/imports/{body['id']}/run").status_code == 202
    assert wait_done(api, body["id"])["rows_done"] == 1
    reuse = upload(api, content, mapping_from=body["id"]).get_json()
    assert reuse["runnable"] and reuse["mapping_errors"] == []


def test_xlsx_formulas_are_stored_as_text_never_evaluated(api: Api) -> None:
    define(api)
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["full_name", "employees", "company_name"])
    sheet.append(["=1+1", 7, '=HYPERLINK("http://evil.example","x")'])
    sheet.append([None, None, None])
    sheet.append(["Plain", 8.0, "Acme"])
    out = io.BytesIO()
    book.save(out)
    body = upload(api, out.getvalue(), "leads.xlsx").get_json()
    assert body["format"] == "xlsx" and body["rows"] == 2 and body["invalid"] == 0, body
    api.post(f"/api/v1/imports/{body['id']}/run")
    wait_done(api, body["id"])
    items = api.get("/api/v1/records/lead", query={"sort": "full_name"}).get_json()["items"]
    assert [(i["full_name"], i["employees"]) for i in items] == [("=1+1", 7), ("Plain", 8)]
    assert items[0]["company_name"].startswith("=HYPERLINK")


def test_bad_files_are_clear_errors(api: Api, services: Services,
                                    monkeypatch: pytest.MonkeyPatch) -> None:
    define(api)
    assert error_codes(upload(api, b"")) == ["import_empty"]
    assert error_codes(upload(api, b"PK\x03\x04broken zip", "x.xlsx")) == ["import_malformed"]
    assert error_codes(upload(api, b"a,b\n\x00,1\n")) == ["import_malformed"]
    no_file = api.client.post("/api/v1/imports", data={"object": "lead"},
                              headers=api.headers(), content_type="multipart/form-data")
    problem(no_file, 422, "import_file_required")
    problem(upload(api, b"full_name\nx\n", object="nothing"), 404)
    assert error_paths(upload(api, b"full_name\nx\n", encoding="latin-1")) == ["/encoding"]
    assert error_paths(upload(api, b"full_name\nx\n", mapping="{nope")) == ["/mapping"]
    assert error_paths(upload(api, b"full_name\nx\n", mapping="[1]")) == ["/mapping"]
    assert error_paths(upload(api, b"full_name\nx\n", upsert_on="full_name")) == \
        ["/upsert_on"]
    problem(upload(api, b"full_name\nx\n", mapping_from="nope"), 404)
    small = dataclasses.replace(services.settings, import_max_rows=2, import_max_bytes=200)
    monkeypatch.setattr(services, "settings", small)
    problem(upload(api, b"full_name\na\nb\nc\n"), 413, "import_too_many_rows")
    problem(upload(api, b"full_name\n" + b"x" * 300 + b"\n"), 413, "import_too_large")


def test_an_import_is_its_creators(api: Api, app: Any, tenant: TenantHandle) -> None:
    define(api)
    body = upload(api, CSV.encode()).get_json()
    other = Api(app.test_client(), tenant.add_user("other@x.cn"))
    problem(other.get(f"/api/v1/imports/{body['id']}"), 404)
    problem(other.post(f"/api/v1/imports/{body['id']}/run"), 404)
    assert other.get("/api/v1/imports").get_json()["items"] == []
    assert [i["id"] for i in api.get("/api/v1/imports").get_json()["items"]] == [body["id"]]


def crash_after_first_batch(api: Api, services: Services, monkeypatch: pytest.MonkeyPatch,
                            import_id: str, batch_size: int) -> None:
    """Start a run with no background thread and let its process die once its first
    batch has committed, with a lease that has already run out."""
    monkeypatch.setattr(services, "settings", dataclasses.replace(
        services.settings, import_batch_size=batch_size, import_lease_seconds=0))
    monkeypatch.setattr(import_jobs, "start", lambda *args: None)
    assert api.post(f"/api/v1/imports/{import_id}/run").status_code == 202

    def crash(done: int, total: int) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        import_jobs.run_import(services, import_id, runner="a", report=crash)


def test_a_stopped_run_resumes_from_its_last_committed_batch(
        api: Api, services: Services, monkeypatch: pytest.MonkeyPatch) -> None:
    define(api)
    rows = "".join(f"lead {i:02d},l{i}@x.cn\n" for i in range(10))
    body = upload(api, ("full_name,email\n" + rows).encode()).get_json()
    with services.connection() as conn:
        assert jobs.owner_of(conn, body["id"]) is not None
    crash_after_first_batch(api, services, monkeypatch, body["id"], batch_size=3)
    halfway = api.get(f"/api/v1/imports/{body['id']}").get_json()
    assert (halfway["status"], halfway["rows_done"], halfway["rows_pending"]) == \
        ("running", 3, 7)
    assert halfway["stalled"]  # its lease ran out (0 seconds here)
    assert import_jobs.run_import(services, body["id"], runner="b") == "done"
    assert names(api) == [f"lead {i:02d}" for i in range(10)]  # each written once
    assert api.get(f"/api/v1/imports/{body['id']}").get_json()["rows_done"] == 10


def test_a_resumed_run_finds_pending_rows_past_long_runs_of_done_ones(
        api: Api, services: Services, monkeypatch: pytest.MonkeyPatch) -> None:
    """Rows that already have an outcome are skipped however many batches they span;
    every row without one is written, once."""
    define(api)
    rows = "".join(f"lead {i:02d},l{i}@x.cn\n" for i in range(10))  # rows 2 to 11
    body = upload(api, ("full_name,email\n" + rows).encode()).get_json()
    with services.connection() as conn:  # as an earlier run left them
        outcome_rows.store(conn, uuid.UUID(body["id"]), [
            (row, "created", uuid.uuid4(), None) for row in (2, 3, 4, 5, 6, 7, 8, 10)])
    monkeypatch.setattr(services, "settings", dataclasses.replace(
        services.settings, import_batch_size=3))
    monkeypatch.setattr(import_jobs, "start", lambda *args: None)  # no background thread
    assert api.post(f"/api/v1/imports/{body['id']}/run").status_code == 202
    assert import_jobs.run_import(services, body["id"], runner="a") == "done"
    assert names(api) == ["lead 07", "lead 09"]


def test_upsert_import_updates_matching_records(api: Api) -> None:
    define(api)
    api.post("/api/v1/records/lead", json={"full_name": "old", "email": "a@x.cn"})
    body = upload(api, b"full_name,email\nnew,a@x.cn\nfresh,b@x.cn\n",
                  upsert_on="email").get_json()
    assert body["invalid"] == 0, body
    api.post(f"/api/v1/imports/{body['id']}/run")
    assert wait_done(api, body["id"])["rows_done"] == 2
    assert names(api) == ["fresh", "new"]


def test_the_cli_previews_dry_runs_and_imports(api: Api, tenant: TenantHandle,
                                               settings: Any, tmp_path: Path) -> None:
    define(api)
    source = tmp_path / "leads.csv"
    source.write_bytes(CSV.encode("utf-8"))
    env = {"OBJECTRY_DATABASE_URL": settings.database_url, "OBJECTRY_DATA_DIR": str(tmp_path)}
    runner = CliRunner()
    dry = runner.invoke(main, ["import", str(source), "--object", "lead", "--tenant",
                               tenant.slug, "--dry-run"], env=env, catch_exceptions=False)
    assert dry.exit_code == 0, dry.output
    assert "3 rows: 2 valid, 1 invalid" in dry.output
    assert names(api) == [] and api.get("/api/v1/imports").get_json()["items"] == []
    done = runner.invoke(main, ["import", str(source), "--object", "lead", "--tenant",
                                tenant.slug], env=env, catch_exceptions=False)
    assert done.exit_code == 0, done.output
    assert "2 rows written, 1 failed" in done.output
    assert names(api) == ["张三", "王五"]


def test_the_preview_lists_rows_matching_existing_records(api: Api) -> None:
    define(api)
    rule = {"kind": "duplicate_rule", "api_name": "same_mobile", "object": "lead",
            "action": "warn", "match": [{"field": "mobile", "as": "phone"}]}
    response = api.put("/api/v1/meta/duplicate_rules/same_mobile", json=rule)
    assert response.status_code == 200, response.get_json()
    existing = api.post("/api/v1/records/lead", json={"full_name": "old",
                                                      "mobile": "13812345678"})
    assert existing.status_code == 201, existing.get_json()
    body = upload(api, b"full_name,mobile\nnew,+86 138 1234 5678\nother,13900000000\n"
                       b"again,13900000000\n").get_json()
    preview = body["preview"]
    assert preview["duplicate_rows"] == 2, preview
    first, second = preview["duplicates"]
    assert first["row"] == 2 and first["matches"][0]["id"] == existing.get_json()["id"]
    assert second["row"] == 4 and second["matches"][0]["row"] == 3  # an earlier row


def test_a_cell_text_repeated_down_a_column_reads_the_same_on_every_row(api: Api) -> None:
    """An import reads each distinct cell of a batch once: every row with the same text
    gets the same value (a label, an alias), and every row with the same bad text is
    refused with the same reason."""
    define(api)
    rows = "".join(f"lead {i},{city},{i}\n" for i, city in
                   enumerate(["上海", "Beijing", "mars", "上海", "mars", "beijing"] * 3))
    body = upload(api, ("full_name,city,employees\n" + rows).encode("utf-8")).get_json()
    assert (body["rows"], body["valid"], body["invalid"]) == (18, 12, 6), body["issues"]
    refused = [(i["row"], i["column"], i["code"]) for i in body["issues"]]
    assert [r for r, _, _ in refused] == [4, 6, 10, 12, 16, 18]
    assert {(c, code) for _, c, code in refused} == {(refused[0][1], refused[0][2])}
    api.post(f"/api/v1/imports/{body['id']}/run")
    final = wait_done(api, body["id"])
    assert (final["rows_done"], final["rows_failed"]) == (12, 6)
    items = api.get("/api/v1/records/lead", query={"limit": 200}).get_json()["items"]
    cities = {item["full_name"]: item["city"] for item in items}
    assert sorted(set(cities.values())) == ["beijing", "shanghai"]
    assert [cities[f"lead {i}"] for i in (0, 3, 6, 9)] == ["shanghai"] * 4


def test_stored_outcomes_replace_the_previews_errors(api: Api, services: Services) -> None:
    """A run's outcomes decide the error file: a row the preview refused but the run
    wrote loses its old errors; a row the run refused lists the run's reason."""
    define(api)
    body = upload(api, ("\ufeff" + CSV).encode("utf-8")).get_json()
    assert body["invalid"] == 1  # row 3 (李四), by the preview
    key = uuid.UUID(body["id"])
    with services.connection() as conn:
        outcome_rows.store(conn, key, [
            (2, "failed", None, [{"path": "/email", "code": "required", "params": {}}]),
            (3, "created", uuid.uuid4(), None), (4, "created", uuid.uuid4(), None)])
    lines = api.get(f"/api/v1/imports/{body['id']}/errors").get_data(
        as_text=True).lstrip("\ufeff").splitlines()
    assert len(lines) == 2 and lines[1].startswith("张三,上海") and "Email:" in lines[1]


def put_rule(api: Api, **rule: Any) -> None:
    body = {"kind": "duplicate_rule", "api_name": "same_lead", "object": "lead",
            "action": "block", **rule}
    response = api.put("/api/v1/meta/duplicate_rules/same_lead", json=body)
    assert response.status_code == 200, response.get_json()


def run_to_end(api: Api, import_id: str) -> dict[str, Any]:
    assert api.post(f"/api/v1/imports/{import_id}/run").status_code == 202
    return wait_done(api, import_id)


def error_rows(api: Api, import_id: str) -> list[str]:
    text = api.get(f"/api/v1/imports/{import_id}/errors").get_data(as_text=True)
    return [line.split(",")[0] for line in text.lstrip("\ufeff").splitlines()[1:]]


def test_a_run_after_a_duplicate_rule_changed_finds_duplicates_by_the_new_rule(
        api: Api) -> None:
    """The run reuses the match keys its preview computed only for rules defined as
    then: a rule now matching on the name refuses the row alike by name."""
    define(api)
    put_rule(api, match=[{"field": "mobile", "as": "phone"}])
    api.post("/api/v1/records/lead", json={"full_name": "Zhang San", "mobile": "13812345678"})
    body = upload(api, b"full_name,mobile\nZHANG  SAN,13900000000\nLi Si,13700000000\n"
                  ).get_json()
    assert body["preview"]["duplicate_rows"] == 0, body["preview"]
    put_rule(api, match=[{"field": "full_name", "as": "name"}])
    final = run_to_end(api, body["id"])
    assert (final["rows_done"], final["rows_failed"]) == (1, 1)
    assert names(api) == ["Li Si", "Zhang San"]
    assert error_rows(api, body["id"]) == ["ZHANG  SAN"]


def test_a_run_after_a_rules_region_changed_compares_numbers_by_the_new_region(
        api: Api) -> None:
    """A local number alike an existing one in region CN is not alike in region US: a
    run after that change writes the row the preview found a duplicate."""
    define(api)
    put_rule(api, match=[{"field": "mobile", "as": "phone"}])
    api.post("/api/v1/records/lead", json={"full_name": "old", "mobile": "+86 21 6299 1640"})
    body = upload(api, b"full_name,mobile\nnew,021-62991640\n").get_json()
    assert body["preview"]["duplicate_rows"] == 1, body["preview"]
    put_rule(api, match=[{"field": "mobile", "as": "phone"}], default_region="US")
    assert run_to_end(api, body["id"])["rows_done"] == 1
    assert names(api) == ["new", "old"]


def test_a_resumed_run_refuses_duplicates_of_rows_written_before_it_stopped(
        api: Api, services: Services, monkeypatch: pytest.MonkeyPatch) -> None:
    """Spellings of one number are one duplicate whichever batch, or run, wrote the
    first: of an existing record, of a row of the same batch, of a row written by the
    run that stopped."""
    define(api)
    put_rule(api, match=[{"field": "mobile", "as": "phone"}])
    api.post("/api/v1/records/lead", json={"full_name": "old", "mobile": "13812345678"})
    body = upload(api, b"full_name,mobile\na,13900000000\nb,+86 138 1234 5678\n"
                       b"c,139 0000 0000\nd,13700000000\ne,+8613700000000\n").get_json()
    assert body["preview"]["duplicate_rows"] == 3, body["preview"]
    crash_after_first_batch(api, services, monkeypatch, body["id"], batch_size=2)
    assert import_jobs.run_import(services, body["id"], runner="b") == "done"
    final = api.get(f"/api/v1/imports/{body['id']}").get_json()
    assert (final["rows_done"], final["rows_failed"]) == (2, 3)
    assert names(api) == ["a", "d", "old"]
    assert error_rows(api, body["id"]) == ["b", "c", "e"]


def test_the_error_file_lists_failed_rows_far_apart(api: Api, services: Services) -> None:
    """Failed rows separated by long runs of written ones are all in the error file,
    in file order."""
    define(api)
    rows = "".join(f"lead {i:04d},{'mars' if i in (0, 1500, 4999) else 'beijing'}\n"
                   for i in range(5000))
    body = upload(api, ("full_name,city\n" + rows).encode()).get_json()
    assert body["invalid"] == 3, body["issues"]
    assert error_rows(api, body["id"]) == ["lead 0000", "lead 1500", "lead 4999"]
    final = run_to_end(api, body["id"])
    assert (final["rows_done"], final["rows_failed"]) == (4997, 3)
    assert error_rows(api, body["id"]) == ["lead 0000", "lead 1500", "lead 4999"]


def test_a_row_the_preview_refused_and_the_run_wrote_leaves_the_error_file(
        api: Api) -> None:
    """The run decides: a row refused by the preview (a city not yet an option) and
    written by the run (the option added since) is no longer an issue nor in the file."""
    define(api)
    body = upload(api, "Full Name,City\nA,mars\nB,上海\n".encode()).get_json()
    assert body["invalid"] == 1 and error_rows(api, body["id"]) == ["A"]
    document = lead(**LABELLED)
    city = next(f for f in document["fields"] if f["api_name"] == "city")
    city["options"] = [*city["options"], "mars"]
    api.define(document)
    final = run_to_end(api, body["id"])
    assert (final["rows_done"], final["rows_failed"], final["issues"]) == (2, 0, [])
    assert error_rows(api, body["id"]) == []
    assert names(api) == ["A", "B"]


def test_a_new_mapping_replaces_the_previews_errors(api: Api) -> None:
    """A remap previews the stored rows again: errors of the old mapping go."""
    define(api)
    body = upload(api, "Full Name,City\nA,mars\nB,上海\n".encode()).get_json()
    assert body["invalid"] == 1 and error_rows(api, body["id"]) == ["A"]
    again = api.patch(f"/api/v1/imports/{body['id']}", json={"mapping": {"City": None}})
    assert (again.get_json()["invalid"], again.get_json()["issues"]) == (0, [])
    assert error_rows(api, body["id"]) == []
    assert run_to_end(api, body["id"])["rows_done"] == 2
