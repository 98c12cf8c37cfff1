"""Roll-up fields (``metadata/fieldtypes/rollup.py``): stored on the parent, kept
current in the transaction of every child write, recomputed on demand.

Why stored: computed on read, a campaign's won revenue through lead -> opportunity
reads every lead of the campaign, 1,000 per campaign at the issue's scale: 50
campaigns took 1.35 s on PostgreSQL (bench/analytics.py), against a 20 ms target.
Stored, a list reads a column, and a child write adds one small UPDATE per roll-up.

- :func:`upkeep` is called by the journal for every row it writes (create, update,
  delete, restore, cascade, set_null, re-point by a merge, batches). Counts and sums
  move by the row's contribution before and after (incremental, one UPDATE per parent
  touched); averages and extremes, and records in between moving to another parent,
  recompute the parents touched. Concurrent writers stay exact on PostgreSQL: the
  parent rows are locked in one order (object, then id) before any is written, a
  recompute reads the children only after that, and a two-hop child reads the record
  in between FOR SHARE (a re-parent of it and the child's write queue one after the
  other instead of each missing the other).
- :func:`recompute` rebuilds a roll-up from the children (after its definition, or a
  field of another object it reads, changes: :func:`refill_changed`, in the metadata
  change's transaction; and on demand to repair drift: ``POST /rollups/recompute``).
- :func:`rollup_value` is the read: the stored value, NULL for a reader who may not read
  every field the roll-up reads (``reads``, answered by the access layer).

Children in the recycle bin do not count; records in between count whether deleted or
not (a deleted lead's opportunities stay attributed to its campaign). Sums and counts
of no children are 0; averages and extremes of none are NULL.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import sqlalchemy as sa

from objectry.metadata import store
from objectry.metadata.conditions.nodes import Leaf, Node, walk
from objectry.metadata.conditions.parser import parse_condition
from objectry.metadata.fieldtypes import REGISTRY
from objectry.metadata.problems import Invalid, NotFound
from objectry.runtime.model.compiled import ObjectModel, get_model
from objectry.runtime.query.compile import to_predicate, to_sql

#: Whether the reader reads ``fields`` of an object (its read right included).
Reads = Callable[[ObjectModel, Collection[str]], bool]
#: A row before and after a write (None before: a new record).
RowChange = tuple[Mapping[str, Any] | None, Mapping[str, Any]]
INCREMENTAL = ("count", "sum")


@dataclass(frozen=True)
class Rollup:
    """One roll-up field, as the upkeep needs it."""

    parent: str
    field: str
    child: str
    via: tuple[str, ...]
    middle: str | None  # the object in between (two hops)
    op: str
    measured: str | None
    filter: str | None  # the condition, as JSON text (hashable)
    rate: str | None = None  # the dated rate weighing a sum, as JSON text

    @property
    def key(self) -> str:
        """The lookup of the child (one hop) or of the record in between (two)."""
        return self.via[-1]


def rollups(ctx: Any) -> tuple[Rollup, ...]:
    """Every roll-up field of the tenant, once per metadata version."""
    def build() -> tuple[Rollup, ...]:
        docs = {n: s.document for n, s in
                store.documents(ctx.conn, ctx.tenant.id, "object").items()}
        found = []
        for parent, doc in sorted(docs.items()):
            for field in doc.get("fields", []):
                ftype = REGISTRY.get(str(field.get("type")))
                if ftype is None or not ftype.aggregated:
                    continue
                child = docs.get(str(field.get("object")), {})
                via = tuple(str(v) for v in field.get("via", ()))
                hops = {f.get("api_name"): f for f in child.get("fields", [])}
                middle = str(hops.get(via[0], {}).get("target")) if len(via) == 2 else None
                found.append(Rollup(parent, str(field["api_name"]), str(field["object"]), via,
                                    middle, str(field.get("op")), field.get("field"),
                                    None if field.get("filter") is None
                                    else json.dumps(field["filter"], sort_keys=True),
                                    None if field.get("rate") is None
                                    else json.dumps(field["rate"], sort_keys=True)))
        return tuple(found)

    return ctx.decisions.get_or_build(("rollups", ctx.tenant.id, ctx.tenant.meta_version),
                                      build)


# -- the read -------------------------------------------------------------------------------

def rollup_value(ctx: Any, model: ObjectModel, table: sa.FromClause, name: str,
                 reads: Reads) -> sa.ColumnElement[Any]:
    """The stored value of roll-up ``name`` over ``table`` for a reader (``reads``)."""
    needed = _reads_needed(ctx, model, name)
    if needed is None or not all(reads(get_model(ctx, obj), fields) for obj, fields in needed):
        return sa.null()
    column = table.c[name]
    if model.fields[name].definition.get("op") in INCREMENTAL:
        return sa.func.coalesce(column, 0, type_=column.type)
    return column


def _reads_needed(ctx: Any, model: ObjectModel,
                  name: str) -> tuple[tuple[str, frozenset[str]], ...] | None:
    """The fields, per object, a roll-up reads (None: its definition no longer holds),
    worked out once per metadata version."""
    def build() -> Any:
        definition = model.fields[name].definition
        try:
            child = get_model(ctx, str(definition["object"]))
            via = [str(step) for step in definition["via"]]
            node = _condition(child, definition.get("filter"))
            middle = str(child.fields[via[0]].definition["target"]) if len(via) == 2 else None
        except (KeyError, NotFound, Invalid):
            return False
        measured = definition.get("field")
        needed = [(child.api_name, frozenset(
            {via[0], *([measured] if measured else []), *_fields_of(node)}))]
        if middle is not None:
            needed.append((middle, frozenset({via[1]})))
        rate = definition.get("rate")
        if rate is not None:  # the rates a sum is weighed by are read too
            pairs = [p for alternative in rate["match"] for p in alternative.items()]
            needed[0] = (child.api_name, needed[0][1] | {rate["date"], *(h for h, _ in pairs)})
            needed.append((str(rate["object"]), frozenset(
                {rate["value"], rate["valid_from"], *(f for _, f in pairs)})))
        return tuple(needed)

    found = ctx.decisions.get_or_build(
        ("rollup_reads", ctx.tenant.id, ctx.tenant.meta_version, model.api_name, name), build)
    return None if found is False else found


def _condition(child: ObjectModel, tree: Any) -> Node | None:
    if tree is None:
        return None

    def stored(name: str) -> Mapping[str, Any] | None:
        field = child.fields.get(name)
        return None if field is None or field.type.computed else field.definition

    return parse_condition(tree, stored, object_name=child.api_name, changes=False)


def _fields_of(node: Node | None) -> set[str]:
    return set() if node is None else {n.field for n in walk(node) if isinstance(n, Leaf)}


# -- upkeep (the journal calls it) ----------------------------------------------------------

def upkeep(ctx: Any, model: ObjectModel, changes: Sequence[RowChange]) -> None:
    """Keep every roll-up over ``model``'s records current after these row writes.

    Every parent row touched is locked first, in one order (by object, then id), so
    concurrent child writes queue on their common parents instead of deadlocking; a
    recompute reads the children only once its parents are locked (see :func:`_lock`)."""
    every = rollups(ctx)
    rebuilt: list[tuple[Rollup, Collection[Any] | None]] = [  # a rate changed: all
        (r, None) for r in every
        if r.rate is not None and json.loads(r.rate)["object"] == model.api_name]
    mine = [r for r in every if model.api_name in (r.child, r.middle)]
    moves: list[tuple[Rollup, Any, Any]] = []  # (roll-up, child's lookup value, change)
    for rollup in mine:
        if rollup.child == model.api_name:
            moves += [(rollup, at, value) for at, value in _moves(ctx, rollup, changes)]
        if rollup.middle == model.api_name:
            moved = {row.get(rollup.key) for old, new in changes if old is not None
                     for row in (old, new) if old.get(rollup.key) != new.get(rollup.key)}
            if moved - {None}:
                rebuilt.append((rollup, moved - {None}))
    parents: dict[tuple[str | None, Any], Any] = {}  # (middle, lookup value) -> parent
    for rollup, at, _ in moves:
        if (rollup.middle, at) not in parents:
            parents[(rollup.middle, at)] = _parent_of(ctx, rollup, at)
    deltas: dict[tuple[Rollup, Any], Any] = defaultdict(int)
    for rollup, at, value in moves:
        parent = parents[(rollup.middle, at)]
        if parent is not None:
            deltas[(rollup, parent)] += value
    stale: dict[Rollup, set[Any]] = defaultdict(set)
    added: dict[tuple[Rollup, Any], Any] = {}
    for (rollup, parent), delta in deltas.items():
        if rollup.op not in INCREMENTAL:
            stale[rollup].add(parent)
        elif delta != 0:
            added[(rollup, parent)] = delta
    rebuilt += stale.items()
    if not rebuilt and not added:
        return
    touched: dict[str, set[Any] | None] = {}
    for rollup, found in [*rebuilt, *((r, {p}) for r, p in added)]:
        known = touched.get(rollup.parent, set())
        touched[rollup.parent] = None if found is None or known is None \
            else known | set(found)
    if rebuilt or sum(len(ids) if ids is not None else 2 for ids in touched.values()) > 1:
        _lock(ctx, touched)  # one parent moved by a single UPDATE needs no more
    for (rollup, parent), delta in sorted(added.items(), key=_parent_order):
        ctx.conn.execute(_statement(ctx, rollup, "add"), {"p": parent, "d": delta})
    for rollup, found in rebuilt:
        _recompute(ctx, rollup, found)


def _parent_order(item: tuple[tuple[Rollup, Any], Any]) -> tuple[str, str, str]:
    (rollup, parent), _ = item
    return rollup.parent, str(parent), rollup.field


def _lock(ctx: Any, touched: Mapping[str, Collection[Any] | None]) -> None:
    """Lock the parent rows about to be written (``None``: every row of that object),
    object by object in name order, rows in id order (PostgreSQL; SQLite writers hold
    the whole database already).

    Why: two transactions writing children of the same parents in different orders
    would otherwise each hold one parent and wait for the other's (a deadlock); and a
    recompute reading the children before its parent is locked could miss a child
    another transaction commits meanwhile, then overwrite that transaction's value. Under
    READ COMMITTED the read after the lock sees every child committed before it."""
    if ctx.conn.dialect.name != "postgresql":
        return
    for name in sorted(touched):
        table = get_model(ctx, name).table
        ids = touched[name]
        query = sa.select(table.c.id).order_by(table.c.id).with_for_update(key_share=True)
        if ids is not None:
            query = query.where(table.c.id.in_(sorted(ids, key=str)))
        ctx.conn.execute(query).all()


def as_stored(ctx: Any, model: ObjectModel,
              rows: Sequence[Mapping[str, Any]]) -> Sequence[Mapping[str, Any]]:
    """The rows about to be written, whole (the journal calls it before an update): a
    writer may pass a row as it read only part of it (a merge re-pointing children
    reads id and version alone), and the upkeep needs what it held before."""
    mine = [r for r in rollups(ctx) if model.api_name in (r.child, r.middle)]
    if not mine:
        return rows
    needed = {"deleted_at"}
    for rollup in mine:
        needed |= set(rollup.via) | {rollup.measured or "deleted_at"}
        if rollup.filter is not None and rollup.child == model.api_name:
            needed |= _named_in(json.loads(rollup.filter))  # (a field gone: not read)
        if rollup.rate is not None:
            rate = json.loads(rollup.rate)
            needed |= {rate["date"], *(k for pairs in rate["match"] for k in pairs)}
    needed &= set(model.table.c.keys())
    partial = [row["id"] for row in rows if "id" in row and not needed <= set(row)]
    if not partial:
        return rows
    table = model.table
    stored = {row["id"]: dict(row) for row in ctx.conn.execute(
        sa.select(table).where(table.c.id.in_(partial))).mappings()}
    return [{**stored.get(row.get("id"), {}), **row} for row in rows]


def _test(ctx: Any, rollup: Rollup) -> Callable[[Mapping[str, Any]], bool] | None:
    """The roll-up's filter as a predicate over a stored row (built once per version)."""
    if rollup.filter is None:
        return None
    key = ("rollup_filter", ctx.tenant.id, ctx.tenant.meta_version, rollup)

    def build() -> Any:
        try:
            node = _condition(get_model(ctx, rollup.child), json.loads(str(rollup.filter)))
        except Invalid:
            return lambda row, now=None: False  # changed since it was saved: none counts
        return None if node is None else to_predicate(node)

    predicate = ctx.decisions.get_or_build(key, build)
    now = ctx.now()
    return lambda row: bool(predicate(row, now=now))


