"""The gap finder: which records a rule misses, and how nearly (seed 004's risk).

``POST /assignment_rules/{name}/check`` runs the rule as a dry run over existing
records (no owner moves, no round-robin turn taken) and reports:

- ``missed``: records no entry takes, each with its near misses;
- ``near_misses``: records an entry with a condition missed though a value nearly
  matched, even when a later entry (a catch-all) took them.

A near miss is a leaf ``field eq/in V`` the record fails where the record's value is V
after folding case, width, spaces and place suffixes ("ShangHai", "上海市"), names the
same option of a field with fixed choices (an option's value, labels and aliases), or
where a phone of the record dials V's city (021 → 上海). Each comes with a suggested
fix. Only fields the caller may read, unmasked, are looked at or shown.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import sqlalchemy as sa

from objectry.metadata.conditions.nodes import All, AnyOf, Leaf, Node, Not
from objectry.metadata.problems import ErrorItem, FieldValueError, Invalid, pointer
from objectry.metadata.validation.assignment import recipient_kind
from objectry.permissions.access import AccessMap
from objectry.runtime.access.filter_sources import FilterSources
from objectry.runtime.access.guard import Guard
from objectry.runtime.distribution.places import (
    area_code,
    fold_place,
    normalised_number,
    place_names,
)
from objectry.runtime.distribution.rules import (
    STATIC_KINDS,
    Batch,
    Entry,
    People,
    Rule,
    decide,
    load_rule,
    usable,
    within_hours,
)
from objectry.runtime.kernel.context import Context
from objectry.runtime.model.compiled import ObjectModel, get_model
from objectry.runtime.query.compile import to_predicate, to_sql
from objectry.runtime.query.list_params import parse_limit
from objectry.runtime.records.ownership import MAX_BULK, selected_ids, selection

CHECK_KEYS = frozenset({"ids", "filter", "view", "limit", "summary"})
EQUALITY = ("eq", "in")


def check_rule(ctx: Context, name: str, body: Any) -> dict[str, Any]:
    """The rule's dry run over ``ids`` or the records of a ``filter`` and ``view`` (by
    default every record the caller sees, oldest first, up to ``limit``)."""
    body = {} if body is None else body
    if not isinstance(body, dict):
        raise Invalid([ErrorItem("", "expected_object")])
    unknown = sorted(set(body) - CHECK_KEYS)
    if unknown:
        raise Invalid([ErrorItem(pointer(k), "unknown_parameter", {"name": k})
                       for k in unknown])
    limit = parse_limit(body.get("limit"), default=MAX_BULK, maximum=MAX_BULK)
    rule = load_rule(ctx, name)
    usable(ctx, rule, rule.object, dry_run=True)
    model = get_model(ctx, rule.object)
    guard = Guard(ctx, model)
    summary = body.get("summary", False)
    if not isinstance(summary, bool) or (summary and "ids" in body):
        raise Invalid([ErrorItem("/summary", "dry_run_summary")])
    if summary:
        return _summary(ctx, rule, guard, body, limit)
    if "ids" in body:
        if "filter" in body or "view" in body:
            raise Invalid([ErrorItem("", "bulk_ids_or_filter")])
        ids = body["ids"]
        if not isinstance(ids, list) or not ids or len(ids) > MAX_BULK:
            raise Invalid([ErrorItem("/ids", "bulk_ids_list", {"max": MAX_BULK})])
        rows = [guard.load(record_id) for record_id in ids]
    else:
        found = selected_ids(guard, body.get("filter"), body.get("view"), limit)
        loaded = ctx.conn.execute(sa.select(model.table).where(
            model.table.c.id.in_(found)).order_by(model.table.c.id)).mappings().all()
        rows = list(zip([dict(r) for r in loaded], guard.maps(loaded), strict=True))
    missed, near = _findings(ctx, rule, model, guard, rows)
    return {"rule": name, "checked": len(rows), "taken": len(rows) - len(missed),
            "missed": missed, "near_misses": near}


def _findings(ctx: Context, rule: Rule, model: ObjectModel, guard: Guard,
              rows: Sequence[tuple[dict[str, Any], AccessMap]]
              ) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The rows no entry takes and those an earlier entry nearly took, with why."""
    people = People(ctx)
    finder = _NearMisses(ctx, model, guard)
    missed, near = [], []
    batch = Batch(ctx, take_turn=False)
    for row, access in rows:
        decision = decide(ctx, rule, row, people, take_turn=False, batch=batch)
        before = [e for e in rule.entries if e.condition is not None
                  and (decision["entry"] is None or e.index < decision["entry"])]
        misses = [found for entry in before for found in finder.entry(entry, row, access)]
        item = {"id": str(row["id"]), "would_go_to": decision["picked"],
                "entry": decision["entry"], "near_misses": misses}
        if decision["entry"] is None:
            missed.append({**item, "reason": decision.get("reason")})
        elif misses:
            near.append(item)
    return missed, near


