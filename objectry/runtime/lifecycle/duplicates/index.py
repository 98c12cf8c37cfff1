"""Keeping match keys current: on each write, and in full when a rule is new or changed.

Keys are kept for deleted records too (a restore brings its record back without a
write through here); lookups keep only live rows.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from objectry.metadata import store
from objectry.runtime.kernel.context import Context
from objectry.runtime.lifecycle.duplicates.key_tables import duplicate_keys, duplicate_rule_state
from objectry.runtime.lifecycle.duplicates.normalise import match_key
from objectry.runtime.lifecycle.duplicates.rules import DuplicateRule, Target, compile_rule
from objectry.runtime.model.compiled import get_model
from objectry.runtime.records.executemany import execute_many

BATCH = 1000


def key_of(rule: DuplicateRule, target: Target, row: Mapping[Any, Any]) -> str | None:
    return match_key(list(zip(rule.methods, (row.get(f) for f in target.fields),
                              strict=True)), rule.region)


def rule_key(rule: DuplicateRule, values: Mapping[str, Any]) -> str | None:
    """The key of values named by the rule object's own fields."""
    return match_key(list(zip(rule.methods, (values.get(f) for f in rule.fields),
                              strict=True)), rule.region)


@dataclass(frozen=True)
class KnownKeys:
    """Keys of a rule computed earlier (an import's preview), reused instead of
    normalising the values again: the fingerprint of the rule definition they were
    computed under (another definition ignores them), and match values -> key."""

    fingerprint: str
    keys: Mapping[tuple[str | None, ...], str | None]


def match_values(rule: DuplicateRule, values: Mapping[str, Any]
                 ) -> tuple[str | None, ...] | None:
    """The rule's match values of a row as a memo key: only texts (and None) share a
    key by equality (1 == True, 1.0 == 1), so other values have none."""
    raw = tuple(values.get(f) for f in rule.fields)
    return raw if all(type(v) is str or v is None for v in raw) else None


def key_entries(rule: DuplicateRule, rows: Sequence[Mapping[str, Any]],
                keys: Sequence[str | None]) -> list[list[Any] | None]:
    """Each row's key as kept for later reuse (:class:`KnownKeys`): ``[key, *match
    values]``, so the key goes with the values it is of; None for values not all texts."""
    return [None if (raw := match_values(rule, values)) is None else [key, *raw]
            for values, key in zip(rows, keys, strict=True)]


def rule_keys(rule: DuplicateRule, rows: Sequence[Mapping[str, Any]],
              known: KnownKeys | None = None) -> list[str | None]:
    """:func:`rule_key` of each row of a batch, each distinct combination of values
    normalised once (a phone parse is the dearest step of a check; a file repeats
    numbers, and an import's rows arrive with their repeats in the same batch).
    ``known``: keys already computed for these values, used when computed under this
    very definition of the rule (a key is a function of the values and the rule)."""
    given = known.keys if known is not None and known.fingerprint == rule.fingerprint else {}
    memo: dict[tuple[Any, ...], str | None] = {}
    keys: list[str | None] = []
    for values in rows:
        raw = match_values(rule, values)
        if raw is None:
            keys.append(rule_key(rule, values))
        elif raw in given:
            keys.append(given[raw])
        else:
            keys.append(memo[raw] if raw in memo
                        else memo.setdefault(raw, rule_key(rule, values)))
    return keys


def ensure_current(ctx: Context, rule: DuplicateRule,
                   known: set[tuple[int, str, str]] | None = None) -> bool:
    """Build the rule's keys if they were built for another definition (or never);
    True when they were rebuilt. ``known``: rules this unit of work already found
    current (its hooks' memory), so a bulk write asks once, not per record."""
    mark = (ctx.tenant.id, rule.name, rule.fingerprint)
    if known is not None and mark in known:
        return False
    if known is not None:
        known.add(mark)
    state = sa.and_(duplicate_rule_state.c.tenant_id == ctx.tenant.id,
                    duplicate_rule_state.c.rule == rule.name)
    current = ctx.conn.execute(sa.select(duplicate_rule_state.c.fingerprint)
                               .where(state)).scalar()
    if current == rule.fingerprint:
        return False
    rebuild(ctx, rule)
    if current is None:
        ctx.conn.execute(duplicate_rule_state.insert().values(
            tenant_id=ctx.tenant.id, rule=rule.name, fingerprint=rule.fingerprint))
    else:
        ctx.conn.execute(duplicate_rule_state.update().where(state)
                         .values(fingerprint=rule.fingerprint))
    return True


