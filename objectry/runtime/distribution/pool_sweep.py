"""The pool timers at work: reclaim records left idle, warn their holders first.

The timers are ``pool_entries`` rows (``due_at``, ``warn_at``); the automation engine's
sweep calls :func:`sweep` for every tenant with a timer that has come due, so nothing
is lost while no worker runs (the first sweep after downtime finds every overdue row).
Each reclaim and each warning is a conditional update of its row in the sweeping
transaction, so two sweeps never reclaim or warn twice. Before acting the sweep
measures again (``pool_timers``): activity since the claim moves the deadline out.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from objectry.metadata.problems import NotFound, Problem
from objectry.runtime.distribution.cursor_tables import pool_entries
from objectry.runtime.distribution.pool_timers import deadlines
from objectry.runtime.distribution.pools import (
    CLAIMED,
    Pool,
    holders_emails,
    load_pool,
    release_many,
)
from objectry.runtime.kernel.context import Context
from objectry.runtime.model.compiled import get_model

BATCH = 10_000


@dataclass(frozen=True)
class Warning:
    """A holder to warn: their record goes back to ``pool`` at ``due_at``."""

    object: str
    record_id: uuid.UUID
    pool: str
    holder: uuid.UUID
    email: str
    due_at: dt.datetime


@dataclass
class SweepReport:
    reclaimed: int = 0
    extended: int = 0
    refused: int = 0
    warnings: list[Warning] = field(default_factory=list)


def due_tenants(now: dt.datetime) -> sa.Select[Any]:
    """Tenants with a claimed record whose reclaim or warning has come due."""
    return sa.select(pool_entries.c.tenant_id).where(
        pool_entries.c.state == CLAIMED,
        sa.or_(pool_entries.c.due_at <= now,
               sa.and_(pool_entries.c.warn_at <= now, pool_entries.c.warned_at.is_(None)))
    ).distinct()


def sweep(ctx: Context) -> SweepReport:
    """Reclaim this tenant's overdue claimed records and collect the warnings due
    (the caller sends them; they are marked sent here, in the same transaction)."""
    report = SweepReport()
    now = ctx.now()
    pools: dict[str, Pool | None] = {}
    rows = ctx.conn.execute(sa.select(pool_entries).where(
        pool_entries.c.tenant_id == ctx.tenant.id, pool_entries.c.state == CLAIMED,
        sa.or_(pool_entries.c.due_at <= now,
               sa.and_(pool_entries.c.warn_at <= now, pool_entries.c.warned_at.is_(None))))
        .order_by(pool_entries.c.due_at).limit(BATCH)).mappings().all()
    warn: list[tuple[Pool, Any, dt.datetime]] = []
    stored = _rows(ctx, rows, pools)
    due_now: dict[str, list[tuple[dict[str, Any], uuid.UUID]]] = {}
    for entry in rows:
        pool = pools.get(entry["pool"])
        if pool is None:
            continue
        row = stored.get((pool.object, entry["record_id"]))
        if row is None or row["deleted_at"] is not None or row["owner"] != entry["holder"]:
            ctx.conn.execute(pool_entries.delete().where(*_key(ctx, entry)))
            continue
        due, warn_at = deadlines(ctx, pool.document, pool.object, row, _aware(entry["since"]))
        if due is not None and due <= now:
            due_now.setdefault(pool.name, []).append((row, entry["holder"]))
            continue
        if due != _maybe(entry["due_at"]):  # activity moved the deadline out
            report.extended += 1
            moved = ctx.conn.execute(pool_entries.update().where(
                *_key(ctx, entry), pool_entries.c.due_at == entry["due_at"])
                .values(due_at=due, warn_at=warn_at, warned_at=None)).rowcount
            if moved != 1 or warn_at is None or warn_at > now:
                continue
        elif warn_at is None or entry["warned_at"] is not None:
            continue
        warned = ctx.conn.execute(pool_entries.update().where(
            *_key(ctx, entry), pool_entries.c.warned_at.is_(None))
            .values(warned_at=now)).rowcount
        if warned == 1 and due is not None:
            warn.append((pool, entry, due))
    for name, due_rows in due_now.items():
        _reclaim(ctx, pools[name], due_rows, report)
    emails = holders_emails(ctx, [entry["holder"] for _, entry, _ in warn])
    for pool, entry, due in warn:
        email = emails.get(entry["holder"])
        if email is not None:
            report.warnings.append(Warning(pool.object, entry["record_id"], pool.name,
                                           entry["holder"], email, due))
    return report


def _rows(ctx: Context, entries: Sequence[Any],
          pools: dict[str, Pool | None]) -> dict[tuple[str, Any], dict[str, Any]]:
    """The records of the entries, read 500 at a time (object, id -> stored row)."""
    wanted: dict[str, list[Any]] = {}
    for entry in entries:
        pool = pools[entry["pool"]] if entry["pool"] in pools else _pool(ctx, entry, pools)
        if pool is not None:
            wanted.setdefault(pool.object, []).append(entry["record_id"])
    found: dict[tuple[str, Any], dict[str, Any]] = {}
    for object_name, ids in wanted.items():
        table = get_model(ctx, object_name).table
        for start in range(0, len(ids), 500):
            result = ctx.conn.execute(sa.select(table).where(
                table.c.id.in_(ids[start:start + 500])))
            names = list(result.keys())
            for values in result:
                row = dict(zip(names, values, strict=True))
                found[(object_name, row["id"])] = row
    return found


def _reclaim(ctx: Context, pool: Pool | None, due: list[tuple[dict[str, Any], uuid.UUID]],
             report: SweepReport) -> None:
    """Reclaim the pool's due records together; when that is refused, one by one, so
    one refused reclaim stops no other."""
    if pool is None:
        return
    try:
        with ctx.conn.begin_nested():
            report.reclaimed += release_many(ctx, pool, due)
        return
    except Problem:
        if len(due) == 1:
            report.refused += 1
            return
    for one in due:
        try:
            with ctx.conn.begin_nested():
                report.reclaimed += release_many(ctx, pool, [one])
        except Problem:
            report.refused += 1


def _pool(ctx: Context, entry: Any, pools: dict[str, Pool | None]) -> Pool | None:
    """The entry's pool (None once deleted: its timers stop)."""
    try:
        found: Pool | None = load_pool(ctx, entry["pool"])
    except NotFound:  # a deleted pool: its timers stop
        found = None
    pools[entry["pool"]] = found
    return found


def _key(ctx: Context, entry: Any) -> list[sa.ColumnElement[bool]]:
    return [pool_entries.c.tenant_id == ctx.tenant.id, pool_entries.c.object == entry["object"],
            pool_entries.c.record_id == entry["record_id"]]


def _maybe(value: Any) -> dt.datetime | None:
    return None if value is None else _aware(value)


def _aware(value: Any) -> dt.datetime:
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
