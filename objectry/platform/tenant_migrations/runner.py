"""Running the tenant steps: tenant by tenant, each in its own transaction, resumable."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import sqlalchemy as sa

from objectry.platform.db import READ_ONLY
from objectry.platform.tenant_migrations.steps import STEPS, TenantRef, TenantStep
from objectry.platform.tenant_migrations.tables import tenant_revisions
from objectry.runtime.kernel.storage import TenantStorage

# the catalog's tenants as this runner reads them
_tenants = sa.table("tenants", sa.column("id", sa.Integer), sa.column("slug", sa.String))

Progress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class TenantMigrationReport:
    """What one run did: tenants brought to ``revision`` (of ``pending`` found)."""

    revision: str | None
    pending: int
    migrated: int


def head_revision(steps: Sequence[TenantStep] = STEPS) -> str | None:
    """The newest tenant step (None: no steps)."""
    return steps[-1].revision if steps else None


def _behind(steps: Sequence[TenantStep]) -> sa.ColumnElement[bool]:
    """Tenants with no row, or at a known step other than the newest. A revision this
    code does not know was written by newer code: that tenant is ahead, not behind."""
    older = [s.revision for s in steps[:-1]]
    condition = tenant_revisions.c.revision.is_(None)
    return sa.or_(condition, tenant_revisions.c.revision.in_(older)) if older else condition


def pending_tenants(conn_or_engine: sa.Connection | sa.Engine,
                    steps: Sequence[TenantStep] = STEPS) -> list[tuple[int, str]]:
    """(id, slug) of the tenants some step has still to run for, by id."""
    if not steps:
        return []
    query = (sa.select(_tenants.c.id, _tenants.c.slug)
             .select_from(_tenants.outerjoin(tenant_revisions,
                                             tenant_revisions.c.tenant_id == _tenants.c.id))
             .where(_behind(steps)).order_by(_tenants.c.id))
    if isinstance(conn_or_engine, sa.Engine):
        with conn_or_engine.connect() as conn:
            conn = conn.execution_options(**{READ_ONLY: True})
            return [(r.id, r.slug) for r in conn.execute(query)]
    return [(r.id, r.slug) for r in conn_or_engine.execute(query)]


def mark_current(conn: sa.Connection, tenant_id: int, *, now: dt.datetime,
                 steps: Sequence[TenantStep] = STEPS) -> None:
    """Record a new tenant at the newest step: its tables are built by this code."""
    revision = head_revision(steps)
    if revision is not None:
        _record(conn, tenant_id, revision, now)


def _record(conn: sa.Connection, tenant_id: int, revision: str, now: dt.datetime) -> None:
    updated = conn.execute(tenant_revisions.update()
                           .where(tenant_revisions.c.tenant_id == tenant_id)
                           .values(revision=revision, updated_at=now))
    if updated.rowcount == 0:
        conn.execute(tenant_revisions.insert().values(
            tenant_id=tenant_id, revision=revision, updated_at=now))


def _remaining(revision: str | None, steps: Sequence[TenantStep]) -> Sequence[TenantStep]:
    if revision is None:
        return steps
    known = [s.revision for s in steps]
    return steps[known.index(revision) + 1:] if revision in known else ()


def upgrade_tenant(conn: sa.Connection, tenant_id: int, slug: str, *, now: dt.datetime,
                   steps: Sequence[TenantStep] = STEPS) -> bool:
    """Run the steps one tenant still needs, in the caller's transaction, and record the
    step reached. The tenant's row is locked first, so two upgrades running at once
    do not both migrate it. False: it was already current."""
    conn.execute(sa.select(_tenants.c.id).where(_tenants.c.id == tenant_id).with_for_update())
    revision = conn.execute(sa.select(tenant_revisions.c.revision).where(
        tenant_revisions.c.tenant_id == tenant_id)).scalar_one_or_none()
    todo = _remaining(revision, steps)
    if not todo:
        return False
    tenant = TenantRef(tenant_id, slug, TenantStorage(conn.dialect.name, slug))
    for step in todo:
        step.apply(conn, tenant)
    _record(conn, tenant_id, todo[-1].revision, now)
    return True


def upgrade_tenants(engine: sa.Engine, *, steps: Sequence[TenantStep] = STEPS,
                    progress: Progress | None = None,
                    clock: Callable[[], dt.datetime] | None = None) -> TenantMigrationReport:
    """Bring every tenant to the newest step, one tenant per transaction.

    A tenant whose steps fail rolls back alone and the error stops the run; the tenants
    done before it stay done, so running again resumes with it.
    """
    now = clock or (lambda: dt.datetime.now(dt.UTC))
    todo = pending_tenants(engine, steps)
    label = f"tenant migrations to {head_revision(steps)}"
    migrated = 0
    if progress is not None and todo:
        progress(label, 0, len(todo))
    for done, (tenant_id, slug) in enumerate(todo, 1):
        with engine.begin() as conn:
            migrated += upgrade_tenant(conn, tenant_id, slug, now=now(), steps=steps)
        if progress is not None:
            progress(label, done, len(todo))
    return TenantMigrationReport(head_revision(steps), len(todo), migrated)
