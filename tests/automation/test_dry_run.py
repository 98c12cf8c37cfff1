"""Dry runs through the API: which existing records a workflow would start for, what each
run would do step by step, and proof that asking writes nothing at all."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa

from objectry.runtime.access.filter_sources import FilterSources
from objectry.runtime.access.guard import Guard
from objectry.runtime.automation.dry_run_steps import Simulation, describe_step
from objectry.runtime.model.compiled import get_model
from tests.automation.conftest import Engine
from tests.automation.test_workflows import put_workflow, setup
from tests.conftest import Api, TenantHandle, error_codes, error_paths, problem
from tests.docs_objects import campaign, lead, task

NURTURE = {
    "api_name": "nurture", "object": "lead", "active": False,
    "trigger": {"on": "created", "condition": {"field": "employees", "op": "gte", "value": 10}},
    "steps": [
        {"id": "mark", "action": "update_record", "values": {"status": "working"}},
        {"id": "wait", "wait": {"days": 3}},
        {"id": "check", "branch": [
            {"if": {"all": [{"field": "last_reply_at", "op": "is_empty"},
                            {"field": "status", "op": "eq", "value": "working"}]},
             "then": "follow_up"}], "else": "end"},
        {"id": "follow_up", "action": "create_record", "object": "task",
         "values": {"subject": "企微跟进: {{record.full_name}}", "lead": "{{record.id}}"}},
    ]}


def dry_run(api: Api, name: str, body: Any = None) -> Any:
    return api.post(f"/api/v1/workflows/{name}/dry_run", json=body)


def new_lead(api: Api, **values: Any) -> str:
    response = api.post("/api/v1/records/lead", json=values)
    assert response.status_code == 201, response.get_json()
    return response.get_json()["id"]


def test_which_records_would_trigger_and_what_each_would_do(api: Api, engine: Engine) -> None:
    setup(api)
    assert put_workflow(api, NURTURE).status_code == 200
    quiet = new_lead(api, full_name="Zhang San", employees=20)
    replied = new_lead(api, full_name="Li Si", employees=50,
                       last_reply_at=engine.clock.now.isoformat())
    new_lead(api, full_name="Tiny", employees=1)

    response = dry_run(api, "nurture")
    assert response.status_code == 200, response.get_json()
    result = response.get_json()
    assert result["active"] is False and result["draft"] is False
    assert result["totals"] == {"considered": 3, "matched": 2, "not_matched": 1,
                                "described": 2, "by_end_step": {"check": 1, "follow_up": 1}}
    assert result["assumes"]["code"] == "dry_run_created"
    items = {item["record"]: item for item in result["items"]}
    assert set(items) == {quiet, replied}

    path = items[quiet]["path"]
    assert [s["step"] for s in path] == ["mark", "wait", "check", "follow_up"]
    assert path[0]["would"] == {"sets": {"status": "working"}, "changes": ["status"]}
    woke = engine.clock.now + dt.timedelta(days=3)
    assert dt.datetime.fromisoformat(path[1]["would"]["sleep_until"]) == woke
    assert [s.get("assumes") for s in path] == [None, "wait elapsed", "wait elapsed",
                                                "wait elapsed"]
    assert path[2]["would"] == {"branch": 0, "goes_to": "follow_up"}  # saw the new status
    assert path[3]["would"] == {"creates": {"object": "task", "values": {
        "subject": "企微跟进: Zhang San", "lead": quiet}}}
    assert items[quiet]["name"] == "Zhang San" and items[quiet]["outcome"] == "completed"
    assert items[replied]["path"][-1]["would"] == {"branch": "else", "goes_to": "end"}

    filtered = dry_run(api, "nurture", {"filter": {"field": "employees", "op": "lt",
                                                   "value": 30}, "limit": 1})
    assert filtered.get_json()["totals"]["considered"] == 2
    assert [i["record"] for i in filtered.get_json()["items"]] == [quiet]


def snapshot(tenant: TenantHandle) -> dict[str, list[str]]:
    """Every row of every table the tenant's data and the engine live in."""
    engine = tenant.services.engine
    found: dict[str, list[str]] = {}
    with engine.connect() as conn:
        inspector = sa.inspect(conn)
        schemas = [None] + ([f"t_{tenant.slug}"] if conn.dialect.name == "postgresql" else [])
        for schema in schemas:
            for name in inspector.get_table_names(schema=schema):
                table = sa.Table(name, sa.MetaData(), schema=schema, autoload_with=conn)
                found[f"{schema}.{name}"] = sorted(
                    repr(tuple(row)) for row in conn.execute(sa.select(table)))
    return found


