"""The engine: match events to workflows, then advance due runs, in batches.

Both halves work in transactions over rows, which is what makes them safe to run in
many processes at once and to kill at any moment:

- a batch of events is claimed by setting ``dispatched_at`` where it is still NULL, in
  the same transaction that creates their runs (one multi-row insert; a run whose
  trigger key exists already is skipped), so a rollback leaves them all pending and a
  redelivered event starts nothing twice;
- a batch of due runs is claimed with a lease (``lease_owner`` until ``lease_until``),
  taken only if free or expired, and advanced in the same transaction, each step under
  its own savepoint (see ``group``). A step with an effect outside the database runs
  in a transaction of its own, after the work before it committed; the lease keeps the
  run ours in between.

What a crash can repeat: a killed worker's open transaction is rolled back, so a group
of database-only steps is simply done again by the next worker (none of it was ever
visible); an external step (webhook, message, function, assignment hook) whose
transaction was open may have had its effect and is repeated once, as before, under
the same delivery / idempotency key. Nothing committed is repeated and nothing is lost.

If a batch fails outside any step (a broken run definition, a database error), it is
redone one event or one run per transaction, so a bad one holds back only itself.

``tick`` does both until nothing is due at the engine's clock: the embedded loop calls
it every second, ``objectry automation tick --at`` calls it once (catch-up after
downtime, time travel in tests), Celery workers call the same functions.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from objectry.metadata.catalog_tables import meta_documents
from objectry.runtime.automation.channels import Channels
from objectry.runtime.automation.claims import (
    Key,
    claim_due_runs,
    claim_events,
    claim_pending_events,
    key_of,
    release_runs,
    take_runs,
)
from objectry.runtime.automation.definitions import (
    TIMED_TRIGGERS,
    WorkflowIndex,
    workflow_index,
)
from objectry.runtime.automation.group import Budget, GroupSettings, Handover, advance_group
from objectry.runtime.automation.matching import matches
from objectry.runtime.automation.notices import tell_followers
from objectry.runtime.automation.runs import insert_runs, new_run, paused_workflows
from objectry.runtime.automation.stepping import UnsavedFailure
from objectry.runtime.automation.sweeps import sweep, sweep_pools
from objectry.runtime.automation.units import EnginePlatform, Unit
from objectry.runtime.distribution.pool_sweep import due_tenants

__all__ = ["BATCH", "EnginePlatform", "TickReport", "advance_due", "claim_due",
           "dispatch_pending", "sweep_all", "tick"]

BATCH = 100


@dataclass
class TickReport:
    events: int = 0
    steps: int = 0
    runs_started: int = 0  # by clock-driven triggers

    def __bool__(self) -> bool:
        return bool(self.events or self.steps)


def tick(platform: EnginePlatform, owner: str | None = None, *,
         max_rounds: int = 1000) -> TickReport:
    """Dispatch every pending event and advance every due run, until none is left."""
    owner = owner or f"tick-{uuid.uuid4().hex[:12]}"
    total = TickReport(runs_started=sweep_all(platform))
    for _ in range(max_rounds):
        done = TickReport(dispatch_pending(platform), advance_due(platform, owner))
        total.events += done.events
        total.steps += done.steps
        if not done:
            break
    return total


#: Tenants with a workflow the clock starts (a superset: inactive ones are skipped by
#: the index), so a heartbeat costs nothing for tenants whose workflows all wait for
#: events. Like ``due_tenants`` this is a discovery: it reads tenant ids alone, over an
#: index that holds them (``ix_meta_documents_kind``), and everything the sweep then
#: reads or writes is one tenant's, each statement bound to its id (under Citus a
#: discovery is the one statement that fans out to every node; docs/scaling.md).
_TIMED_TENANTS = sa.select(meta_documents.c.tenant_id).where(
    meta_documents.c.kind == "workflow",
    meta_documents.c.document[("trigger", "on")].as_string().in_(sorted(TIMED_TRIGGERS)),
).distinct()


def sweep_all(platform: EnginePlatform) -> int:
    """Sweep the clock-driven triggers of every tenant that has some."""
    with platform.connection() as conn:
        tenants = conn.execute(_TIMED_TENANTS).scalars().all()
    started = 0
    for tenant_id in tenants:
        with platform.system_context(tenant_id) as ctx:
            started += sweep(ctx)
    with platform.connection() as conn:  # lead pools: timers come due as rows
        pooled = conn.execute(due_tenants(platform.now())).scalars().all()
    for tenant_id in pooled:
        with platform.system_context(tenant_id) as ctx:
            sweep_pools(ctx, platform.hooks.channels)
    return started


# -- events ------------------------------------------------------------------------------

def dispatch_pending(platform: EnginePlatform, limit: int = BATCH) -> int:
    """Match up to ``limit`` undispatched events, oldest first, in one transaction;
    returns how many."""
    claimed: list[Key] = []
    try:
        with platform.unit() as unit:
            batch = claim_pending_events(unit.conn, platform.now(), limit)
            claimed.extend(key_of(event) for event in batch)
            _start_runs(unit, batch)
            _tell_followers(unit, platform.hooks.channels, batch)
            return len(batch)
    except Exception:
        if len(claimed) <= 1:
            raise
    return _one_by_one(claimed, lambda event: _dispatch_one(platform, event))


def _dispatch_one(platform: EnginePlatform, event: Key) -> int:
    with platform.unit() as unit:
        batch = claim_events(unit.conn, platform.now(), [event])
        _start_runs(unit, batch)
        _tell_followers(unit, platform.hooks.channels, batch)
        return len(batch)


def _start_runs(unit: Unit, batch: Sequence[Mapping[str, Any]]) -> None:
    """Create the runs a batch of claimed events triggers (paused workflows start none)."""
    indexes: dict[int, WorkflowIndex] = {}
    paused: dict[int, frozenset[str]] = {}
    rows = []
    for event in batch:
        tenant_id = event["tenant_id"]
        ctx = unit.context(tenant_id)
        if tenant_id not in indexes:
            indexes[tenant_id] = workflow_index(ctx)
        for workflow, record_id, trigger in matches(ctx, indexes[tenant_id], event):
            if tenant_id not in paused:
                paused[tenant_id] = paused_workflows(ctx)
            if workflow.name not in paused[tenant_id]:
                rows.append(new_run(ctx, workflow, record_id, trigger, f"event:{event['id']}"))
    insert_runs(unit.conn, rows)


def _tell_followers(unit: Unit, channels: Channels,
                    batch: Sequence[Mapping[str, Any]]) -> None:
    """The followers of the changed records hear of it (``notices``), in the same
    transaction that marks the events dispatched: once per event and follower."""
    by_tenant: dict[int, list[Mapping[str, Any]]] = {}
    for event in batch:
        by_tenant.setdefault(event["tenant_id"], []).append(event)
    for tenant_id, events in by_tenant.items():
        tell_followers(unit.context(tenant_id), channels, events)


# -- runs --------------------------------------------------------------------------------

def claim_due(platform: EnginePlatform, owner: str, limit: int) -> list[dict[str, Any]]:
    """Lease up to ``limit`` due runs of unpaused workflows (earliest due first) in a
    transaction of their own; their rows as leased."""
    with platform.connection() as conn:
        now = platform.now()
        return claim_due_runs(conn, owner, now, now + platform.lease, limit)


def advance_due(platform: EnginePlatform, owner: str, limit: int = BATCH) -> int:
    """Claim up to ``limit`` due runs and advance each as far as it goes; steps run."""
    advance = _Advance(platform, GroupSettings(owner, platform.hooks, platform.lease))
    done = advance.group(claim=limit)
    steps = done.steps
    while done.external:
        after = Handover()
        for run in done.external:
            after.add(advance.external_step(run))
        again = advance.group(ids=after.grouped) if after.grouped else Handover()
        steps += after.steps + again.steps
        done = Handover(external=[*after.external, *again.external])
    if advance.errors:
        raise advance.errors[0]
    return steps


class _Advance:
    """The transactions of one ``advance_due`` call, and the errors they met."""

    def __init__(self, platform: EnginePlatform, settings: GroupSettings) -> None:
        self.platform, self.settings = platform, settings
        self.budget = Budget()
        self.errors: list[Exception] = []

    def group(self, *, claim: int = 0, ids: Sequence[Key] = ()) -> Handover:
        """Claim due runs (or take the given ones) and advance them in one transaction,
        first without a savepoint per step, and if a step failed, again with them; if
        that fails too, redo each run in a transaction of its own."""
        taken: list[Key] = []
        try:
            try:
                return self._group(claim, ids, taken, savepoints=False)
            except UnsavedFailure:
                taken.clear()
                return self._group(claim, ids, taken, savepoints=True)
        except Exception as exc:
            if len(taken) > 1:
                done = Handover()
                for run in taken:
                    done.add(self.group(ids=[run]))
                return done
            self.errors.append(exc)
            self._release(taken or ids)
            return Handover()

    def _group(self, claim: int, ids: Sequence[Key], taken: list[Key], *,
               savepoints: bool) -> Handover:
        budget = self.budget.copy()  # steps of a rolled-back attempt do not count
        with self.platform.unit() as unit:
            now, owner = self.platform.now(), self.settings.owner
            until = now + self.settings.lease
            rows = claim_due_runs(unit.conn, owner, now, until, claim) if claim \
                else take_runs(unit.conn, owner, now, until, ids)
            taken.extend(key_of(row) for row in rows)
            done = advance_group(unit, rows, self.settings, budget, savepoints=savepoints)
        self.budget = budget
        return done

    def external_step(self, run: Key) -> Handover:
        """The run's external step, the only step of a transaction that commits right
        after it."""
        try:
            with self.platform.unit() as unit:
                now, owner = self.platform.now(), self.settings.owner
                rows = take_runs(unit.conn, owner, now, now + self.settings.lease, [run])
                return advance_group(unit, rows, self.settings, self.budget,
                                     external_step=True)
        except Exception as exc:
            self.errors.append(exc)
            self._release([run])
            return Handover()

    def _release(self, ids: Sequence[Key]) -> None:
        """Let any worker take the runs again at once, not only when the lease ends."""
        with self.platform.connection() as conn:
            release_runs(conn, self.settings.owner, ids)


def _one_by_one(ids: Sequence[Key], work: Callable[[Key], int]) -> int:
    """``work`` for each id in a transaction of its own; the first error is raised after
    all the others were done."""
    done, error = 0, None
    for item in ids:
        try:
            done += work(item)
        except Exception as exc:
            error = error or exc
    if error is not None:
        raise error
    return done
