"""Migration plans for object definitions (central idea 6).

A plan compares the current definition (and the hidden columns) with the new one and
lists its steps with their data impact: how many rows a type change rewrites, which
values would not convert (with examples), what a new unique constraint collides with.
Narrowing or lossy changes are refused unless a conversion policy is named for the
field; nothing is silently nulled or truncated, and a removed field is only hidden.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from objectry.metadata.fieldtypes import REGISTRY
from objectry.metadata.problems import ErrorItem, FieldValueError, pointer
from objectry.runtime.kernel.context import Context
from objectry.runtime.model.compiled import ObjectModel

CONVERSION_POLICIES = ("null_invalid", "truncate")
EXAMPLES = 5
BATCH = 1000
#: Options that do not constrain stored values (changing them needs no data check).
PRESENTATION_OPTIONS = frozenset({"label", "help", "description", "group", "sensitive",
                                  "read_only", "default", "required", "unique", "indexed",
                                  "on_target_delete", "format", "start"})


@dataclass
class Step:
    action: str
    field: str | None = None
    detail: dict[str, Any] = dataclasses.field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"action": self.action, "field": self.field, **self.detail}


@dataclass
class Conversion:
    """Values of one field to rewrite: id -> new value, and the lossy ones for audit."""

    rewrite_column: bool
    new_values: dict[Any, Any] = dataclasses.field(default_factory=dict)
    lossy: dict[Any, tuple[Any, Any]] = dataclasses.field(default_factory=dict)


@dataclass
class ObjectPlan:
    object: str
    steps: list[Step] = dataclasses.field(default_factory=list)
    errors: list[ErrorItem] = dataclasses.field(default_factory=list)
    conversions: dict[str, Conversion] = dataclasses.field(default_factory=dict)
    conflict: bool = False
    #: field -> the stored default that fills its empty rows (a field made required)
    fills: dict[str, Any] = dataclasses.field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"object": self.object, "steps": [s.to_json() for s in self.steps]}


def _value_shape(definition: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in definition.items() if k not in PRESENTATION_OPTIONS}


def plan_object(ctx: Context, old: Mapping[str, Any] | None, new: Mapping[str, Any],
                old_model: ObjectModel | None, conversions: Mapping[str, str]) -> ObjectPlan:
    plan = ObjectPlan(new["api_name"])
    for name, policy in conversions.items():
        if policy not in CONVERSION_POLICIES:
            plan.errors.append(ErrorItem(pointer("convert", name), "unknown_conversion_policy",
                                         {"policy": policy, "known": CONVERSION_POLICIES}))
    if old is None or old_model is None:
        plan.steps.append(Step("create_table", detail={"fields": len(new["fields"])}))
        return plan
    hidden = old_model.hidden
    old_fields = {f["api_name"]: f for f in old["fields"]}
    for i, definition in enumerate(new["fields"]):
        name = definition["api_name"]
        before = old_fields.get(name)
        if before is None and name in hidden:
            _plan_revive(plan, old_model, hidden[name], definition, i, conversions.get(name))
        elif before is None:
            plan.steps.append(Step("add_column", name, {"type": definition["type"]}))
            if definition.get("required"):
                _plan_required(ctx, plan, old_model, definition, i, new_column=True)
            if definition.get("unique") or definition.get("indexed"):
                plan.steps.append(Step("create_index", name, {"unique": bool(
                    definition.get("unique"))}))
        else:
            _plan_change(ctx, plan, old_model, before, definition, i, conversions.get(name))
    new_names = {f["api_name"] for f in new["fields"]}
    for name in old_fields:
        if name not in new_names:
            rows = _count(ctx, old_model, old_model.table.c[name].is_not(None))
            plan.steps.append(Step("hide_field", name, {"rows_with_values_kept": rows}))
    if not plan.steps and _presentation_changed(old, new):
        plan.steps.append(Step("update_definition"))  # labels, help, rules: no data impact
    return plan


def _presentation_changed(old: Mapping[str, Any], new: Mapping[str, Any]) -> bool:
    return dict(old) != dict(new)


def _plan_revive(plan: ObjectPlan, model: ObjectModel, hidden: Mapping[str, Any],
                 definition: Mapping[str, Any], index: int, policy: str | None) -> None:
    old_type, new_type = REGISTRY[hidden["type"]], REGISTRY[definition["type"]]
    name = definition["api_name"]
    if old_type.storage_signature(hidden) != new_type.storage_signature(definition):
        plan.errors.append(ErrorItem(pointer("fields", index, "type"),
                                     "hidden_field_type_clash",
                                     {"field": name, "old": hidden["type"],
                                      "new": definition["type"]}))
        plan.conflict = True
        return
    plan.steps.append(Step("unhide_field", name, {"type": definition["type"]}))
    _plan_indexes(plan, hidden, definition)


def _plan_change(ctx: Context, plan: ObjectPlan, model: ObjectModel,
                 before: Mapping[str, Any], after: Mapping[str, Any], index: int,
                 policy: str | None) -> None:
    name = after["api_name"]
    old_type, new_type = REGISTRY[before["type"]], REGISTRY[after["type"]]
    rewrite = old_type.storage_signature(before) != new_type.storage_signature(after)
    if old_type.computed and new_type.computed:  # recomputed after the change, not converted
        if rewrite:
            plan.steps.append(Step("change_type", name, {"from": before["type"],
                                                         "to": after["type"], "recomputed": True}))
            plan.conversions[name] = Conversion(rewrite_column=True)
    elif rewrite or _value_shape(before) != _value_shape(after):
        _plan_values(ctx, plan, model, before, after, index, policy, rewrite)
    _plan_indexes(plan, before, after)
    if after.get("unique") and not before.get("unique"):
        duplicates = _duplicates(ctx, model, name)
        if duplicates:
            plan.errors.append(ErrorItem(pointer("fields", index, "unique"), "unique_violation",
                                         {"object": model.api_name, "field": name,
                                          "count": duplicates}))
            plan.conflict = True
    if after.get("required") and not before.get("required"):
        _plan_required(ctx, plan, model, after, index, new_column=False)


def _plan_required(ctx: Context, plan: ObjectPlan, model: ObjectModel,
                   after: Mapping[str, Any], index: int, *, new_column: bool) -> None:
    """A field required from now on: the rows without a value get its default (a
    ``fill_default`` step), or, without a default, the change is refused (409
    ``required_without_default`` at the field's ``default``), never applied over rows
    that would break the rule."""
    name = after["api_name"]
    kind = REGISTRY[after["type"]]
    if kind.computed or kind.system_generated:
        return
    missing = _count(ctx, model, sa.true() if new_column else model.table.c[name].is_(None))
    if not new_column:
        plan.steps.append(Step("require_field", name, {"rows_without_value": missing}))
    if not missing:
        return
    if after.get("default") is None:
        plan.errors.append(ErrorItem(pointer("fields", index, "default"),
                                     "required_without_default",
                                     {"field": name, "count": missing}))
        plan.conflict = True
        return
    try:
        plan.fills[name] = _convert_value(kind, after, after["default"])
    except FieldValueError as exc:
        plan.errors.append(ErrorItem(pointer("fields", index, "default"), exc.code,
                                     exc.params))
        return
    plan.steps.append(Step("fill_default", name, {"rows": missing,
                                                  "value": after["default"]}))


def _plan_indexes(plan: ObjectPlan, before: Mapping[str, Any],
                  after: Mapping[str, Any]) -> None:
    name = after["api_name"]
    old_kind = "unique" if before.get("unique") else "index" if before.get("indexed") else None
    new_kind = "unique" if after.get("unique") else "index" if after.get("indexed") else None
    if REGISTRY[before["type"]].always_indexed:
        old_kind = old_kind or "index"
    if REGISTRY[after["type"]].always_indexed:
        new_kind = new_kind or "index"
    if old_kind != new_kind:
        if old_kind:
            plan.steps.append(Step("drop_index", name, {"unique": old_kind == "unique"}))
        if new_kind:
            plan.steps.append(Step("create_index", name, {"unique": new_kind == "unique"}))


def _plan_values(ctx: Context, plan: ObjectPlan, model: ObjectModel,
                 before: Mapping[str, Any], after: Mapping[str, Any], index: int,
                 policy: str | None, rewrite: bool) -> None:
    """Try every stored value under the new definition and record the outcome."""
    name = after["api_name"]
    old_type, new_type = REGISTRY[before["type"]], REGISTRY[after["type"]]
    conversion = Conversion(rewrite_column=rewrite)
    failures: list[dict[str, Any]] = []
    failed = 0
    column, table = model.table.c[name], model.table
    total = _count(ctx, model, column.is_not(None))
    seen = 0
    # On the statement, not the connection: Connection.execution_options() changes the
    # connection itself, and every later statement of the transaction would then run on
    # a server-side cursor (PostgreSQL refuses "DECLARE ... CURSOR FOR UPDATE ...").
    result = ctx.conn.execute(
        sa.select(table.c.id, column).where(column.is_not(None)).order_by(table.c.id)
        .execution_options(yield_per=BATCH))
    for record_id, value in result:
        seen += 1
        if seen % BATCH == 0:
            ctx.report(f"{model.api_name}.{name}", seen, total)
        as_json = old_type.to_json(before, value)
        try:
            converted = _convert_value(new_type, after, as_json)
        except FieldValueError as exc:
            converted = _apply_policy(new_type.name, after, as_json, exc, policy)
            if converted is _FAILED:
                failed += 1
                if len(failures) < EXAMPLES:
                    failures.append({"id": str(record_id), "value": as_json,
                                     "reason": exc.code})
                continue
            conversion.lossy[record_id] = (as_json, converted)
        if rewrite or converted != value:
            conversion.new_values[record_id] = converted
    step = Step("change_type" if before["type"] != after["type"] else "change_constraints",
                name, {"from": before["type"], "to": after["type"], "rows": total,
                       "rewritten": len(conversion.new_values), "not_convertible": failed,
                       "examples": failures, "policy": policy,
                       "lossy": len(conversion.lossy)})
    plan.steps.append(step)
    if failed:
        plan.errors.append(ErrorItem(pointer("fields", index, "type"), "type_change_lossy",
                                     {"field": name, "old": before["type"],
                                      "new": after["type"], "count": failed,
                                      "examples": failures}))
    plan.conversions[name] = conversion


_FAILED = object()
#: Strict refusals that lenient parsing would hide by changing the value (rounding).
_NOT_LENIENT = frozenset({"too_many_decimals"})


def _convert_value(new_type: Any, after: Mapping[str, Any], value: Any) -> Any:
    """A stored value under the new definition: as it is when it is valid as it is.

    Lenient parsing (numbers as text, text as numbers) is only the fallback: it may also
    normalize values that are valid as they are (line breaks, white space) and it rounds
    decimals, which would change stored values silently, without a policy or an audit
    entry. A rounding is refused like any other value that does not fit.
    """
    try:
        return new_type.deserialize(after, value)
    except FieldValueError as exc:
        if exc.code in _NOT_LENIENT:
            raise
        return new_type.deserialize(after, value, lenient=True)


def _apply_policy(type_name: str, after: Mapping[str, Any], value: Any,
                  exc: FieldValueError, policy: str | None) -> Any:
    if policy == "null_invalid":
        return None
    if policy == "truncate" and exc.code == "too_long" and isinstance(value, str):
        return value[: exc.params["max_length"]]
    return _FAILED


def _count(ctx: Context, model: ObjectModel, where: sa.ColumnElement[bool]) -> int:
    return ctx.conn.execute(
        sa.select(sa.func.count()).select_from(model.table).where(where)).scalar_one()


def _duplicates(ctx: Context, model: ObjectModel, name: str) -> int:
    column = model.table.c[name]
    groups = sa.select(column).where(column.is_not(None)).group_by(column).having(
        sa.func.count() > 1).subquery()
    return ctx.conn.execute(sa.select(sa.func.count()).select_from(groups)).scalar_one()
