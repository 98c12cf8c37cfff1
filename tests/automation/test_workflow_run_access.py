"""A workflow's runs, its dry runs and its manual starts show a customizer no more of the
records than the records API does.

A designer holds the ``customize`` right (they read workflows and their runs) but their
role shows them only their own leads, and not the company group (company name,
employees). A manual workflow branches on the company name and, for one company, writes
the employee count. Admin runs it on the designer's lead and on one the designer cannot
see. Through the workflow's run list, one run, the record's run history and a dry run,
the designer finds neither the other lead's run nor the company name, the count written
or which way the branch on the company went; a manual start by the designer reaches
only leads they see, with a filter over only what they read.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.automation.conftest import Engine
from tests.automation.test_workflows import put_workflow
from tests.conftest import Api, TenantHandle, error_codes, error_paths, problem
from tests.docs_objects import campaign, lead

SIZING = {
    "api_name": "sizing", "object": "lead", "trigger": {"on": "manual"},
    "steps": [
        {"id": "check", "branch": [{"if": {"field": "company_name", "op": "eq",
                                           "value": "Hidden Corp"}, "then": "big"}],
         "else": "done"},
        {"id": "big", "action": "update_record", "values": {"employees": 987654,
                                                              "status": "working"}},
        {"id": "done", "action": "end"},
    ]}


class Studio:
    """The designer (customize, own leads, company group hidden), their lead and one
    lead only the administrator sees."""

    def __init__(self, api: Api, tenant: TenantHandle) -> None:
        self.admin = api
        api.define(campaign())
        api.define(lead())
        designer = api.put("/api/v1/meta/roles/designer", json={
            "kind": "role", "api_name": "designer",
            "label": {"en": "designer", "zh-CN": "设计"}, "actions": ["customize"],
            "grants": {"lead": {"actions": ["read", "create", "edit"], "scope": "own",
                                "field_groups": {"contact": "edit", "company": "none",
                                                 "default": "read"}}}})
        assert designer.status_code == 200, designer.get_json()
        self.designer = Api(api.client, tenant.add_user("d@example.com",
                                                        roles=["designer"]))
        mine = self.designer.post("/api/v1/records/lead", json={"full_name": "Zhang San"})
        assert mine.status_code == 201, mine.get_json()
        self.mine = mine.get_json()["id"]
        set_company = api.patch(f"/api/v1/records/lead/{self.mine}",
                                json={"company_name": "Hidden Corp"})
        assert set_company.status_code == 200, set_company.get_json()
        other = api.post("/api/v1/records/lead", json={"full_name": "Li Si",
                                                       "company_name": "Hidden Corp"})
        assert other.status_code == 201, other.get_json()
        self.other = other.get_json()["id"]
        assert put_workflow(api, SIZING).status_code == 200

    def run_everything(self, engine: Engine) -> None:
        started = self.admin.post("/api/v1/workflows/sizing/runs",
                                  json={"records": [self.mine, self.other]})
        assert started.status_code == 202, started.get_json()
        engine.tick()


@pytest.fixture
def studio(api: Api, tenant: TenantHandle) -> Studio:
    return Studio(api, tenant)


def steps_of(run: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {s["step"]: s for s in run["steps"]}


def test_a_workflows_runs_show_a_customizer_only_what_the_records_do(
        studio: Studio, engine: Engine) -> None:
    studio.run_everything(engine)
    everything = studio.admin.get("/api/v1/workflows/sizing/runs").get_json()["items"]
    assert {r["record"] for r in everything} == {studio.mine, studio.other}
    assert all(steps_of(r)["big"]["output"]["values"]["employees"] == 987654
               for r in everything)
    assert all(steps_of(r)["check"]["output"] == {"matched": "big"} for r in everything)

    listed = studio.designer.get("/api/v1/workflows/sizing/runs")
    assert listed.status_code == 200, listed.get_json()
    [run] = listed.get_json()["items"]  # the other lead's run is not theirs to see
    assert run["record"] == studio.mine
    text = json.dumps({**run, "steps": [{k: v for k, v in s.items() if k != "input"}
                                        for s in run["steps"]]})
    assert "987654" not in json.dumps(run) and "Hidden Corp" not in text
    steps = steps_of(run)
    assert steps["big"]["input"]["values"] == {"status": "working"}
    assert steps["big"]["output"]["values"] == {"status": "working"}
    assert steps["check"]["output"] == {"withheld": ["outcome"]}  # tested the company
    assert steps["check"]["outcome"] == "done"  # it ran

    one = studio.designer.get(f"/api/v1/runs/{run['id']}")
    assert one.status_code == 200, one.get_json()
    assert "987654" not in one.get_data(as_text=True)
    assert steps_of(one.get_json())["check"]["output"] == {"withheld": ["outcome"]}
    [hidden] = [r for r in everything if r["record"] == studio.other]
    problem(studio.designer.get(f"/api/v1/runs/{hidden['id']}"), 404, "unknown_run")
    problem(studio.designer.get(f"/api/v1/runs/{everything[0]['id'][:-4]}ffff"), 404,
            "unknown_run")  # the same answer as for a run that never was


def test_a_branch_on_a_hidden_field_keeps_its_outcome_from_record_readers(
        studio: Studio, engine: Engine) -> None:
    studio.run_everything(engine)
    history = studio.designer.get(f"/api/v1/records/lead/{studio.mine}/runs")
    assert history.status_code == 200, history.get_json()
    [run] = history.get_json()["items"]
    assert steps_of(run)["check"]["output"] == {"withheld": ["outcome"]}
    [seen] = studio.admin.get(f"/api/v1/records/lead/{studio.mine}/runs").get_json()["items"]
    assert steps_of(seen)["check"]["output"] == {"matched": "big"}


def test_a_dry_run_tells_a_customizer_nothing_of_hidden_fields(studio: Studio) -> None:
    dry = studio.designer.post("/api/v1/workflows/sizing/dry_run")
    assert dry.status_code == 200, dry.get_json()
    [item] = dry.get_json()["items"]
    assert item["record"] == studio.mine
    path = {p["step"]: p for p in item["path"]}
    assert path["check"]["would"] == {"withheld": ["outcome"]}
    assert path["big"]["would"]["changes"] == ["status"]  # not the hidden employees
    assert "Hidden Corp" not in dry.get_data(as_text=True)

    seen = studio.admin.post("/api/v1/workflows/sizing/dry_run").get_json()
    assert {i["record"] for i in seen["items"]} == {studio.mine, studio.other}
    for one in seen["items"]:
        path = {p["step"]: p for p in one["path"]}
        assert path["check"]["would"] == {"branch": 0, "goes_to": "big"}
        assert path["big"]["would"]["changes"] == ["employees", "status"]


def test_a_manual_start_reaches_only_records_the_starter_sees(
        studio: Studio, engine: Engine) -> None:
    started = studio.designer.post("/api/v1/workflows/sizing/runs",
                                   json={"filter": {"field": "full_name",
                                                    "op": "is_not_empty"}})
    assert started.status_code == 202, started.get_json()
    assert started.get_json()["started"] == 1  # their lead, not the one they cannot see
    engine.tick()
    runs = studio.admin.get("/api/v1/workflows/sizing/runs").get_json()["items"]
    assert [r["record"] for r in runs] == [studio.mine]

    unseen = studio.designer.post("/api/v1/workflows/sizing/runs",
                                  json={"records": [studio.other]})
    problem(unseen, 422)
    assert error_codes(unseen) == ["unknown_record"]
    assert error_paths(unseen) == ["/records/0"]
    by_hidden = studio.designer.post("/api/v1/workflows/sizing/runs", json={
        "filter": {"field": "company_name", "op": "eq", "value": "Hidden Corp"}})
    problem(by_hidden, 422)  # a field they may not read is no filter for them
    assert error_paths(by_hidden)[0].startswith("/filter")
    assert len(studio.admin.get("/api/v1/workflows/sizing/runs").get_json()["items"]) == 1


def test_a_manual_filter_tests_a_field_hidden_in_one_row_as_empty(
        api: Api, tenant: TenantHandle, engine: Engine) -> None:
    """A field the starter's role reads but a grant hides on one record filters there
    as if it were empty (as in the records list)."""
    api.define(campaign())
    api.define(lead())
    api.put("/api/v1/meta/access_policies/lead", json={
        "kind": "access_policy", "object": "lead", "conflict_strategy": "distribution_wins"})
    made = api.put("/api/v1/meta/roles/planner", json={
        "kind": "role", "api_name": "planner", "label": {"en": "planner", "zh-CN": "计划"},
        "actions": ["customize"],
        "grants": {"lead": {"actions": ["read"], "scope": "all", "field_groups": {
            "contact": "read", "company": "read", "default": "read"}}}})
    assert made.status_code == 200, made.get_json()
    planner = Api(api.client, tenant.add_user("p@example.com", roles=["planner"]))
    ids = []
    for name in ("Open", "Granted"):
        created = api.post("/api/v1/records/lead", json={"full_name": name,
                                                         "company_name": "Hidden Corp"})
        assert created.status_code == 201, created.get_json()
        ids.append(created.get_json()["id"])
    granted = api.post(f"/api/v1/records/lead/{ids[1]}/grants", json={
        "grantee": "user:p@example.com",
        "field_groups": {"contact": "read", "company": "none", "default": "read"}})
    assert granted.status_code == 201, granted.get_json()
    assert put_workflow(api, SIZING).status_code == 200
    listed = planner.get("/api/v1/records/lead", query={
        "filter": json.dumps({"field": "company_name", "op": "eq", "value": "Hidden Corp"})})
    assert [r["id"] for r in listed.get_json()["items"]] == [ids[0]]
    started = planner.post("/api/v1/workflows/sizing/runs", json={
        "filter": {"field": "company_name", "op": "eq", "value": "Hidden Corp"}})
    assert started.status_code == 202, started.get_json()
    assert started.get_json()["started"] == 1
    engine.tick()
    runs = api.get("/api/v1/workflows/sizing/runs").get_json()["items"]
    assert [r["record"] for r in runs] == [ids[0]]