def test_a_dry_run_writes_nothing(api: Api, engine: Engine, tenant: TenantHandle) -> None:
    setup(api)
    assert put_workflow(api, {
        "api_name": "everything", "object": "lead",
        "trigger": {"on": "updated", "changed": ["score"]},
        "steps": [
            {"id": "mark", "action": "update_record", "values": {"status": "mql"}},
            {"id": "tag", "action": "add_tag", "field": "tags", "tag": "vip"},
            {"id": "owner", "action": "assign", "to": f"user:{tenant.admin_email}"},
            {"id": "task", "action": "create_record", "object": "task",
             "values": {"subject": "Call {{record.full_name}}", "lead": "{{record.id}}"}},
            {"id": "hook", "action": "call_webhook",
             "url": "https://crm.example.com/hooks/{{record.id}}"},
            {"id": "score", "action": "call_function", "function": "rescore",
             "payload": {"score": "{{record.score}}"}},
        ]}).status_code == 200
    ids = [new_lead(api, full_name="L", score=50) for _ in range(3)]
    engine.tick()  # nothing pending: created events dispatched, no run (trigger is updated)
    before = snapshot(tenant)

    result = dry_run(api, "everything").get_json()

    assert snapshot(tenant) == before
    assert result["writes"] is False and result["totals"]["matched"] == 3
    first = result["items"][0]
    path = {s["step"]: s["would"] for s in first["path"]}
    assert path["tag"] == {"field": "tags", "adds": "vip", "result": ["vip"]}
    assert path["owner"] == {"assigns_to": tenant.admin_email}
    assert path["hook"]["posts_to"] == f"https://crm.example.com/hooks/{first['record']}"
    assert path["hook"]["called"] is False
    assert path["score"] == {"calls_function": "rescore", "payload": {"score": 50},
                             "called": False}
    for lead_id in ids:
        record = api.get(f"/api/v1/records/lead/{lead_id}").get_json()
        assert record["version"] == 1 and record["status"] == "new"
    assert api.get("/api/v1/workflows/everything/runs").get_json()["items"] == []


def test_updated_triggers_count_current_values_as_just_written(api: Api) -> None:
    setup(api)
    document = {"api_name": "became_mql", "object": "lead", "active": False,
                "trigger": {"on": "updated", "changed": ["score"], "condition": {
                    "field": "status", "op": "changed_to", "value": "mql"}},
                "steps": [{"id": "tag", "action": "add_tag", "field": "tags", "tag": "vip"}]}
    assert put_workflow(api, document).status_code == 200
    hit = new_lead(api, full_name="Hit", score=80, status="mql", tags=["vip"])
    new_lead(api, full_name="No score", status="mql")
    new_lead(api, full_name="Not MQL", score=80)
    result = dry_run(api, "became_mql").get_json()
    assert [i["record"] for i in result["items"]] == [hit]
    assert result["items"][0]["path"][0]["would"] == {"field": "tags", "adds": "vip",
                                                      "unchanged": True}
    document["trigger"]["condition"] = {"field": "status", "op": "changed_from",
                                        "value": "new"}
    assert put_workflow(api, document).status_code == 200
    assert dry_run(api, "became_mql").get_json()["totals"]["matched"] == 0