def _summary(ctx: Context, rule: Rule, guard: Guard, body: Mapping[str, Any],
             limit: int) -> dict[str, Any]:
    """The dry run over every selected record at once (a million leads in seconds):
    how many records each entry would take, in SQL (the entries' conditions as one
    ``CASE`` in their order; an entry nobody could take now, its people inactive or
    outside working hours, lets its records fall through as the rule does), and the
    first ``limit`` records no entry takes with their near misses. Capacity caps are
    applied when the rule runs, record by record, and are not counted here."""
    model = guard.model
    table = model.table
    sources = FilterSources(ctx)
    people = People(ctx)
    whens: list[tuple[sa.ColumnElement[bool], int]] = []
    entries: list[dict[str, Any]] = []
    for entry in rule.entries:
        candidates, _, _ = people.resolve(entry.recipients, None, rule.object,
                                          key=(rule.name, entry.index))
        dynamic = any(recipient_kind(r)[0] not in STATIC_KINDS for r in entry.recipients)
        eligible = [p.email for p in candidates if p.active]
        if entry.hours is not None and not within_hours(entry.hours, ctx.now()):
            eligible = []
        open_now = dynamic or bool(eligible)
        entries.append({"entry": entry.index, "method": entry.method,
                        "eligible": eligible, "open": open_now, "records": 0})
        if open_now:
            whens.append((sa.true() if entry.condition is None else to_sql(
                entry.condition, table, now=ctx.now(), related=sources.tables), entry.index))
    conditions = selection(guard, body.get("filter"), body.get("view"))
    taken_by = sa.case(*whens, else_=-1) if whens else sa.literal(-1)
    # grouped over a subquery's column: a phone condition's SQL is built as it is
    # compiled, so the same CASE in SELECT and GROUP BY would differ on PostgreSQL
    entry_of = sa.select(taken_by.label("entry")).where(*conditions).subquery()
    counted = {int(e): int(n) for e, n in ctx.conn.execute(
        sa.select(entry_of.c.entry, sa.func.count()).group_by(entry_of.c.entry))}
    for item in entries:
        item["records"] = counted.get(int(item["entry"]), 0)
    loaded = ctx.conn.execute(sa.select(table).where(*conditions, taken_by == -1)
                              .order_by(table.c.id).limit(limit)).mappings().all()
    rows = list(zip([dict(r) for r in loaded], guard.maps(loaded), strict=True))
    missed, _ = _findings(ctx, rule, model, guard, rows)
    return {"rule": rule.name, "summary": True, "checked": sum(counted.values()),
            "taken": sum(n for e, n in counted.items() if e >= 0),
            "missed_count": counted.get(-1, 0), "entries": entries, "missed": missed}


