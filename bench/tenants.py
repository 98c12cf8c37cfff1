"""Memory per active tenant: compiled models per tenant (before) vs shared (now), one run.

    python bench/tenants.py [--tenants 50] [--objects 30] [--database-url URL]

Creates ``--tenants`` tenants with the same ``--objects`` objects of 15 fields each
(what a pack installs everywhere), then measures with tracemalloc:

* before: one compiled model per (tenant, object), as the model cache held them until
  issue 21 (``compile_object`` for the tenant's own storage);
* now: each tenant touched as the platform serves it (a system context per tenant, the
  process's model and decision caches; every object read through ``get_model``, one
  record created and one page listed per object), models shared across tenants.

Prints MB per tenant for both (total/N and the marginal cost of one more tenant, after
the first) and their ratio, tenant creation time, and cold/warm first-request times.
The target of issue 21 is <= 1 MB per active tenant.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import tempfile
import time
import tracemalloc
import uuid
from pathlib import Path
from typing import Any

from objectry.metadata import store
from objectry.platform import tenancy
from objectry.platform.config import Settings
from objectry.platform.services import Services
from objectry.runtime import records
from objectry.runtime.kernel.storage import TenantStorage
from objectry.runtime.model.compiled import compile_object, get_model, load_hidden
from objectry.runtime.schema import metadata_service

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


def used() -> int:
    gc.collect()
    return tracemalloc.get_traced_memory()[0]


def per_tenant(samples: list[int]) -> tuple[float, float]:
    """(MB per tenant over all, marginal MB of one more tenant after the first)."""
    total = (samples[-1] - samples[0]) / (len(samples) - 1) / MB
    marginal = (samples[-1] - samples[1]) / max(1, len(samples) - 2) / MB
    return total, marginal


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tenants", type=int, default=50)
    parser.add_argument("--objects", type=int, default=30)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="objectry-bench-"))
    url = args.database_url or f"sqlite:///{workdir / 'bench.db'}"
    services = Services.start(Settings(database_url=url, data_dir=workdir), migrate=True)
    dialect = services.engine.dialect.name
    documents = objects(args.objects)
    run = uuid.uuid4().hex[:6]
    slugs = [f"bt{run}_{i:04d}" for i in range(args.tenants)]
    print(f"database {services.engine.url.render_as_string(hide_password=True)}: "
          f"{args.tenants} tenants x {args.objects} objects x 15 fields")

    created: list[float] = []
    for slug in slugs:
        start = time.perf_counter()
        with services.connection() as conn:
            tenancy.create_tenant(conn, slug, None, now=services.clock())
        with services.for_tenant(slug) as ctx:
            metadata_service.apply_documents(ctx, documents, summary="bench")
        created.append(time.perf_counter() - start)
    print(f"tenant creation: median {statistics.median(created):.2f} s "
          f"(first {created[0]:.2f} s, last {created[-1]:.2f} s)")

    # what compiling needs, read up front so both sides measure compiled models only
    with services.for_tenant(slugs[0]) as ctx:
        definitions = {d["api_name"]: store.document(ctx.conn, ctx.tenant.id, "object",
                                                     d["api_name"]).document
                       for d in documents}
        hidden = {name: load_hidden(ctx.conn, ctx.tenant.id, name) for name in definitions}
    services.close()

    tracemalloc.start()
    held: list[Any] = []
    before = [used()]
    for slug in slugs:
        storage = TenantStorage(dialect, slug)
        held.extend(compile_object(storage, definitions[n], hidden[n]) for n in definitions)
        before.append(used())
    del held
    tracemalloc.stop()

    services = Services.start(Settings(database_url=url, data_dir=workdir))
    tracemalloc.start()
    now = [used()]
    for slug in slugs:
        with services.for_tenant(slug) as ctx:
            for name in definitions:
                records.create(ctx, name, {"f00": "hello", "f06": 3, "f12": "new"})
                records.list_records(ctx, name, limit=20)
        now.append(used())
    tracemalloc.stop()
    services.close()

    # first-request cost without tracemalloc: fresh caches, each tenant twice
    services = Services.start(Settings(database_url=url, data_dir=workdir))
    cold: list[float] = []
    warm: list[float] = []
    for slug in slugs:
        for timings in (cold, warm):
            start = time.perf_counter()
            with services.for_tenant(slug, read_only=True) as ctx:
                for name in definitions:
                    get_model(ctx, name)
            timings.append(time.perf_counter() - start)
    services.close()

    before_total, before_marginal = per_tenant(before)
    now_total, now_marginal = per_tenant(now)
    print(f"before (a model per tenant): {before_total:6.3f} MB/tenant "
          f"(marginal {before_marginal:6.3f})")
    print(f"now (shared models, requests included): {now_total:6.3f} MB/tenant "
          f"(marginal {now_marginal:6.3f})")
    print(f"ratio before/now (marginal): {before_marginal / max(now_marginal, 1e-9):.1f}x")
    print(f"models of {args.objects} objects for a tenant: cold (definitions read, "
          f"models shared) median {statistics.median(cold[1:]) * 1000:.1f} ms, "
          f"warm {statistics.median(warm) * 1000:.1f} ms; first tenant "
          f"(compiles) {cold[0] * 1000:.1f} ms")
    print(f"work dir {workdir}")


if __name__ == "__main__":
    main()