def test_a_draft_is_checked_like_a_put_and_never_saved(api: Api) -> None:
    setup(api)
    new_lead(api, full_name="Wang Wu", employees=5)
    draft = {"kind": "workflow", "label": {"en": "Draft", "zh-CN": "草稿"}, "object": "lead",
             "trigger": {"on": "event", "event": "whitepaper_download"},
             "steps": [{"id": "task", "action": "create_record", "object": "task",
                        "values": {"subject": "{{trigger.data.title}}: {{record.full_name}}"}},
                       {"id": "fail", "action": "update_record", "values": {"employees": -1}}]}
    response = dry_run(api, "draft_rule", {"workflow": draft,
                                           "event": {"data": {"title": "白皮书"}}})
    assert response.status_code == 200, response.get_json()
    result = response.get_json()
    assert result["draft"] is True and result["version"] is None
    [item] = result["items"]
    assert item["path"][0]["would"]["creates"]["values"] == {"subject": "白皮书: Wang Wu"}
    assert item["outcome"] == "failed" and item["end_step"] == "fail"
    assert item["path"][1]["would_fail"]["errors"][0]["path"] == "/employees"
    problem(api.get("/api/v1/meta/workflows/draft_rule"), 404, "unknown_document")

    broken = {**draft, "steps": [{"id": "tag", "action": "add_tag", "field": "tags",
                                  "tag": "gold", "next": "zzz"}]}
    refused = dry_run(api, "draft_rule", {"workflow": broken})
    assert refused.status_code == 422
    assert {"/workflow/steps/0/next", "/workflow/steps/0/tag"} <= set(error_paths(refused))
    assert "unknown_step" in error_codes(refused)
    assert error_paths(dry_run(api, "draft_rule", {"workflow": {**draft, "api_name": "x"}})
                       ) == ["/workflow/api_name"]


def test_bad_requests(api: Api, tenant: TenantHandle, app: Any) -> None:
    setup(api)
    assert put_workflow(api, NURTURE).status_code == 200
    missing = dry_run(api, "nope")
    assert missing.status_code == 404
    assert missing.get_json()["detail"] == "There is no workflow 'nope'."
    bad_filter = dry_run(api, "nurture", {"filter": {"field": "ghost", "op": "eq", "value": 1}})
    assert bad_filter.status_code == 422
    assert all(p.startswith("/filter") for p in error_paths(bad_filter))
    for limit in (0, 501, "10", True):
        response = dry_run(api, "nurture", {"limit": limit})
        assert response.status_code == 422 and error_paths(response) == ["/limit"], limit
    assert error_paths(dry_run(api, "nurture", {"event": {"data": {}}})) == ["/event"]
    assert error_paths(dry_run(api, "nurture", {"bogus": 1})) == ["/bogus"]
    chinese = api.post("/api/v1/workflows/nurture/dry_run", json={"limit": 0},
                       headers={"Accept-Language": "zh-CN"})
    assert "参数" in chinese.get_json()["errors"][0]["message"]
    in_chinese = api.post("/api/v1/workflows/nurture/dry_run",
                          headers={"Accept-Language": "zh-CN"}).get_json()
    assert "现有记录" in in_chinese["assumes"]["message"]
    member = Api(app.test_client(), tenant.add_user("rep@example.com"))
    assert "items" not in problem(dry_run(member, "nurture"), 403, "customize_required")