class _NearMisses:
    """Near misses of a record against one entry's condition, as the caller may see."""

    def __init__(self, ctx: Context, model: ObjectModel, guard: Guard) -> None:
        self.ctx = ctx
        self.model = model
        self.guard = guard
        self.phones = [n for n, f in model.fields.items() if f.type.dialable]

    def entry(self, entry: Entry, row: Mapping[str, Any],
              access: AccessMap) -> list[dict[str, Any]]:
        assert entry.condition is not None
        unseen: frozenset[str] = frozenset()
        if access is not self.guard.everything:
            view = self.guard.view(access)
            unseen = view.hidden | view.masked
        found = []
        for leaf in _leaves(entry.condition):
            if leaf.op not in EQUALITY or leaf.field in unseen or leaf.field not in \
                    self.model.fields or to_predicate(leaf)(row, now=self.ctx.now()):
                continue
            wanted = list(leaf.value) if isinstance(leaf.value, list | tuple) \
                else [leaf.value]
            for target in (v for v in wanted if isinstance(v, str)):
                found += self._value(entry, leaf, target, wanted, row)
                found += self._phones(entry, leaf, target, wanted, row, unseen)
        return found

    def _value(self, entry: Entry, leaf: Leaf, target: str, wanted: list[Any],
               row: Mapping[str, Any]) -> list[dict[str, Any]]:
        value = row.get(leaf.field)
        if not isinstance(value, str) or not value:
            return []
        why = None
        if fold_place(value) == fold_place(target):
            why = "folding"
        elif self._same_option(value, target):
            why = "alias"
        if why is None:
            return []
        field = self.model.fields[leaf.field]
        fix: dict[str, Any]
        if field.type.choices(field.definition) is not None:
            fix = {"fix": "add_alias", "field": leaf.field, "option": target, "alias": value}
        else:
            fix = {"fix": "widen_condition", "entry": entry.index,
                   "condition": {"field": leaf.field, "op": "in", "value": [*wanted, value]}}
        return [{"entry": entry.index, "field": leaf.field, "value": value,
                 "expected": target, "why": why, "fix": fix}]

    def _phones(self, entry: Entry, leaf: Leaf, target: str, wanted: list[Any],
                row: Mapping[str, Any], unseen: frozenset[str]) -> list[dict[str, Any]]:
        found = []
        for name in self.phones:
            number = row.get(name)
            if name in unseen or not isinstance(number, str):
                continue
            code = area_code(number)
            if code is None or not _names_place(place_names(code, number), target):
                continue
            found.append({
                "entry": entry.index, "field": name, "value": number,
                "normalised": normalised_number(number), "area_code": code,
                "expected": target, "why": "phone_area_code",
                "fix": {"fix": "add_condition", "entry": entry.index,
                        "condition": {"any": [
                            {"field": leaf.field, "op": leaf.op,
                             "value": wanted if leaf.op == "in" else target},
                            {"field": name, "op": "area_code", "value": code}]}}})
        return found

    def _same_option(self, value: str, target: str) -> bool:
        """Both spellings name one option of a field with fixed choices (its value,
        a label in either language, or an alias)."""
        for field in self.model.fields.values():
            if field.type.choices(field.definition) is None:
                continue
            left, right = self._option(field, value), self._option(field, target)
            if left is not None and left == right:
                return True
        return False

    @staticmethod
    def _option(field: Any, text: str) -> Any:
        for locale in ("zh-CN", "en"):
            for option, label in field.type.form_options(field.definition, locale) or ():
                if fold_place(label) == fold_place(text):
                    return option
        try:
            return field.type.deserialize(field.definition, text, lenient=True)
        except FieldValueError:
            return None


def _names_place(names: Sequence[str], target: str) -> bool:
    wanted = fold_place(target)
    return any(fold_place(n) == wanted or (len(wanted) >= 2 and wanted in fold_place(n))
               for n in names)


def _leaves(node: Node) -> Iterator[Leaf]:
    """The leaves a record must meet (not those under a ``not``)."""
    if isinstance(node, Leaf):
        yield node
    elif isinstance(node, All | AnyOf):
        for child in node.children:
            yield from _leaves(child)
    elif isinstance(node, Not):
        return

