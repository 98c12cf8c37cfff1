"""Applying a rule on demand: ``POST /assignment_rules/{name}/apply``, a batch at once.

The records (``ids``, or a ``filter`` and ``view`` as a list reads them) are loaded in
one query, decided in order in one :class:`~.rules.Batch` (each round-robin cursor read
and written once, loads counted once and kept current as owners move) and moved by the
batch owner change (``records.ownership.change_owner_rows``: one statement per table),
so the owners, audit changes, events, grants and answers are those of applying the rule
to each record in turn, in one transaction: the first refusal in record order (a record
the caller may not see or reassign) changes nothing and points at that record. Records
nobody is eligible for, and entries with levels (a grant, not an owner change), are the
rare cases and are written one at a time as before.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa

from objectry.metadata.problems import ErrorItem, Problem
from objectry.runtime.access.guard import Guard
from objectry.runtime.distribution.by_hand import bulk_targets, expect_keys
from objectry.runtime.distribution.rules import (
    Batch,
    People,
    Rule,
    decide,
    fallback_pool_of,
    load_rule,
    untaken_or_granted,
    usable,
)
from objectry.runtime.kernel.context import Context
from objectry.runtime.model.compiled import ObjectModel, get_model
from objectry.runtime.model.rows import parse_id
from objectry.runtime.records.ownership import (
    change_owner_rows,
    may_reassign,
)

APPLY_KEYS = frozenset({"ids", "filter", "view"})
#: A target: its pointer in the request and the id given.
Target = tuple[str, Any]


def apply_rule(ctx: Context, name: str, body: Any) -> dict[str, Any]:
    """The rule over ``ids`` or the records of a ``filter`` (and ``view``) the caller
    sees, in one transaction: a refusal (a record the caller may not reassign) changes
    nothing; a record nobody is eligible for is reported (``assigned: false``) and
    keeps its owner (or goes to the rule's fallback pool)."""
    expect_keys(body, set(APPLY_KEYS))
    rule = load_rule(ctx, name)
    usable(ctx, rule, rule.object)
    targets = bulk_targets(ctx, rule.object, body)
    model = get_model(ctx, rule.object)
    guard = Guard(ctx, model)
    people = People(ctx)
    items: list[dict[str, Any]] = []
    for part in _parts(model, targets):
        items += _apply(ctx, rule, guard, people, part)
    return {"rule": name, "assigned": sum(1 for i in items if i["assigned"]),
            "failed": sum(1 for i in items if not i["assigned"]), "items": items}


def _parts(model: ObjectModel, targets: Sequence[Target]) -> list[list[Target]]:
    """The targets in runs naming each record once: a record named again is decided
    after the run before it is written, as it would be one by one."""
    parts: list[list[Target]] = [[]]
    seen: set[Any] = set()
    for at, record_id in targets:
        try:
            key: Any = parse_id(model.api_name, record_id)
        except Problem:
            key = ("bad", at)
        if key in seen:
            parts.append([])
            seen = set()
        seen.add(key)
        parts[-1].append((at, record_id))
    return parts


def _apply(ctx: Context, rule: Rule, guard: Guard, people: People,
           targets: Sequence[Target]) -> list[dict[str, Any]]:
    """One run of distinct records: decided in order, then written."""
    model = guard.model
    rows = _load(guard, targets)
    batch = Batch(ctx)
    decided: list[tuple[dict[str, Any], dict[str, Any]]] = []
    for (at, record_id), row in zip(targets, rows, strict=True):
        try:
            if row is None:  # loaded alone: its refusal (404 / 403)
                row = guard.load(record_id)[0]
            decision = decide(ctx, rule, row, people, batch=batch)
            owner = row["owner"]
            if decision["owner"] is None:
                if fallback_pool_of(ctx, rule) is not None:
                    owner = None
            elif "levels" not in decision:
                may_reassign(guard, row)
                owner = uuid.UUID(decision["owner"])
            batch.owned(ctx, row, row["owner"], owner)
        except Problem as exc:
            errors = [e.under(at) for e in exc.errors] or [
                ErrorItem(at, exc.detail_code, exc.params)]
            raise type(exc)(errors, detail_code=exc.detail_code, status=exc.status,
                            extra=exc.extra, **exc.params) from exc
        decided.append((row, decision))
    batch.flush(ctx)
    moves = [(row, uuid.UUID(d["owner"]), _because(rule, d), d) for row, d in decided
             if d["owner"] is not None and "levels" not in d]
    moved = {row["id"] for row, owner, _, _ in moves if row["owner"] != owner}
    change_owner_rows(ctx, model, moves, grants=rule.grants)
    return [_answer(ctx, rule, model, row, decision, row["id"] in moved)
            for row, decision in decided]


def _because(rule: Rule, decision: dict[str, Any]) -> dict[str, Any]:
    return {"rule": rule.name, "entry": decision["entry"], "method": decision["method"],
            "picked": decision["picked"]}


def _answer(ctx: Context, rule: Rule, model: ObjectModel, row: dict[str, Any],
            decision: dict[str, Any], changed: bool) -> dict[str, Any]:
    """A record's item: its move (written already), or its grant or failure, written
    now as when the rule is applied to it alone."""
    answered = untaken_or_granted(ctx, rule, model, row, decision)
    if answered is not None:
        return answered
    return {"id": str(row["id"]), "assigned": True, "changed": changed,
            "owner": str(row["owner"]), "version": row["version"], "decision": decision}


def _load(guard: Guard, targets: Sequence[Target]) -> list[dict[str, Any] | None]:
    """Each target's live row as the actor may see it, in one query per 500; None
    where it is unknown, deleted, not visible or no id."""
    model = guard.model
    table = model.table
    ids: list[uuid.UUID | None] = []
    for _, record_id in targets:
        try:
            ids.append(parse_id(model.api_name, record_id))
        except Problem:
            ids.append(None)
    wanted = [i for i in ids if i is not None]
    visible = guard.visible()
    found: dict[uuid.UUID, dict[str, Any]] = {}
    for start in range(0, len(wanted), 500):
        conditions: list[sa.ColumnElement[bool]] = [
            table.c.id.in_(wanted[start:start + 500]), table.c.deleted_at.is_(None)]
        if visible is not None:
            conditions.append(visible)
        for row in guard.ctx.conn.execute(sa.select(table).where(*conditions)).mappings():
            found[row["id"]] = dict(row)
    return [None if i is None else found.get(i) for i in ids]