def _moves(ctx: Any, rollup: Rollup, changes: Sequence[RowChange]) -> list[tuple[Any, Any]]:
    """(the child's lookup value, what it adds there: negative when taken away) of each
    row whose contribution changed; for averages and extremes the parents touched
    (recomputed), whatever the number."""
    test = _test(ctx, rollup)
    first = rollup.via[0]

    def contribution(row: Mapping[str, Any] | None) -> Any:
        """What the row adds to its parent (None: nothing)."""
        if row is None or row.get("deleted_at") is not None or row.get(first) is None:
            return None
        if test is not None and not test(row):
            return None
        if rollup.measured is None:
            return 1
        value = row.get(rollup.measured)
        if value is None or value == "":
            return None
        if rollup.rate is not None:
            rate = _rate_of(ctx, json.loads(rollup.rate), row)
            return None if rate is None else value * rate
        return value if rollup.op == "sum" else 1

    moves: list[tuple[Any, Any]] = []
    for old, new in changes:
        if old is not None and all(old.get(k) == v for k, v in new.items()):
            continue  # nothing changed
        before, after = contribution(old), contribution(new)
        at_before = None if old is None else old.get(first)
        at_after = new.get(first)
        if at_before == at_after and (before == after if rollup.op in INCREMENTAL else (
                before is None and after is None)):
            continue
        if at_before is not None and before is not None:
            moves.append((at_before, -before))
        if at_after is not None and after is not None:
            moves.append((at_after, after))
        if rollup.op not in INCREMENTAL:  # recomputed: any touch marks the parent
            moves += [(at, 0) for at in (at_before, at_after) if at is not None]
    return moves