def rebuild(ctx: Context, rule: DuplicateRule) -> None:
    """Every key of a rule from the records, in pages of the id index."""
    ctx.conn.execute(duplicate_keys.delete().where(
        duplicate_keys.c.tenant_id == ctx.tenant.id, duplicate_keys.c.rule == rule.name))
    for target in rule.targets:
        table = get_model(ctx, target.object).table
        columns = [table.c.id, *(table.c[f] for f in target.fields)]
        after: uuid.UUID | None = None
        label = f"{rule.name}: {target.object}"
        total = done = 0
        if ctx.progress is not None:  # a count only for someone watching (the CLI)
            total = ctx.conn.execute(sa.select(sa.func.count()).select_from(table)).scalar_one()
            ctx.report(label, 0, total)
        while True:
            query = sa.select(*columns).order_by(table.c.id).limit(BATCH)
            if after is not None:
                query = query.where(table.c.id > after)
            rows = ctx.conn.execute(query).mappings().all()
            if not rows:
                break
            after = rows[-1]["id"]
            found = [{"tenant_id": ctx.tenant.id, "rule": rule.name, "object": target.object,
                      "record_id": row["id"], "key": key}
                     for row in rows if (key := key_of(rule, target, row)) is not None]
            if found:
                ctx.conn.execute(duplicate_keys.insert(), found)
            done += len(rows)
            ctx.report(label, done, max(total, done))


def put_key(ctx: Context, rule: DuplicateRule, object_name: str,
            row: Mapping[str, Any]) -> None:
    """The record's key under one rule (none when a match field is empty)."""
    target = rule.target(object_name)
    if target is None:
        return
    key = key_of(rule, target, row)
    if row.get("version") == 1:  # just created: no key yet, one insert
        if key is not None:
            ctx.conn.execute(duplicate_keys.insert().values(
                tenant_id=ctx.tenant.id, rule=rule.name, object=object_name,
                record_id=row["id"], key=key))
        return
    where = sa.and_(duplicate_keys.c.tenant_id == ctx.tenant.id,
                    duplicate_keys.c.rule == rule.name, duplicate_keys.c.object == object_name,
                    duplicate_keys.c.record_id == row["id"])
    existing = ctx.conn.execute(sa.select(duplicate_keys.c.key).where(where)).first()
    if existing is not None and existing.key == key:
        return
    if existing is not None:
        ctx.conn.execute(duplicate_keys.delete().where(where))
    if key is not None:
        ctx.conn.execute(duplicate_keys.insert().values(
            tenant_id=ctx.tenant.id, rule=rule.name, object=object_name,
            record_id=row["id"], key=key))


def put_new_keys(ctx: Context, rule: DuplicateRule, object_name: str,
                 rows: Sequence[Mapping[str, Any]], known: Sequence[str | None] | None = None
                 ) -> None:
    """The keys of just-created records under one rule, in one statement (``known``:
    their keys, in order, when the caller computed them already)."""
    target = rule.target(object_name)
    if target is None:
        return
    keys = known if known is not None else [key_of(rule, target, row) for row in rows]
    execute_many(ctx.conn, duplicate_keys.insert(), {
        "tenant_id": ctx.tenant.id, "rule": rule.name, "object": object_name},
        ("record_id", "key"), [(row["id"], key) for row, key in zip(rows, keys, strict=True)
                               if key is not None])


def build(ctx: Context, rule: DuplicateRule, *, force: bool = False) -> dict[str, Any]:
    """The explicit step that keys a new or changed rule (its save, ``POST
    /duplicate_rules/{r}/rebuild``), so no user's write pays for it; ``ensure_current``
    on a write stays the safety net for rules that arrive otherwise (a pack, a rollback).
    ``force`` keys every record again even when the keys are current (``objectry
    duplicates rebuild --force``: repairs keys a direct database edit left behind).
    """
    if force:
        ctx.conn.execute(duplicate_rule_state.delete().where(
            duplicate_rule_state.c.tenant_id == ctx.tenant.id,
            duplicate_rule_state.c.rule == rule.name))
    rebuilt = ensure_current(ctx, rule)
    keys = ctx.conn.execute(sa.select(sa.func.count()).select_from(duplicate_keys).where(
        duplicate_keys.c.tenant_id == ctx.tenant.id,
        duplicate_keys.c.rule == rule.name)).scalar_one()
    return {"rule": rule.name, "rebuilt": rebuilt, "keys": keys}


def build_rule_keys(ctx: Context, name: str) -> None:
    """:func:`build` for a rule just saved (when it is active)."""
    stored = store.document(ctx.conn, ctx.tenant.id, "duplicate_rule", name)
    if stored is not None and stored.document.get("active", True):
        build(ctx, compile_rule(name, stored.document))
