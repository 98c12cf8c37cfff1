"""Assignment rules and pool sweeps against plain work in the same run (issue 15).

    python bench/assignment.py [--n 20000] [--pooled 20000] [--due 2000] [--batch 500]
                               [--single 2000] [--dry 100000] [--database-url URL]

1. Assign N new leads through a 20-entry ``auto`` rule (20 cities -> 20 offices of 10
   reps, 200 recipients; round robin, weighted round robin and capped entries): leads
   created by the bulk path (``records.batch.create_many``, ``--batch`` per
   transaction) and assigned on create in the same transaction. Baseline: the same
   bulk creates while the rule is not ``auto``. Prints records/s of both, the ratio and
   the decision cost per record (the difference; the decisions of ``--n`` rows in
   batches alone, the rule's entries looked up by value against walked in order; and
   ``decide`` alone); then ``--single`` leads created one ``records.create`` call each,
   assigned on create.
2. The rule's dry run as a summary (``check`` with ``summary``) over ``--dry`` more
   leads, 1 in 100 missed. Baseline: counting the leads.
3. The pool sweep: ``--pooled`` leads in a pool, ``--due`` of them claimed and overdue;
   one sweep reclaims the due ones. Baseline: the same number of owner changes through
   ``records.change_owner`` with no sweep around them.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from objectry.metadata.catalog_tables import users
from objectry.platform import tenancy
from objectry.platform.config import Settings
from objectry.platform.services import Services
from objectry.runtime import records
from objectry.runtime.distribution import gaps, pool_sweep
from objectry.runtime.distribution.cursor_tables import pool_claims, pool_entries
from objectry.runtime.distribution.entry_index import EntryIndex
from objectry.runtime.distribution.rules import Batch, People, decide, load_rule
from objectry.runtime.kernel.context import Context
from objectry.runtime.kernel.ids import uuid7
from objectry.runtime.model.compiled import get_model, tenant_table
from objectry.runtime.records import batch
from objectry.runtime.records.ownership import change_owner
from objectry.runtime.schema import metadata_service

CITIES = [f"city{i:02d}" for i in range(20)]
LEAD = {
    "kind": "object", "api_name": "lead", "label": {"en": "Lead"},
    "fields": [
        {"api_name": "full_name", "type": "text", "max_length": 80},
        {"api_name": "mobile", "type": "phone"},
        {"api_name": "city", "type": "picklist", "indexed": True, "options": CITIES},
        {"api_name": "status", "type": "picklist", "options": ["new", "working", "mql"]},
    ],
}


def rule(*, auto: bool = False) -> dict[str, Any]:
    """20 entries, one per city: most round robin over an office, some weighted, some
    with a cap per recipient (a count of open leads per pick)."""
    entries = []
    for i, city in enumerate(CITIES):
        entry: dict[str, Any] = {"condition": {"field": "city", "op": "eq", "value": city},
                                 "to": [{"department": f"office{i:02d}"}]}
        if i % 5 == 1:
            entry["method"] = "weighted_round_robin"
            entry["to"] = [{"user": f"rep{i:02d}{j}@example.com", "weight": 1 + j % 3}
                           for j in range(10)]
        elif i % 5 == 2:
            entry["capacity"] = 1_000_000
        entries.append(entry)
    return {"object": "lead", "entries": entries, "auto": auto}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=20_000)
    parser.add_argument("--pooled", type=int, default=20_000)
    parser.add_argument("--due", type=int, default=2_000)
    parser.add_argument("--batch", type=int, default=500)
    parser.add_argument("--single", type=int, default=2_000,
                        help="records created one call each (auto assigned)")
    parser.add_argument("--dry", type=int, default=100_000,
                        help="leads added for the dry run")
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="objectry-bench-"))
    url = args.database_url or f"sqlite:///{workdir / 'bench.db'}"
    services = Services.start(Settings(database_url=url, data_dir=workdir), migrate=True)
    slug = "bench_" + uuid.uuid4().hex[:8]
    with services.connection() as conn:
        tenant = tenancy.create_tenant(conn, slug, None, now=services.clock())
        tenancy.create_user(conn, tenant, "admin@example.com", now=services.clock())
    with services.for_tenant(slug) as ctx:
        metadata_service.put_document(ctx, "object", "lead", LEAD)
        for i in range(20):
            metadata_service.put_document(ctx, "department", f"office{i:02d}",
                                          {"label": {"en": f"Office {i}"}})
    with services.connection() as conn:
        for i in range(20):
            for j in range(10):
                tenancy.create_user(conn, tenant, f"rep{i:02d}{j}@example.com",
                                    department=f"office{i:02d}", now=services.clock())
    with services.for_tenant(slug) as ctx:
        metadata_service.put_document(ctx, "assignment_rule", "by_city", rule())
        metadata_service.put_document(ctx, "pool", "sea", {
            "object": "lead", "reclaim": {"inactive_days": 30}})
    print(f"database {services.engine.url.render_as_string(hide_password=True)}, "
          f"N={args.n}, 20 entries, 200 recipients")

    @contextmanager
    def context() -> Iterator[Context]:
        with services.for_tenant(slug) as ctx:
            yield ctx

    def values(i: int) -> dict[str, Any]:
        return {"full_name": f"Lead {i}", "mobile": "021-62991640",
                "city": CITIES[i % len(CITIES)], "status": "new"}

    def bulk(ctx: Context, first: int, last: int) -> list[Any]:
        made = batch.create_many(ctx, "lead", [values(i) for i in range(first, last)])
        assert all(m.problem is None for m in made), made
        return made

    def batches(n: int) -> tuple[float, float]:
        """Wall and CPU seconds (this process's: steadier on a shared machine, though
        a PostgreSQL server's own CPU is not in it)."""
        start, cpu = time.perf_counter(), time.process_time()
        for first in range(0, n, args.batch):
            with context() as ctx:
                bulk(ctx, first, min(n, first + args.batch))
        return time.perf_counter() - start, time.process_time() - cpu

    plain, plain_cpu = batches(args.n)  # the rule exists but is not auto: no assignment
    with services.for_tenant(slug) as ctx:
        metadata_service.put_document(ctx, "assignment_rule", "by_city", rule(auto=True))
    assigned, assigned_cpu = batches(args.n)
    with context() as ctx:  # every lead of the second run went to an office's rep
        table = get_model(ctx, "lead").table
        admin = ctx.actor.user_id
        admins = ctx.conn.execute(sa.select(sa.func.count()).select_from(table).where(
            table.c.owner.is_(None) if admin is None else table.c.owner == admin)
        ).scalar_one()
    assert admins == args.n, admins
    print(f"bulk create only       {args.n / plain:9.0f} records/s   (batches of {args.batch}; "
          f"{args.n / plain_cpu:.0f}/s of CPU)")
    print(f"bulk create + assign   {args.n / assigned:9.0f} records/s   "
          f"ratio {assigned / plain:5.2f}x   ({args.n / assigned_cpu:.0f}/s of CPU)")
    print(f"  decision + owner change per record {(assigned - plain) / args.n * 1e6:8.0f} us")
    single = min(args.n, args.single)
    start = time.perf_counter()
    for first in range(0, single, args.batch):
        with context() as ctx:
            for i in range(first, min(single, first + args.batch)):
                records.create(ctx, "lead", values(i))
    one_by_one = time.perf_counter() - start
    print(f"single create + assign {single / one_by_one:9.0f} records/s   (N={single}, "
          f"one create call each, batches of {args.batch} per transaction)")
    decision_bench(context, values, args)
    samples = []
    with context() as ctx:
        loaded = load_rule(ctx, "by_city")
        people = People(ctx)
        for i in range(2000):
            row = {"id": uuid7(), "owner": None, **values(i)}
            start = time.perf_counter()
            decide(ctx, loaded, row, people, take_turn=True)
            samples.append(time.perf_counter() - start)
    print(f"  decide alone (median of 2000)      {statistics.median(samples) * 1e6:8.0f} us")
    dry_bench(services, context, args)
    sweep_bench(services, context, args)
    print(f"work dir {workdir}")


def decision_bench(context: Callable[[], Any], values: Callable[[int], dict[str, Any]],
                   args: Any) -> None:
    """The decisions of a bulk create alone: ``--n`` new rows decided in batches of
    ``--batch`` as ``auto`` does (one ``Batch`` each: cursors and loads once; the turns
    taken are not written), the rule's entries found through its index and, as before
    the index, walked in order."""
    def run(indexed: bool, n: int = args.n) -> tuple[float, float]:
        wall = cpu = 0.0
        with context() as ctx:
            loaded = load_rule(ctx, "by_city")
            if not indexed:  # every entry tried on every record, in order
                count = len(loaded.entries)
                loaded = dataclasses.replace(loaded, index=EntryIndex(
                    count, tuple(range(count)), ()))
            people = People(ctx)
            for first in range(0, n, args.batch):
                rows = [{"id": uuid7(), "owner": None, **values(i)}
                        for i in range(first, min(n, first + args.batch))]
                start, started = time.perf_counter(), time.process_time()
                batch = Batch(ctx)
                for row in rows:
                    decision = decide(ctx, loaded, row, people, batch=batch)
                    picked = people.by_id.get(decision["owner"] or "")
                    batch.owned(ctx, row, None, picked and picked.user_id)
                wall += time.perf_counter() - start
                cpu += time.process_time() - started
        return wall, cpu

    for indexed in (False, True):  # warm up: rule, people, statements
        run(indexed, min(args.n, 2 * args.batch))
    linear, linear_cpu = run(False)
    looked_up, looked_up_cpu = run(True)
    print(f"  decide in a batch (N={args.n})    {looked_up / args.n * 1e6:8.1f} us/record "
          f"({looked_up_cpu / args.n * 1e6:.1f} CPU); entries walked in order "
          f"{linear / args.n * 1e6:.1f} us ({linear_cpu / args.n * 1e6:.1f} CPU); "
          f"ratio {looked_up_cpu / linear_cpu:5.2f}x")


def dry_bench(services: Services, context: Callable[[], Any], args: Any) -> None:
    """The rule's dry run as a summary over ``--dry`` more leads (1 in 100 with no
    city: missed), against counting the same leads."""
    with context() as ctx:
        table = tenant_table(get_model(ctx, "lead"), ctx.storage)
    long_ago = services.clock() - dt.timedelta(days=40)
    with services.engine.begin() as conn:  # setup only, straight through Core
        for first in range(0, args.dry, 10_000):
            conn.execute(table.insert(), [
                {"id": uuid7(), "version": 1, "created_at": long_ago, "updated_at": long_ago,
                 "full_name": "Dry", "city": None if i % 100 == 0 else CITIES[i % 20]}
                for i in range(first, min(args.dry, first + 10_000))])
    start = time.perf_counter()
    with context() as ctx:
        total = ctx.conn.execute(sa.select(sa.func.count()).select_from(
            get_model(ctx, "lead").table).where(
            get_model(ctx, "lead").table.c.deleted_at.is_(None))).scalar_one()
    counting = time.perf_counter() - start
    start = time.perf_counter()
    with context() as ctx:
        report = gaps.check_rule(ctx, "by_city", {"summary": True, "limit": 100})
    dry = time.perf_counter() - start
    assert report["checked"] == total and report["missed_count"] >= args.dry // 100, report
    print(f"dry run (summary) over {total:,} leads: {dry:6.2f} s "
          f"({report['missed_count']:,} missed, first {len(report['missed'])} with near "
          f"misses); counting them {counting:6.2f} s")


def sweep_bench(services: Services, context: Callable[[], Any], args: Any) -> None:
    """``--pooled`` pooled leads, ``--due`` claimed and overdue; one sweep."""
    with context() as ctx:
        model = get_model(ctx, "lead")
        table = tenant_table(model, ctx.storage)
        tenant_id = ctx.tenant.id
        holder = _user(ctx)
    now = services.clock()
    long_ago = now - dt.timedelta(days=40)
    ids = [uuid7() for _ in range(args.pooled + args.due)]
    with services.engine.begin() as conn:  # setup only, straight through Core
        for first in range(0, len(ids), 5000):
            chunk = ids[first:first + 5000]
            due = set(chunk[max(0, args.pooled - first):])
            conn.execute(table.insert(), [
                {"id": rid, "version": 1, "created_at": long_ago, "updated_at": long_ago,
                 "full_name": "Pooled", "city": CITIES[0],
                 "owner": holder if rid in due else None} for rid in chunk])
            conn.execute(pool_entries.insert(), [
                {"tenant_id": tenant_id, "object": "lead", "record_id": rid, "pool": "sea",
                 "state": "claimed" if rid in due else "pooled",
                 "holder": holder if rid in due else None, "since": long_ago,
                 "due_at": long_ago + dt.timedelta(days=30) if rid in due else None}
                for rid in chunk])
            if due:
                conn.execute(pool_claims.insert(), [
                    {"tenant_id": tenant_id, "pool": "sea", "object": "lead",
                     "record_id": rid, "user_id": holder, "claimed_at": long_ago}
                    for rid in chunk if rid in due])
    due_ids = ids[args.pooled:]
    baseline_ids = [uuid7() for _ in range(args.due)]
    with services.engine.begin() as conn:
        conn.execute(table.insert(), [
            {"id": rid, "version": 1, "created_at": long_ago, "updated_at": long_ago,
             "full_name": "Owned", "city": CITIES[0], "owner": holder}
            for rid in baseline_ids])
    start = time.perf_counter()
    with context() as ctx:  # a system context, as the sweep's
        for rid in baseline_ids:
            change_owner(ctx, "lead", rid, None, grants="revoke", because={"bench": 1})
    baseline = time.perf_counter() - start
    start = time.perf_counter()
    with context() as ctx:
        report = pool_sweep.sweep(ctx)
    swept = time.perf_counter() - start
    assert report.reclaimed == len(due_ids), report
    print(f"pool sweep: {args.pooled + args.due:,} pooled, {args.due:,} due -> "
          f"{report.reclaimed:,} reclaimed in {swept:6.2f} s "
          f"({args.due / swept:7.0f}/s); {args.due:,} plain owner changes {baseline:6.2f} s; "
          f"ratio {swept / baseline:5.2f}x")


def _user(ctx: Context) -> uuid.UUID:
    """The holder of the claimed leads."""
    return uuid.UUID(str(ctx.conn.execute(sa.select(users.c.id).where(
        users.c.tenant_id == ctx.tenant.id, users.c.email == "rep000@example.com")
    ).scalar_one()))


if __name__ == "__main__":
    main()
