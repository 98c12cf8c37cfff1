"""Triggers the clock fires: a schedule (cron), a date field (N days before or after,
optionally every year), and inactivity (no activity for N days).

None of them keeps one timer per record. Each sweep looks at the window the clock
moved through since the last sweep, ``(swept_until, now]``, with one range query per
workflow; every run it starts carries a key naming the record and the instant it is
for, so sweeping a window twice (two workers, a crash before the sweep mark was
saved) starts nothing twice. After downtime the first sweep covers the whole gap.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import sqlalchemy as sa
from cronsim import CronSim

from objectry.metadata.i18n import message
from objectry.runtime.access.filter_sources import FilterSources
from objectry.runtime.automation.channel_settings import read_settings
from objectry.runtime.automation.channels import Channels
from objectry.runtime.automation.definitions import Workflow, workflow_index
from objectry.runtime.automation.notices import send_notice
from objectry.runtime.automation.run_tables import workflow_sweeps
from objectry.runtime.automation.runs import is_paused, start_run
from objectry.runtime.distribution import pool_sweep
from objectry.runtime.kernel.context import Context
from objectry.runtime.model.compiled import get_model
from objectry.runtime.query.compile import to_sql

MAX_RECORDS_PER_FIRE = 10_000
MAX_YEARLY_DAYS = 400
DAY = dt.timedelta(days=1)


def sweep(ctx: Context) -> int:
    """Fire the tenant's clock-driven workflows for the time since their last sweep."""
    started = 0
    for workflow in workflow_index(ctx).timed:
        if is_paused(ctx, workflow.name):
            continue
        since = _swept_until(ctx, workflow.name)
        now = ctx.now()
        if since is not None and since < now:
            for record_id, key, at in _due(ctx, workflow, since, now):
                trigger = {"type": workflow.trigger["on"], "at": at.isoformat()}
                if start_run(ctx, workflow, record_id, trigger, key) is not None:
                    started += 1
        if since is None or since < now:
            _mark(ctx, workflow.name, now, first=since is None)
    return started


def _due(ctx: Context, workflow: Workflow, since: dt.datetime,
         now: dt.datetime) -> Iterator[tuple[Any, str, dt.datetime]]:
    on = workflow.trigger["on"]
    if on == "schedule":
        yield from _scheduled(ctx, workflow, since, now)
    elif on == "date":
        yield from _dated(ctx, workflow, since, now)
    else:
        yield from _inactive(ctx, workflow, since, now)


def _matching(ctx: Context, workflow: Workflow) -> tuple[sa.Table, list[Any]]:
    """The object's table and the live-record conditions (trigger condition included)."""
    table = get_model(ctx, workflow.object).table
    where: list[Any] = [table.c.deleted_at.is_(None)]
    if workflow.condition is not None:
        where.append(to_sql(workflow.condition, table, now=ctx.now(),
                            related=FilterSources(ctx).tables))
    return table, where


def _scheduled(ctx: Context, workflow: Workflow, since: dt.datetime,
               now: dt.datetime) -> Iterator[tuple[Any, str, dt.datetime]]:
    """Each cron instant in the window: one run per record matching the condition, or
    one run with no record (``for_each_record: false``: a nightly job, a clean-up)."""
    per_record = workflow.trigger.get("for_each_record", True)
    table, where = _matching(ctx, workflow)
    for at in CronSim(workflow.trigger["cron"], since.astimezone(dt.UTC)):
        if at > now:
            break
        if not per_record:
            yield None, f"schedule:{at.isoformat()}", at
            continue
        ids = ctx.conn.execute(sa.select(table.c.id).where(*where).order_by(table.c.id)
                               .limit(MAX_RECORDS_PER_FIRE)).scalars()
        for record_id in ids:
            yield record_id, f"schedule:{at.isoformat()}:{record_id}", at


