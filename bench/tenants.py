"""Many tenants on one node: memory, backends, first requests, creation, migrations.

    python bench/tenants.py [--tenants 50] [--objects 30] [--database-url URL]
                            [--skip-before] [--recycle-tenants 100] [--recycle-uses 0]
                            [--no-migration]

Creates ``--tenants`` tenants with the same ``--objects`` objects of 15 fields each
(what a pack installs everywhere), each with an administrator and a restricted user
(role ``viewer``: read, scope all), in one transaction per tenant
(``platform/provisioning.py``, what ``POST /tenants`` and ``objectry tenant create``
run). Then it measures:

* creation time per tenant (median, first, last), and its CPU time (``process_time``)
  and wall time around the 1st, 50th, 100th, 150th and 300th tenant (on SQLite it grows
  with the file's schema: docs/scaling.md "Provisioning");
* before (unless ``--skip-before``): one compiled model per (tenant, object), as the
  model cache held them until issue 21, with tracemalloc;
* now: each tenant touched as the platform serves it, once as its administrator (one
  record created and one page listed per object) and once as the restricted user (one
  page listed per object, the record read), with the process's model and decision
  caches: MB per active tenant (tracemalloc, and the process's RSS growth);
* PostgreSQL: the private memory (``RssAnon`` of ``/proc/<pid>/status``) of the backends
  serving the benchmark, never recycled, per tenant touched; then the same tenants
  touched again with connections recycled after ``--recycle-tenants`` tenants
  (``OBJECTRY_DB_RECYCLE_TENANTS``) or ``--recycle-uses`` uses
  (``OBJECTRY_DB_RECYCLE_USES``; 0: no such bound) and the largest backend seen;
* cold/warm first request: the restricted user's first page of one object with fresh
  process caches, then again;
* a tenant migration over every tenant (the platform's steps plus a bench step that
  indexes one column of every record table), one tenant per transaction, timed.

The target of issue 21 is <= 1 MB per active tenant. Use a database of its own for
PostgreSQL (the migration step is the bench's, and every tenant of it is migrated).
"""

from __future__ import annotations

import argparse
import dataclasses
import gc
import itertools
import statistics
import tempfile
import time
import tracemalloc
import uuid
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from objectry.metadata import store
from objectry.platform import tenancy, tenant_migrations
from objectry.platform.config import Settings
from objectry.platform.db import make_engine
from objectry.platform.provisioning import provision
from objectry.platform.services import Services
from objectry.platform.tenant_migrations import STEPS, TenantRef, TenantStep
from objectry.platform.tenant_migrations.steps import tenant_object_tables
from objectry.runtime import records
from objectry.runtime.kernel.context import Actor
from objectry.runtime.kernel.storage import TenantStorage
from objectry.runtime.model.compiled import compile_object, load_hidden

MB = 1024 * 1024


def fields() -> list[dict[str, Any]]:
    """15 fields of the common kinds."""
    label = {"en": "Field", "zh-CN": "字段"}
    kinds: list[dict[str, Any]] = [
        {"type": "text", "max_length": 80}, {"type": "text", "indexed": True},
        {"type": "text"}, {"type": "long_text"}, {"type": "email"}, {"type": "phone"},
        {"type": "integer", "min": 0}, {"type": "integer"}, {"type": "currency"},
        {"type": "date"}, {"type": "datetime"}, {"type": "boolean"},
        {"type": "picklist", "options": ["new", "working", "won", "lost"], "indexed": True},
        {"type": "url"}, {"type": "percent"},
    ]
    return [{"api_name": f"f{i:02d}", "label": label, **kind} for i, kind in enumerate(kinds)]


def objects(count: int) -> list[dict[str, Any]]:
    return [{"kind": "object", "api_name": f"obj{i:02d}",
             "label": {"en": f"Object {i}", "zh-CN": f"对象 {i}"}, "fields": fields()}
            for i in range(count)]


def viewer(count: int) -> dict[str, Any]:
    """The restricted user's role: read every object, nothing else."""
    return {"kind": "role", "api_name": "viewer", "label": {"en": "Viewer", "zh-CN": "只读"},
            "grants": {f"obj{i:02d}": {"actions": ["read"], "scope": "all",
                                       "field_groups": {"default": "read"}}
                       for i in range(count)}}


def used() -> int:
    gc.collect()
    return tracemalloc.get_traced_memory()[0]


