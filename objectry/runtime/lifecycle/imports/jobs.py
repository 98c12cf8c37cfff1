"""Running an import: its pending rows in batches, each batch one transaction.

A batch takes the next rows without an outcome, writes them through ``lifecycle.bulk``
(per row: the good ones are written, the others keep their reason) and stores, in the
same transaction, the outcomes of its failed rows (with their reasons), the import's
counters and its watermark ``rows_through``: every row numbered up to there has been
applied. A written row is not updated (on PostgreSQL an update per row was a tenth of
a run's server time, and a dead row version each, never vacuumed on a server without
autovacuum). So a run that stopped anywhere (a crash, a restart, a killed worker)
resumes after the watermark at the first row without an outcome, and no row is
written twice.

A batch reads its rows by a window of row numbers after the last batch's, not as "the
first rows without an outcome" (``windows``: that one cost a run the square of its
size). A window found empty jumps to the next pending row. A batch reuses the match
keys its rows' preview computed, for the duplicate rules still defined as then.

When the run is done, the rows it wrote are deleted (the records hold their values);
the failed rows stay for the error file until ``retention.purge_expired``.

A run holds a lease on the import (``lease_owner``/``lease_until``), renewed by each
batch; a second runner leaves a leased import alone, and takes it over once the lease
ran out. Where it runs (a thread of ``objectry serve``, a Celery task, the CLI in the
foreground) is the platform's choice: this module only needs a way to open a context.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Any, NamedTuple

import orjson
import sqlalchemy as sa

from objectry.metadata.problems import ErrorItem, Problem
from objectry.runtime.kernel.context import Context
from objectry.runtime.lifecycle import bulk
from objectry.runtime.lifecycle.hooks import LifecycleHooks
from objectry.runtime.lifecycle.imports import mapping as mappings
from objectry.runtime.lifecycle.imports import outcomes as outcome_rows
from objectry.runtime.lifecycle.imports.tables import import_rows, imports
from objectry.runtime.lifecycle.imports.windows import window
from objectry.runtime.model.compiled import get_model

OpenContext = Callable[[], AbstractContextManager[Context]]


@dataclass(frozen=True)
class Owner:
    """Whose the import's work is: its tenant, its creator (None: the platform) and the
    language of its messages; a runner opens contexts for them."""

    tenant_id: int
    user_id: uuid.UUID | None
    locale: str


def owner_of(conn: sa.Connection, import_id: str) -> Owner | None:
    """The import's owner, read on a plain connection (before any context exists)."""
    row = conn.execute(sa.select(imports.c.tenant_id, imports.c.created_by, imports.c.locale)
                       .where(imports.c.id == uuid.UUID(str(import_id)))).first()
    return None if row is None else Owner(row.tenant_id, row.created_by, row.locale)


def runnable(conn: sa.Connection, now: dt.datetime) -> list[str]:
    """Imports queued, or running under a lease that ran out (their runner died)."""
    return [str(i) for i in conn.execute(sa.select(imports.c.id).where(
        imports.c.status.in_(("queued", "running")),
        sa.or_(imports.c.lease_until.is_(None), imports.c.lease_until < now))).scalars()]


def run(open_context: OpenContext, import_id: str, runner: str, *, batch_size: int,
        lease: dt.timedelta,
        report: Callable[[int, int], None] | None = None) -> str:
    """Apply the import's pending rows, a batch per transaction, while this runner holds
    its lease; the import's status when it stops (``done``, or as another runner left it)."""
    key = uuid.UUID(str(import_id))
    after: int | None = None  # each row numbered up to here has its outcome
    while True:
        try:
            with open_context() as ctx:
                state = _batch(ctx, key, runner, batch_size, lease, after)
        except Problem as problem:  # the importer lost the right to create, the object went
            with open_context() as ctx:
                _stop(ctx, key, problem)
            return "failed"
        if report is not None and state.total:
            report(state.done, state.total)
        if state.finished:
            return state.status
        after = state.after


@dataclass(frozen=True)
class _State:
    status: str
    done: int
    total: int
    finished: bool
    after: int | None = None