def _dated(ctx: Context, workflow: Workflow, since: dt.datetime,
           now: dt.datetime) -> Iterator[tuple[Any, str, dt.datetime]]:
    """Records whose date field plus ``days`` falls in the window (a date counts from
    its midnight, UTC); yearly triggers match month and day every year."""
    trigger = workflow.trigger
    table, where = _matching(ctx, workflow)
    column = table.c[trigger["field"]]
    offset = dt.timedelta(days=trigger.get("days", 0))
    is_date = get_model(ctx, workflow.object).fields[trigger["field"]].type.whole_days
    low, high = since - offset, now - offset
    if trigger.get("yearly"):
        first = low.date() + DAY
        days = min((high.date() - first).days + 1, MAX_YEARLY_DAYS)
        for n in range(max(days, 0)):
            day = first + n * DAY
            born_today = ctx.conn.execute(sa.select(table.c.id).where(
                *where, sa.extract("month", column) == day.month,
                sa.extract("day", column) == day.day).limit(MAX_RECORDS_PER_FIRE)).scalars()
            at = dt.datetime.combine(day, dt.time(), dt.UTC) + offset
            for record_id in born_today:
                yield record_id, f"date:{record_id}:{day.isoformat()}", at
        return
    if is_date:
        window = column.between(low.date() + DAY, high.date())
    else:
        window = sa.and_(column > low, column <= high)
    rows = ctx.conn.execute(sa.select(table.c.id, column).where(*where, window)
                            .order_by(column).limit(MAX_RECORDS_PER_FIRE)).all()
    for record_id, value in rows:
        instant = dt.datetime.combine(value, dt.time(), dt.UTC) if is_date else value
        yield record_id, f"date:{record_id}:{value.isoformat()}", instant + offset


def _inactive(ctx: Context, workflow: Workflow, since: dt.datetime,
              now: dt.datetime) -> Iterator[tuple[Any, str, dt.datetime]]:
    """Records whose last activity (their own last change, or the newest related
    activity record) crossed ``days`` ago during the window: dormant since then."""
    table, where = _matching(ctx, workflow)
    quiet = dt.timedelta(days=workflow.trigger["days"])
    last = last_activity(ctx, workflow, table)
    marker = last.label("last_activity")
    rows = ctx.conn.execute(sa.select(table.c.id, marker).where(
        *where, last > since - quiet, last <= now - quiet)
        .order_by(marker).limit(MAX_RECORDS_PER_FIRE)).all()
    for record_id, last_seen in rows:
        moment = _aware(last_seen)
        yield record_id, f"inactive:{record_id}:{moment.isoformat()}", moment + quiet


def last_activity(ctx: Context, workflow: Workflow, table: sa.Table) -> Any:
    """An inactivity trigger's measure of a record's last activity, as SQL: its own
    last change, or its newest related activity record when that is later."""
    last: Any = table.c.updated_at
    activity = workflow.trigger.get("activity")
    if activity is None:
        return last
    child = get_model(ctx, activity["object"])
    via = activity.get("via") or next(f.name for f in child.fields.values()
                                      if f.definition.get("target") == workflow.object)
    newest = sa.select(sa.func.max(child.table.c.created_at)).where(
        child.table.c[via] == table.c.id, child.table.c.deleted_at.is_(None)
    ).scalar_subquery()
    return sa.case((newest > table.c.updated_at, newest), else_=table.c.updated_at)


def _aware(value: Any) -> dt.datetime:
    """SQLite returns a computed CASE over timestamps as text or a naive value."""
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)


def _swept_until(ctx: Context, workflow: str) -> dt.datetime | None:
    return ctx.conn.execute(sa.select(workflow_sweeps.c.swept_until).where(
        workflow_sweeps.c.tenant_id == ctx.tenant.id,
        workflow_sweeps.c.workflow == workflow)).scalar()


def _mark(ctx: Context, workflow: str, now: dt.datetime, *, first: bool) -> None:
    """Remember the sweep; a new workflow starts from now (no retroactive firing)."""
    if first:
        ctx.conn.execute(workflow_sweeps.insert(), {"tenant_id": ctx.tenant.id,
                                                    "workflow": workflow, "swept_until": now})
        return
    ctx.conn.execute(sa.update(workflow_sweeps).where(
        workflow_sweeps.c.tenant_id == ctx.tenant.id,
        workflow_sweeps.c.workflow == workflow).values(swept_until=now))


def sweep_pools(ctx: Context, channels: Channels) -> int:
    """The tenant's pool timers (``distribution.pool_sweep``): overdue claimed records
    go back to their pool; each warning due is an email to the holder through the
    channels, recorded with the messages (``GET /messages``). Returns the reclaims."""
    report = pool_sweep.sweep(ctx)
    if report.warnings:
        locale = read_settings(ctx, channels.daily_cap)["default_locale"]
        for warning in report.warnings:
            _warn(ctx, channels, warning, locale)
    return report.reclaimed


def _warn(ctx: Context, channels: Channels, warning: pool_sweep.Warning, locale: str) -> None:
    params = {"pool": warning.pool, "object": warning.object, "id": str(warning.record_id),
              "due": warning.due_at.date().isoformat()}
    send_notice(ctx, channels, object_name=warning.object, record_id=warning.record_id,
                email=warning.email, subject=message("pool_warning_subject", locale, params),
                body=message("pool_warning_body", locale, params), locale=locale,
                key=f"pool:{warning.record_id}:{warning.due_at.isoformat()}")