def rss() -> int:
    """This process's resident memory in bytes."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


def per_tenant(samples: list[int]) -> tuple[float, float]:
    """(MB per tenant over all, marginal MB of one more tenant after the first)."""
    total = (samples[-1] - samples[0]) / (len(samples) - 1) / MB
    marginal = (samples[-1] - samples[1]) / max(1, len(samples) - 2) / MB
    return total, marginal


class Backends:
    """The private memory of the PostgreSQL backends that serve this benchmark (its
    database, other than the sampler's own): read from ``/proc`` on this host."""

    def __init__(self, url: str) -> None:
        self.engine = make_engine(url, poolclass=sa.pool.NullPool)

    def sample(self) -> dict[int, int]:
        """Backend pid -> private (anonymous) resident bytes."""
        with self.engine.connect() as conn:
            pids = conn.execute(sa.text(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                "AND backend_type = 'client backend' AND pid <> pg_backend_pid()")).scalars()
            found = {}
            for pid in pids:
                try:
                    status = Path(f"/proc/{pid}/status").read_text()
                except OSError:
                    continue  # gone meanwhile, or another host
                for line in status.splitlines():
                    if line.startswith("RssAnon:"):
                        found[pid] = int(line.split()[1]) * 1024
            return found

    def close(self) -> None:
        self.engine.dispose()


def memory_contexts(services: Services) -> dict[str, tuple[int, int, int]]:
    """PostgreSQL: (allocated bytes, used bytes, how many) per memory context name of the
    backend a pooled connection of ``services`` holds (``pg_backend_memory_contexts``
    shows the own backend only; one request at a time gets that same connection)."""
    with services.connection(read_only=True) as conn:
        rows = conn.execute(sa.text(
            "SELECT name, sum(total_bytes), sum(used_bytes), count(*) "
            "FROM pg_backend_memory_contexts GROUP BY name"))
        return {name: (int(total), int(used), int(n)) for name, total, used, n in rows}


def used_per_tenant(samples: list[dict[str, tuple[int, int, int]]]) -> tuple[float, int]:
    """(mean used bytes a tenant added, tenants counted): tenants during which the
    backend's caches were reset (other sessions' DDL overflowing PostgreSQL's shared
    invalidation queue; seen as fewer "index info" contexts added than usual) left out."""
    def indexes(sample: dict[str, tuple[int, int, int]]) -> int:
        return sample.get("index info", (0, 0, 0))[2]

    added = [indexes(b) - indexes(a) for a, b in itertools.pairwise(samples)]
    usual = statistics.mode(added) if added else 0
    kept = [sum(v[1] for v in b.values()) - sum(v[1] for v in a.values())
            for (a, b), n in zip(itertools.pairwise(samples), added, strict=True)
            if n == usual]
    return (statistics.mean(kept) if kept else 0.0), len(kept)


def context_growth(before: dict[str, tuple[int, int, int]],
                   after: dict[str, tuple[int, int, int]], tenants: int, top: int = 4) -> str:
    """The contexts whose allocated bytes grew most, in KB per tenant."""
    grown = sorted(((after[n][0] - before.get(n, (0, 0, 0))[0], n) for n in after),
                   reverse=True)
    return ", ".join(f"{name} {delta / tenants / 1024:.0f} KB"
                     for delta, name in grown[:top] if delta > 0)


@dataclasses.dataclass(frozen=True)
class Made:
    slug: str
    admin: Actor
    reader: Actor


def create_tenants(services: Services, slugs: list[str], documents: list[dict[str, Any]],
                   ) -> tuple[list[Made], list[float], list[float]]:
    """The tenants, each one's creation time (wall) and its CPU time (process_time)."""
    made: list[Made] = []
    created: list[float] = []
    cpu: list[float] = []
    for slug in slugs:
        start, start_cpu = time.perf_counter(), time.process_time()
        done = provision(services, {"slug": slug, "admin": {"email": f"admin@{slug}.test"},
                                    "documents": documents})
        created.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
        with services.connection() as conn:
            reader = tenancy.create_user(conn, done.tenant, f"reader@{slug}.test",
                                         roles=["viewer"], now=services.clock())
            admin = tenancy.find_user(conn, done.tenant, f"admin@{slug}.test")
        made.append(Made(slug, Actor(user_id=uuid.UUID(str(admin.id)), email=admin.email,
                                     is_admin=True),
                         Actor(user_id=uuid.UUID(str(reader["id"])), email=reader["email"],
                               roles=("viewer",))))
    return made, created, cpu


def touch(services: Services, made: Made, names: list[str], *, write: bool = True) -> None:
    """One tenant's requests: as admin (create + list per object), as the reader (a
    page per object and one record)."""
    first = None
    if write:
        with services.for_tenant(made.slug, actor=made.admin) as ctx:
            for name in names:
                created = records.create(ctx, name, {"f00": "hello", "f06": 3, "f12": "new"})
                first = first or created["id"]
                records.list_records(ctx, name, limit=20)
    with services.for_tenant(made.slug, actor=made.reader, read_only=True) as ctx:
        for name in names:
            page = records.list_records(ctx, name, limit=20)
            first = first or (page["items"][0]["id"] if page["items"] else None)
        if first is not None:
            records.get(ctx, names[0], first)


def bench_step(conn: sa.Connection, tenant: TenantRef) -> None:
    """An index on one column of every record table (real DDL on every tenant)."""
    storage = tenant.storage
    for object_name, table_name in tenant_object_tables(conn, tenant):
        table = sa.Table(table_name, sa.MetaData(), sa.Column("f07"), schema=storage.schema)
        name = storage.index_name(object_name, "f07_bench", unique=False)
        conn.execute(sa.schema.CreateIndex(sa.Index(name, table.c.f07), if_not_exists=True))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tenants", type=int, default=50)
    parser.add_argument("--objects", type=int, default=30)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--skip-before", action="store_true",
                        help="skip compiling a model per tenant (the pre-issue-21 cost)")
    parser.add_argument("--recycle-tenants", type=int, default=100,
                        help="tenants a connection serves before recycling, second pass")
    parser.add_argument("--recycle-uses", type=int, default=0,
                        help="connection uses before recycling, for the second pass")
    parser.add_argument("--no-migration", action="store_true")
    parser.add_argument("--create-only", action="store_true",
                        help="stop after creating the tenants (the creation time alone)")
    parser.add_argument("--rss-only", action="store_true",
                        help="measure the process by its RSS alone (tracemalloc slows the "
                             "requests several times; for runs of hundreds of tenants)")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="objectry-bench-"))
    url = args.database_url or f"sqlite:///{workdir / 'bench.db'}"
    # the first passes never recycle: backend growth per tenant is what they measure
    settings = Settings(database_url=url, data_dir=workdir, db_recycle_tenants=0,
                        db_recycle_uses=0, db_recycle_seconds=0)
    services = Services.start(settings, migrate=True)
    dialect = services.engine.dialect.name
    documents: list[dict[str, Any]] = [*objects(args.objects), viewer(args.objects)]
    names = [d["api_name"] for d in documents if d["kind"] == "object"]
    run = uuid.uuid4().hex[:6]
    slugs = [f"bt{run}_{i:04d}" for i in range(args.tenants)]
    print(f"database {services.engine.url.render_as_string(hide_password=True)}: "
          f"{args.tenants} tenants x {args.objects} objects x 15 fields")

    wall = time.perf_counter()
    made, created, cpu = create_tenants(services, slugs, documents)
    print(f"tenant creation (one transaction: tenant, admin, token, {args.objects} objects "
          f"and a role): median {statistics.median(created):.2f} s (first "
          f"{created[0]:.2f} s, last {created[-1]:.2f} s, slowest {max(created):.2f} s; "
          f"{time.perf_counter() - wall:.0f} s in all)")
    print("  CPU (process_time): median " + f"{statistics.median(cpu):.2f} s; " + ", ".join(
        f"tenant {n}: {statistics.median(cpu[max(0, n - 5):n]):.2f} s CPU, "
        f"{statistics.median(created[max(0, n - 5):n]):.2f} s wall"
        for n in sorted({1, 50, 100, 150, 300, len(cpu)}) if n <= len(cpu))
          + " (medians of the 5 tenants up to n)")

    if args.create_only:
        services.close()
        return
    if not args.skip_before:
        # what compiling needs, read up front so both sides measure compiled models only
        with services.for_tenant(slugs[0]) as ctx:
            definitions = {name: store.document(ctx.conn, ctx.tenant.id, "object",
                                                name).document for name in names}
            hidden = {name: load_hidden(ctx.conn, ctx.tenant.id, name) for name in names}
        tracemalloc.start()
        held: list[Any] = []
        before = [used()]
        for slug in slugs:
            storage = TenantStorage(dialect, slug)
            held.extend(compile_object(storage, definitions[n], hidden[n]) for n in names)
            before.append(used())
        del held
        tracemalloc.stop()
        before_total, before_marginal = per_tenant(before)
        print(f"before (a model per tenant): {before_total:6.3f} MB/tenant "
              f"(marginal {before_marginal:6.3f})")
    services.close()

    backends = Backends(url) if dialect == "postgresql" else None
    services = Services.start(settings)
    if not args.rss_only:
        tracemalloc.start()
    now = [used()]
    resident = [rss()]
    pool_backends: list[dict[int, int]] = [backends.sample()] if backends else []
    wall = time.perf_counter()
    contexts: list[dict[str, tuple[int, int, int]]] = []
    for item in made:
        touch(services, item, names)
        now.append(used())
        resident.append(rss())
        if backends is not None:
            pool_backends.append(backends.sample())
            contexts.append(memory_contexts(services))
    touched = time.perf_counter() - wall
    tracemalloc.stop()
    services.close()
    now_total, now_marginal = per_tenant(now) if not args.rss_only else (0.0, 0.0)
    traced = "" if args.rss_only else " under tracemalloc"
    print(f"now (shared models; each tenant touched as admin and as a restricted user, "
          f"{touched / len(made) * 1000:.0f} ms per tenant{traced}): "
          f"{now_total:6.3f} MB/tenant traced (marginal {now_marginal:6.3f}); process RSS "
          f"{(resident[-1] - resident[0]) / len(made) / MB:6.3f} MB/tenant "
          f"({resident[0] / MB:.0f} -> {resident[-1] / MB:.0f} MB)")
    if not args.skip_before and not args.rss_only:
        print(f"ratio before/now (marginal): {before_marginal / max(now_marginal, 1e-9):.1f}x")

    if backends is not None:
        largest = [max(sample.values(), default=0) for sample in pool_backends]
        print(f"PostgreSQL backends, never recycled: {len(pool_backends[-1])} serving; the "
              f"largest {largest[0] / MB:.1f} -> {largest[-1] / MB:.1f} MB private over "
              f"{len(made)} tenants touched = "
              f"{(largest[-1] - largest[0]) / len(made) / MB:.3f} MB per tenant touched "
              f"per connection")
        if len(made) > 1:
            mean, counted = used_per_tenant(contexts)
            print(f"  memory contexts: {mean / MB:.3f} MB used per tenant (mean over the "
                  f"{counted} of {len(made) - 1} tenants without a cache reset); grown "
                  f"per tenant after the first: "
                  f"{context_growth(contexts[0], contexts[-1], len(made) - 1)}")
        recycled = Services.start(dataclasses.replace(
            settings, db_recycle_tenants=args.recycle_tenants,
            db_recycle_uses=args.recycle_uses))
        peak = 0
        for item in made:
            touch(recycled, item, names, write=False)
            peak = max(peak, *backends.sample().values(), 0)
        final = backends.sample()
        recycled.close()
        print(f"  recycled after {args.recycle_tenants} tenants or {args.recycle_uses} "
              f"uses (OBJECTRY_DB_RECYCLE_TENANTS, _USES; 0: unbounded): the "
              f"largest backend peaked at {peak / MB:.1f} MB, "
              f"{max(final.values(), default=0) / MB:.1f} MB at the end")
        backends.close()

    # first-request cost without tracemalloc: fresh caches, each tenant twice
    services = Services.start(settings)
    cold: list[float] = []
    warm: list[float] = []
    for item in made:
        for timings in (cold, warm):
            start = time.perf_counter()
            with services.for_tenant(item.slug, actor=item.reader, read_only=True) as ctx:
                records.list_records(ctx, names[-1], limit=20)
            timings.append(time.perf_counter() - start)
    services.close()
    print(f"first request (the restricted user's first page of one object): cold (fresh "
          f"tenant in the process, models shared) median "
          f"{statistics.median(cold[1:]) * 1000:.1f} ms, warm "
          f"{statistics.median(warm) * 1000:.1f} ms; very first tenant (compiles) "
          f"{cold[0] * 1000:.1f} ms")

    if not args.no_migration:
        engine = make_engine(url)
        steps = (*STEPS, TenantStep(f"bench_{run}", "bench: an index on f07", bench_step))
        start = time.perf_counter()
        report = tenant_migrations.upgrade_tenants(engine, steps=steps)
        elapsed = time.perf_counter() - start
        left = tenant_migrations.pending_tenants(engine, steps)
        engine.dispose()
        print(f"tenant migration ({report.revision}: an index on each of {args.objects} "
              f"tables): {report.migrated} of {report.pending} tenants in {elapsed:.1f} s "
              f"({elapsed / max(report.migrated, 1) * 1000:.0f} ms per tenant), "
              f"{len(left)} left behind")
    print(f"work dir {workdir}")


if __name__ == "__main__":
    main()
