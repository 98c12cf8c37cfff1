"""Which workflows an event starts, looked up in the tenant's workflow index.

An event nobody listens to (typically the update a step itself made) costs one dict
lookup; the record is read only for workflows that have a trigger condition.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

import sqlalchemy as sa

from objectry.runtime.access.filter_sources import FilterSources
from objectry.runtime.automation.definitions import RECORD_TRIGGERS, Workflow, WorkflowIndex
from objectry.runtime.kernel.context import Context
from objectry.runtime.model.compiled import get_model
from objectry.runtime.query.compile import to_predicate


def matches(ctx: Context, index: WorkflowIndex,
            event: Mapping[str, Any]) -> Iterator[tuple[Workflow, Any, dict[str, Any]]]:
    """(workflow, record the run is about, trigger) for each run the event starts."""
    kind = event["type"]
    if kind in RECORD_TRIGGERS:
        own = index.listening(event["object"], RECORD_TRIGGERS[kind])
        related = index.listening(event["object"], "related_created") \
            if kind == "record.created" else ()
        if not own and not related:
            return
        trigger = _trigger(event)
        data = event["data"] or {}
        changed = {c.get("field") for c in data.get("changes", [])}
        for workflow in own:
            wanted = set(workflow.trigger.get("changed", ()))
            if wanted and not wanted & changed:
                continue
            old = _old_values(ctx, event) if kind == "record.updated" else None
            if _holds(ctx, workflow, event["object"], event["record_id"], old):
                yield workflow, event["record_id"], trigger
        for workflow in related:
            parent = _parent(ctx, workflow, event["object"], event["record_id"])
            if parent and _holds(ctx, workflow, event["object"], event["record_id"]):
                yield workflow, parent, {**trigger, "related": trigger["record"]}
        return
    listening = index.listening(event["object"], f"event:{kind}")
    if not listening:
        return
    trigger = _trigger(event)
    for workflow in listening:
        if event["record_id"] is None or _holds(ctx, workflow, event["object"],
                                                event["record_id"]):
            yield workflow, event["record_id"], trigger


def _trigger(event: Mapping[str, Any]) -> dict[str, Any]:
    """What a run keeps of the event that started it."""
    return {"event_id": str(event["id"]), "type": event["type"], "object": event["object"],
            "record": str(event["record_id"]) if event["record_id"] else None,
            "occurred_at": event["occurred_at"].isoformat(), "data": event["data"] or {}}


def _holds(ctx: Context, workflow: Workflow, object_name: str, record_id: Any,
           old: Mapping[str, Any] | None = None) -> bool:
    """The trigger condition on the record as it is now (deleted records included);
    ``old`` holds the values an update replaced, for changed / changed_to / changed_from."""
    if workflow.condition is None:
        return True
    table = get_model(ctx, object_name).table
    row = ctx.conn.execute(sa.select(table).where(table.c.id == record_id)).mappings().first()
    if row is None:
        return False
    return to_predicate(workflow.condition)(row, old, now=ctx.now(),
                                            related=FilterSources(ctx).rows)


def _old_values(ctx: Context, event: Mapping[str, Any]) -> dict[str, Any]:
    """The replaced values of an update event, back in storage form."""
    model = get_model(ctx, event["object"])
    old: dict[str, Any] = {}
    for change in (event["data"] or {}).get("changes", []):
        field = model.fields.get(change.get("field"))
        if field is None:
            continue
        try:
            old[field.name] = None if change.get("old") is None else \
                field.type.deserialize(field.definition, change["old"])
        except (ValueError, TypeError):
            continue  # a value the field no longer accepts: treated as unchanged
    return old


def _parent(ctx: Context, workflow: Workflow, child: str, record_id: Any) -> Any:
    table = get_model(ctx, child).table
    return ctx.conn.execute(sa.select(table.c[workflow.link]).where(
        table.c.id == record_id)).scalar()
