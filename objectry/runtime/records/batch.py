"""Creating many records at once: the same checks as :func:`write.create`, batched writes.

Bulk APIs and imports create hundreds of records per transaction. Each record is checked
exactly as a single create checks it (field rights, validation, defaults, rules,
validation functions), while what costs a round trip per record is done once per batch:
lookup targets and unique values are checked with one query per field, auto numbers are
taken from the sequence in one step, and the rows, their audit entries and their
``record.created`` events are written with one ``executemany`` each (one audit entry and
one event per record, as the journal writes them for a single create).

A record that fails is reported with its problem and is not written; the others are.
Whether one failure refuses the whole batch is the caller's choice (it raises, so its
transaction rolls back).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from objectry.metadata.problems import Conflict, ErrorItem, Invalid, Problem, pointer
from objectry.runtime.access.guard import Guard
from objectry.runtime.kernel.context import Context
from objectry.runtime.kernel.ids import record_stamps
from objectry.runtime.model.compiled import ObjectModel, get_model
from objectry.runtime.model.serialize import field_json
from objectry.runtime.records import journal
from objectry.runtime.records.journal_tables import sequences
from objectry.runtime.records.keyed import rows_keyed
from objectry.runtime.records.write import _check_rules, _validate


@dataclass
class Created:
    """One item of a batch: the new record's id and version, or why it was refused."""

    index: int
    id: Any = None
    version: int | None = None
    problem: Problem | None = None
    values: dict[str, Any] | None = None  # check_many: the checked values of a good item


def create_many(ctx: Context, object_name: str, items: Sequence[Any]) -> list[Created]:
    """Create every valid item of ``items`` (JSON bodies as ``records.create`` takes
    them), in the caller's transaction; one :class:`Created` per item, in order."""
    model, results, checked = _check_all(ctx, object_name, items)
    hooked = sorted(checked)  # the items the hooks see, in this order
    if ctx.write_hooks is not None and hooked:  # duplicate rules (lifecycle), one pass
        problems = ctx.write_hooks.before_write_many(ctx, model, [checked[i] for i in hooked])
        for index, refused in zip(hooked, problems, strict=True):
            if refused is not None:
                _fail(results, checked, index, refused)
    _number(ctx, model, checked)
    written = _insert(ctx, model, checked, results)
    if ctx.write_hooks is not None and hooked:
        place = {index: n for n, index in enumerate(hooked)}
        ctx.write_hooks.after_write_many(ctx, model, [row for _, row in written],
                                         [place[index] for index, _ in written])
        for index, row in written:  # a hook may have moved it on (auto assignment)
            results[index].version = row["version"]
    return results


def _check_all(ctx: Context, object_name: str, items: Sequence[Any]
               ) -> tuple[ObjectModel, list[Created], dict[int, dict[str, Any]]]:
    """Every item checked as a create would check it (values, lookups, unique): one
    result per item, refused ones carrying their problem, and the good ones' values."""
    model = get_model(ctx, object_name)
    guard = Guard(ctx, model)
    guard.require("create")
    results = [Created(i) for i in range(len(items))]
    checked: dict[int, dict[str, Any]] = {}
    shape = _Shape.of(model)
    for i, data in enumerate(items):
        try:
            checked[i] = _checked(ctx, model, guard, data, shape)
        except Problem as problem:
            results[i].problem = problem
    _check_lookups(ctx, model, checked, results)
    _check_unique(ctx, model, checked, results)
    return model, results, checked


def check_many(ctx: Context, object_name: str, items: Sequence[Any]) -> list[Created]:
    """What :func:`create_many` would refuse, writing nothing (an import's preview);
    the checked values of the others are in ``values``."""
    _, results, checked = _check_all(ctx, object_name, items)
    for index, values in checked.items():
        results[index].values = values
    return results


@dataclass(frozen=True)
class _Shape:
    """What every item of a batch is completed with, found once per batch: the fields
    with a default, and the multi-valued ones (an empty list is stored as NULL); and the
    sets of field names already found creatable (a batch's items name the same ones)."""

    defaults: tuple[tuple[str, Any], ...]
    multi: tuple[str, ...]
    creatable: set[frozenset[str]]

    @classmethod
    def of(cls, model: ObjectModel) -> _Shape:
        return cls(tuple((name, field) for name, field in model.fields.items()
                         if field.definition.get("default") is not None),
                   tuple(name for name, field in model.fields.items()
                         if field.type.multi_valued), set())


def _checked(ctx: Context, model: ObjectModel, guard: Guard, data: Any,
             shape: _Shape) -> dict[str, Any]:
    """An item's values as ``write.create`` checks them, before lookups and numbers."""
    if isinstance(data, dict):
        names = frozenset(data)
        if names not in shape.creatable:
            guard.check_creatable(data)
            shape.creatable.add(names)
    values = _validate(ctx, model, data, partial=False, unknown=guard.unknowable)
    for name, field in shape.defaults:
        if name not in values:
            values[name] = field.type.deserialize(field.definition, field.definition["default"])
    for name in shape.multi:
        if values.get(name) == []:
            values[name] = None
    _check_rules(ctx, model, values, guard, guard.base)
    if ctx.record_hooks is not None:
        ctx.record_hooks.validate_record(ctx, model, values)
    return values