def _rate_sql(ctx: Any, rate: Mapping[str, Any],
              value_of: Callable[[str], Any]) -> sa.ColumnElement[Any]:
    """The rate valid on the child's day: per ``match`` alternative, the value of the
    latest live rate row starting on or before it; the first found."""
    table = get_model(ctx, str(rate["object"])).table.alias()
    column = table.c[rate["value"]]
    found = []
    for pairs in rate["match"]:
        found.append(sa.select(column).where(
            table.c.deleted_at.is_(None), table.c[rate["valid_from"]] <= value_of(rate["date"]),
            *(table.c[far] == value_of(here) for here, far in pairs.items()))
            .order_by(table.c[rate["valid_from"]].desc()).limit(1).scalar_subquery())
    if len(found) == 1:
        return sa.type_coerce(found[0], column.type)
    return sa.func.coalesce(*found, type_=column.type)


def _rate_of(ctx: Any, rate: Mapping[str, Any], row: Mapping[str, Any]) -> Any:
    """The rate valid for one child row (None: none is)."""
    if row.get(rate["date"]) is None:
        return None

    def value_of(name: str) -> Any:
        return sa.literal(row.get(name))

    return ctx.conn.execute(sa.select(_rate_sql(ctx, rate, value_of))).scalar()


def _parent_of(ctx: Any, rollup: Rollup, at: Any) -> Any:
    """The parent a child's lookup value rolls up into (two hops: through the record
    in between, read once per write)."""
    if rollup.middle is None:
        return at
    return ctx.conn.execute(_statement(ctx, rollup, "parent"), {"m": at}).scalar()


