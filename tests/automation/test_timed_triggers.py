"""Clock-driven workflows: N days after a date, yearly dates, dormancy and schedules,
all with a moved clock and none firing twice."""

from __future__ import annotations

import datetime as dt
from typing import Any

from tests.automation.conftest import Engine
from tests.automation.test_workflows import put_workflow, runs_of, tasks_of
from tests.conftest import Api, error_paths
from tests.docs_objects import campaign, lead, task


def setup(api: Api) -> None:
    api.define(campaign())
    api.define(lead(fields=[{"api_name": "purchased_on", "type": "date"},
                            {"api_name": "birthday", "type": "date"},
                            {"api_name": "review_score", "type": "integer"}]))
    api.define(task())
    api.define({"kind": "object", "api_name": "activity",
                "label": {"en": "Activity", "zh-CN": "活动记录"},
                "fields": [{"api_name": "activity_type", "type": "text"},
                           {"api_name": "lead", "type": "lookup", "target": "lead",
                            "on_target_delete": "cascade"}]})


def status(api: Api, lead_id: str) -> Any:
    return api.get(f"/api/v1/records/lead/{lead_id}").get_json()


def test_thirty_days_after_purchase_survey_then_branch_on_the_review(
        api: Api, engine: Engine) -> None:
    """S7 rule B: 30 days after purchase a survey; a bad review opens a service task,
    a good one earns a coupon tag."""
    setup(api)
    assert put_workflow(api, {
        "api_name": "after_purchase", "object": "lead",
        "trigger": {"on": "date", "field": "purchased_on", "days": 30},
        "steps": [
            {"id": "survey", "action": "update_record", "values": {"status": "working"}},
            {"id": "await_review", "wait": {"until": {"field": "review_score",
                                                      "op": "is_not_empty"},
                                            "check_every": {"hours": 6},
                                            "timeout": {"days": 7}, "on_timeout": "end"}},
            {"id": "judge", "branch": [{"if": {"field": "review_score", "op": "lte",
                                               "value": 2}, "then": "service"}],
             "else": "coupon"},
            {"id": "service", "action": "create_record", "object": "task",
             "values": {"subject": "Service follow-up: bad review", "lead": "{{record.id}}"},
             "next": "end"},
            {"id": "coupon", "action": "add_tag", "field": "tags", "tag": "vip"},
        ]}).status_code == 200
    engine.tick()
    today = engine.clock.now.date()
    unhappy = api.post("/api/v1/records/lead", json={
        "full_name": "Unhappy", "purchased_on": today.isoformat()}).get_json()["id"]
    happy = api.post("/api/v1/records/lead", json={
        "full_name": "Happy", "purchased_on": today.isoformat()}).get_json()["id"]
    silent = api.post("/api/v1/records/lead", json={
        "full_name": "Silent", "purchased_on": today.isoformat()}).get_json()["id"]
    engine.later(days=29)
    assert status(api, unhappy)["status"] == "new"
    engine.later(days=1, minutes=1)
    assert [status(api, i)["status"] for i in (unhappy, happy, silent)] == ["working"] * 3

    api.patch(f"/api/v1/records/lead/{unhappy}", json={"review_score": 1})
    api.patch(f"/api/v1/records/lead/{happy}", json={"review_score": 5})
    engine.later(hours=6)
    assert [t["subject"] for t in tasks_of(api, unhappy)] == ["Service follow-up: bad review"]
    assert status(api, happy)["tags"] == ["vip"]
    assert tasks_of(api, happy) == []
    engine.later(days=8)
    [run] = runs_of(api, silent)
    assert run["status"] == "completed"
    assert run["steps"][-1]["output"] == {"condition": "timed_out"}
    engine.later(days=400)  # the date passed once: it never fires again
    assert len(runs_of(api, unhappy)) == 1


def test_three_days_before_a_birthday_every_year(api: Api, engine: Engine) -> None:
    setup(api)
    put_workflow(api, {"api_name": "birthday", "object": "lead",
                       "trigger": {"on": "date", "field": "birthday", "days": -3,
                                   "yearly": True},
                       "steps": [{"id": "greet", "action": "create_record", "object": "task",
                                  "values": {"subject": "Birthday card",
                                             "lead": "{{record.id}}"}}]})
    engine.tick()
    soon = engine.clock.now.date() + dt.timedelta(days=10)
    born = soon.replace(year=1990) if not (soon.month == 2 and soon.day == 29) else soon
    lead_id = api.post("/api/v1/records/lead", json={
        "full_name": "Birthday", "birthday": born.isoformat()}).get_json()["id"]
    engine.later(days=6)
    assert tasks_of(api, lead_id) == []
    engine.later(days=1, minutes=1)
    assert len(tasks_of(api, lead_id)) == 1
    engine.later(days=365)
    assert len(tasks_of(api, lead_id)) == 2


def test_ninety_day_dormancy_wakes_each_quiet_lead_once(api: Api, engine: Engine) -> None:
    setup(api)
    put_workflow(api, {"api_name": "dormancy", "object": "lead",
                       "trigger": {"on": "inactivity", "days": 90,
                                   "activity": {"object": "activity"}},
                       "steps": [{"id": "wake", "action": "add_tag", "field": "tags",
                                  "tag": "cold"}]})
    engine.tick()
    quiet = api.post("/api/v1/records/lead", json={"full_name": "Quiet"}).get_json()["id"]
    busy = api.post("/api/v1/records/lead", json={"full_name": "Busy"}).get_json()["id"]
    engine.later(days=10)
    api.post("/api/v1/records/activity", json={"activity_type": "page_view", "lead": busy})
    engine.later(days=80, minutes=1)
    assert status(api, quiet)["tags"] == ["cold"]
    assert status(api, busy)["tags"] is None
    engine.later(days=10)
    assert status(api, busy)["tags"] == ["cold"]
    engine.later(days=30)
    assert len(runs_of(api, quiet)) == 1 and len(runs_of(api, busy)) == 1


def test_a_daily_schedule_runs_for_matching_records(api: Api, engine: Engine) -> None:
    setup(api)
    put_workflow(api, {"api_name": "daily", "object": "lead",
                       "trigger": {"on": "schedule", "cron": "0 9 * * *",
                                   "condition": {"field": "status", "op": "eq",
                                                 "value": "new"}},
                       "steps": [{"id": "touch", "action": "create_record", "object": "task",
                                  "values": {"subject": "Daily check", "lead": "{{record.id}}"}}]})
    engine.tick()
    fresh = api.post("/api/v1/records/lead", json={"full_name": "Fresh"}).get_json()["id"]
    done = api.post("/api/v1/records/lead", json={"full_name": "Done",
                                                  "status": "mql"}).get_json()["id"]
    engine.later(days=2)  # crosses two 09:00 instants (catch-up after a pause)
    assert len(tasks_of(api, fresh)) == 2
    assert tasks_of(api, done) == []
    bad = put_workflow(api, {"api_name": "bad_cron", "object": "lead",
                             "trigger": {"on": "schedule", "cron": "61 * * * *"},
                             "steps": [{"id": "noop", "action": "end"}]})
    assert bad.status_code == 422 and error_paths(bad) == ["/trigger/cron"]
