"""The list's filter builder: rows of (field, operator, value) in all/any groups, read
from the builder's form and written as the condition language, and back.

Which operators a field offers comes from its field type (``operators``) and the
condition language (which take no value, a list, a pair or a day count); a masked
field offers only emptiness (what the records service lets anyone filter it by). How
a value is typed comes from the field type (``widget``, ``form_options``,
``from_form``, ``form_value``), as in the record forms. The records service checks the
condition it gets, so a forged one is refused there (422), never trusted here.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from dataclasses import field as default
from typing import Any

from objectry.admin_ui.app.pages import field_label
from objectry.metadata.conditions.nodes import LIST_OPS, NO_VALUE_OPS, RELATIVE_DATE_OPS
from objectry.metadata.fieldtypes.base import CHANGE_OPERATORS
from objectry.runtime.access.guard import Guard
from objectry.runtime.model.compiled import ObjectModel

#: Rows and groups a builder holds (the condition language allows more; a page less).
MAX_ROWS = 30
MAX_GROUPS = 10
EMPTINESS = frozenset({"is_empty", "is_not_empty"})


@dataclass
class Row:
    field: str = ""
    op: str = ""
    values: list[str] = default(default_factory=list)  # as typed: one, two (between), many


@dataclass
class Group:
    match: str = "all"
    rows: list[Row] = default(default_factory=list)


@dataclass
class FieldChoice:
    name: str
    label: str
    operators: list[str]
    widget: str
    options: list[tuple[str, str]] | None
    target: str


def choices(model: ObjectModel, guard: Guard, locale: str) -> dict[str, FieldChoice]:
    """The fields the user may filter by, with the operators their types offer."""
    found = {}
    for name, compiled in model.fields.items():
        if guard.readable_field(name) is None:
            continue
        kind, definition = compiled.type, compiled.definition
        operators = kind.operators - CHANGE_OPERATORS
        if guard.masked(name):
            operators = operators & EMPTINESS
        if not operators:
            continue
        found[name] = FieldChoice(name, field_label(compiled, locale), sorted(operators),
                                  kind.widget, kind.form_options(definition, locale),
                                  str(definition.get("target", "")) if kind.reference else "")
    return dict(sorted(found.items(), key=lambda item: item[1].label.casefold()))


def value_count(op: str) -> str:
    """How an operator takes its value: none, one, two (a range), many or days."""
    if op in NO_VALUE_OPS:
        return "none"
    if op in LIST_OPS:
        return "many"
    if op == "between":
        return "two"
    if op in RELATIVE_DATE_OPS:
        return "days"
    return "one"


# -- the builder's form ------------------------------------------------------------------

def from_form(args: Any, fields: Mapping[str, FieldChoice]) -> tuple[str, list[Group]]:
    """The builder as posted: ``match``, and per group ``gN.match`` and rows ``gN.rM.*``.
    ``add=gN`` adds a row to group N, ``add=group`` a group, ``drop=gN.rM`` a row."""
    match = "any" if args.get("match") == "any" else "all"
    groups: list[Group] = []
    for g in range(MAX_GROUPS):
        if f"g{g}.match" not in args:
            continue
        group = Group("any" if args.get(f"g{g}.match") == "any" else "all")
        for r in range(MAX_ROWS):
            key = f"g{g}.r{r}"
            if f"{key}.field" not in args or args.get("drop") == key:
                continue
            name = args.get(f"{key}.field", "")
            choice = fields.get(name)
            op = args.get(f"{key}.op", "")
            if choice is not None and op not in choice.operators:
                op = choice.operators[0]
            group.rows.append(Row(name if choice else "", op if choice else "",
                                  [v[:500] for v in args.getlist(f"{key}.value")][:50]))
        if args.get("add") == f"g{g}":
            group.rows.append(Row())
        groups.append(group)
    if args.get("add") == "group" and len(groups) < MAX_GROUPS:
        groups.append(Group(rows=[Row()]))
    if not groups:
        groups.append(Group(rows=[Row()]))
    return match, groups


def to_condition(model: ObjectModel, match: str, groups: list[Group]) -> dict[str, Any] | None:
    """The builder's rows as a condition (rows without a field are left out)."""
    parts: list[dict[str, Any]] = []
    for group in groups:
        leaves = [leaf for row in group.rows if (leaf := _leaf(model, row)) is not None]
        if len(leaves) == 1:
            parts.append(leaves[0])
        elif leaves:
            parts.append({group.match: leaves})
    if not parts:
        return None
    return parts[0] if len(parts) == 1 else {match: parts}