def _statement(ctx: Any, rollup: Rollup, purpose: str) -> Any:
    """The upkeep's statements, built once per metadata version (every child write
    runs them): ``add`` moves a parent's value by ``d``; ``parent`` reads the parent
    of the record in between ``m``."""
    def build() -> Any:
        if purpose == "parent":
            middle = get_model(ctx, str(rollup.middle)).table
            query = sa.select(middle.c[rollup.key]).where(middle.c.id == sa.bindparam("m"))
            if ctx.conn.dialect.name == "postgresql":
                # shared: a concurrent re-parent of the record in between waits for this
                # write (or this waits for it), so the child counts under the parent
                # the record in between has when both are done
                query = query.with_for_update(read=True)
            return query
        table = get_model(ctx, rollup.parent).table
        column = table.c[rollup.field]
        return table.update().where(table.c.id == sa.bindparam("p")).values({
            rollup.field: sa.func.coalesce(column, 0, type_=column.type)
            + sa.bindparam("d", type_=column.type)})

    return ctx.decisions.get_or_build(
        ("rollup_sql", ctx.tenant.id, ctx.tenant.meta_version, ctx.conn.dialect.name,
         rollup, purpose), build)


# -- recompute ------------------------------------------------------------------------------

def recompute(ctx: Any, rollup: Rollup, parents: Collection[Any] | None = None) -> int:
    """Rebuild the roll-up from the children for ``parents`` (None: every parent);
    the number of parents written. The parents are locked before the children are read."""
    if parents is not None and not parents:
        return 0
    _lock(ctx, {rollup.parent: parents})
    return _recompute(ctx, rollup, parents)


