"""Group commit: many runs' steps in one transaction, each step under its own savepoint.

A group takes runs (claimed or continued, all locked by the claim for the length of
the transaction) and advances each through its due steps that stay in the database.
A step that fails rolls back only itself, and its failure is recorded like any other
outcome. A step with an effect outside the database is never run in a group: the run
stops before it, the group commits, and the step runs alone in the next transaction
(``external_step=True``), which commits right after it. So a crash loses at most one
uncommitted transaction: either a group of database-only steps, which the rollback
undoes completely, or one external step, whose effect may then be repeated once.

The runs' new states and their history rows are written at the end of the group with
one ``executemany`` each, instead of one statement per step.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from objectry.runtime.automation.claims import Key, key_of
from objectry.runtime.automation.run_tables import run_steps, workflow_runs
from objectry.runtime.automation.stepping import (
    STATE_COLUMNS,
    current_step,
    is_due,
    is_external,
    run_step,
)
from objectry.runtime.automation.steps import Hooks
from objectry.runtime.automation.units import Unit

MAX_STEPS_PER_CLAIM = 200  # a run loops at most this many steps before yielding

#: By id and tenant: every statement names the tenant it serves (docs/scaling.md).
_UPDATE_RUN = sa.update(workflow_runs).where(
    workflow_runs.c.tenant_id == sa.bindparam("run_tenant"),
    workflow_runs.c.id == sa.bindparam("run_id"))


@dataclass
class Budget:
    """Steps each run took in one ``advance_due`` call (a looping run must yield)."""

    spent: dict[uuid.UUID, int] = field(default_factory=dict)

    def left(self, run_id: uuid.UUID) -> bool:
        return self.spent.get(run_id, 0) < MAX_STEPS_PER_CLAIM

    def spend(self, run_id: uuid.UUID) -> None:
        self.spent[run_id] = self.spent.get(run_id, 0) + 1

    def copy(self) -> Budget:
        return Budget(dict(self.spent))


@dataclass
class Handover:
    """What a transaction did, and which runs it leaves leased for the next one."""

    steps: int = 0
    #: Runs due again whose next step has an external effect: each next runs that step
    #: as the only one of its transaction.
    external: list[Key] = field(default_factory=list)
    #: Runs due again whose next steps stay in the database: a group continues them.
    grouped: list[Key] = field(default_factory=list)

    def add(self, other: Handover) -> None:
        self.steps += other.steps
        self.external.extend(other.external)
        self.grouped.extend(other.grouped)


@dataclass(frozen=True)
class GroupSettings:
    owner: str
    hooks: Hooks
    lease: dt.timedelta


def advance_group(unit: Unit, runs: Iterable[Mapping[str, Any]], settings: GroupSettings,
                  budget: Budget, *, external_step: bool = False, savepoints: bool = True
                  ) -> Handover:
    """Advance the taken runs in the unit's transaction. ``external_step``: one run,
    whose one external step is the only step this transaction runs. ``savepoints=False``: steps
    run without them and the first failure raises ``UnsavedFailure`` (see ``stepping``)."""
    done = Handover()
    updates: list[dict[str, Any]] = []
    history: list[dict[str, Any]] = []
    for row in runs:
        run = dict(row)
        ctx = unit.context(run["tenant_id"])
        kind = _next_kind(run, ctx.now(), budget)
        if kind == ("external" if external_step else "grouped"):
            while True:
                result = run_step(ctx, run, settings.hooks, savepoint=savepoints)
                run.update(result.values)
                history.append(result.history)
                budget.spend(run["id"])
                done.steps += 1
                kind = _next_kind(run, ctx.now(), budget)
                if external_step or kind != "grouped":
                    break
        if kind == "external":
            done.external.append(key_of(run))
        elif kind == "grouped":
            done.grouped.append(key_of(run))
        updates.append(_state(run, settings, ctx.now(), keep=kind is not None))
    if updates:
        unit.conn.execute(_UPDATE_RUN, updates)
    if history:
        unit.conn.execute(run_steps.insert(), history)
    return done


def _next_kind(run: Mapping[str, Any], now: dt.datetime, budget: Budget) -> str | None:
    """Which transaction the run's next step needs: None when no step is due now (a
    wait, the end, a retry's backoff) or the run used up its steps for this call."""
    if not is_due(run, now) or not budget.left(run["id"]):
        return None
    return "external" if is_external(current_step(run)) else "grouped"


def _state(run: Mapping[str, Any], settings: GroupSettings, now: dt.datetime, *,
           keep: bool) -> dict[str, Any]:
    """The run's row after this transaction: leased on if it goes on at once, released
    when it waits or stops (any worker may take it when it is due)."""
    state = {name: run[name] for name in STATE_COLUMNS}
    if keep:
        state.update(lease_owner=settings.owner, lease_until=now + settings.lease)
    else:
        state.update(lease_owner=None, lease_until=None)
    return {"run_tenant": run["tenant_id"], "run_id": run["id"], **state}
