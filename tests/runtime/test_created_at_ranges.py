"""A ``created_at`` range is an id range: the primary key answers it.

The id carries the record's creation instant (``kernel.ids.record_stamp``), so the
filter compiler adds the id range a created_at range implies, and PostgreSQL record
tables need no (created_at, id) index: one index fewer per table in the catalog cache
of every backend that touches the tenant (docs/scaling.md). Filters on ``created_at``
must select exactly the records they did.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa

from objectry.platform.services import Services
from objectry.runtime import records
from objectry.runtime.kernel.ids import record_stamp
from objectry.runtime.model.compiled import created_at_index_name, get_model
from tests.conftest import TenantHandle, make_tenant
from tests.runtime import support

OBJECT = "stamped_range"
DOCUMENT = {
    "kind": "object",
    "api_name": OBJECT,
    "label": {"en": "Stamped"},
    "fields": [{"api_name": "name", "type": "text"}],
}
BASE = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
COUNT = 40


def created(i: int) -> dt.datetime:
    """When record ``r<i>`` was made: hourly, a few hundred microseconds past the hour."""
    return BASE + dt.timedelta(hours=i, microseconds=137 * i)


@pytest.fixture
def stamped(services: Services) -> Iterator[TenantHandle]:
    tenant = make_tenant(services)
    support.define(tenant, DOCUMENT)
    with tenant.context() as ctx:
        rows = []  # stamped as records.create stamps them, at chosen instants
        for i in range(COUNT):
            record_id, at = record_stamp(created(i))
            rows.append(
                {"id": record_id, "version": 1, "created_at": at, "updated_at": at, "name": f"r{i}"}
            )
        ctx.conn.execute(get_model(ctx, OBJECT).table.insert(), rows)
    yield tenant


def names(tenant: TenantHandle, condition: dict[str, Any]) -> set[str]:
    with tenant.context() as ctx:
        page = records.list_records(ctx, OBJECT, filter=condition, limit=100)
    return {item["name"] for item in page["items"]}


def expect(indexes: range | list[int]) -> set[str]:
    return {f"r{i}" for i in indexes}


@pytest.mark.parametrize(
    ("op", "value", "expected"),
    [
        ("gte", "2026-01-01T10:00:00Z", range(10, COUNT)),
        ("lt", "2026-01-01T10:00:00Z", range(0, 10)),
        # r10 was made at 10:00:00.001370, stored as 10:00:00.001
        ("lte", "2026-01-01T10:00:00.001Z", range(0, 11)),
        ("gt", "2026-01-01T10:00:00.001Z", range(11, COUNT)),
        ("between", ["2026-01-01T05:00:00Z", "2026-01-01T07:00:00Z"], [5, 6, 7]),
        ("eq", "2026-01-01T03:00:00Z", [3]),
        ("older_than_days", 1, range(0, COUNT)),
        ("last_n_days", 1, []),
    ],
)
def test_a_created_at_range_selects_what_it_did(
    stamped: TenantHandle, op: str, value: Any, expected: range | list[int]
) -> None:
    condition = {"field": "created_at", "op": op, "value": value}
    assert names(stamped, condition) == expect(expected)
    assert names(stamped, {"not": condition}) == expect(range(COUNT)) - expect(expected)


def test_the_page_query_bounds_the_id_and_postgresql_has_no_created_at_index(
    services: Services, stamped: TenantHandle
) -> None:
    seen: list[str] = []

    def capture(_conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        seen.append(statement)

    with stamped.context() as ctx:
        storage = ctx.storage
        sa.event.listen(ctx.conn, "before_cursor_execute", capture)
        try:
            records.list_records(
                ctx,
                OBJECT,
                filter={"field": "created_at", "op": "gte", "value": "2026-01-01T10:00:00Z"},
            )
        finally:
            sa.event.remove(ctx.conn, "before_cursor_execute", capture)
    pages = [s for s in seen if "created_at >=" in s]
    assert pages and all(".id >=" in s for s in pages), seen
    with services.engine.connect() as conn:
        indexes = {
            i["name"]
            for i in sa.inspect(conn).get_indexes(storage.table_name(OBJECT), schema=storage.schema)
        }
    assert created_at_index_name(storage, OBJECT) not in indexes


@pytest.mark.parametrize(
    "condition",
    [
        None,
        {"field": "created_at", "op": "gte", "value": "2026-01-01T10:00:00Z"},
        {
            "field": "created_at",
            "op": "between",
            "value": ["2026-01-01T05:00:00Z", "2026-01-01T07:00:00Z"],
        },
    ],
)
def test_sqlite_walks_the_primary_key_newest_first_and_for_created_at_ranges(
    services: Services, stamped: TenantHandle, condition: dict[str, Any] | None
) -> None:
    """SQLite has no (created_at, id) index either: the page, newest first, with or
    without a created_at range, is a walk of the primary key, never a sort."""
    if services.engine.dialect.name != "sqlite":
        pytest.skip("SQLite's query plan")
    seen: list[tuple[str, Any]] = []

    def capture(_conn: Any, _cursor: Any, statement: str, parameters: Any, *_: Any) -> None:
        seen.append((statement, parameters))

    with stamped.context() as ctx:
        sa.event.listen(ctx.conn, "before_cursor_execute", capture)
        try:
            page = records.list_records(ctx, OBJECT, filter=condition, limit=5)
        finally:
            sa.event.remove(ctx.conn, "before_cursor_execute", capture)
        table = ctx.storage.table_name(OBJECT)
        statement, parameters = next(
            (s, p) for s, p in seen if f"__{OBJECT}" in s and "ORDER BY" in s
        )
        plan = " ".join(
            row[3]
            for row in ctx.conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters).all()
        )
    assert f"sqlite_autoindex_{table}_1" in plan and "TEMP B-TREE" not in plan, plan
    ids = [item["id"] for item in page["items"]]
    assert ids == sorted(ids, reverse=True) and ids