def _recompute(ctx: Any, rollup: Rollup, parents: Collection[Any] | None) -> int:
    """:func:`recompute` once the parents are locked."""
    if parents is not None and not parents:
        return 0
    try:
        child = get_model(ctx, rollup.child)
        rows = child.table.alias()
        source: sa.FromClause = rows
        key: sa.ColumnElement[Any] = rows.c[rollup.via[0]]
        if rollup.middle is not None:
            middle = get_model(ctx, rollup.middle).table.alias()
            source = rows.join(middle, middle.c.id == rows.c[rollup.via[0]])
            key = middle.c[rollup.key]
        node = _condition(child, None if rollup.filter is None else json.loads(rollup.filter))
        if rollup.measured is not None and rollup.measured not in rows.c:
            raise KeyError(rollup.measured)
    except (KeyError, NotFound, Invalid):  # a field it reads went: none counts (as _test)
        return _write(ctx, rollup, parents, {})
    where: list[sa.ColumnElement[bool]] = [rows.c.deleted_at.is_(None), key.is_not(None)]
    if node is not None:
        where.append(to_sql(node, rows, now=ctx.now()))
    if parents is not None:
        where.append(key.in_(list(parents)))
    if rollup.rate is not None and rollup.measured is not None:
        return _recompute_weighed(ctx, rollup, parents, source, key, rows, where)
    counted: sa.ColumnElement[Any] = sa.func.count()
    figure = counted
    if rollup.measured is not None:
        measured = rows.c[rollup.measured]
        counted = sa.func.count(measured)
        figure = counted if rollup.op == "count" else getattr(
            sa.func, "sum" if rollup.op == "avg" else rollup.op)(measured, type_=measured.type)
    found = {row[0]: _value(rollup.op, row[1], row[2]) for row in ctx.conn.execute(
        sa.select(key, figure, counted).select_from(source).where(*where).group_by(key))}
    return _write(ctx, rollup, parents, found)


def _write(ctx: Any, rollup: Rollup, parents: Collection[Any] | None,
           found: Mapping[Any, Any]) -> int:
    """Store the recomputed values (``parents`` None: every parent, the others empty)."""
    parent = get_model(ctx, rollup.parent).table
    empty = 0 if rollup.op in INCREMENTAL else None
    column = parent.c[rollup.field]
    if parents is None:
        ctx.conn.execute(parent.update().values({rollup.field: empty}))
        writes = [{"p": p, "v": v} for p, v in found.items() if v != empty]
    else:
        writes = [{"p": p, "v": found.get(p, empty)} for p in parents]
    if writes:
        ctx.conn.execute(parent.update().where(parent.c.id == sa.bindparam("p")).values(
            {rollup.field: sa.bindparam("v", type_=column.type)}), writes)
    return len(writes)


