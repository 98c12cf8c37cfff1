"""The two compilers of the condition language: to a SQL WHERE clause, to a predicate.

Both take the typed tree from ``metadata.conditions.parse_condition``, whose values are
already in storage form, so neither ever handles raw input. They must agree on every
tree and record; a property test holds them to it (on SQLite and PostgreSQL).

Inputs besides the tree are explicit, never read from a global:

- ``now``: the context clock, for relative dates (``today``, ``last_n_days``, ...).
  Days are UTC calendar days (``filter_dates``).
- related records: ``to_sql`` takes ``related(object) -> RelatedSource`` (the table and
  the caller's visibility over it); the predicate takes ``related(object, via, parent_id)
  -> rows``. ``filter_sources.FilterSources`` builds both from a context.
- old values (predicate only): ``changed``, ``changed_to``, ``changed_from`` hold only
  on an update whose old values are passed; ``to_sql`` refuses them with a 422.

A tree that needs an input its caller did not pass raises ``ConditionInputMissing``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa

from objectry.metadata.conditions.parser import Node
from objectry.runtime.query.inputs import (
    ConditionInputMissing,
    ReadableIn,
    RelatedRows,
    RelatedSource,
    RelatedTables,
)
from objectry.runtime.query.python_compiler import Env, compile_node
from objectry.runtime.query.sql_compiler import SqlCompiler, ValueOf, refuse_changes


def to_sql(node: Node, table: sa.FromClause, *, now: dt.datetime | None = None,
           related: RelatedTables | None = None,
           readable: ReadableIn | None = None,
           values: ValueOf | None = None) -> sa.ColumnElement[bool]:
    """A WHERE clause for ``node`` over ``table`` (built from constructs, never strings).
    ``readable``: where the caller may read each field (elsewhere it tests as empty);
    ``values``: a field's SQL where it is not its column (a formula's expression).

    Raises ``Invalid`` (422, a pointer to each ``/op``) for changed* operators.
    """
    refuse_changes(node)
    return SqlCompiler(now, related, values).compile(node, table, readable)


class Predicate:
    """A compiled condition: ``predicate(record, old=None, *, now=..., related=...)``.

    ``record`` and ``old`` map field names to stored values. ``old`` is None except on
    an update, where it holds the values before it (at least of the changed fields; a
    field absent from it is unchanged). ``now`` and ``related`` default to what was
    given to ``to_predicate``, so one compiled predicate serves many evaluations.
    """

    __slots__ = ("_now", "_related", "_test")

    def __init__(self, node: Node, now: dt.datetime | None,
                 related: RelatedRows | None) -> None:
        self._test = compile_node(node)
        self._now = now
        self._related = related

    def __call__(self, record: Mapping[Any, Any], old: Mapping[Any, Any] | None = None, *,
                 now: dt.datetime | None = None, related: RelatedRows | None = None) -> bool:
        env = Env(old, self._now if now is None else now,
                  self._related if related is None else related)
        return self._test(record, env)


def to_predicate(node: Node, *, now: dt.datetime | None = None,
                 related: RelatedRows | None = None) -> Predicate:
    """A Python predicate over a record in storage form (field name -> stored value)."""
    return Predicate(node, now, related)


__all__ = ["ConditionInputMissing", "Predicate", "RelatedRows",
           "RelatedSource", "RelatedTables", "to_predicate", "to_sql"]
