"""Records service vs raw SQLAlchemy Core on the same table, in one run.

    python bench/records.py [--n 2000] [--rows 1000000] [--database-url URL]

Create, read and update N records through the records service (validation, audit and
outbox included, one transaction per write) and through raw Core (one transaction per
write), then list 50 rows filtered on an indexed field out of ``--rows`` rows. Prints
each median and the service/raw ratio. The targets of issue 2 on SQLite: create <= 3x
raw, the filtered list <= 20 ms median.

Both sides run each operation in its own transaction on the same engine; the service
side starts from an authenticated context (token resolution is the web layer's and is
one indexed query per request on top of these figures).
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from objectry.platform import tenancy
from objectry.platform.config import Settings
from objectry.platform.services import Services
from objectry.runtime import records
from objectry.runtime.functions.validation import RecordValidation
from objectry.runtime.kernel.context import Actor, Context
from objectry.runtime.kernel.ids import uuid7
from objectry.runtime.model.compiled import get_model, tenant_table
from objectry.runtime.schema import metadata_service

CITIES = ["shanghai", "beijing", "shenzhen", "hangzhou", "chengdu", "wuhan", "xian", "nanjing",
          "suzhou", "tianjin"]

LEAD = {
    "kind": "object", "api_name": "lead", "label": {"en": "Lead"},
    "fields": [
        {"api_name": "full_name", "type": "text", "max_length": 80},
        {"api_name": "email", "type": "email"},
        {"api_name": "city", "type": "picklist", "indexed": True, "options": CITIES},
        {"api_name": "employees", "type": "integer", "min": 0},
        {"api_name": "budget", "type": "currency"},
        {"api_name": "status", "type": "picklist", "options": ["new", "working", "mql"]},
    ],
}


def timed(service: Callable[[int], Any], raw: Callable[[int], Any],
          n: int) -> tuple[list[float], list[float]]:
    """Samples of both sides taken in turns, so a busy machine slows both alike."""
    samples: tuple[list[float], list[float]] = ([], [])
    for i in range(n):
        for action, taken in zip((service, raw), samples, strict=True):
            start = time.perf_counter()
            action(i)
            taken.append(time.perf_counter() - start)
    return samples


def report(label: str, service: list[float], raw: list[float]) -> None:
    ms_service = statistics.median(service) * 1000
    ms_raw = statistics.median(raw) * 1000
    print(f"{label:<28} service {ms_service:8.3f} ms   raw {ms_raw:8.3f} ms   "
          f"ratio {ms_service / ms_raw:5.2f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--n", type=int, default=2000)
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="objectry-bench-"))
    url = args.database_url or f"sqlite:///{workdir / 'bench.db'}"
    services = Services.start(Settings(database_url=url, data_dir=workdir), migrate=True)
    slug = "bench_" + uuid.uuid4().hex[:8]
    with services.connection() as conn:
        tenancy.create_tenant(conn, slug, None, now=services.clock())
    with services.for_tenant(slug) as ctx:
        metadata_service.put_document(ctx, "object", "lead", LEAD)
    with services.for_tenant(slug) as ctx:
        table = tenant_table(get_model(ctx, "lead"), ctx.storage)  # raw Core: its own
        tenant = ctx.tenant
    engine = services.engine

    @contextmanager
    def service_context(read_only: bool = False) -> Iterator[Context]:
        """What a request has after authentication: a context in one transaction, with
        the process-wide decision cache and a function session (validation functions)."""
        functions = RecordValidation(services.functions, services.engine)
        with services.connection(read_only=read_only) as conn:
            yield Context(tenant=tenant, actor=Actor.system(), conn=conn,
                          models=services.models, keys=services.keys,
                          decisions=services.decisions,
                          clock=services.clock, record_hooks=functions)
        functions.flush()
    print(f"database {engine.url.render_as_string(hide_password=True)}, N={args.n}")

    def values(i: int) -> dict[str, Any]:
        return {"full_name": f"Lead {i}", "email": f"lead{i}@example.com",
                "city": CITIES[i % len(CITIES)], "employees": i % 5000,
                "budget": "1234.50", "status": "new"}

    service_ids: list[str] = []

    def service_create(i: int) -> None:
        with service_context() as ctx:
            service_ids.append(records.create(ctx, "lead", values(i))["id"])

    raw_ids: list[uuid.UUID] = []

    def raw_create(i: int) -> None:
        now = services.clock()
        rid = uuid7()
        with engine.begin() as conn:
            conn.execute(table.insert(), {"id": rid, "version": 1, "created_at": now,
                                          "updated_at": now, **values(i)})
        raw_ids.append(rid)

    report("create (1 tx each)", *timed(service_create, raw_create, args.n))

    def service_read(i: int) -> None:
        with service_context(read_only=True) as ctx:
            records.get(ctx, "lead", service_ids[i])

    def raw_read(i: int) -> None:
        with services.connection(read_only=True) as conn:
            conn.execute(sa.select(table).where(table.c.id == raw_ids[i])).mappings().one()

    report("read by id", *timed(service_read, raw_read, args.n))

    def service_update(i: int) -> None:
        with service_context() as ctx:
            records.update(ctx, "lead", service_ids[i], {"employees": i + 1, "status": "working"})

    raw_update_statement = table.update().where(
        table.c.id == sa.bindparam("match_id")).values(version=table.c.version + 1)

    def raw_update(i: int) -> None:
        with engine.begin() as conn:
            conn.execute(raw_update_statement, {
                "match_id": raw_ids[i], "employees": i + 1, "status": "working",
                "updated_at": services.clock()})

    report("update (1 tx each)", *timed(service_update, raw_update, args.n))

    existing = 2 * args.n
    if args.rows > existing:
        fill(engine, table, args.rows - existing, services)
    misses_before = services.models.misses
    city = {"field": "city", "op": "eq", "value": "hangzhou"}

    def service_list(i: int) -> None:
        with service_context(read_only=True) as ctx:
            page = records.list_records(ctx, "lead", filter=city, limit=50)
            assert len(page["items"]) == 50

    def raw_list(i: int) -> None:
        with services.connection(read_only=True) as conn:
            rows = conn.execute(sa.select(table).where(
                table.c.city == "hangzhou", table.c.deleted_at.is_(None))
                .order_by(table.c.id.desc()).limit(51)).mappings().all()
            assert len(rows) == 51

    service_samples, raw_samples = timed(service_list, raw_list, 300)
    report(f"list 50 of {max(args.rows, existing):,} (indexed)", service_samples, raw_samples)
    print(f"  service list median {statistics.median(service_samples) * 1000:.2f} ms, "
          f"p95 {sorted(service_samples)[int(len(service_samples) * 0.95)] * 1000:.2f} ms")

    def service_newest(i: int) -> None:
        with service_context(read_only=True) as ctx:
            page = records.list_records(ctx, "lead", filter=city, sort="-created_at", limit=50)
            assert len(page["items"]) == 50

    def raw_newest(i: int) -> None:  # what plain SQL on created_at costs: it sorts
        with services.connection(read_only=True) as conn:
            rows = conn.execute(sa.select(table).where(
                table.c.city == "hangzhou", table.c.deleted_at.is_(None))
                .order_by(table.c.created_at.desc(), table.c.id.desc()).limit(51)).all()
            assert len(rows) == 51

    newest, raw_by_stamp = timed(service_newest, raw_newest, 300)
    report("  newest 50 (-created_at)", newest, raw_by_stamp)
    print("  (raw: ORDER BY created_at; the service walks the id order, which it equals)")
    print(f"  metadata compiled during the hot loop: {services.models.misses - misses_before} "
          "times (cached per metadata version)")
    print(f"work dir {workdir}")


def fill(engine: sa.Engine, table: sa.Table, count: int, services: Services) -> None:
    """Bulk rows straight through Core (setup only, not measured)."""
    start = time.perf_counter()
    now = services.clock()
    batch = 20_000
    for offset in range(0, count, batch):
        rows = [{"id": uuid7(), "version": 1, "created_at": now, "updated_at": now,
                 "full_name": f"Bulk {offset + j}", "city": CITIES[(offset + j) % len(CITIES)],
                 "employees": (offset + j) % 5000, "status": "new"}
                for j in range(min(batch, count - offset))]
        with engine.begin() as conn:
            conn.execute(table.insert(), rows)
    print(f"filled {count:,} rows in {time.perf_counter() - start:.1f} s")


if __name__ == "__main__":
    main()
