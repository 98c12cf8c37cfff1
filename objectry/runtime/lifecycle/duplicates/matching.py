"""Finding a record's duplicates by key, fuzzy names, and what the caller may see of them.

A check is one index lookup on (tenant, rule, key) and a read of the few candidate rows;
an optional fuzzy comparison of names (``rapidfuzz``) then keeps those similar enough.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from rapidfuzz import fuzz

from objectry.runtime.access.guard import Guard
from objectry.runtime.kernel.context import Context
from objectry.runtime.lifecycle.duplicates.index import rule_keys
from objectry.runtime.lifecycle.duplicates.key_tables import duplicate_keys
from objectry.runtime.lifecycle.duplicates.normalise import fuzzy_text
from objectry.runtime.lifecycle.duplicates.rules import DuplicateRule
from objectry.runtime.model.compiled import get_model
from objectry.runtime.records.keyed import rows_keyed


@dataclass(frozen=True)
class Match:
    rule: str
    object: str
    id: uuid.UUID
    score: float | None
    row: Mapping[str, Any]


def similarity(a: Any, b: Any) -> float:
    """0..100: how alike two names are, ignoring case, width, spacing and word order."""
    return float(fuzz.token_sort_ratio(fuzzy_text(a), fuzzy_text(b)))


def candidates(ctx: Context, rule: DuplicateRule, keys: Iterable[str]) -> dict[str, list[
        tuple[str, uuid.UUID]]]:
    """key -> (object, id) of every record keyed so (live or not)."""
    found: dict[str, list[tuple[str, uuid.UUID]]] = defaultdict(list)
    for row in rows_keyed(ctx.conn, [duplicate_keys.c.key, duplicate_keys.c.object,
                                     duplicate_keys.c.record_id],
                          duplicate_keys.c.key, sorted(set(keys)),
                          duplicate_keys.c.tenant_id == ctx.tenant.id,
                          duplicate_keys.c.rule == rule.name):
        found[row.key].append((row.object, row.record_id))
    return found


def live_rows(ctx: Context, object_name: str,
              ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, dict[str, Any]]:
    table = get_model(ctx, object_name).table
    return {row["id"]: dict(row) for row in (r._mapping for r in rows_keyed(
        ctx.conn, [table], table.c.id, ids, table.c.deleted_at.is_(None)))}


def matches_for(ctx: Context, rule: DuplicateRule, values: Sequence[Mapping[str, Any]],
                exclude: Sequence[uuid.UUID | None] = (),
                keys: Sequence[str | None] | None = None) -> list[list[Match]]:
    """For each record of the rule's object (its values), the live records matching it
    (``keys``: the values' keys when the caller has them)."""
    if keys is None:
        keys = rule_keys(rule, values)
    found = candidates(ctx, rule, [k for k in keys if k is not None])
    by_object: dict[str, set[uuid.UUID]] = defaultdict(set)
    for pairs in found.values():
        for object_name, rid in pairs:
            by_object[object_name].add(rid)
    rows = {(o, rid): row for o, ids in by_object.items()
            for rid, row in live_rows(ctx, o, sorted(ids)).items()}
    result: list[list[Match]] = []
    for i, key in enumerate(keys):
        skip = exclude[i] if i < len(exclude) else None
        result.append(_matching(rule, values[i], found.get(key, []) if key else [], rows, skip))
    return result


def _matching(rule: DuplicateRule, values: Mapping[str, Any],
              pairs: Sequence[tuple[str, uuid.UUID]],
              rows: Mapping[tuple[str, uuid.UUID], Mapping[str, Any]],
              skip: uuid.UUID | None) -> list[Match]:
    found = []
    for object_name, rid in pairs:
        row = rows.get((object_name, rid))
        if row is None or rid == skip:
            continue
        score = None
        target = rule.target(object_name)
        if rule.fuzzy and target is not None and target.fuzzy:
            score = similarity(values.get(rule.fuzzy), row.get(target.fuzzy))
            if score < rule.threshold:
                continue
        found.append(Match(rule.name, object_name, rid, score, row))
    return sorted(found, key=lambda m: (m.object, str(m.id)))


def present(ctx: Context, matches: Sequence[Match], *, brief: DuplicateRule | None = None
            ) -> tuple[list[dict[str, Any]], int]:
    """The matches the caller may see, as the records API shows them, and how many they
    may not (a number the caller is told only as "some", never as a count). ``brief``:
    only the record's id, version, owner, name and the rule's fields (a scan's groups)."""
    shown: list[dict[str, Any]] = []
    hidden = 0
    by_object: dict[str, list[Match]] = defaultdict(list)
    for match in matches:
        by_object[match.object].append(match)
    for object_name, group in sorted(by_object.items()):
        model = get_model(ctx, object_name)
        guard = Guard(ctx, model)
        only = None
        target = brief.target(object_name) if brief is not None else None
        if target is not None:
            only = ["id", "version", "owner", *([model.name_field] if model.name_field else []),
                    *target.fields, *([target.fuzzy] if target.fuzzy else [])]
        seen = _visible_ids(ctx, guard, [m.id for m in group])
        rows = [m.row for m in group if m.id in seen]
        maps = guard.maps(rows) if rows else []
        access = dict(zip((r["id"] for r in rows), maps, strict=True))
        for match in group:
            if match.id not in seen:
                hidden += 1
                continue
            shown.append({"rule": match.rule, "object": object_name, "id": str(match.id),
                          "score": match.score,
                          "record": guard.present(match.row, access[match.id], only)})
    return shown, hidden


def _visible_ids(ctx: Context, guard: Guard, ids: Sequence[uuid.UUID]) -> set[uuid.UUID]:
    if ctx.actor.is_system:
        return set(ids)
    if not guard.base.can("read"):
        return set()
    visible = guard.visible()
    if visible is None:
        return set(ids)
    table = guard.model.table
    seen: set[uuid.UUID] = set()
    for start in range(0, len(ids), 500):
        seen.update(ctx.conn.execute(sa.select(table.c.id).where(
            table.c.id.in_(ids[start:start + 500]), visible)).scalars())
    return seen
