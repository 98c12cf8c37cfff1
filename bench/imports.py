"""Imports and the bulk API vs single creates, in one run (issue 16).

    python bench/imports.py [--rows 20000] [--baseline 2000] [--dedupe] [--assign]
                            [--database-url URL] [--batch-size N] [--profile DIR]
                            [--no-bulk]

Prepares a temporary data directory (SQLite unless ``--database-url``), a tenant with a
``lead`` object (text, email, phone, picklist, integer, currency), and measures:

1. the baseline: ``--baseline`` leads created one at a time through the records service
   (``records.create``, one transaction each: validation, audit, event);
2. an import of ``--rows`` leads from a CSV file: upload + preview (every row checked,
   nothing written), then the run (batches of ``OBJECTRY_IMPORT_BATCH_SIZE`` rows, one
   transaction each, per-row outcomes stored) as the platform runs it;
3. the bulk API: ``POST /records/lead/bulk`` with 1,000 leads a request over the WSGI
   app in-process (JSON parsing, token, validation, audit and events included).

Prints rows a second of each and the ratio to the baseline. ``--dedupe`` adds a
``duplicate_rule`` on the phone (warn), so every write also looks for duplicates;
``--assign`` an ``auto`` assignment rule (round robin over five reps by city, the rest
to a sixth), so every new record is assigned as it is created. ``--profile DIR``
writes a cProfile of each phase (``preview``, ``run``, ``bulk``) to ``DIR``.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import csv
import io
import json
import os
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import bench_setup

from objectry.platform import import_jobs, tenancy
from objectry.platform.app import create_app
from objectry.runtime import records
from objectry.runtime.lifecycle.imports import reading, service
from objectry.runtime.schema import metadata_service

CITIES = ["shanghai", "beijing", "shenzhen", "hangzhou", "chengdu", "wuhan", "xian", "nanjing",
          "suzhou", "tianjin"]
LEAD = {
    "kind": "object", "api_name": "lead", "label": {"en": "Lead", "zh-CN": "线索"},
    "fields": [
        {"api_name": "full_name", "type": "text", "max_length": 80,
         "label": {"en": "Full name", "zh-CN": "姓名"}},
        {"api_name": "email", "type": "email"},
        {"api_name": "mobile", "type": "phone", "label": {"en": "Mobile", "zh-CN": "手机"}},
        {"api_name": "city", "type": "picklist", "indexed": True,
         "options": [{"value": "shanghai", "aliases": ["上海"]}, *CITIES[1:]]},
        {"api_name": "employees", "type": "integer", "min": 0},
        {"api_name": "budget", "type": "currency"},
    ],
}
REPS = [f"rep{i}@bench.example.com" for i in range(6)]
ASSIGN = {"kind": "assignment_rule", "api_name": "by_city", "object": "lead", "auto": True,
          "entries": [{"condition": {"field": "city", "op": "eq", "value": "shanghai"},
                       "to": [{"user": r} for r in REPS[:5]], "method": "round_robin"},
                      {"to": [{"user": REPS[5]}], "method": "fixed"}]}
DEDUPE = {"kind": "duplicate_rule", "api_name": "same_mobile", "object": "lead",
          "action": "warn", "match": [{"field": "mobile", "as": "phone"}]}


def values(i: int, run: str) -> dict[str, Any]:
    return {"full_name": f"Lead {run}{i}", "email": f"{run}{i}@example.com",
            "mobile": f"+86 139{i % 100_000_000:08d}", "city": CITIES[i % len(CITIES)],
            "employees": i % 5000, "budget": "1234.50"}


def csv_file(rows: int) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["姓名", "Email", "手机", "City", "Employees", "Budget"])
    for i in range(rows):
        v = values(i, "i")
        writer.writerow([v["full_name"], v["email"], v["mobile"], "上海" if i % 2 else
                         v["city"], v["employees"], v["budget"]])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def rate(label: str, rows: int, seconds: float, baseline: float | None = None,
         cpu: float | None = None) -> float:
    """Print rows a second (wall clock; and of this process's CPU time, steadier on a
    shared machine, though a PostgreSQL server's own CPU is not in it)."""
    per_second = rows / seconds
    ratio = "" if baseline is None else f"   {per_second / baseline:6.1f}x baseline"
    busy = "" if cpu is None else f"   ({rows / cpu:7.0f} rows/s of CPU)"
    print(f"{label:<44} {rows:>7} rows {seconds:8.2f} s {per_second:7.0f} rows/s{ratio}{busy}")
    return per_second


@contextlib.contextmanager
def profiled(directory: str | None, phase: str) -> Iterator[None]:
    """cProfile one phase into ``DIR/<phase>.prof`` (``--profile DIR``; else nothing)."""
    if directory is None:
        yield
        return
    profile = cProfile.Profile()
    profile.enable()
    try:
        yield
    finally:
        profile.disable()
        Path(directory).mkdir(parents=True, exist_ok=True)
        profile.dump_stats(str(Path(directory) / f"{phase}.prof"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--baseline", type=int, default=2_000)
    parser.add_argument("--dedupe", action="store_true")
    parser.add_argument("--assign", action="store_true")
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--batch-size", type=int, default=None,
                        help="rows per import batch (default: the platform's setting)")
    parser.add_argument("--no-bulk", action="store_true",
                        help="leave out the bulk API phase (iterating on imports)")
    parser.add_argument("--profile", default=None, metavar="DIR",
                        help="write a cProfile of each phase to DIR/<phase>.prof")
    args = parser.parse_args()
    sizes = {} if args.batch_size is None else {"import_batch_size": args.batch_size}
    services, _ = bench_setup.start(args.database_url, import_max_rows=max(args.rows, 1),
                                    max_body_bytes=64 * 1024 * 1024, **sizes)
    settings = services.settings
    slug = bench_setup.new_tenant(services, [LEAD, *([DEDUPE] if args.dedupe else [])])
    email = f"admin@{slug}.example.com"
    with services.connection() as conn:
        tenant = tenancy.find_tenant(conn, slug)
        tenancy.create_user(conn, tenant, email, now=services.clock())
        token = tenancy.create_token(conn, tenant, email, now=services.clock())
        for rep in REPS if args.assign else []:
            tenancy.create_user(conn, tenant, rep, now=services.clock())
    if args.assign:
        with services.for_tenant(slug) as ctx:
            metadata_service.put_document(ctx, "assignment_rule", "by_city", ASSIGN)
    print(f"database {services.engine.url.render_as_string(hide_password=True)}, "
          f"rows {args.rows}, dedupe {args.dedupe}, assign {args.assign}, "
          f"batch {settings.import_batch_size}, load average {load()}")

    start, cpu = time.perf_counter(), time.process_time()
    for i in range(args.baseline):
        with services.for_tenant(slug) as ctx:
            records.create(ctx, "lead", values(i, "s"))
    baseline = rate("baseline: single creates (records.create)", args.baseline,
                    time.perf_counter() - start, cpu=time.process_time() - cpu)

    data = csv_file(args.rows)
    limits = reading.Limits(max_rows=settings.import_max_rows, max_bytes=len(data) + 1)
    start, cpu = time.perf_counter(), time.process_time()
    with profiled(args.profile, "preview"), services.for_tenant(slug) as ctx:
        preview = service.create(ctx, "lead", service.Upload("leads.csv", data), limits)
    preview_seconds, preview_cpu = time.perf_counter() - start, time.process_time() - cpu
    assert preview["invalid"] == 0 and not preview["mapping_errors"], preview["issues"][:3]
    rate("import: upload + preview (nothing written)", args.rows, preview_seconds, baseline,
         preview_cpu)
    with services.for_tenant(slug) as ctx:
        service.request_run(ctx, preview["id"])
    start, cpu = time.perf_counter(), time.process_time()
    with profiled(args.profile, "run"):
        assert import_jobs.run_import(services, preview["id"]) == "done"
    run_seconds, run_cpu = time.perf_counter() - start, time.process_time() - cpu
    with services.for_tenant(slug) as ctx:
        final = service.status(ctx, preview["id"])
    assert final["rows_done"] == args.rows, final
    rate("import: run (batches, per-row outcomes)", args.rows, run_seconds, baseline, run_cpu)
    rate("import: end to end", args.rows, preview_seconds + run_seconds, baseline,
         preview_cpu + run_cpu)

    if args.no_bulk:
        print(f"load average {load()} (wall figures share the machine; CPU ones less so)")
        services.close()
        return
    client = create_app(services=services).test_client()
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    bodies = [json.dumps({"records": [values(i, "b") for i in range(b, min(b + 1000,
                                                                             args.rows))]})
              for b in range(0, args.rows, 1000)]
    start, cpu = time.perf_counter(), time.process_time()
    with profiled(args.profile, "bulk"):
        for body in bodies:
            response = client.post("/api/v1/records/lead/bulk", data=body, headers=headers)
            assert response.status_code == 200, response.get_json()
    rate("bulk API: POST /records/lead/bulk x1000", args.rows, time.perf_counter() - start,
         baseline, time.process_time() - cpu)
    print(f"load average {load()} (wall figures share the machine; CPU ones less so)")
    services.close()


def load() -> str:
    """The 1, 5 and 15 minute load averages, to read the wall clock figures by."""
    return " ".join(f"{n:.2f}" for n in os.getloadavg())


if __name__ == "__main__":
    main()
