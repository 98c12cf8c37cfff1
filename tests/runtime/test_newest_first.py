"""Newest first is the id order: ``created_at`` is the instant the record's id carries.

``kernel.ids.record_stamp`` makes ``created_at`` a non-decreasing function of the id, so
``sort=created_at`` / ``-created_at`` (and the default order) walk the primary key or a
``(field, id)`` index and read about one page, for an admin and a restricted user alike.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from objectry.platform import tenancy
from objectry.platform.services import Services
from objectry.runtime import records
from objectry.runtime.access.people import actor_for
from objectry.runtime.kernel.context import Context
from objectry.runtime.kernel.ids import (
    id_instant,
    record_stamp,
    record_stamps,
    unix_ms,
    uuid7,
)
from objectry.runtime.model.compiled import get_model, tenant_table
from objectry.runtime.records import batch, deletion
from objectry.runtime.records.journal_tables import events
from objectry.runtime.schema import metadata_service
from tests.conftest import TenantHandle, make_tenant
from tests.docs_objects import campaign, lead
from tests.runtime import support

OBJECT = "stamped"
DOCUMENT = {"kind": "object", "api_name": OBJECT, "label": {"en": "Stamped"},
            "fields": [{"api_name": "name", "type": "text"}]}
BASE = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
#: clock readings as microsecond offsets: same millisecond, next one, backwards
STEPS = st.one_of(st.integers(0, 3), st.integers(0, 2500), st.integers(-2500, 0))

instants = st.datetimes(min_value=dt.datetime(1970, 1, 1), max_value=dt.datetime(9999, 1, 1),
                        timezones=st.just(dt.UTC))


@given(a=instants, b=instants)
def test_created_at_never_decreases_along_the_ids(a: dt.datetime, b: dt.datetime) -> None:
    (id_a, at_a), (id_b, at_b) = record_stamp(a), record_stamp(b)
    for now, rid, at in ((a, id_a, at_a), (b, id_b, at_b)):
        assert at == id_instant(rid) and at <= now < at + dt.timedelta(milliseconds=1)
        assert unix_ms(at) == unix_ms(now)
    if id_a < id_b:
        assert at_a <= at_b
    if str(id_a) < str(id_b):  # as SQLite compares them (hex text)
        assert at_a <= at_b


@given(a=instants, b=instants)
def test_legacy_stamps_differ_from_the_id_order_only_within_a_millisecond(
        a: dt.datetime, b: dt.datetime) -> None:
    """Records created before created_at was the id's instant kept the full clock
    reading, and their id's millisecond went through a float: sorting them by id can
    only swap two whose ids carry the same millisecond."""
    id_a, id_b = (uuid7(int(now.timestamp() * 1000)) for now in (a, b))
    if id_instant(id_a) != id_instant(id_b) and id_a < id_b:
        assert a <= b


@pytest.fixture(scope="module")
def stamped_tenant(services: Services) -> Iterator[TenantHandle]:
    tenant = make_tenant(services)
    support.define(tenant, DOCUMENT)
    yield tenant


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(steps=st.lists(STEPS, max_size=20), limit=st.integers(1, 6),
       descending=st.booleans())
@example(steps=[0, 0, 0, 1, 1, -1], limit=2, descending=True)
def test_created_at_order_is_the_id_order(stamped_tenant: TenantHandle, steps: list[int],
                                          limit: int, descending: bool) -> None:
    """Whatever the clock does (ties in one millisecond, going backwards), the pages of
    ``sort=created_at`` are the stored rows ordered by created_at, ties by id the same
    way, and that is the id order; updates, deletes and restores keep the stamp."""
    with support.rolled_back(stamped_tenant) as ctx:
        ctx.conn.execute(get_model(ctx, OBJECT).table.delete())
        now = BASE
        made = []
        for n, step in enumerate(steps):
            now += dt.timedelta(microseconds=step)
            at_now = dataclasses.replace(ctx, clock=lambda at=now: at)
            made.append(records.create(at_now, OBJECT, {"name": f"r{n}"})["id"])
        for rid in made[::3]:
            records.update(ctx, OBJECT, rid, {"name": "changed"})
            deletion.delete(ctx, OBJECT, rid)
            deletion.restore(ctx, OBJECT, rid)
        rows = support.stored_rows(ctx, OBJECT)
        assert all(row["created_at"] == id_instant(row["id"]) for row in rows)
        by_stamp = sorted(rows, key=lambda r: (r["created_at"], r["id"]), reverse=descending)
        assert by_stamp == sorted(rows, key=lambda r: r["id"], reverse=descending)
        spec = "-created_at" if descending else "created_at"
        walked: list[str] = []
        cursor = None
        for _ in range(len(steps) + 2):
            page = records.list_records(ctx, OBJECT, sort=spec, limit=limit, cursor=cursor)
            walked += [item["id"] for item in page["items"]]
            cursor = page["next_cursor"]
            if cursor is None:
                break
        assert walked == [str(r["id"]) for r in by_stamp]
        if descending:  # newest first is also the default order
            default = records.list_records(ctx, OBJECT, limit=200)["items"]
            assert [item["id"] for item in default] == walked


@given(now=instants, count=st.integers(0, 300))
def test_a_batchs_ids_ascend_in_its_order_within_its_millisecond(now: dt.datetime,
                                                                 count: int) -> None:
    ids, at = record_stamps(now, count)
    assert len(set(ids)) == count and at == record_stamp(now)[1]
    assert ids == sorted(ids) and [str(i) for i in ids] == sorted(str(i) for i in ids)
    for made in ids:
        assert made.version == 7 and made.variant == uuid.RFC_4122
        assert id_instant(made) == at and uuid.UUID(str(made)) == made


def test_a_bulk_create_lists_newest_first_in_reverse_of_its_order(
        stamped_tenant: TenantHandle) -> None:
    """A batch written in one millisecond (a fixed clock) still lists newest first as
    the reverse of the order its items came in, and its events follow that order."""
    with support.rolled_back(stamped_tenant) as ctx:
        ctx.conn.execute(get_model(ctx, OBJECT).table.delete())
        fixed = dataclasses.replace(ctx, clock=lambda: BASE)
        made = batch.create_many(fixed, OBJECT, [{"name": f"r{n}"} for n in range(40)])
        assert all(item.problem is None for item in made)
        listed = records.list_records(ctx, OBJECT, limit=200)["items"]
        assert [item["name"] for item in listed] == [f"r{n}" for n in reversed(range(40))]
        fired = ctx.conn.execute(sa.select(events.c.record_id).where(
            events.c.tenant_id == ctx.tenant.id, events.c.object == OBJECT,
            events.c.type == "record.created").order_by(events.c.id)).scalars().all()
        assert fired == [item.id for item in made]


# -- plans: a page of the newest, filtered on an indexed field, reads about a page ------

ROWS = 20_000


@pytest.fixture(scope="module")
def planned(services: Services) -> Iterator[tuple[TenantHandle, Context]]:
    """20,000 leads, half in Shanghai, those owned by a rep whose role shows their own."""
    tenant = make_tenant(services)
    support.define(tenant, campaign())
    support.define(tenant, lead())
    with tenant.context() as ctx:
        metadata_service.put_document(ctx, "role", "own_reader", {
            "kind": "role", "api_name": "own_reader", "label": {"en": "own"},
            "grants": {"lead": {"actions": ["read", "create"], "scope": "own",
                                "field_groups": {"contact": "edit", "company": "edit",
                                                 "default": "edit"}}}})
    with tenant.services.connection() as conn:
        tenancy.create_user(conn, tenancy.find_tenant(conn, tenant.slug), "rep@example.com",
                            now=services.clock(), roles=["own_reader"])
    with tenant.context() as ctx:
        rep = actor_for(ctx.conn, ctx.tenant.id, email="rep@example.com")
        assert rep is not None
        made = [records.create(ctx, "lead", {"full_name": f"L{i}", "city": city})["id"]
                for i, city in enumerate(("beijing", "shanghai"))]
        records.change_owner(ctx, "lead", made[1], rep.user_id)
        start = services.clock()
        rows = []  # bulk (setup only), stamped as records.create stamps them
        for i in range(ROWS):
            record_id, at = record_stamp(start + dt.timedelta(microseconds=137 * i))
            rows.append({"id": record_id, "version": 1, "created_at": at, "updated_at": at,
                         "full_name": f"B{i}", "city": "shanghai" if i % 2 else "beijing",
                         "owner": rep.user_id if i % 2 else None})
        ctx.conn.execute(get_model(ctx, "lead").table.insert(), rows)
    if services.engine.dialect.name == "postgresql":
        with services.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as c:
            c.exec_driver_sql("ANALYZE")
    yield tenant, rep  # type: ignore[misc]


def _page_statement(ctx: Context, **list_args: Any) -> tuple[str, Any]:
    """The SQL and parameters of the page query ``list_records`` runs."""
    seen: list[tuple[str, Any]] = []

    def capture(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any,
                executemany: bool) -> None:
        seen.append((statement, parameters))

    sa.event.listen(ctx.conn, "before_cursor_execute", capture)
    try:
        page = records.list_records(ctx, "lead", limit=50, **list_args)
    finally:
        sa.event.remove(ctx.conn, "before_cursor_execute", capture)
    assert len(page["items"]) == 50
    pages = [s for s in seen if "LIMIT" in s[0].upper() and "city" in s[0]]
    assert len(pages) == 1, seen
    return pages[0]


def _rows_read(ctx: Context, statement: str, parameters: Any) -> tuple[int, str]:
    """Rows the database reads from tables and indexes for ``statement``, and its plan.

    PostgreSQL: the actual rows of every scan node (EXPLAIN ANALYZE). SQLite: no row
    counts, so the plan must walk an index in order (no temporary B-tree sorting the
    table's rows) and the count is the rows of the page that the walk stops at."""
    conn = ctx.conn
    if conn.dialect.name == "postgresql":
        plan = conn.exec_driver_sql(f"EXPLAIN (ANALYZE, FORMAT JSON) {statement}",
                                    parameters).scalar()
        plan = plan if isinstance(plan, list) else json.loads(plan)
        total = 0

        def walk(node: dict[str, Any]) -> None:
            nonlocal total
            if "Scan" in node["Node Type"]:  # rows it read: those it kept, those it dropped
                kept = int(node["Actual Rows"]) + int(node.get("Rows Removed by Filter", 0))
                total += kept * int(node.get("Actual Loops", 1))
            for child in node.get("Plans", []):
                walk(child)

        walk(plan[0]["Plan"])
        return total, json.dumps(plan, indent=1, default=str)
    rows = conn.exec_driver_sql(f"EXPLAIN QUERY PLAN {statement}", parameters).all()
    text = "\n".join(f"{r[0]} {r[1]} {r[3]}" for r in rows)
    sorts_table = [r for r in rows if "TEMP B-TREE FOR ORDER BY" in r[3]
                   and not _sorts_only_a_page(rows, r)]
    table = ctx.storage.table_name("lead")  # the tenant's table, as the plan names it
    scans = [r for r in rows if r[3].startswith(f"SCAN {table}")
             and "INDEX" not in r[3] and "PRIMARY KEY" not in r[3]]
    return (ROWS if sorts_table or scans else 51), text


def _sorts_only_a_page(rows: list[Any], sort: Any) -> bool:
    """A sort of the top rows of each alternative (at most a page each), not the
    table's: the sort sits at the top of a query fetching rows by id from a list."""
    siblings = [r for r in rows if r[1] == sort[1] and r is not sort]
    return any("(id=?)" in r[3] for r in siblings)


@pytest.mark.parametrize("sort", [None, "-created_at", "created_at"])
@pytest.mark.parametrize("who", ["admin", "rep"])
def test_newest_page_on_an_indexed_filter_reads_a_page(planned: Any, who: str,
                                                       sort: str | None) -> None:
    tenant, rep = planned
    kwargs = {} if who == "admin" else {"actor": rep}
    with tenant.context(read_only=True, **kwargs) as ctx:
        statement, parameters = _page_statement(
            ctx, sort=sort, filter={"field": "city", "op": "eq", "value": "shanghai"})
        read, plan = _rows_read(ctx, statement, parameters)
    # 10,000 rows match for either: a page and its lookahead are 51 rows, read once by the
    # index walk and once more to fetch them; reading (and sorting) every match fails
    assert read <= 4 * 51, plan


@pytest.mark.parametrize("who", ["admin", "rep"])
def test_the_plan_check_fails_a_page_that_sorts_every_match(planned: Any, who: str) -> None:
    """The check above can fail: sorting the 10,000 matches on an unindexed field reads
    (and sorts) them all; a statement scanning the tenant's table (no sort) fails too."""
    tenant, rep = planned
    kwargs = {} if who == "admin" else {"actor": rep}
    with tenant.context(read_only=True, **kwargs) as ctx:
        statement, parameters = _page_statement(
            ctx, sort="-full_name", filter={"field": "city", "op": "eq", "value": "shanghai"})
        read, plan = _rows_read(ctx, statement, parameters)
        assert read > 4 * 51, plan
        table = tenant_table(get_model(ctx, "lead"), ctx.storage)  # compiled as text here
        scan = sa.select(table.c.id).where(table.c.full_name == "nobody").limit(50)
        compiled = scan.compile(ctx.conn, compile_kwargs={"literal_binds": True})
        read, plan = _rows_read(ctx, str(compiled), ())
        assert read > 4 * 51, plan
