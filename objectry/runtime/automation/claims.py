"""Claiming work in one statement: a batch of events, a batch of due runs, given runs.

Each claim is an ``UPDATE ... RETURNING`` over a locking sub-select, so a batch costs
one round trip however large it is. On PostgreSQL the sub-select takes the rows with
``FOR UPDATE SKIP LOCKED``: concurrent workers get disjoint batches and never wait on
each other; a row another worker changed meanwhile is re-checked against the
conditions before it is taken. SQLite serializes writers (``BEGIN IMMEDIATE``), so the
same statement without the locking clause is already exclusive.

The statements are built once, with bound parameters, so SQLAlchemy's compiled cache
serves every later execution without rebuilding or re-keying them.

Only the two queue claims (due runs, pending events) span tenants. Everything that
names rows a claim returned (taking given runs or events again, releasing runs) takes
them as :data:`Key` pairs and sends one statement per tenant, filtered by its
``tenant_id``: each routes to the tenant's node alone (Citus distributes these tables by
``tenant_id``; see docs/scaling.md).
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable, Sequence
from typing import Any

import sqlalchemy as sa

from objectry.metadata.fieldtypes.sqltypes import UTCDateTime
from objectry.runtime.automation.run_tables import workflow_runs, workflow_state
from objectry.runtime.records.journal_tables import events

ADVANCING = ("running", "waiting")
#: A claimed row: (tenant id, row id).
Key = tuple[int, uuid.UUID]

_NOW = sa.bindparam("now", type_=UTCDateTime())
_UNTIL = sa.bindparam("until", type_=UTCDateTime())
_OWNER = sa.bindparam("owner", type_=sa.String(80))
_LIMIT = sa.bindparam("limit", type_=sa.Integer)
_TENANT = sa.bindparam("tenant", type_=sa.Integer)
_IDS: sa.BindParameter[Any] = sa.bindparam("ids", expanding=True)


def _free(table: Any) -> sa.ColumnElement[bool]:
    return sa.or_(table.c.lease_until.is_(None), table.c.lease_until < _NOW)


def _due_runs(locking: bool) -> sa.Update:
    """Lease the earliest due runs of unpaused workflows (catch-up in due order)."""
    due = workflow_runs.alias("due")
    paused = sa.select(workflow_state.c.workflow).where(
        workflow_state.c.tenant_id == due.c.tenant_id,
        workflow_state.c.workflow == due.c.workflow, workflow_state.c.paused.is_(True))
    batch = (sa.select(due.c.id)
             .where(due.c.status.in_(ADVANCING), due.c.due_at <= _NOW, _free(due),
                    ~sa.exists(paused))
             .order_by(due.c.due_at, due.c.id).limit(_LIMIT))
    if locking:
        batch = batch.with_for_update(skip_locked=True, of=due)
    chosen = batch.cte("chosen")
    runs = workflow_runs
    return (sa.update(runs)
            .where(runs.c.id.in_(sa.select(chosen.c.id)), _free(runs))
            .values(lease_owner=_OWNER, lease_until=_UNTIL)
            .returning(*runs.c))


def _given_runs() -> sa.Update:
    """Lease the listed live runs of one tenant that are ours already or free (a worker
    that lost its lease to another one finds nothing)."""
    runs = workflow_runs
    return (sa.update(runs)
            .where(runs.c.tenant_id == _TENANT, runs.c.id.in_(_IDS),
                   runs.c.status.in_(ADVANCING),
                   sa.or_(runs.c.lease_owner == _OWNER, _free(runs)))
            .values(lease_owner=_OWNER, lease_until=_UNTIL)
            .returning(*runs.c))


def _pending_events(locking: bool) -> sa.Update:
    """Mark the oldest undispatched events dispatched and return them."""
    pending = events.alias("pending")
    batch = (sa.select(pending.c.id).where(pending.c.dispatched_at.is_(None))
             .order_by(pending.c.id).limit(_LIMIT))
    if locking:
        batch = batch.with_for_update(skip_locked=True, of=pending)
    chosen = batch.cte("chosen")
    return (sa.update(events)
            .where(events.c.id.in_(sa.select(chosen.c.id)), events.c.dispatched_at.is_(None))
            .values(dispatched_at=_NOW)
            .returning(*events.c))


def _given_events() -> sa.Update:
    """Mark the listed undispatched events of one tenant dispatched."""
    return (sa.update(events)
            .where(events.c.tenant_id == _TENANT, events.c.id.in_(_IDS),
                   events.c.dispatched_at.is_(None))
            .values(dispatched_at=_NOW)
            .returning(*events.c))


_DUE_RUNS = {True: _due_runs(True), False: _due_runs(False)}
_GIVEN_RUNS = _given_runs()
_PENDING_EVENTS = {True: _pending_events(True), False: _pending_events(False)}
_GIVEN_EVENTS = _given_events()
_RELEASE = (sa.update(workflow_runs)
            .where(workflow_runs.c.tenant_id == _TENANT, workflow_runs.c.id.in_(_IDS),
                   workflow_runs.c.lease_owner == _OWNER)
            .values(lease_owner=None, lease_until=None))


def _locking(conn: sa.Connection) -> bool:
    return conn.dialect.name == "postgresql"


def key_of(row: Any) -> Key:
    """The key of a claimed row (a run or an event)."""
    return row["tenant_id"], row["id"]


def _by_tenant(keys: Iterable[Key]) -> dict[int, list[uuid.UUID]]:
    """The ids of each tenant, in the order given: one statement per tenant."""
    grouped: dict[int, list[uuid.UUID]] = {}
    for tenant_id, row_id in keys:
        grouped.setdefault(tenant_id, []).append(row_id)
    return grouped


def _run_order(row: Any) -> tuple[bool, dt.datetime | None, uuid.UUID]:
    return row["due_at"] is not None, row["due_at"], row["id"]


def claim_due_runs(conn: sa.Connection, owner: str, now: dt.datetime, until: dt.datetime,
                   limit: int) -> list[dict[str, Any]]:
    """Up to ``limit`` due runs, leased to ``owner`` until ``until``, earliest due first."""
    rows = conn.execute(_DUE_RUNS[_locking(conn)],
                        {"now": now, "until": until, "owner": owner, "limit": limit})
    return sorted((dict(r) for r in rows.mappings()), key=_run_order)


def take_runs(conn: sa.Connection, owner: str, now: dt.datetime, until: dt.datetime,
              keys: Sequence[Key]) -> list[dict[str, Any]]:
    """The listed runs as they are now, leased to ``owner``; those not live, or leased
    to another worker, are left out. One statement per tenant."""
    rows: list[dict[str, Any]] = []
    for tenant_id, ids in _by_tenant(keys).items():
        found = conn.execute(_GIVEN_RUNS, {"tenant": tenant_id, "ids": ids, "now": now,
                                           "until": until, "owner": owner})
        rows.extend(dict(r) for r in found.mappings())
    return sorted(rows, key=_run_order)


def release_runs(conn: sa.Connection, owner: str, keys: Sequence[Key]) -> None:
    """Give the listed runs back (any worker may take them again at once); one statement
    per tenant."""
    for tenant_id, ids in _by_tenant(keys).items():
        conn.execute(_RELEASE, {"tenant": tenant_id, "ids": ids, "owner": owner})


def claim_pending_events(conn: sa.Connection, now: dt.datetime,
                         limit: int) -> list[dict[str, Any]]:
    """Up to ``limit`` undispatched events, oldest first, marked dispatched at ``now``;
    the caller's transaction holds them (a rollback makes them pending again)."""
    rows = conn.execute(_PENDING_EVENTS[_locking(conn)], {"now": now, "limit": limit})
    return sorted((dict(r) for r in rows.mappings()), key=lambda r: r["id"])


def claim_events(conn: sa.Connection, now: dt.datetime,
                 keys: Sequence[Key]) -> list[dict[str, Any]]:
    """The listed events that are still undispatched, marked dispatched at ``now``; one
    statement per tenant."""
    rows: list[dict[str, Any]] = []
    for tenant_id, ids in _by_tenant(keys).items():
        found = conn.execute(_GIVEN_EVENTS, {"tenant": tenant_id, "ids": ids, "now": now})
        rows.extend(dict(r) for r in found.mappings())
    return sorted(rows, key=lambda r: r["id"])
