"""A record's assignment history: every owner change and failed assignment, with why.

Read from the outbox events the owner-change command and the rules write
(``record.owner_changed``, ``record.assignment_failed``, ``record.assignment_distributed``:
a rule entry with levels gave the record as a grant), for whoever may read the record:
``GET /records/{object}/{id}/assignments``.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from objectry.runtime.access.guard import Guard
from objectry.runtime.kernel.context import Context
from objectry.runtime.model.compiled import get_model
from objectry.runtime.model.serialize import field_json
from objectry.runtime.query.list_params import DEFAULT_LIMIT, MAX_LIMIT, parse_limit
from objectry.runtime.records.journal_tables import events

KINDS = {"record.owner_changed": "owner_changed",
         "record.assignment_failed": "assignment_failed",
         "record.assignment_distributed": "distributed"}


def assignments(ctx: Context, object_name: str, record_id: Any, *,
                limit: Any = None) -> list[dict[str, Any]]:
    """Newest first: when, who acted, what (owner_changed / assignment_failed), the old
    and new owner, the reason and a rule's decision (candidates, who was skipped why)."""
    model = get_model(ctx, object_name)
    row, _ = Guard(ctx, model).load(record_id, include_deleted=True)
    rows = ctx.conn.execute(
        sa.select(events).where(events.c.tenant_id == ctx.tenant.id,
                                events.c.object == object_name,
                                events.c.record_id == row["id"],
                                events.c.type.in_(list(KINDS)))
        .order_by(events.c.id.desc())
        .limit(parse_limit(limit, default=DEFAULT_LIMIT, maximum=MAX_LIMIT)))
    found = []
    for event in rows:
        data = dict(event.data or {})
        item = {"kind": KINDS[event.type], "at": field_json(model, "created_at",
                                                             event.occurred_at),
                "actor": None if event.actor_id is None else str(event.actor_id)}
        if event.type == "record.owner_changed":
            item.update({"old": data.get("old"), "new": data.get("new"),
                         "because": data.get("because") or {},
                         "grants_revoked": data.get("grants_revoked", 0),
                         "decision": data.get("decision")})
        else:
            item.update({"decision": data})
        found.append(item)
    return found