def _recompute_weighed(ctx: Any, rollup: Rollup, parents: Collection[Any] | None,
                       source: sa.FromClause, key: sa.ColumnElement[Any],
                       rows: sa.FromClause, where: list[sa.ColumnElement[bool]]) -> int:
    """A sum weighed by a dated rate: each child's amount times its rate, summed here
    (exact decimals on either database)."""
    rate = _rate_sql(ctx, json.loads(str(rollup.rate)), lambda name: rows.c[name])
    totals: dict[Any, Any] = defaultdict(int)
    for parent_id, amount, price in ctx.conn.execute(
            sa.select(key, rows.c[str(rollup.measured)], rate).select_from(source)
            .where(*where)):
        if amount is not None and price is not None:
            totals[parent_id] += amount * price
    return _write(ctx, rollup, parents, totals)


def _value(op: str, figure: Any, count: int) -> Any:
    if op == "avg":
        return None if not count or figure is None else Decimal(figure) / count
    return figure


def recompute_all(ctx: Any, parent: str | None = None, field: str | None = None) -> int:
    """Every roll-up (of ``parent``, named ``field``) rebuilt; parents written."""
    return sum(recompute(ctx, r) for r in rollups(ctx)
               if parent in (None, r.parent) and field in (None, r.field))


def refill_changed(ctx: Any, changed: Iterable[tuple[Mapping[str, Any] | None,
                                                     Mapping[str, Any]]]) -> None:
    """After a metadata change (``ctx`` at the new version, in its transaction): the
    roll-ups that are new or defined differently, or that read a field of another
    object that changed or went (the child's lookup, measured field, filter fields or
    rate fields; the lookup of the record in between; the rate table's fields), are
    rebuilt from the children, so no stored value outlives the definition it came from.

    Why in the change's transaction rather than as a background job: a rebuild is one
    GROUP BY per roll-up (a changed filter of the two-hop won revenue over 1M leads and
    200,000 opportunities: 0.4-1.0 s on PostgreSQL at a load of 9; all three of
    ``bench/analytics.py``'s roll-ups: 4.7 s), definitions change rarely, and a value
    never marked stale needs no "stale" state in lists, filters and formulas."""
    documents = {str(after.get("api_name")): (before, after) for before, after in changed}
    if not documents:
        return
    for rollup in rollups(ctx):
        if any(_fields(before, names) != _fields(after, names)
               for name, names in _read_by(rollup).items() if name in documents
               for before, after in [documents[name]]):
            recompute(ctx, rollup)


def _read_by(rollup: Rollup) -> dict[str, set[str]]:
    """The fields, per object, whose definitions a roll-up's stored values depend on
    (its own field's included)."""
    read: dict[str, set[str]] = defaultdict(set)
    read[rollup.parent].add(rollup.field)
    read[rollup.child] |= {rollup.via[0], *([rollup.measured] if rollup.measured else []),
                           *_named_in(None if rollup.filter is None
                                      else json.loads(rollup.filter))}
    if rollup.middle is not None:
        read[rollup.middle].add(rollup.key)
    if rollup.rate is not None:
        rate = json.loads(rollup.rate)
        pairs = [p for alternative in rate["match"] for p in alternative.items()]
        read[rollup.child] |= {rate["date"], *(here for here, _ in pairs)}
        read[str(rate["object"])] |= {rate["value"], rate["valid_from"],
                                      *(far for _, far in pairs)}
    return read


def _named_in(tree: Any) -> set[str]:
    """Every field a condition tree names (related conditions' included: more than
    needed only rebuilds more often)."""
    if isinstance(tree, Mapping):
        found = {str(tree["field"])} if isinstance(tree.get("field"), str) else set()
        return found.union(*(_named_in(v) for v in tree.values()))
    if isinstance(tree, list):
        return set().union(*(_named_in(v) for v in tree))
    return set()


def _fields(document: Mapping[str, Any] | None,
            names: Collection[str]) -> dict[str, Any]:
    """The definitions of ``names`` in an object document (absent ones left out)."""
    return {f.get("api_name"): f for f in (document or {}).get("fields", [])
            if f.get("api_name") in names}
