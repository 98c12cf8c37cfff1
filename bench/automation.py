"""The automation engine: events to steps per second, matching with 200 workflows, and
claiming among 100,000 due timers, each against a baseline in the same run.

    python bench/automation.py [--events 2000] [--timers 100000] [--database-url URL]

1. End to end (embedded engine): N leads are created, each matching one workflow whose
   single step updates the lead; then the engine drains them (match + run + update).
   Baseline: the same N updates made directly through the records service.
2. Matching: dispatching N events when the tenant has 200 active workflows (spread
   over 20 objects and several triggers) against the same with 1 workflow. Workflows
   are indexed by (object, trigger): the ratio should stay near 1.
3. Timers: 100,000 runs waiting with a past due time. Time to claim the first batch
   of 100 (the indexed due query) and the rate at which the engine drains them.
4. With ``--celery-workers K`` (needs ``--database-url`` on PostgreSQL and
   ``--broker-url``): the same end-to-end load drained by K real Celery worker
   processes (``celery -A objectry.platform.worker worker --concurrency 1``), timed
   from the first wake-up to the last completed run; the embedded figure of phase 1 is
   the baseline of the same run. Target of issue 4: >= 1,000 steps/s with 2 workers.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from objectry.platform import tenancy
from objectry.platform.automation import ServicesPlatform
from objectry.platform.config import Settings
from objectry.platform.services import Services
from objectry.runtime import records
from objectry.runtime.automation.engine import advance_due, claim_due, dispatch_pending, tick
from objectry.runtime.automation.run_tables import workflow_runs
from objectry.runtime.kernel.ids import uuid7
from objectry.runtime.schema import metadata_service

LEAD = {"kind": "object", "api_name": "lead", "label": {"en": "Lead"},
        "fields": [{"api_name": "full_name", "type": "text"},
                   {"api_name": "score", "type": "integer"},
                   {"api_name": "status", "type": "picklist",
                    "options": ["new", "working", "mql"]}]}


def workflow(name: str, object_name: str, on: str, **extra: Any) -> dict[str, Any]:
    step = {"id": "mark", "action": "update_record", "values": {"status": "working"}}
    if object_name != "lead":
        step = {"id": "stop", "action": "end"}
    return {"kind": "workflow", "api_name": name, "label": {"en": name}, "object": object_name,
            "trigger": {"on": on, **extra}, "steps": [step]}


def new_tenant(services: Services, documents: list[dict[str, Any]]) -> str:
    slug = "auto_" + uuid.uuid4().hex[:8]
    with services.connection() as conn:
        tenancy.create_tenant(conn, slug, None, now=services.clock())
    with services.for_tenant(slug) as ctx:
        metadata_service.apply_documents(ctx, documents)
    return slug


def create_leads(services: Services, slug: str, n: int) -> list[str]:
    ids = []
    with services.for_tenant(slug) as ctx:
        for i in range(n):
            ids.append(records.create(ctx, "lead", {"full_name": f"Lead {i}", "score": i,
                                                    "status": "new"})["id"])
    return ids


def drain_pending_events(services: Services) -> None:
    """Setup only: mark events of earlier phases as matched."""
    engine_platform = ServicesPlatform(services)
    while dispatch_pending(engine_platform, limit=1000):
        pass


def bench_end_to_end(services: Services, n: int) -> float:
    slug = new_tenant(services, [LEAD, workflow("qualify", "lead", "created")])
    drain_pending_events(services)
    engine_platform = ServicesPlatform(services)
    tick(engine_platform)
    create_leads(services, slug, n)
    start = time.perf_counter()
    report = tick(engine_platform)
    engine_s = time.perf_counter() - start
    assert report.events == 2 * n and report.steps == n, report  # + the steps' updates

    baseline_slug = new_tenant(services, [LEAD])
    ids = create_leads(services, baseline_slug, n)
    start = time.perf_counter()
    for record_id in ids:
        with services.for_tenant(baseline_slug) as ctx:
            records.update(ctx, "lead", record_id, {"status": "working"})
    direct_s = time.perf_counter() - start
    print(f"end to end, embedded: {n} events -> {n} steps in {engine_s:6.2f} s = "
          f"{n / engine_s:7.0f} steps/s; direct updates {n / direct_s:7.0f}/s; "
          f"ratio {engine_s / direct_s:4.2f}x")
    return n / engine_s


def completed_runs(services: Services, workflow_name: str) -> int:
    with services.engine.connect() as conn:
        return conn.execute(sa.select(sa.func.count()).select_from(workflow_runs).where(
            workflow_runs.c.workflow == workflow_name,
            workflow_runs.c.status == "completed")).scalar_one()


def wait_until(check: Any, seconds: float) -> float:
    """Poll ``check`` until true; the seconds it took (raises after ``seconds``)."""
    start = time.perf_counter()
    while not check():
        if time.perf_counter() - start > seconds:
            raise SystemExit(f"gave up after {seconds:.0f} s")
        time.sleep(0.05)
    return time.perf_counter() - start


def bench_celery(services: Services, args: argparse.Namespace, embedded: float) -> None:
    """Phase 1's load drained by real Celery workers: wake-ups through the broker, the
    work in PostgreSQL rows, each worker a process of its own."""
    if services.engine.dialect.name != "postgresql":
        raise SystemExit("--celery-workers needs --database-url on PostgreSQL")
    env = {**os.environ, "OBJECTRY_DATABASE_URL": args.database_url,
           "OBJECTRY_BROKER_URL": args.broker_url,
           "OBJECTRY_AUTOMATION_TICK_SECONDS": "3600"}  # no heartbeat: we wake them
    os.environ["OBJECTRY_BROKER_URL"] = args.broker_url
    from objectry.platform.worker import app  # after the broker is set

    name = "qualify_" + uuid.uuid4().hex[:6]
    slug = new_tenant(services, [LEAD, workflow(name, "lead", "created")])
    drain_pending_events(services)
    app.control.purge()
    workers = [subprocess.Popen(
        [sys.executable, "-m", "celery", "-A", "objectry.platform.worker", "worker",
         "--concurrency", "1", "--pool", "solo", "--loglevel", "WARNING",
         "-n", f"bench{i}@%h"], env=env, start_new_session=True,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        for i in range(args.celery_workers)]
    try:
        create_leads(services, slug, 20)  # warm-up: every worker up and connected
        for _ in workers:
            app.send_task("objectry.automation.work")
        wait_until(lambda: completed_runs(services, name) >= 20, 120)
        create_leads(services, slug, args.events)
        start = time.perf_counter()
        for _ in workers:
            app.send_task("objectry.automation.work")
        wait_until(lambda: completed_runs(services, name) >= 20 + args.events, 600)
        elapsed = time.perf_counter() - start
    finally:
        for process in workers:
            os.killpg(process.pid, signal.SIGTERM)
            process.wait(timeout=30)
    rate = args.events / elapsed
    print(f"end to end, {args.celery_workers} Celery workers: {args.events} events -> "
          f"{args.events} steps in {elapsed:6.2f} s = {rate:7.0f} steps/s; embedded "
          f"{embedded:7.0f} steps/s; ratio {rate / embedded:4.2f}x")


def bench_matching(services: Services, n: int) -> None:
    objects = [{**LEAD, "api_name": f"obj_{i:02d}"} for i in range(19)]
    many = [workflow(f"wf_{i:03d}", f"obj_{i % 19:02d}", trigger)
            for i, trigger in enumerate(["created", "updated", "deleted", "manual"] * 50)]
    many = [*many[:199], workflow("qualify", "lead", "updated", changed=["score"])]
    results = {}
    for label, documents in (("1 workflow", [LEAD, many[-1]]),
                             ("200 workflows", [LEAD, *objects, *many])):
        slug = new_tenant(services, documents)
        ids = create_leads(services, slug, n)
        drain_pending_events(services)
        with services.for_tenant(slug) as ctx:
            for i, record_id in enumerate(ids):
                records.update(ctx, "lead", record_id, {"full_name": f"Renamed {i}"})
        engine_platform = ServicesPlatform(services)
        start = time.perf_counter()
        matched = 0
        while (done := dispatch_pending(engine_platform)) > 0:
            matched += done
        results[label] = (time.perf_counter() - start) / matched
    one, many_s = results["1 workflow"], results["200 workflows"]
    print(f"matching per event: 1 workflow {one * 1e6:7.0f} us, 200 workflows "
          f"{many_s * 1e6:7.0f} us, ratio {many_s / one:4.2f}x")


def bench_timers(services: Services, timers: int) -> None:
    slug = new_tenant(services, [LEAD, workflow("drip", "lead", "created")])
    with services.connection() as conn:
        tenant = tenancy.find_tenant(conn, slug)
    now = services.clock()
    definition = {"api_name": "drip", "object": "lead", "trigger": {"on": "created"},
                  "steps": [{"id": "wait", "wait": {"days": 1}}]}
    batch = 10_000
    for offset in range(0, timers, batch):
        rows = [{"id": uuid7(), "tenant_id": tenant.id, "workflow": "drip",
                 "definition": definition, "definition_version": 1, "object": "lead",
                 "record_id": None, "status": "waiting", "step": "wait", "step_attempt": 0,
                 "due_at": now - dt.timedelta(seconds=timers - offset - j),
                 "wait": {"since": now.isoformat(), "wake_at": now.isoformat()},
                 "trigger": {"type": "bench"}, "trigger_key": f"bench:{offset + j}",
                 "started_at": now, "updated_at": now}
                for j in range(min(batch, timers - offset))]
        with services.engine.begin() as conn:
            conn.execute(workflow_runs.insert(), rows)
    engine_platform = ServicesPlatform(services)
    start = time.perf_counter()
    claimed = claim_due(engine_platform, "bench-claim", 100)
    claim_ms = (time.perf_counter() - start) * 1000
    with services.engine.begin() as conn:  # give the batch back
        conn.execute(sa.update(workflow_runs).where(
            workflow_runs.c.id.in_([row["id"] for row in claimed]))
            .values(lease_owner=None, lease_until=None))
    drained, start = 0, time.perf_counter()
    while drained < min(5000, timers):
        done = advance_due(engine_platform, "bench-drain", 100)
        if not done:
            break
        drained += done
    rate = drained / (time.perf_counter() - start)
    print(f"timers: claim 100 of {timers:,} due in {claim_ms:6.1f} ms; drain "
          f"{rate:6.0f} steps/s (first {drained:,}); the whole backlog ~{timers / rate:5.0f} s")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--events", type=int, default=2000)
    parser.add_argument("--timers", type=int, default=100_000)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--broker-url", default=Settings.broker_url)
    parser.add_argument("--celery-workers", type=int, default=0)
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="objectry-bench-"))
    url = args.database_url or f"sqlite:///{workdir / 'bench.db'}"
    services = Services.start(Settings(database_url=url, data_dir=workdir), migrate=True)
    print(f"database {services.engine.url.render_as_string(hide_password=True)}")
    try:
        embedded = bench_end_to_end(services, args.events)
        if args.celery_workers:
            bench_celery(services, args, embedded)
        bench_matching(services, args.events)
        bench_timers(services, args.timers)
    finally:
        services.close()


if __name__ == "__main__":
    main()
