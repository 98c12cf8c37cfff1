"""The write check (warn or block), a record's duplicates, and the batch scan."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import sqlalchemy as sa

from objectry.metadata.problems import Conflict, ErrorItem, Forbidden, Invalid, NotFound
from objectry.runtime.access.guard import Guard
from objectry.runtime.kernel.context import Context
from objectry.runtime.lifecycle.duplicates.index import (
    KnownKeys,
    build,
    ensure_current,
    rule_key,
    rule_keys,
)
from objectry.runtime.lifecycle.duplicates.key_tables import duplicate_keys
from objectry.runtime.lifecycle.duplicates.matching import (
    Match,
    matches_for,
    present,
    similarity,
)
from objectry.runtime.lifecycle.duplicates.rules import (
    DuplicateRule,
    active_rules,
    checking,
    rule_named,
)
from objectry.runtime.model.compiled import get_model
from objectry.runtime.query.list_params import parse_limit

MAX_SCAN_GROUPS = 1000


def check_write(ctx: Context, rules: Sequence[DuplicateRule], object_name: str,
                values: Mapping[str, Any], record_id: Any = None,
                known: set[tuple[int, str, str]] | None = None) -> list[dict[str, Any]]:
    """The duplicates a write would make, as the writer may see them (``warn`` rules);
    409 ``duplicate_blocked`` when a ``block`` rule matches, listing only what the writer
    may see (``duplicate_blocked_hidden`` when they may see none of the matches)."""
    warnings: list[dict[str, Any]] = []
    for rule in checking(rules, object_name):
        ensure_current(ctx, rule, known)
        if record_id is not None and _same_key(ctx, rule, object_name, values, record_id):
            continue  # an edit that leaves the match fields alone makes no new duplicate
        found = matches_for(ctx, rule, [values], [record_id])[0]
        if not found:
            continue
        shown, hidden = present(ctx, found)
        if rule.action == "block":
            code = "duplicate_blocked" if shown else "duplicate_blocked_hidden"
            params: dict[str, Any] = {"rule": rule.name}
            if shown:
                params["count"] = len(shown)
            raise Conflict([ErrorItem("", code, params)], detail_code=code,
                           extra={"duplicates": shown}, **params)
        warnings += shown
        del hidden  # a warning names nothing the writer may not see
    return warnings


def _same_key(ctx: Context, rule: DuplicateRule, object_name: str,
              values: Mapping[str, Any], record_id: Any) -> bool:
    stored = ctx.conn.execute(sa.select(duplicate_keys.c.key).where(
        duplicate_keys.c.tenant_id == ctx.tenant.id, duplicate_keys.c.rule == rule.name,
        duplicate_keys.c.object == object_name,
        duplicate_keys.c.record_id == record_id)).scalar()
    return stored is not None and stored == rule_key(rule, values)


def record_duplicates(ctx: Context, object_name: str, record_id: Any) -> dict[str, Any]:
    """``GET /records/{o}/{id}/duplicates``: the record's duplicates under every active
    rule of its object that the caller may see."""
    model = get_model(ctx, object_name)
    row, _ = Guard(ctx, model).load(record_id)
    found: list[Match] = []
    for rule in checking(active_rules(ctx), model.api_name):
        ensure_current(ctx, rule)
        found += matches_for(ctx, rule, [row], [row["id"]])[0]
    shown, _hidden = present(ctx, found)
    return {"items": shown}


def build_keys(ctx: Context, rule_name: str, *, force: bool = False) -> dict[str, Any]:
    """``POST /duplicate_rules/{r}/rebuild`` (administrators): key every record for the
    rule now if its keys are not current, or with ``force`` in any case (``index.build``)."""
    if not ctx.actor.is_admin:
        raise Forbidden(detail_code="duplicate_rebuild_admin", rule=rule_name)
    rule = rule_named(ctx, rule_name)
    if rule is None:
        raise NotFound(detail_code="unknown_duplicate_rule", rule=rule_name)
    return build(ctx, rule, force=force)


def scan(ctx: Context, rule_name: str, body: Any) -> dict[str, Any]:
    """``POST /duplicate_rules/{r}/scan``: groups of records sharing a key (and, with a
    fuzzy field, alike enough to the group's first), as the caller may see them; a group
    with fewer than two visible members is left out. ``{"limit", "cursor"}`` pages by key.
    """
    body = body or {}
    if not isinstance(body, dict):
        raise Invalid([ErrorItem("", "expected_object")])
    limit = parse_limit(body.get("limit"), default=100, maximum=MAX_SCAN_GROUPS)
    cursor = body.get("cursor")
    if cursor is not None and not isinstance(cursor, str):
        raise Invalid([ErrorItem("/cursor", "invalid_parameter",
                                 {"name": "cursor", "reason": "a string"})])
    rule = rule_named(ctx, rule_name)
    if rule is None:
        raise NotFound(detail_code="unknown_duplicate_rule", rule=rule_name)
    ensure_current(ctx, rule)
    groups: list[dict[str, Any]] = []
    while len(groups) < limit:
        shared = _shared_keys(ctx, rule, cursor, limit)
        keys = list(ctx.conn.execute(shared).scalars())
        if not keys:
            cursor = None
            break
        found = _groups(ctx, rule, keys, _members(ctx, rule, cursor, keys))
        for key in keys:
            cursor = key
            if key in found:
                groups.append({"key": key, "items": found[key]})
                if len(groups) == limit:
                    break
        if len(keys) < limit and len(groups) < limit:
            cursor = None
            break
    return {"rule": rule.name, "groups": groups, "next_cursor": cursor}


def _shared_keys(ctx: Context, rule: DuplicateRule, after: str | None,
                 limit: int) -> sa.Select[Any]:
    """The next keys (in key order) that more than one record holds: one grouped walk of
    the key index, no read of the records."""
    query = (sa.select(duplicate_keys.c.key)
             .where(duplicate_keys.c.tenant_id == ctx.tenant.id,
                    duplicate_keys.c.rule == rule.name)
             .group_by(duplicate_keys.c.key).having(sa.func.count() > 1)
             .order_by(duplicate_keys.c.key).limit(limit))
    if after is not None:
        query = query.where(duplicate_keys.c.key > after)
    return query


def _members(ctx: Context, rule: DuplicateRule, after: str | None, keys: Sequence[str]
             ) -> dict[str, list[tuple[str, dict[str, Any]]]]:
    """key -> (object, live row) of the page's keys: one join per object the rule looks
    in, from the key index to the records by id.

    The page's keys go as a list and also as the key range they span (after the cursor,
    up to the last key: the range the page's grouped walk read), and ``object`` is
    compared as an expression, so the only plan is a range scan of the key index, whatever
    the statistics: joining from the (tenant, rule, object) primary key instead reads
    every key of the rule per page (minutes for a million records; PostgreSQL chose it
    for a freshly filled table, SQLite always). The keys are written into the statement
    (they come from the key index, rendered as quoted literals) so its text differs per
    page: a prepared statement's generic plan on PostgreSQL, used after a few pages,
    knew neither the range nor the keys and was ten times slower per page."""
    found: dict[str, list[tuple[str, dict[str, Any]]]] = {}
    if not keys:
        return found
    span = [duplicate_keys.c.key <= keys[-1]]
    if after is not None:
        span.append(duplicate_keys.c.key > after)
    for target in rule.targets:
        table = get_model(ctx, target.object).table
        query = (sa.select(duplicate_keys.c.key.label("_match_key"), table)
                 .select_from(duplicate_keys)
                 .join(table, table.c.id == duplicate_keys.c.record_id)
                 .where(duplicate_keys.c.tenant_id == ctx.tenant.id,
                        duplicate_keys.c.rule == rule.name, *span,
                        duplicate_keys.c.key.in_(sa.bindparam(
                            "page_keys", list(keys), expanding=True, literal_execute=True)),
                        duplicate_keys.c.object.op("||")("") == target.object,
                        table.c.deleted_at.is_(None)))
        for row in ctx.conn.execute(query).mappings():
            values = dict(row)
            key = values.pop("_match_key")
            found.setdefault(key, []).append((target.object, values))
    return found


def _groups(ctx: Context, rule: DuplicateRule, keys: Sequence[str],
            members: Mapping[str, Sequence[tuple[str, Mapping[str, Any]]]]
            ) -> dict[str, list[dict[str, Any]]]:
    """The groups of a page of keys, presented in one go per object: key -> its members
    the caller may see (two or more; fuzzy: alike enough to the first)."""
    kept: dict[str, list[Match]] = {}
    for key in keys:
        group: list[Match] = []
        first: tuple[Mapping[str, Any], str | None] | None = None
        for object_name, row in sorted(members.get(key, []),
                                       key=lambda p: (p[0], str(p[1]["id"]))):
            target = rule.target(object_name)
            fuzzy_field = target.fuzzy if target is not None else None
            score = None
            if rule.fuzzy and fuzzy_field:
                score = 100.0 if first is None else similarity(
                    first[0].get(first[1] or ""), row.get(fuzzy_field))
                if score < rule.threshold:
                    continue
            if first is None:
                first = (row, fuzzy_field)
            group.append(Match(rule.name, object_name, row["id"], score, row))
        if len(group) > 1:
            kept[key] = group
    shown, _hidden = present(ctx, [m for group in kept.values() for m in group], brief=rule)
    by_member = {(item["object"], item["id"]): item for item in shown}
    result = {}
    for key, group in kept.items():
        items = [by_member[(m.object, str(m.id))] for m in group
                 if (m.object, str(m.id)) in by_member]
        if len(items) > 1:
            result[key] = items
    return result


def check_batch(ctx: Context, rules: Sequence[DuplicateRule], object_name: str,
                items: Sequence[Mapping[str, Any]],
                known: set[tuple[int, str, str]] | None = None,
                keys: dict[tuple[str, int], str | None] | None = None,
                carried: Mapping[str, KnownKeys] | None = None,
                ) -> tuple[list[Conflict | None], list[list[dict[str, Any]]]]:
    """:func:`check_write` for a batch of new records, one index lookup per rule: per
    item, the problem refusing it (or None) and its warnings. An item is also checked
    against the earlier items of the batch that pass, as if each were created in turn:
    a ``block`` rule refuses the second of two alike (``duplicate_in_batch``).
    ``keys``: filled with (rule, item index) -> key for the caller's later use;
    ``carried``: rule name -> keys computed earlier (an import's preview)."""
    problems: list[Conflict | None] = [None] * len(items)
    warnings: list[list[dict[str, Any]]] = [[] for _ in items]
    found_by_rule: list[tuple[DuplicateRule, list[list[Match]], list[str | None]]] = []
    for rule in checking(rules, object_name):
        ensure_current(ctx, rule, known)
        item_keys = rule_keys(rule, items, (carried or {}).get(rule.name))
        if keys is not None:
            keys.update(((rule.name, i), k) for i, k in enumerate(item_keys))
        found_by_rule.append((rule, matches_for(ctx, rule, items, keys=item_keys), item_keys))
    everything = {(m.object, m.id): m for _, found, _ in found_by_rule
                  for matches in found for m in matches}
    shown_all, _hidden = present(ctx, list(everything.values()))
    shown_by = {(item["object"], item["id"]): item for item in shown_all}
    first: dict[tuple[str, str], int] = {}  # (rule, key) -> the first passing item
    for i, values in enumerate(items):
        for rule, found, item_keys in found_by_rule:
            problems[i] = _batch_problem(rule, found[i], item_keys[i], shown_by, first,
                                         items, values)
            if problems[i] is not None:
                break
            warnings[i] += [{**shown_by[(m.object, str(m.id))], "rule": rule.name,
                             "score": m.score} for m in found[i]
                            if (m.object, str(m.id)) in shown_by]
        if problems[i] is not None:
            warnings[i] = []
            continue
        for rule, _found, item_keys in found_by_rule:
            if item_keys[i] is not None:
                first.setdefault((rule.name, item_keys[i] or ""), i)
    return problems, warnings


def _batch_problem(rule: DuplicateRule, matches: Sequence[Match], key: str | None,
                   shown_by: Mapping[tuple[str, str], dict[str, Any]],
                   first: Mapping[tuple[str, str], int], items: Sequence[Mapping[str, Any]],
                   values: Mapping[str, Any]) -> Conflict | None:
    """Why a ``block`` rule refuses one item of a batch (stored matches first, then an
    earlier item alike), or None."""
    if rule.action != "block":
        return None
    if matches:
        shown = [{**shown_by[(m.object, str(m.id))], "rule": rule.name, "score": m.score}
                 for m in matches if (m.object, str(m.id)) in shown_by]
        code = "duplicate_blocked" if shown else "duplicate_blocked_hidden"
        params: dict[str, Any] = {"rule": rule.name}
        if shown:
            params["count"] = len(shown)
        return Conflict([ErrorItem("", code, params)], detail_code=code,
                        extra={"duplicates": shown}, **params)
    earlier = None if key is None else first.get((rule.name, key))
    if earlier is None or (rule.fuzzy and similarity(
            items[earlier].get(rule.fuzzy), values.get(rule.fuzzy)) < rule.threshold):
        return None
    params = {"rule": rule.name, "row": earlier}
    return Conflict([ErrorItem("", "duplicate_in_batch", params)],
                    detail_code="duplicate_in_batch", **params)
