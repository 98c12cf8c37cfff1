"""Changing who owns a record: assignment (by a workflow, a rule, an admin).

The owner is a system field that no form edits; moving it still bumps the version,
lands in the audit trail and writes an outbox event, like any other change, so the
new owner's data scope and any "owner changed" workflow see it at once.
"""

from __future__ import annotations

import uuid
from typing import Any

import sqlalchemy as sa

from objectry.metadata.problems import PreconditionFailed
from objectry.runtime.context import Context
from objectry.runtime.enforcement import Guard
from objectry.runtime.model import get_model
from objectry.runtime.records import record_change


def change_owner(ctx: Context, object_name: str, record_id: Any,
                 owner: uuid.UUID) -> dict[str, Any]:
    """Give the record to ``owner``; needs edit rights on the record (as any change)."""
    model = get_model(ctx, object_name)
    guard = Guard(ctx, model)
    row, _ = guard.load(record_id)
    guard.require("edit")
    if row["owner"] == owner:
        return {"id": str(row["id"]), "version": row["version"], "owner": str(owner)}
    table, version = model.table, row["version"] + 1
    result = ctx.conn.execute(
        table.update().where(table.c.id == row["id"], table.c.version == row["version"])
        .values(owner=owner, version=version, updated_at=ctx.now(),
                updated_by=ctx.actor.user_id))
    if result.rowcount != 1:
        current = ctx.conn.execute(sa.select(table.c.version).where(
            table.c.id == row["id"])).scalar_one()
        raise PreconditionFailed(detail_code="version_mismatch", expected=row["version"],
                                 actual=current)
    old = str(row["owner"]) if row["owner"] else None
    record_change(ctx, model, row["id"], version, "updated",
                  [{"field": "owner", "old": old, "new": str(owner)}])
    return {"id": str(row["id"]), "version": version, "owner": str(owner)}
