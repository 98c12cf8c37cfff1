"""The aggregate API: groups, buckets, measures, having, sort; through the caller's
access (rows they cannot see not counted, hidden fields refused, hidden values empty)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.analytics.objects import account, deal, label
from tests.conftest import Api, TenantHandle, error_codes, error_paths

ROWS = (("a", "won", "2026-01-05", "100"), ("b", "won", "2026-01-20", "50.50"),
        ("c", "lost", "2026-02-03", "10"), ("d", "new", "2026-04-01", None),
        ("e", "won", "2026-04-30", "30"))


@pytest.fixture
def deals(api: Api) -> None:
    api.define(account())
    api.define(deal())
    for name, status, closed, revenue in ROWS:
        created = api.post("/api/v1/records/deal", json={
            "name": name, "status": status, "closed_on": closed, "revenue": revenue,
            "cost": "10"})
        assert created.status_code == 201, created.get_json()


def run(api: Api, body: dict[str, Any]) -> list[dict[str, Any]]:
    response = api.post("/api/v1/records/deal/aggregate", json=body)
    assert response.status_code == 200, response.get_json()
    items: list[dict[str, Any]] = response.get_json()["items"]
    return items


def test_count_by_status_and_month(api: Api, deals: None) -> None:
    items = run(api, {"group_by": ["status", {"field": "closed_on", "bucket": "month"}],
                      "measures": [{"op": "count"}, {"op": "sum", "field": "revenue"}]})
    found = {(i["status"], i["closed_on_month"]): (i["count"], i["sum_revenue"])
             for i in items}
    assert found == {("won", "2026-01-01"): (2, "150.50"), ("lost", "2026-02-01"): (1, "10.00"),
                     ("new", "2026-04-01"): (1, None), ("won", "2026-04-01"): (1, "30.00")}


def test_quarters_weeks_having_sort_limit(api: Api, deals: None) -> None:
    quarters = run(api, {"group_by": [{"field": "closed_on", "bucket": "quarter"}],
                         "measures": [{"op": "count"}]})
    assert [(i["closed_on_quarter"], i["count"]) for i in quarters] == [
        ("2026-01-01", 3), ("2026-04-01", 2)]
    weeks = run(api, {"group_by": [{"field": "closed_on", "bucket": "week"}],
                      "measures": [{"op": "count"}], "filter": {
                          "field": "name", "op": "eq", "value": "a"}})
    assert weeks == [{"closed_on_week": "2026-01-05", "count": 1}]  # a Monday
    top = run(api, {"group_by": ["status"], "measures": [
        {"op": "avg", "field": "revenue", "as": "mean"}, {"op": "max", "field": "revenue"}],
        "having": [{"measure": "mean", "op": "gt", "value": 20}],
        "sort": ["-mean"], "limit": 1})
    assert len(top) == 1 and top[0]["status"] == "won"
    assert float(top[0]["mean"]) == pytest.approx(60.1666, abs=1e-3)
    assert top[0]["max_revenue"] == 100


def test_formulas_group_and_measure(api: Api, deals: None) -> None:
    items = run(api, {"measures": [{"op": "sum", "field": "roi"}]})
    # (100-10)/10 + (50.5-10)/10 + 0 + NULL + (30-10)/10
    assert float(items[0]["sum_roi"]) == pytest.approx(9 + 4.05 + 0 + 2)


@pytest.mark.parametrize(("body", "path", "code"), [
    ({"group_by": ["nope"]}, "/group_by/0", "unknown_field"),
    ({"group_by": [{"field": "name", "bucket": "month"}]}, "/group_by/0/bucket",
     "aggregate_bucket_needs_date"),
    ({"measures": [{"op": "sum", "field": "name"}]}, "/measures/0/field",
     "aggregate_field_not_measurable"),
    ({"measures": [{"op": "median", "field": "cost"}]}, "/measures/0/op", "schema_enum"),
    ({"sort": ["zzz"]}, "/sort/0", "aggregate_unknown_measure"),
    ({"limit": 0}, "/limit", "schema_type"),
    ({"bogus": 1}, "/bogus", "schema_unknown_property"),
])
def test_bad_requests_point_at_the_culprit(api: Api, deals: None, body: dict[str, Any],
                                           path: str, code: str) -> None:
    response = api.post("/api/v1/records/deal/aggregate", json=body)
    assert response.status_code == 422, response.get_json()
    assert error_paths(response) == [path] and error_codes(response) == [code]


def test_a_restricted_user_sees_nothing_more(api: Api, tenant: TenantHandle,
                                             deals: None) -> None:
    response = api.put("/api/v1/meta/roles/clerk", json={
        "kind": "role", "api_name": "clerk", "label": label("clerk"), "grants": {
            "deal": {"actions": ["read", "create"], "scope": "own",
                     "field_groups": {"default": "edit", "money": "none"}}}})
    assert response.status_code == 200, response.get_json()
    clerk = Api(api.client, tenant.add_user("clerk@example.com", roles=["clerk"]))
    mine = clerk.post("/api/v1/records/deal", json={"name": "own", "status": "won"})
    assert mine.status_code == 201, mine.get_json()
    # only their own record is counted, like their list
    assert run(clerk, {"group_by": ["status"], "measures": [{"op": "count"}]}) == [
        {"status": "won", "count": 1}]
    listed = clerk.get("/api/v1/records/deal").get_json()["items"]
    assert [i["name"] for i in listed] == ["own"]
    for body, path in (({"measures": [{"op": "sum", "field": "revenue"}]},
                        "/measures/0/field"),
                       ({"group_by": ["revenue"]}, "/group_by/0")):
        refused = clerk.post("/api/v1/records/deal/aggregate", json=body)
        assert refused.status_code in (403, 422)
        assert error_paths(refused) == [path]
    # the formula over the hidden revenue has no value for them
    assert run(clerk, {"measures": [{"op": "max", "field": "roi"}]}) == [{"max_roi": None}]


def test_system_fields_group_too(api: Api, deals: None) -> None:
    items = run(api, {"group_by": [{"field": "created_at", "bucket": "day"}],
                      "measures": [{"op": "count"}, {"op": "max", "field": "created_at"}]})
    assert sum(i["count"] for i in items) == len(ROWS)
    assert all(len(i["created_at_day"]) == 10 for i in items)


def test_month_buckets_measure_every_op(api: Api, deals: None) -> None:
    items = run(api, {"group_by": [{"field": "closed_on", "bucket": "month"}], "measures": [
        {"op": "count"}, {"op": "count", "field": "revenue"},
        {"op": "avg", "field": "revenue", "as": "mean"}, {"op": "min", "field": "revenue"},
        {"op": "max", "field": "revenue"}, {"op": "sum", "field": "revenue"}],
        "having": [{"measure": "mean", "op": "gt", "value": 15}], "sort": ["-mean"]})
    found = [(i["closed_on_month"], i["count"], i["count_revenue"], float(i["mean"]),
              float(i["min_revenue"]), float(i["max_revenue"]), i["sum_revenue"])
             for i in items]
    assert found == [("2026-01-01", 2, 2, 75.25, 50.5, 100.0, "150.50"),
                     ("2026-04-01", 2, 1, 30.0, 30.0, 30.0, "30.00")]
