"""Writing records: create and update, with validation, rules, lookups and auto numbers.

The values are checked here; the row, its version, audit entry and event are written by
the journal.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

import marshmallow as mm
import sqlalchemy as sa

from objectry.metadata.conditions.nodes import All, AnyOf, Leaf, Node, Not
from objectry.metadata.i18n import pick
from objectry.metadata.names import SYSTEM_FIELDS
from objectry.metadata.problems import (
    ErrorItem,
    FieldValueError,
    Invalid,
    PreconditionFailed,
    pointer,
)
from objectry.permissions.access import AccessMap
from objectry.runtime.access.guard import Guard
from objectry.runtime.kernel.context import Context
from objectry.runtime.kernel.ids import record_stamp
from objectry.runtime.model.compiled import ObjectModel, Rule, get_model
from objectry.runtime.model.serialize import field_json
from objectry.runtime.query.compile import to_predicate
from objectry.runtime.records import journal
from objectry.runtime.records.journal_tables import sequences


def create(ctx: Context, object_name: str, data: Any) -> dict[str, Any]:
    model = get_model(ctx, object_name)
    guard = Guard(ctx, model)
    guard.require("create")
    if isinstance(data, dict):
        guard.check_creatable(data)
    values = _validate(ctx, model, data, partial=False, unknown=guard.unknowable)
    for name, field in model.fields.items():
        if name not in values and field.definition.get("default") is not None:
            values[name] = field.type.deserialize(field.definition, field.definition["default"])
        if field.type.multi_valued and values.get(name) == []:
            values[name] = None
    _number(ctx, model, values)
    _check_rules(ctx, model, values, guard, guard.base)
    if ctx.record_hooks is not None:  # the object's validation functions
        ctx.record_hooks.validate_record(ctx, model, values)
    _check_lookups(ctx, model, values)
    if ctx.write_hooks is not None:  # duplicate rules (lifecycle)
        ctx.write_hooks.before_write(ctx, model, values)
    actor = ctx.actor.user_id
    # created_at is the id's instant, so newest first is the id order (record_stamp)
    record_id, now = record_stamp(ctx.now())
    row = {"id": record_id, "version": 1, "owner": actor, "created_at": now,
           "created_by": actor, "updated_at": now, "updated_by": actor, **values}
    changes = [{"field": n, "old": None, "new": field_json(model, n, v)}
               for n, v in values.items() if v is not None]
    if ctx.write_hooks is not None:  # the owner decided before the write (auto assignment)
        change = ctx.write_hooks.before_insert(ctx, model, [row])[0]
        if change is not None:
            changes.append(change)
    journal.insert(ctx, model, row, changes)
    if ctx.write_hooks is not None:
        ctx.write_hooks.after_write(ctx, model, row)
    shown = guard.effective.with_formulas([{**_empty_row(model), **row}])[0]  # formulas
    return guard.present(shown, guard.base)


def update(ctx: Context, object_name: str, record_id: Any, data: Any, *,
           if_match: int | None = None) -> dict[str, Any]:
    model = get_model(ctx, object_name)
    guard = Guard(ctx, model)
    row, access = guard.load(record_id)
    if isinstance(data, dict):
        guard.check_editable(access, data)
    if if_match is not None and if_match != row["version"]:
        raise PreconditionFailed(detail_code="version_mismatch", expected=if_match,
                                 actual=row["version"])
    values = _validate(ctx, model, data, partial=True,
                       unknown=lambda name: guard.unknowable(name, access))
    for name, field in model.fields.items():
        if field.type.multi_valued and values.get(name) == []:
            values[name] = None
    # a masked field is written even when unchanged: skipping the write would tell a
    # caller who cannot read it that their guess of its value was right
    masked = guard.view(access).masked if access is not guard.everything else frozenset()
    changed = {n: v for n, v in values.items() if row[n] != v or n in masked}
    if not changed:
        return guard.present(guard.effective.with_formulas([row])[0], access)
    merged = {**row, **changed}
    _check_rules(ctx, model, merged, guard, access)
    if ctx.record_hooks is not None:  # the object's validation functions
        ctx.record_hooks.validate_record(ctx, model, merged, row["id"])
    _check_lookups(ctx, model, changed)
    if ctx.write_hooks is not None:  # duplicate rules (lifecycle)
        ctx.write_hooks.before_write(ctx, model, merged, row["id"])
    changes = [{"field": n, "old": field_json(model, n, row[n]),
                "new": field_json(model, n, v)} for n, v in changed.items()]
    stamp = journal.bump(ctx, model, row, changed, "updated", changes)
    if ctx.write_hooks is not None:
        ctx.write_hooks.after_write(ctx, model, {**merged, **stamp})
    shown = guard.effective.with_formulas([{**merged, **stamp}])[0]  # formulas
    return guard.present(shown, access)


def _empty_row(model: ObjectModel) -> dict[str, Any]:
    return dict.fromkeys(model.table.c.keys())


def _validate(ctx: Context, model: ObjectModel, data: Any, *, partial: bool,
              unknown: Callable[[str], bool] = lambda name: False) -> dict[str, Any]:
    """The values of a body; ``unknown``: fields the writer may not know of, answered
    exactly like names the object does not have."""
    if not isinstance(data, dict):
        raise Invalid([ErrorItem("", "expected_object")])
    errors = []
    system_only: dict[str, Any] = {}
    writable: dict[str, Any] = {}
    for name, raw in data.items():
        field = None if unknown(name) else model.fields.get(name)
        if name == "owner":  # one command moves owners (records.ownership)
            errors.append(ErrorItem(pointer(name), "owner_via_command",
                                    {"object": model.api_name}))
        elif name in SYSTEM_FIELDS:
            errors.append(ErrorItem(pointer(name), "system_field", {"field": name}))
        elif field is None:
            errors.append(ErrorItem(pointer(name), "unknown_field",
                                    {"object": model.api_name, "field": name}))
        elif name in model.writable_position:
            writable[name] = raw
        else:
            system_only[name] = raw
            if not ctx.actor.is_system:
                errors.append(ErrorItem(pointer(name), "read_only_field", {"field": name}))
    values = None if errors else _load_fast(model, writable, partial=partial)
    if values is None:  # a culprit: the schema names them all, in its words
        schema = model.update_schema if partial else model.create_schema
        try:
            values = schema.load(writable)
        except mm.ValidationError as exc:
            errors += _marshmallow_errors(exc.messages)  # all culprits in one answer
    if errors or values is None:
        raise Invalid(sorted(errors, key=lambda e: e.path))
    for name, raw in system_only.items():  # read-only fields written by the platform
        field = model.fields[name]
        values[name] = None if raw is None else _deserialize_one(field, raw)
    return values


def _load_fast(model: ObjectModel, writable: Mapping[str, Any], *,
               partial: bool) -> dict[str, Any] | None:
    """What the model's schema loads from ``writable`` (its fields, in the schema's
    order; None allowed unless required; required ones present on create), without
    marshmallow's per-field machinery (a bulk create or import checks every row, and
    the schema took 40% of it); None at the first culprit, for the schema to report."""
    fields, required = model.fields, model.required_writable
    if not partial and any(writable.get(name) is None for name in required):
        return None
    values: dict[str, Any] = {}
    for name in sorted(writable, key=model.writable_position.__getitem__):
        raw = writable[name]
        if raw is None:
            if name in required:
                return None
            values[name] = None
            continue
        field = fields[name]
        try:
            values[name] = field.type.deserialize(field.definition, raw)
        except FieldValueError:
            return None
    return values


def _deserialize_one(field: Any, raw: Any) -> Any:
    try:
        return field.type.deserialize(field.definition, raw)
    except FieldValueError as exc:
        raise Invalid([ErrorItem(pointer(field.name), exc.code, exc.params)]) from exc


def _marshmallow_errors(messages: Any) -> list[ErrorItem]:
    """Every culprit of a schema load (``messages``: field name -> its problems)."""
    errors = []
    for name, problems in messages.items():
        for problem in problems if isinstance(problems, list) else [problems]:
            errors.append(ErrorItem(pointer(name), str(problem), getattr(problem, "params", {})))
    return errors


def _check_rules(ctx: Context, model: ObjectModel, values: Mapping[str, Any], guard: Guard,
                 access: AccessMap) -> None:
    """Every failed rule, in its own words; a rule that reads a field the caller cannot
    read (absent or masked for them) fails with one generic item, naming neither the
    rule, its message nor its fields, so a rule is no way to read them."""
    unseen: frozenset[str] = frozenset()
    if access is not guard.everything:
        view = guard.view(access)
        unseen = view.hidden | view.masked
    errors, restricted = [], False
    for rule in model.rules:
        if to_predicate(rule.condition)(values, now=ctx.now()):
            continue
        if unseen & _rule_fields(rule):
            restricted = True
        else:
            errors.append(ErrorItem(pointer(rule.field) if rule.field else "", "rule_failed",
                                    {"message": pick(rule.message, ctx.locale),
                                     "rule": rule.api_name}))
    if restricted:
        errors.append(ErrorItem("", "rule_failed_restricted"))
    if errors:
        raise Invalid(errors)


def _rule_fields(rule: Rule) -> frozenset[str]:
    """The fields of the record a rule reads (and the one it points at)."""
    found = {rule.field} if rule.field else set()
    stack: list[Node] = [rule.condition]
    while stack:
        node = stack.pop()
        if isinstance(node, Leaf):
            found.add(node.field)
        elif isinstance(node, All | AnyOf):
            stack.extend(node.children)
        elif isinstance(node, Not):
            stack.append(node.child)
    return frozenset(found)  # rules hold no related conditions (they run on values alone)


def _check_lookups(ctx: Context, model: ObjectModel, values: Mapping[str, Any]) -> None:
    """A lookup points at a live record the caller may read: one outside their
    visibility answers exactly as an unknown id (no existence oracle), so no
    ``related_created`` run or activity score reaches a record they cannot see.
    System actors (automation) see every record, as before."""
    for name, value in values.items():
        field = model.fields.get(name)
        if value is None or field is None or not field.type.reference:
            continue
        target = get_model(ctx, field.definition["target"])
        query = sa.select(target.table.c.id).where(
            target.table.c.id == value, target.table.c.deleted_at.is_(None))
        visible = Guard(ctx, target).visible()
        found = ctx.conn.execute(query if visible is None else query.where(visible)).first()
        if found is None:
            raise Invalid([ErrorItem(pointer(name), "lookup_target_missing",
                                     {"target": target.api_name, "id": str(value)})])


def _number(ctx: Context, model: ObjectModel, values: dict[str, Any]) -> None:
    """Hand out auto numbers from the tenant's sequences, in this transaction."""
    for name, field in model.fields.items():
        if not field.type.system_generated:
            continue
        key = sa.and_(sequences.c.tenant_id == ctx.tenant.id,
                      sequences.c.object == model.api_name, sequences.c.field == name)
        counter = ctx.conn.execute(
            sequences.update().where(key).values(next_value=sequences.c.next_value + 1)
            .returning(sequences.c.next_value)).scalar_one() - 1
        values[name] = field.type.generate(field.definition, counter)