def _batch(ctx: Context, key: uuid.UUID, runner: str, size: int,
           lease: dt.timedelta, after: int | None) -> _State:
    now = ctx.now()
    claimed = ctx.conn.execute(imports.update().where(
        imports.c.id == key, imports.c.tenant_id == ctx.tenant.id,
        imports.c.status.in_(("queued", "running")),
        sa.or_(imports.c.lease_owner.is_(None), imports.c.lease_owner == runner,
               imports.c.lease_until.is_(None), imports.c.lease_until < now))
        .values(status="running", lease_owner=runner, lease_until=now + lease,
                started_at=sa.func.coalesce(imports.c.started_at, now), updated_at=now))
    found = ctx.conn.execute(sa.select(imports).where(imports.c.id == key)).mappings().one()
    done = found["rows_done"] + found["rows_failed"]
    if claimed.rowcount != 1:  # another runner has it, or it is over
        return _State(found["status"], done, found["total_rows"], True)
    rows, after = _pending(ctx.conn, key, found["rows_through"] if after is None else after,
                           size)
    if not rows:
        ctx.conn.execute(imports.update().where(imports.c.id == key).values(
            status="done", finished_at=now, updated_at=now, lease_owner=None,
            lease_until=None))
        # the rows written are records now: their copies go; the failed ones stay for
        # the error file until retention.purge_expired takes them
        through = found["rows_through"]
        ctx.conn.execute(import_rows.delete().where(
            import_rows.c.import_id == key, import_rows.c.errors.is_(None),
            sa.or_(import_rows.c.outcome.is_not(None),
                   *([] if through is None else [import_rows.c.row_no <= through]))))
        return _State("done", done, found["total_rows"], True)
    model = get_model(ctx, found["object"])
    items = mappings.records_of(model, found["columns"], found["mapping"],
                                [r.cells for r in rows])
    hooks = ctx.write_hooks
    if isinstance(hooks, LifecycleHooks) and found["match_rules"]:
        # the preview's match keys: the duplicate check need not normalise them again
        hooks.carry_keys(ctx, model.api_name, [r.match_keys for r in rows],
                         found["match_rules"])
    outcomes = bulk.apply(ctx, model.api_name, items, upsert_on=found["upsert_on"])
    # a written row's outcome is the import's watermark (rows_through); only the rows
    # with something to say are updated: the failed ones, the ones whose preview errors
    # the run overrules
    outcome_rows.store(ctx.conn, key, [
        (row.row_no, o.status, o.id, _errors(o))
        for row, o in zip(rows, outcomes, strict=True) if o.problem is not None or row.refused])
    failed = sum(o.problem is not None for o in outcomes)
    ctx.conn.execute(imports.update().where(imports.c.id == key).values(
        rows_done=imports.c.rows_done + len(rows) - failed,
        rows_failed=imports.c.rows_failed + failed, rows_through=after, updated_at=ctx.now()))
    return _State("running", done + len(rows), found["total_rows"], False, after)


def _pending(conn: sa.Connection, key: uuid.UUID, after: int | None, size: int
             ) -> tuple[Sequence[Any], int | None]:
    """The rows without an outcome numbered in the window of ``size`` after ``after``
    (None: a run's start), and the window's end; no rows: the run is over. Bounded by
    row numbers, the read costs a batch whatever the import's size (``windows``)."""
    rows, end = window(conn, key, [
        import_rows.c.row_no, sa.cast(import_rows.c.cells, sa.Text).label("cells"),
        sa.cast(import_rows.c.match_keys, sa.Text).label("match_keys"),
        import_rows.c.errors.is_not(None).label("refused")],
        [import_rows.c.outcome.is_(None)], after, size)
    return [_Pending(row.row_no, orjson.loads(row.cells),
                     None if row.match_keys is None else orjson.loads(row.match_keys),
                     row.refused) for row in rows], end


class _Pending(NamedTuple):
    """A row to apply. Its cells (texts) and keys (texts, None) are read as JSON text
    and parsed here: the JSON columns' general reader (decimals kept exact) took ten
    times as long per value, twice per row."""

    row_no: int
    cells: list[str]
    match_keys: dict[str, list[Any]] | None
    refused: bool


def _stop(ctx: Context, key: uuid.UUID, problem: Problem) -> None:
    """The run cannot go on: the import fails with the reason; the rows already
    committed stay, the others keep no outcome."""
    now = ctx.now()
    ctx.conn.execute(imports.update().where(imports.c.id == key).values(
        status="failed", finished_at=now, updated_at=now, lease_owner=None, lease_until=None,
        error={"code": problem.detail_code,
               "params": {k: str(v) for k, v in problem.params.items()}}))


def _errors(outcome: bulk.Outcome) -> list[dict[str, Any]] | None:
    if outcome.problem is None:
        return None
    problem = outcome.problem
    return [{"path": e.path, "code": e.code,
             "params": {k: v if isinstance(v, str | int | float | bool) or v is None
                        else str(v) for k, v in e.params.items()}}
            for e in problem.errors or [ErrorItem("", problem.detail_code, problem.params)]]
