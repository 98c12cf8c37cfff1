"""When a claimed record goes back to its pool, and when its holder is warned.

A claim sets the deadline; the sweep measures again before acting, so qualifying
activity since the claim (a new related record of the configured objects, an update of
the configured fields; any update when none are configured) moves the deadline out: the
protection period starts again from the newest activity. Reaching one of the configured
status values lifts the status deadline.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa

from objectry.runtime.kernel.context import Context
from objectry.runtime.model.compiled import get_model
from objectry.runtime.records.journal_tables import record_audit


def deadlines(ctx: Context, pool: Mapping[str, Any], object_name: str,
              row: Mapping[Any, Any], since: dt.datetime
              ) -> tuple[dt.datetime | None, dt.datetime | None]:
    """(reclaim at, warn at) of a record claimed at ``since``, or (None, None)."""
    reclaim = pool.get("reclaim") or {}
    found: list[dt.datetime] = []
    if "inactive_days" in reclaim:
        last = last_activity(ctx, reclaim.get("activity"), object_name, row, since)
        found.append(last + dt.timedelta(days=reclaim["inactive_days"]))
    status = reclaim.get("status")
    if status is not None and _text(row.get(status["field"])) not in status["values"]:
        found.append(since + dt.timedelta(days=status["days"]))
    if not found:
        return None, None
    due = min(found)
    warn = due - dt.timedelta(days=reclaim["warn_days"]) if "warn_days" in reclaim else None
    return due, warn


def last_activity(ctx: Context, activity: Mapping[str, Any] | None, object_name: str,
                  row: Mapping[Any, Any], since: dt.datetime) -> dt.datetime:
    """The newest qualifying activity on the record since the claim (else the claim)."""
    moments = [since]
    if activity is None:
        moments.append(_aware(row["updated_at"]))
        return max(moments)
    fields = set(activity.get("fields", ()))
    if fields:
        changes = ctx.conn.execute(sa.select(record_audit.c.at, record_audit.c.changes).where(
            record_audit.c.tenant_id == ctx.tenant.id, record_audit.c.object == object_name,
            record_audit.c.record_id == row["id"], record_audit.c.at > since))
        moments += [_aware(at) for at, made in changes
                    if any(c.get("field") in fields for c in made or ())]
    for child_name in activity.get("objects", ()):
        child = get_model(ctx, child_name)
        for field in child.fields.values():
            if field.definition.get("target") != object_name:
                continue
            newest = ctx.conn.execute(sa.select(sa.func.max(child.table.c.created_at)).where(
                child.table.c[field.name] == row["id"],
                child.table.c.deleted_at.is_(None))).scalar()
            if newest is not None:
                moments.append(_aware(newest))
    return max(moments)


def _text(value: Any) -> str | None:
    return None if value is None else str(value)


def _aware(value: Any) -> dt.datetime:
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
