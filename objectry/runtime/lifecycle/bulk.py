"""Bulk create and upsert: up to ``MAX_BULK`` records of one object in one transaction.

What the bulk API, the importer and the UI use. New records go through the records
service's batch path (``records.batch``: every check of a single create, written with
one statement per table), records matched on a unique field (``upsert_on``) through
``records.update``, so access, validation, audit and events are those of single writes.

``mode``: ``all_or_nothing`` (the default) refuses the batch when any record fails,
listing every culprit under ``/records/{index}/...``; ``per_row`` writes the records
that pass and reports each one's outcome.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from objectry.metadata.problems import (
    Conflict,
    ErrorItem,
    FieldValueError,
    Forbidden,
    Invalid,
    Problem,
    pointer,
)
from objectry.runtime import records
from objectry.runtime.access.guard import Guard
from objectry.runtime.kernel.context import Context
from objectry.runtime.model.compiled import ObjectModel, get_model
from objectry.runtime.records import batch
from objectry.runtime.records.keyed import rows_keyed

MAX_BULK = 1000
MODES = ("all_or_nothing", "per_row")
BODY_KEYS = frozenset({"records", "mode", "upsert_on"})


@dataclass
class Outcome:
    """What became of one item: ``created``, ``updated`` or ``failed`` (with its problem)."""

    index: int
    status: str
    id: Any = None
    version: int | None = None
    problem: Problem | None = None

    def as_json(self, prefix: str = "/records") -> dict[str, Any]:
        if self.problem is None:
            return {"index": self.index, "status": self.status, "id": str(self.id),
                    "version": self.version}
        return {"index": self.index, "status": "failed", "status_code": self.problem.status,
                "code": self.problem.detail_code,
                "errors": [{"path": e.path, "code": e.code, "params": dict(e.params)}
                           for e in errors_of(self, prefix)]}


def bulk(ctx: Context, object_name: str, body: Any) -> dict[str, Any]:
    """The bulk API: ``{"records": [...], "mode", "upsert_on"}`` → counts and outcomes."""
    items, mode, upsert_on = read_body(body)
    outcomes = apply(ctx, object_name, items, upsert_on=upsert_on)
    failed = [o for o in outcomes if o.problem is not None]
    if failed and mode == "all_or_nothing":
        raise refusal(failed)
    return {"mode": mode,
            "created": sum(o.status == "created" for o in outcomes),
            "updated": sum(o.status == "updated" for o in outcomes),
            "failed": len(failed),
            "items": [o.as_json() for o in outcomes]}


def read_body(body: Any) -> tuple[list[Any], str, str | None]:
    if not isinstance(body, dict):
        raise Invalid([ErrorItem("", "expected_object")])
    errors = [ErrorItem(pointer(k), "unknown_parameter", {"name": k})
              for k in sorted(set(body) - BODY_KEYS)]
    items = body.get("records")
    if not isinstance(items, list) or not items:
        errors.append(ErrorItem("/records", "bulk_records_required", {"max": MAX_BULK}))
    elif len(items) > MAX_BULK:
        errors.append(ErrorItem("/records", "bulk_too_many",
                                {"max": MAX_BULK, "count": len(items)}))
    mode = body.get("mode", "all_or_nothing")
    if mode not in MODES:
        errors.append(ErrorItem("/mode", "schema_enum", {"allowed": list(MODES)}))
    upsert_on = body.get("upsert_on")
    if upsert_on is not None and not isinstance(upsert_on, str):
        errors.append(ErrorItem("/upsert_on", "bulk_upsert_field", {"field": str(upsert_on)}))
    if errors:
        raise Invalid(errors)
    return items, mode, upsert_on  # type: ignore[return-value]


def apply(ctx: Context, object_name: str, items: Sequence[Any], *,
          upsert_on: str | None = None) -> list[Outcome]:
    """Write ``items`` in the caller's transaction, each as its own outcome: records
    matching an existing one on ``upsert_on`` are updated, the others created."""
    model = get_model(ctx, object_name)
    outcomes: dict[int, Outcome] = {}
    existing: dict[int, Any] = {}
    if upsert_on is not None:
        existing = matched_records(ctx, model, upsert_on, items)
    for index, record_id in existing.items():
        outcomes[index] = _update(ctx, model, index, record_id, items[index])
    fresh = [i for i in range(len(items)) if i not in outcomes]
    if fresh:
        for index, created in zip(fresh, batch.create_many(
                ctx, object_name, [items[i] for i in fresh]), strict=True):
            outcomes[index] = Outcome(index, "created" if created.problem is None else "failed",
                                      created.id, created.version, created.problem)
    return [outcomes[i] for i in range(len(items))]


def matched_records(ctx: Context, model: ObjectModel, name: str,
             items: Sequence[Any]) -> dict[int, Any]:
    """Item index → id of the live record holding its ``name`` value (one query)."""
    guard = Guard(ctx, model)
    field = model.fields.get(name)
    if field is None or guard.unknowable(name) or not field.definition.get("unique"):
        raise Invalid([ErrorItem("/upsert_on", "bulk_upsert_field", {"field": name})])
    keys: dict[int, Any] = {}
    for index, data in enumerate(items):
        raw = data.get(name) if isinstance(data, dict) else None
        if raw is None:
            continue
        try:
            keys[index] = field.type.deserialize(field.definition, raw)
        except (FieldValueError, TypeError, ValueError, AttributeError):
            continue  # not a value of the field: the create reports it where it stands
    found = {row[0]: row[1] for row in rows_keyed(
        ctx.conn, [field.column, model.table.c.id], field.column, keys.values(),
        model.table.c.deleted_at.is_(None))}
    return {index: found[key] for index, key in keys.items() if key in found}


def _update(ctx: Context, model: ObjectModel, index: int, record_id: Any,
            data: Any) -> Outcome:
    try:
        with ctx.conn.begin_nested():
            record = records.update(ctx, model.api_name, record_id, data)
    except Problem as problem:
        return Outcome(index, "failed", problem=problem)
    return Outcome(index, "updated", record_id, record.get("version"))


def check_update(ctx: Context, model: ObjectModel, record_id: Any, data: Any) -> Problem | None:
    """What ``records.update`` would refuse for an upsert's matched item (its rights,
    validation and rules on the stored record), or None; nothing stays written (the
    update runs in a savepoint that is rolled back): an import's preview."""
    savepoint = ctx.conn.begin_nested()
    try:
        records.update(ctx, model.api_name, record_id, data)
    except Problem as problem:
        return problem
    finally:
        savepoint.rollback()
    return None


def errors_of(outcome: Outcome, prefix: str = "/records") -> list[ErrorItem]:
    """A failed item's culprits under ``{prefix}/{index}`` (``/records/17/city``)."""
    problem = outcome.problem
    if problem is None:
        return []
    at = prefix + pointer(outcome.index)
    return [e.under(at) for e in problem.errors] or \
        [ErrorItem(at, problem.detail_code, dict(problem.params))]


def refusal(failed: Sequence[Outcome]) -> Problem:
    """The problem refusing an all-or-nothing batch: every culprit of every failed item;
    its status is theirs when they agree (403, 409, 422), else 422."""
    errors = [e for o in failed for e in errors_of(o)]
    statuses = {o.problem.status for o in failed if o.problem is not None}
    status = statuses.pop() if len(statuses) == 1 else 422
    kind: type[Problem] = {403: Forbidden, 409: Conflict}.get(status, Invalid)
    if kind is Invalid and status not in (403, 409, 422):
        return Problem(errors, detail_code="bulk_rejected", status=status,
                       count=len(failed))
    return kind(errors, detail_code="bulk_rejected", count=len(failed))

