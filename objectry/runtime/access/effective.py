"""A field's value as the actor may test it in one row: what filters and sorts compare.

A field the actor reads from their roles can still be hidden on a row by the grants that
reach them there (a ``none`` under ``most_restrictive`` or ``distribution_wins``); on
such a row the field must filter and sort as if it were empty, or a filter (binary
search on ``employees``) or a sort would recover the hidden value. Whether the field is
readable in a row depends only on the merged level of its group among the live grants
reaching the actor there (``-`` when none does), so it is decided in SQL from a few
correlated ``EXISTS`` on ``record_grants``: pages stay correctly paginated and nothing
is post-filtered. Where no grant can change the answer (the strategy in force, an
unrestricted actor), the plain column is used, so those lists cost what they did.

A sensitive field the actor may only see masked (no ``view_sensitive``) can be tested
for emptiness only: any other comparison would recover it a digit at a time. No
object opts in to equality on a masked field (for duplicate checks) yet.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.sql.util import ClauseAdapter

from objectry.metadata.fieldtypes import REGISTRY
from objectry.metadata.formula.nodes import FieldRef, FormulaError, inputs
from objectry.metadata.formula.parser import Fields, parse_formula
from objectry.metadata.permission_terms import LEVELS, NOT_DISTRIBUTED
from objectry.metadata.problems import NotFound
from objectry.permissions.grant_tables import record_grants
from objectry.runtime.access.decisions import Decisions
from objectry.runtime.access.pooled import pool_masks, pooled_in
from objectry.runtime.access.visibility import Visibility
from objectry.runtime.model.compiled import ObjectModel, get_model
from objectry.runtime.query.formula_sql import formula_result
from objectry.runtime.query.rollup_sql import rollup_value

#: Every distribution level a row can have for the actor: none reaching them, or the
#: merged level of the live grants that do.
ROW_LEVELS = frozenset({NOT_DISTRIBUTED, *LEVELS})
#: Operators that an empty value meets (a hidden value is tested as empty).
EMPTY_MATCHING = frozenset({"is_empty", "ne", "not_in"})
#: Operators allowed on a masked field.
MASKED_OPS = frozenset({"is_empty", "is_not_empty"})


class Effective:
    """Per field, the rows where the actor may read it, as SQL over a given table."""

    def __init__(self, model: ObjectModel, decisions: Decisions, rows: Visibility) -> None:
        self.model = model
        self.decisions = decisions
        self.rows = rows

    def masked(self, name: str) -> bool:
        """Whether the actor sees ``name`` only masked (so may not compare it)."""
        field = self.model.fields.get(name)
        return (field is not None and not self.decisions.unrestricted
                and bool(field.definition.get("sensitive"))
                and not self.decisions.base.can("view_sensitive"))

    def readable_at(self, name: str) -> frozenset[str]:
        """The row levels (``-`` or a merged grant level) at which the actor reads
        ``name``: the same access maps the records' presentation uses decide it."""
        field = self.model.fields[name]
        return frozenset(
            level for level in sorted(ROW_LEVELS)
            if self.decisions.access(None if level == NOT_DISTRIBUTED
                                     else {field.group: level})
            .field_level(name, field.group) != "none")

    def readable(self, table: sa.FromClause, name: str) -> sa.ColumnElement[bool] | None:
        """The rows of ``table`` (the object's table or an alias) in which the actor may
        read ``name``; None when that is every row (no SQL needed). A row pooled in a
        pool masking ``name`` for the actor is not one: there the field tests as empty
        and sorts as NULL, so no filter, sort or aggregate recovers it before a claim."""
        granted = self._granted(table, name)
        pools = sorted(pool for pool, fields in
                       pool_masks(self.decisions.ctx, self.model).items() if name in fields)
        if not pools:
            return granted
        outside = ~pooled_in(self.decisions.ctx, self.model, table, pools)
        return outside if granted is None else sa.and_(granted, outside)

    def _granted(self, table: sa.FromClause, name: str) -> sa.ColumnElement[bool] | None:
        """The rows where the actor's roles and distribution grants let them read
        ``name`` (None: every row)."""
        field = self.model.fields.get(name)
        if field is None or self.decisions.unrestricted:
            return None
        levels = self.readable_at(name)
        if levels == ROW_LEVELS:
            return None
        if not self.rows.holds_grants():  # no grant reaches the actor on any row
            return None if NOT_DISTRIBUTED in levels else sa.false()
        group = field.group

        def granted(*at: str) -> sa.ColumnElement[bool]:
            """A live grant reaching the actor on the row (at one of ``at`` for group)."""
            g = record_grants
            match = [g.c.record_id == table.c.id, *self.rows.live_grant_terms()]
            if at:
                match.append(g.c.field_groups[group].as_string().in_(at))
            return sa.exists().where(*match).correlate(table)

        distributed = levels - {NOT_DISTRIBUTED}
        if distributed == {"none", "read", "edit"}:
            when: sa.ColumnElement[bool] = granted()
        elif distributed == {"read", "edit"}:
            when = granted("read", "edit")
        elif distributed == {"edit"}:
            when = granted("edit")
        else:  # not monotone in the level: spell each level out
            exact = {"none": sa.and_(granted(), ~granted("read", "edit")),
                     "read": sa.and_(granted("read", "edit"), ~granted("edit")),
                     "edit": granted("edit")}
            when = sa.or_(sa.false(), *(exact[level] for level in sorted(distributed)))
        if NOT_DISTRIBUTED in levels:
            return sa.or_(~granted(), when)
        return when

    def column(self, table: sa.FromClause, name: str) -> sa.ColumnElement[Any]:
        """``name``'s value where the actor may read it, NULL elsewhere (for sorts and
        the cursors made from them); a formula's computed value."""
        field = self.model.fields.get(name)
        column = self.formula(table, name) if field is not None and field.type.computed \
            else table.c[name]
        when = self.readable(table, name)
        return column if when is None else sa.case((when, column))

    # -- formulas (computed on read, never stored) -------------------------------------
    def value(self, table: sa.FromClause, name: str) -> sa.ColumnElement[Any]:
        """What a filter compares for ``name``: its column, or a formula's value."""
        field = self.model.fields.get(name)
        if table is self.model.table and field is not None and field.type.computed:
            return self.formula(table, name)
        return table.c[name]

    def formula(self, table: sa.FromClause, name: str) -> sa.ColumnElement[Any]:
        """A formula field's value over ``table`` as the actor may see it: NULL on a row
        where they may not read one of its inputs (or see the record a lookup input
        points at), so neither the value, a filter nor a sort reveals a hidden input."""
        definition = self.model.fields[name].definition
        ctx = self.decisions.ctx
        if self.model.fields[name].type.aggregated:  # a roll-up over child records
            return rollup_value(ctx, self.model, table, name, self._reads)
        try:
            tree = parse_formula(str(definition.get("expression", "")), self._own_fields,
                                 self._object_fields, REGISTRY.get, name=name)
        except FormulaError:  # its inputs changed since it was saved: no value
            return sa.null()
        guards: list[sa.ColumnElement[bool]] = []
        lookups: dict[str, tuple[sa.FromClause, Effective, Any]] = {}
        for ref in inputs(tree):
            if ref.via is None:
                guards.extend(self._input_guards(table, ref.name))
                continue
            guards.extend(self._input_guards(table, ref.via))
            if ref.via not in lookups:
                target = get_model(ctx, str(ref.target))
                decisions = Decisions(ctx, target)
                far = Effective(target, decisions, Visibility(ctx, target, decisions))
                lookups[ref.via] = (target.table.alias(), far, far.rows.visible())
            alias, far, visible = lookups[ref.via]
            seen = [alias.c.id == table.c[ref.via], alias.c.deleted_at.is_(None),
                    *far._input_guards(alias, ref.name)]
            if visible is not None:
                seen.append(ClauseAdapter(alias).traverse(visible))
            guards.append(sa.or_(table.c[ref.via].is_(None),
                                 sa.exists().where(*seen).correlate(table)))

        def column_of(ref: FieldRef) -> sa.ColumnElement[Any]:
            if ref.via is None:
                own = self.model.fields.get(ref.name)
                aggregated = own is not None and own.type.aggregated
                return self.formula(table, ref.name) if aggregated else table.c[ref.name]
            alias = lookups[ref.via][0]
            return (sa.select(alias.c[ref.name]).where(alias.c.id == table.c[ref.via])
                    .correlate(table).scalar_subquery())

        value = formula_result(tree, column_of, today=ctx.now().date(),
                               result=str(definition.get("result", "number")),
                               scale=int(definition.get("scale", 2)))
        return value if not guards else sa.case((sa.and_(*guards), value))

    def _input_guards(self, table: sa.FromClause, name: str) -> list[sa.ColumnElement[bool]]:
        """Where the actor reads input ``name`` (none: everywhere; masked: nowhere)."""
        if name not in self.model.fields:
            return []
        if self.masked(name):
            return [sa.false()]
        when = self.readable(table, name)
        return [] if when is None else [when]

    def _reads(self, model: ObjectModel, names: Collection[str]) -> bool:
        """Whether the actor's roles read ``names`` of ``model`` (unmasked): what a
        roll-up over its records needs to show a value."""
        decisions = Decisions(self.decisions.ctx, model)
        base = decisions.base
        return decisions.unrestricted or (base.can("read") and all(
            name not in model.fields or (
                base.field_level(name, model.fields[name].group) != "none"
                and not (model.fields[name].definition.get("sensitive")
                         and not base.can("view_sensitive")))
            for name in names))

    def _own_fields(self, name: str) -> Mapping[str, Any] | None:
        field = self.model.fields.get(name)
        return None if field is None else field.definition

    def _object_fields(self, object_name: str) -> Fields | None:
        try:
            target = get_model(self.decisions.ctx, object_name)
        except NotFound:
            return None
        return lambda name: (target.fields[name].definition if name in target.fields
                             else None)

    def with_formulas(self, rows: Sequence[Mapping[Any, Any]],
                      only: Collection[str] | None = None) -> list[Mapping[Any, Any]]:
        """The rows with each formula field's value, computed in SQL for the whole page
        in one statement (rows of an object without formulas come back as they are);
        ``only``: just these fields (what the caller asked for), the others left empty."""
        names = [n for n, f in self.model.fields.items()
                 if f.type.computed and (only is None or n in only)]
        if not names or not rows:
            return list(rows)
        table = self.model.table
        query = sa.select(table.c.id, *(self.column(table, n).label(n) for n in names)) \
            .where(table.c.id.in_([row["id"] for row in rows]))
        found = {r["id"]: r for r in self.decisions.ctx.conn.execute(query).mappings()}
        return [{**row, **{n: found[row["id"]][n] if row["id"] in found else None
                           for n in names}} for row in rows]
