"""Duplicate scan over many leads: the rule's key index vs a plain full scan, in one run.

    python bench/duplicates.py [--rows 100000] [--database-url URL]

Fills ``--rows`` leads straight through Core (setup, not measured); one in twenty has a
twin whose phone is spelled differently (``13800000001`` / ``+86 138 0000 0001``) and
whose name differs in case and spacing. Then measures, with a system actor:

- keying: building the rule's match keys for every lead (once, when a rule is new);
- scan: ``POST /duplicate_rules/{r}/scan`` as the service runs it, every page of groups;
- baseline: a plain full scan, reading every lead and grouping normalised phones in
  Python (what a scan without stored keys costs);
- check: one write's duplicate check (an index lookup), median of 200.

Prints each time, the scan/baseline ratio, and the scan scaled to 1,000,000 leads
(issue 16's target: <= 30 s).
"""

from __future__ import annotations

import argparse
import statistics
import time
from collections import defaultdict
from typing import Any

import bench_setup
import sqlalchemy as sa

from objectry.platform.services import Services
from objectry.runtime.kernel.ids import uuid7
from objectry.runtime.lifecycle.duplicates import scan
from objectry.runtime.lifecycle.duplicates.checks import check_write
from objectry.runtime.lifecycle.duplicates.index import ensure_current
from objectry.runtime.lifecycle.duplicates.normalise import normalise
from objectry.runtime.lifecycle.duplicates.rules import active_rules, rule_named
from objectry.runtime.model.compiled import get_model, tenant_table

LEAD = {"kind": "object", "api_name": "lead", "label": {"en": "Lead"},
        "fields": [{"api_name": "full_name", "type": "text", "max_length": 80},
                   {"api_name": "mobile", "type": "phone"}]}
RULE = {"kind": "duplicate_rule", "api_name": "lead_phone", "object": "lead", "action": "warn",
        "match": [{"field": "mobile", "as": "phone"}],
        "fuzzy": {"field": "full_name", "threshold": 80}}
TARGET_ROWS = 1_000_000
TARGET_SECONDS = 30.0


def fill(services: Services, table: sa.Table, rows: int) -> int:
    """``rows`` leads, one in twenty with a twin; returns how many twins."""
    now = services.clock()
    twins = 0
    batch: list[dict[str, Any]] = []
    with services.engine.begin() as conn:
        for i in range(rows):
            phone = f"138{i:08d}"
            batch.append({"id": uuid7(), "version": 1, "created_at": now, "updated_at": now,
                          "full_name": f"Lead Person {i}", "mobile": phone})
            if i % 20 == 0 and len(batch) < rows:
                twins += 1
                batch.append({"id": uuid7(), "version": 1, "created_at": now,
                              "updated_at": now, "full_name": f"lead  PERSON {i}",
                              "mobile": f"+86 {phone[:3]} {phone[3:7]} {phone[7:]}"})
            if len(batch) >= 5000:
                conn.execute(table.insert(), batch)
                batch = []
        if batch:
            conn.execute(table.insert(), batch)
    return twins


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    services, workdir = bench_setup.start(args.database_url)
    slug = bench_setup.new_tenant(services, [LEAD, RULE])
    with services.for_tenant(slug) as ctx:
        table = tenant_table(get_model(ctx, "lead"), ctx.storage)
    print(f"database {services.engine.url.render_as_string(hide_password=True)}")
    twins = fill(services, table, args.rows)
    total = args.rows + twins
    print(f"{total:,} leads, {twins:,} twins in other spellings")

    start = time.perf_counter()
    with services.for_tenant(slug) as ctx:
        rule = rule_named(ctx, "lead_phone")
        assert rule is not None
        ensure_current(ctx, rule)
    keying = time.perf_counter() - start

    start = time.perf_counter()
    groups = 0
    with services.for_tenant(slug, read_only=True) as ctx:
        cursor = None
        while True:
            body: dict[str, Any] = {"limit": 1000}
            if cursor:
                body["cursor"] = cursor
            page = scan(ctx, "lead_phone", body)
            groups += len(page["groups"])
            cursor = page["next_cursor"]
            if cursor is None:
                break
    scanned = time.perf_counter() - start
    assert groups == twins, (groups, twins)

    start = time.perf_counter()
    with services.connection(read_only=True) as conn:
        found: dict[str, list[Any]] = defaultdict(list)
        for row in conn.execute(sa.select(table.c.id, table.c.mobile, table.c.full_name)):
            key = normalise("phone", row.mobile, "CN")
            if key is not None:
                found[key].append(row)
        plain_groups = sum(1 for members in found.values() if len(members) > 1)
    baseline = time.perf_counter() - start
    assert plain_groups == twins

    samples = []
    with services.for_tenant(slug, read_only=True) as ctx:
        rules = active_rules(ctx)
        for i in range(200):
            values = {"full_name": f"Lead Person {i * 7}", "mobile": f"138{i * 7:08d}"}
            begin = time.perf_counter()
            check_write(ctx, rules, "lead", values)
            samples.append(time.perf_counter() - begin)

    scaled = scanned * TARGET_ROWS / total
    print(f"keying (once per rule)   {keying:8.2f} s  ({total / keying:,.0f} leads/s)")
    print(f"scan (service, keys)     {scanned:8.2f} s  {groups:,} groups")
    print(f"baseline (plain scan)    {baseline:8.2f} s  ratio scan/baseline "
          f"{scanned / baseline:5.2f}x")
    print(f"scan scaled to {TARGET_ROWS:,} leads: {scaled:6.1f} s "
          f"(target <= {TARGET_SECONDS:.0f} s: {'met' if scaled <= TARGET_SECONDS else 'MISSED'})")
    print(f"check on write (median of 200): {statistics.median(samples) * 1000:.2f} ms")
    print(f"work dir {workdir}")


if __name__ == "__main__":
    main()
