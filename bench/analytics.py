"""Formula fields and the aggregate API against baselines, in one run.

    python bench/analytics.py [--campaigns 1000] [--leads 20000] [--n 100] [--database-url URL]

1. List 50 campaigns with a formula field (ROI over two inputs and a lookup) through the
   records service, against the same list of an object without the formula.
2. Aggregate lead count by status and month (``POST /records/lead/aggregate``'s service)
   against the same GROUP BY in raw Core.

Scaled down (issue 17 targets 1,000,000 leads on PostgreSQL): pass ``--leads`` and
``--database-url`` for the full figure. Prints medians and the ratio to the baseline.
"""

from __future__ import annotations

import argparse
import datetime as dt
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from decimal import Decimal
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from objectry.platform import tenancy
from objectry.platform.config import Settings
from objectry.platform.services import Services
from objectry.runtime import records
from objectry.runtime.analytics.aggregate import aggregate
from objectry.runtime.kernel.context import Actor, Context
from objectry.runtime.kernel.ids import uuid7
from objectry.runtime.model.compiled import get_model, tenant_table
from objectry.runtime.schema import metadata_service

STATUSES = ["new", "working", "mql", "lost"]


def campaign(name: str, formula: bool) -> dict[str, Any]:
    fields: list[dict[str, Any]] = [
        {"api_name": "name", "type": "text"},
        {"api_name": "expected_revenue", "type": "currency"},
        {"api_name": "won_revenue", "type": "currency"},
        {"api_name": "total_cost", "type": "currency"},
        {"api_name": "owner_region", "type": "lookup", "target": "region"}]
    if formula:
        fields.append({"api_name": "roi", "type": "formula", "result": "number",
                       "expression": "if(total_cost > 0, (won_revenue - total_cost) / "
                                     "total_cost, null)"})
        fields.append({"api_name": "label_text", "type": "formula", "result": "text",
                       "expression": "concat(upper(name), ' ', "
                                     "coalesce(owner_region.name, '-'))"})
    return {"kind": "object", "api_name": name, "label": {"en": name}, "fields": fields}


REGION = {"kind": "object", "api_name": "region", "label": {"en": "Region"},
          "fields": [{"api_name": "name", "type": "text"}]}
LEAD = {"kind": "object", "api_name": "lead", "label": {"en": "Lead"}, "fields": [
    {"api_name": "status", "type": "picklist", "options": STATUSES, "indexed": True},
    {"api_name": "came_on", "type": "date"}]}


def timed(measured: Callable[[], Any], baseline: Callable[[], Any],
          n: int) -> tuple[list[float], list[float]]:
    """Samples of both sides taken in turns, so a busy machine slows both alike."""
    samples: tuple[list[float], list[float]] = ([], [])
    for _ in range(n):
        for action, taken in zip((measured, baseline), samples, strict=True):
            start = time.perf_counter()
            action()
            taken.append(time.perf_counter() - start)
    return samples


def report(label: str, measured: list[float], baseline: list[float]) -> None:
    a, b = statistics.median(measured) * 1000, statistics.median(baseline) * 1000
    print(f"{label:<44} {a:8.2f} ms   baseline {b:8.2f} ms   ratio {a / b:5.2f}x")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--campaigns", type=int, default=1000)
    parser.add_argument("--leads", type=int, default=20000)
    parser.add_argument("--n", type=int, default=100)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="objectry-bench-"))
    url = args.database_url or f"sqlite:///{workdir / 'bench.db'}"
    services = Services.start(Settings(database_url=url, data_dir=workdir), migrate=True)
    slug = "bench_" + uuid.uuid4().hex[:8]
    with services.connection() as conn:
        tenancy.create_tenant(conn, slug, None, now=services.clock())
    with services.for_tenant(slug) as ctx:
        for document in (REGION, campaign("campaign", True), campaign("plain", False), LEAD):
            metadata_service.put_document(ctx, "object", document["api_name"], document)
    with services.for_tenant(slug) as ctx:
        tables = {name: tenant_table(get_model(ctx, name), ctx.storage)
                  for name in ("region", "campaign", "plain", "lead")}
        tenant = ctx.tenant
    now = services.clock()
    stamp = {"version": 1, "created_at": now, "updated_at": now}
    with services.engine.begin() as conn:
        regions = [uuid7() for _ in range(10)]
        conn.execute(tables["region"].insert(), [
            {"id": r, "name": f"region {i}", **stamp} for i, r in enumerate(regions)])
        for name in ("campaign", "plain"):
            conn.execute(tables[name].insert(), [{
                "id": uuid7(), "name": f"campaign {i}", "expected_revenue": Decimal(5000),
                "won_revenue": Decimal(i * 7 % 9000), "total_cost": Decimal(i % 50 * 10),
                "owner_region": regions[i % 10], **stamp} for i in range(args.campaigns)])
        start_day = dt.date(2025, 1, 1)
        for first in range(0, args.leads, 5000):
            conn.execute(tables["lead"].insert(), [{
                "id": uuid7(), "status": STATUSES[i % 4],
                "came_on": start_day + dt.timedelta(days=i % 700), **stamp}
                for i in range(first, min(first + 5000, args.leads))])

    @contextmanager
    def context() -> Iterator[Context]:
        with services.connection(read_only=True) as conn:
            yield Context(tenant=tenant, actor=Actor.system(), conn=conn,
                          models=services.models, keys=services.keys,
                          decisions=services.decisions, clock=services.clock)

    def listing(name: str) -> Callable[[], None]:
        def run() -> None:
            with context() as ctx:
                assert len(records.list_records(ctx, name, limit=50)["items"]) == 50
        return run

    print(f"database {services.engine.url.render_as_string(hide_password=True)}, "
          f"{args.campaigns:,} campaigns, {args.leads:,} leads")
    report("list 50 campaigns, 2 formulas (vs none)",
           *timed(listing("campaign"), listing("plain"), args.n))
    sorted_by_roi = {"sort": "-roi"}

    def list_by_roi() -> None:
        with context() as ctx:
            records.list_records(ctx, "campaign", limit=50, **sorted_by_roi)

    report("  sorted by the formula (vs unsorted plain)",
           *timed(list_by_roi, listing("plain"), max(10, args.n // 5)))
    body = {"group_by": ["status", {"field": "came_on", "bucket": "month"}],
            "measures": [{"op": "count"}], "limit": 1000}
    lead = tables["lead"]
    month = sa.func.strftime("%Y-%m-01", lead.c.came_on) \
        if services.engine.dialect.name == "sqlite" \
        else sa.func.date_trunc("month", lead.c.came_on)

    def service_aggregate() -> None:
        with context() as ctx:
            assert aggregate(ctx, "lead", body)["items"]

    def raw_aggregate() -> None:
        with services.connection(read_only=True) as conn:
            assert conn.execute(sa.select(lead.c.status, month, sa.func.count())
                                .where(lead.c.deleted_at.is_(None))
                                .group_by(lead.c.status, month)).all()

    report("aggregate leads by status x month (vs raw)",
           *timed(service_aggregate, raw_aggregate, max(5, args.n // 10)))
    print(f"work dir {workdir}")


if __name__ == "__main__":
    main()
