"""Changing who owns a record: assignment (by a workflow, a rule, an admin).

The owner is a system field that no form edits; moving it still bumps the version,
lands in the audit trail and writes an outbox event, like any other change, so the
new owner's data scope and any "owner changed" workflow see it at once.
"""

from __future__ import annotations

import uuid
from typing import Any

from objectry.runtime.access.guard import Guard
from objectry.runtime.kernel.context import Context
from objectry.runtime.model.compiled import get_model
from objectry.runtime.records import journal


def change_owner(ctx: Context, object_name: str, record_id: Any,
                 owner: uuid.UUID) -> dict[str, Any]:
    """Give the record to ``owner``; needs edit rights on the record (as any change)."""
    model = get_model(ctx, object_name)
    guard = Guard(ctx, model)
    row, _ = guard.load(record_id)
    guard.require("edit")
    if row["owner"] == owner:
        return {"id": str(row["id"]), "version": row["version"], "owner": str(owner)}
    old = str(row["owner"]) if row["owner"] else None
    stamp = journal.bump(ctx, model, row, {"owner": owner}, "updated",
                         [{"field": "owner", "old": old, "new": str(owner)}])
    return {"id": str(row["id"]), "version": stamp["version"], "owner": str(owner)}