def _fail(results: list[Created], checked: dict[int, dict[str, Any]], index: int,
          problem: Problem) -> None:
    results[index].problem = problem
    checked.pop(index, None)


def _check_lookups(ctx: Context, model: ObjectModel, checked: dict[int, dict[str, Any]],
                   results: list[Created]) -> None:
    """Lookups point at live records the caller may read (``write._check_lookups``),
    one query per lookup field for the whole batch."""
    for name, field in model.fields.items():
        if not field.type.reference:
            continue
        wanted = {v[name] for v in checked.values() if v.get(name) is not None}
        if not wanted:
            continue
        target = get_model(ctx, field.definition["target"])
        visible = Guard(ctx, target).visible()
        found = {row.id for row in rows_keyed(
            ctx.conn, [target.table.c.id], target.table.c.id, wanted,
            target.table.c.deleted_at.is_(None), *([] if visible is None else [visible]))}
        for index, values in list(checked.items()):
            value = values.get(name)
            if value is not None and value not in found:
                _fail(results, checked, index, Invalid([ErrorItem(
                    pointer(name), "lookup_target_missing",
                    {"target": target.api_name, "id": str(value)})]))


def _check_unique(ctx: Context, model: ObjectModel, checked: dict[int, dict[str, Any]],
                  results: list[Created]) -> None:
    """A unique value already stored, or held by an earlier item of the batch: 409
    ``unique_violation`` (naming no record: the bulk answer never says which holds it)."""
    for field in model.fields.values():
        if not field.definition.get("unique"):
            continue
        name = field.name
        wanted = [v[name] for v in checked.values() if v.get(name) is not None]
        taken = {row[0] for row in rows_keyed(ctx.conn, [field.column], field.column, wanted)}
        for index, values in sorted(checked.items()):
            value = values.get(name)
            if value is None:
                continue
            if value in taken:
                _fail(results, checked, index, _unique_violation(model, name))
            else:
                taken.add(value)


def _unique_violation(model: ObjectModel, name: str) -> Conflict:
    return Conflict([ErrorItem(pointer(name), "unique_violation",
                               {"object": model.api_name, "field": name})],
                    detail_code="unique_violation", object=model.api_name, field=name)


def _number(ctx: Context, model: ObjectModel, checked: dict[int, dict[str, Any]]) -> None:
    """Auto numbers for the batch's records, taken from the sequence in one step."""
    if not checked:
        return
    for name, field in model.fields.items():
        if not field.type.system_generated:
            continue
        key = sa.and_(sequences.c.tenant_id == ctx.tenant.id,
                      sequences.c.object == model.api_name, sequences.c.field == name)
        end = ctx.conn.execute(
            sequences.update().where(key)
            .values(next_value=sequences.c.next_value + len(checked))
            .returning(sequences.c.next_value)).scalar_one()
        for offset, index in enumerate(sorted(checked)):
            checked[index][name] = field.type.generate(
                field.definition, end - len(checked) + offset)


def _insert(ctx: Context, model: ObjectModel, checked: dict[int, dict[str, Any]],
            results: list[Created]) -> list[tuple[int, dict[str, Any]]]:
    """The rows (with their items' indexes), their audit entries and events, written by
    the journal in bulk; when
    the batch statement hits a unique index anyway (a concurrent writer), each row is
    written on its own so only the culprits fail."""
    actor = ctx.actor.user_id
    rows: list[tuple[int, dict[str, Any], list[journal.Change]]] = []
    order = sorted(checked)
    record_ids, now = record_stamps(ctx.now(), len(order))  # one instant, ids in order
    for index, record_id in zip(order, record_ids, strict=True):
        values = checked[index]
        row = {"id": record_id, "version": 1, "owner": actor, "created_at": now,
               "created_by": actor, "updated_at": now, "updated_by": actor, **values}
        changes = [{"field": n, "old": None, "new": field_json(model, n, v)}
                   for n, v in values.items() if v is not None]
        rows.append((index, row, changes))
    if not rows:
        return []
    if ctx.write_hooks is not None:  # owners decided before the write (auto assignment)
        owned = ctx.write_hooks.before_insert(ctx, model, [row for _, row, _ in rows])
        for (_, _, changes), change in zip(rows, owned, strict=True):
            if change is not None:
                changes.append(change)
    written: list[tuple[Mapping[str, Any], list[dict[str, Any]]]] = [
        (row, changes) for _, row, changes in rows]
    if any(field.definition.get("unique") for field in model.fields.values()):
        try:
            with ctx.conn.begin_nested():  # a unique value taken: the rows one by one
                journal.insert_many(ctx, model, written)
        except sa.exc.IntegrityError:
            for index, row, changes in rows:
                try:
                    with ctx.conn.begin_nested():
                        journal.insert(ctx, model, row, changes)
                except Problem as problem:
                    _fail(results, checked, index, problem)
                    continue
                results[index].id, results[index].version = row["id"], 1
            return [(index, row) for index, row, _ in rows
                    if results[index].problem is None]
    else:  # nothing a batch can clash on (new ids, checked values): no savepoint, so
        # two round trips and a subtransaction fewer per batch
        journal.insert_many(ctx, model, written)
    for index, row, _ in rows:
        results[index].id, results[index].version = row["id"], 1
    return [(index, row) for index, row, _ in rows]