def _leaf(model: ObjectModel, row: Row) -> dict[str, Any] | None:
    compiled = model.fields.get(row.field)
    if compiled is None or not row.op:
        return None
    kind, definition = compiled.type, compiled.definition
    how = value_count(row.op)
    if how == "none":
        return {"field": row.field, "op": row.op}

    def one(text: str) -> Any:
        value = kind.from_form(definition, [text])
        return value[0] if isinstance(value, list) and value else value

    texts = [t.strip() for t in row.values]
    if not any(texts):
        return None  # a row still being filled in: not applied yet
    if how == "many":
        items = [p.strip() for t in texts for p in t.split(",") if p.strip()]
        return {"field": row.field, "op": row.op, "value": [one(t) for t in items]}
    if how == "two":
        low, high = [*texts, "", ""][:2]
        return {"field": row.field, "op": row.op, "value": [one(low), one(high)]}
    first = texts[0]
    if how == "days":
        return {"field": row.field, "op": row.op,
                "value": int(first) if first.isascii() and first.isdigit() else first}
    return {"field": row.field, "op": row.op, "value": one(first)}


# -- a stored condition back into rows ---------------------------------------------------

def from_condition(model: ObjectModel, condition: Any) -> tuple[str, list[Group]] | None:
    """Rows for a condition of the builder's shape; None for one it cannot show (the
    list still applies it; the builder then starts empty)."""
    if condition is None:
        return "all", [Group(rows=[Row()])]
    if not isinstance(condition, Mapping):
        return None
    top = _combinator(condition)
    items = condition[top] if top else [condition]
    groups: list[Group] = []
    loose: list[Row] = []
    for item in items if isinstance(items, list) else []:
        inner = _combinator(item) if isinstance(item, Mapping) else None
        if inner:
            rows = [_row(model, leaf) for leaf in item[inner]]
            if any(r is None for r in rows):
                return None
            groups.append(Group(inner, [r for r in rows if r is not None]))
            continue
        row = _row(model, item)
        if row is None:
            return None
        loose.append(row)
    if loose:
        groups.insert(0, Group(top or "all", loose))
        return "all" if len(groups) == 1 else ("any" if top == "any" else "all"), groups
    return top or "all", groups or [Group(rows=[Row()])]


def _combinator(node: Mapping[str, Any]) -> str | None:
    keys = set(node)
    if keys == {"all"} and isinstance(node["all"], list):
        return "all"
    if keys == {"any"} and isinstance(node["any"], list):
        return "any"
    return None


def _row(model: ObjectModel, leaf: Any) -> Row | None:
    if not isinstance(leaf, Mapping) or set(leaf) - {"field", "op", "value"}:
        return None
    compiled = model.fields.get(str(leaf.get("field")))
    if compiled is None:
        return None
    kind, definition = compiled.type, compiled.definition
    op, value = str(leaf.get("op", "")), leaf.get("value")

    def text(item: Any) -> str:
        return str(item) if kind.multi_valued else kind.form_value(definition, item)

    how = value_count(op)
    if how == "none":
        values: list[str] = []
    elif how in ("many", "two"):
        values = [text(v) for v in value] if isinstance(value, list) else [str(value)]
        if how == "many":
            values = [", ".join(values)]
    elif how == "days":
        values = [str(value)]
    else:
        values = [text(value)]
    return Row(compiled.name, op, values)


def parse_filter(raw: str | None) -> Any:
    """The ``filter`` query parameter (condition JSON); None when absent. Bad JSON is
    handed on as it is, for the records service to refuse with its problem."""
    if not raw:
        return None
    try:
        return json.loads(raw)
    except ValueError:
        return raw


def combine(*conditions: Any) -> Any:
    """Conditions that must all hold (None ones left out)."""
    found = [c for c in conditions if c is not None]
    if not found:
        return None
    return found[0] if len(found) == 1 else {"all": found}