def test_date_and_related_created_triggers(api: Api, engine: Engine) -> None:
    api.define(campaign())
    api.define(lead(fields=[{"api_name": "purchased_on", "type": "date"},
                            {"api_name": "last_reply_at", "type": "datetime"}]))
    api.define(task())
    today = engine.clock.now.date()
    recent = new_lead(api, full_name="Recent", purchased_on=(today - dt.timedelta(days=10))
                      .isoformat())
    new_lead(api, full_name="Long ago", purchased_on=(today - dt.timedelta(days=40))
             .isoformat())
    new_lead(api, full_name="Never")
    assert put_workflow(api, {
        "api_name": "survey", "object": "lead", "active": False,
        "trigger": {"on": "date", "field": "purchased_on", "days": 30},
        "steps": [{"id": "ask", "action": "update_record", "values": {"status": "working"}}],
    }).status_code == 200
    result = dry_run(api, "survey").get_json()
    [item] = result["items"]
    assert item["record"] == recent
    fires = dt.datetime.combine(today + dt.timedelta(days=20), dt.time(), dt.UTC)
    assert dt.datetime.fromisoformat(item["fires_at"]) == fires
    assert dt.datetime.fromisoformat(item["path"][0]["at"]) == fires
    assert result["totals"]["not_matched"] == 2

    assert put_workflow(api, {
        "api_name": "on_task", "object": "lead", "active": False,
        "trigger": {"on": "related_created", "related": "task",
                    "condition": {"field": "subject", "op": "contains", "value": "call"}},
        "steps": [{"id": "tag", "action": "add_tag", "field": "tags", "tag": "partner"}],
    }).status_code == 200
    call = api.post("/api/v1/records/task", json={"subject": "Call back",
                                                  "lead": recent}).get_json()["id"]
    api.post("/api/v1/records/task", json={"subject": "Email", "lead": recent})
    api.post("/api/v1/records/task", json={"subject": "Call, no lead"})
    related = dry_run(api, "on_task").get_json()
    assert [(i["record"], i["related"]) for i in related["items"]] == [(recent, call)]
    assert related["totals"]["considered"] == 2


def test_an_action_without_a_describer_is_described_from_its_step(
        api: Api, tenant: TenantHandle) -> None:
    """Actions added later (send_message) still dry-run: their parameters, rendered."""
    setup(api)
    lead_id = new_lead(api, full_name="Zhao Liu")
    with tenant.context() as ctx:
        guard = Guard(ctx, get_model(ctx, "lead"))
        table = guard.model.table
        row = dict(ctx.conn.execute(sa.select(table)).mappings().one())
        sim = Simulation(ctx, guard, FilterSources(ctx), row, {"type": "manual"}, ctx.now())
        described = describe_step(sim, {"id": "sms", "action": "send_message",
                                        "channel": "sms", "next": "end",
                                        "template": {"zh-CN": "{{record.full_name}},您好"}})
    assert described.would == {"action": "send_message", "called": False, "params": {
        "channel": "sms", "template": {"zh-CN": "Zhao Liu,您好"}}}
    assert lead_id == str(row["id"])


def test_timed_triggers(api: Api, engine: Engine) -> None:
    setup(api)
    new_lead(api, full_name="Quiet")
    new_lead(api, full_name="Also quiet")
    steps = [{"id": "tag", "action": "add_tag", "field": "tags", "tag": "cold"}]
    assert put_workflow(api, {"api_name": "dormant", "object": "lead", "active": False,
                              "trigger": {"on": "inactivity", "days": 90},
                              "steps": steps}).status_code == 200
    assert put_workflow(api, {"api_name": "weekly", "object": "lead", "active": False,
                              "trigger": {"on": "schedule", "cron": "0 9 * * 1"},
                              "steps": steps}).status_code == 200
    assert dry_run(api, "dormant").get_json()["totals"]["matched"] == 0
    start = engine.clock.now
    engine.clock.advance(days=91)
    dormant = dry_run(api, "dormant").get_json()
    assert dormant["totals"]["matched"] == 2
    for item in dormant["items"]:
        became = dt.datetime.fromisoformat(item["fires_at"])
        assert start <= became - dt.timedelta(days=90) <= start + dt.timedelta(minutes=1)
    weekly = dry_run(api, "weekly").get_json()
    monday = dt.datetime.fromisoformat(weekly["next_fire"])
    assert monday.weekday() == 0 and monday.hour == 9 and monday > engine.clock.now
    assert {i["path"][0]["at"] for i in weekly["items"]} == {weekly["next_fire"]}
