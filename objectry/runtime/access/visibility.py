"""Which rows the actor sees, as SQL, and what each row's distribution gives them.

Visibility is the data scopes of the actor's roles OR a live distribution grant, built
as one SQL condition (or a few alternatives, each walking an index of its own) so lists
stay correctly paginated and nothing is post-filtered. Per row, the actor's grant levels
come with the page query itself (for other rows, one query per batch) and are turned
into access maps by ``Decisions``.
Statements that depend only on metadata and the actor are cached in ``ctx.decisions``.
"""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Callable, Hashable, Mapping, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.sql import visitors

from objectry.metadata.conditions.parser import Node, parse_condition
from objectry.metadata.problems import Invalid
from objectry.permissions.access import AccessMap, dist_key
from objectry.permissions.casbin_model import roles_key
from objectry.permissions.grant_tables import live, record_grants
from objectry.runtime.access.decisions import (
    Decisions,
    department_tree,
    merge_levels,
    team_members,
    tenant_user_count,
)
from objectry.runtime.access.pooled import pool_masks, pooled_access, pooled_rows
from objectry.runtime.kernel.context import Context
from objectry.runtime.kernel.quick_read import QuickRead
from objectry.runtime.model.compiled import ObjectModel
from objectry.runtime.model.rows import load_row, row_query
from objectry.runtime.query import pagination
from objectry.runtime.query.compile import to_sql
from objectry.runtime.query.constants import sql_name

#: Most owners listed one by one as alternatives of a list's visibility.
MAX_OWNER_ALTERNATIVES = 32
#: The column of a page's rows holding the actor's grants there (``select_page``).
GRANT_LEVELS = "_grant_levels"


@dataclass(frozen=True)
class GrantTerms:
    """Conditions on ``record_grants`` for the grants reaching one actor: ``base`` (this
    tenant and object, live), then given to them (``mine``) or to their department or
    one above it (``above``); None where no grant of that kind can reach them."""

    base: tuple[sa.ColumnElement[bool], ...]
    mine: sa.ColumnElement[bool] | None
    above: sa.ColumnElement[bool] | None
    #: the departments of ``above``, one parameter each
    departments: tuple[sa.BindParameter[Any], ...] = ()

    @property
    def reach_anyone(self) -> bool:
        """Whether a grant can reach the actor at all (as themselves or a department)."""
        return self.mine is not None or self.above is not None


class Visibility:
    """The actor's rows of one object: scope and grant SQL, pages, per-row access."""

    def __init__(self, ctx: Context, model: ObjectModel, decisions: Decisions) -> None:
        self.ctx = ctx
        self.model = model
        self.decisions = decisions
        self._holds: bool | None = None  # read once by ``holds_grants``

    # -- which rows ------------------------------------------------------------------
    def visible(self) -> sa.ColumnElement[bool] | None:
        """The rows the actor may see, as SQL; ``None`` when they see every row."""
        found = self.visibility()
        return None if found is None else sa.or_(*found)

    def visibility(self) -> list[sa.ColumnElement[bool]] | None:
        """The rows the actor may see as alternatives (any one suffices), each shaped so
        it can walk an index of its own: ``None`` when they see every row.

        Owners of "own" and "team" scopes are merged into one set: a few owners become
        one ``owner = :id`` alternative each (the (owner, id) index answers each in
        order), a large team one ``owner IN (...)`` that the sort order's scan filters.
        """
        if self.decisions.unrestricted:
            return None
        kinds: set[str] = set()
        found: list[sa.ColumnElement[bool]] = []
        for role, scope in self.decisions.rules.scopes(self.ctx.actor.roles):
            if scope == "all":
                return None
            if scope in ("own", "team"):
                kinds.add(scope)
            else:  # built per request: a condition may compare with today's date
                found.append(self.scope_clause(role, scope))
        return [*self._owner_terms(frozenset(kinds)), *found, self.shared()]

    def select_page(self, conditions: Sequence[sa.ColumnElement[bool]],
                    order: Sequence[sa.ColumnElement[Any]], limit: int) -> sa.Select[Any]:
        """The first ``limit`` visible rows meeting ``conditions`` in ``order``: one
        top-``limit`` per visibility alternative, then the top of their union, so each
        alternative reads about one page from its own index whatever the table's size.
        For a restricted actor each row of the page also carries their grants there
        (``GRANT_LEVELS``), so ``maps`` needs no second query."""
        visibility = self.visibility()
        extra = () if visibility is None else (self._grant_levels(),)
        postgresql = self.ctx.conn.dialect.name == "postgresql"
        listed: list[sa.Select[Any] | sa.CompoundSelect] = []
        # PostgreSQL's page ids come from the union, the grants arm (last) walking the
        # grants reaching the actor and carrying what they give on each row it brings
        carried = None if visibility is None else self._grants_top
        if visibility is not None and not self.holds_grants():
            # no live grant reaches the actor: the grants arm (``shared``, last) finds
            # nothing and each row's grants are none, so neither is asked of SQL
            visibility = visibility[:-1] or [sa.false()]
            extra, carried = (sa.null().label(GRANT_LEVELS),), None
        elif visibility is not None and not postgresql \
                and (shared := self._shared_ids()) is not None:
            # SQLite: the distributed ids go into the union as the grants list them,
            # not as a top of the rows they name (which would read each such row once
            # for its liveness and again for the page): the page's own conditions test
            # them, on the page's rows only. ``visibility`` ends with ``shared``.
            visibility, listed, carried = visibility[:-1], [shared], None
        elif visibility is not None and not self._grant_terms().reach_anyone:
            carried = None  # no grant can reach the actor: ``shared`` is false
        return pagination.top_of_union(self.model.table, conditions, visibility, order,
                                       limit, extra, top_ids=postgresql, listed=listed,
                                       carried=carried)

    def _grants_top(self, conditions: Sequence[sa.ColumnElement[bool]],
                    descending: bool) -> sa.Subquery:
        """PostgreSQL: the ids in id order that live grants reaching the actor name, each
        with those grants' field groups (``GRANT_LEVELS``' JSON text): the grants are
        walked in record order, one index range per grantee (the actor, each department
        above them) merged, so no row's grants are looked up again. The rows are not
        tested here: the page tests ``conditions`` on the rows it fetches and reads this
        walk only as far as its last row, so each row is read once (a grants-only page:
        410 -> 253 buffers against testing each grant's row in the primary key first).

        A condition on the id alone (a cursor, a created_at range) is also said of the
        grants' record id, so each range starts there instead of at its first grant."""
        branches = self._grant_branches()
        table, record_id = self.model.table, record_grants.c.record_id
        walked = (record_id.desc() if descending else record_id.asc(),)
        granted = sa.union_all(*[branch.order_by(*walked) for branch in branches]).subquery()
        on_id = [_on_column(condition, table.c.id, granted.c.record_id)
                 for condition in conditions if _only_column(condition, table.c.id)]
        found = _joined_levels(granted.c.field_groups, "postgresql")
        return (sa.select(granted.c.record_id.label("id"), found.label("value"))
                .where(*on_id).group_by(granted.c.record_id)
                .order_by(granted.c.record_id.desc() if descending
                          else granted.c.record_id.asc())
                .subquery())

    def _grant_branches(self) -> list[sa.Select[Any]]:
        """One select of (record id, field groups) per grantee a grant may reach the
        actor as (them, each department above them), each one index range of the
        grantee index (none when no grant can reach them)."""
        terms, g = self._grant_terms(), record_grants
        reaching = ([terms.mine] if terms.mine is not None else []) + [
            sa.and_(g.c.grantee_kind == sql_name("department"), g.c.grantee == department)
            for department in terms.departments]
        return [sa.select(g.c.record_id, g.c.field_groups).where(term, *terms.base)
                for term in reaching]

    def cached_page(self, shape: Hashable,
                    build: Callable[[], sa.Select[Any]]) -> sa.Select[Any]:
        """A page statement cached per actor: keyed like the visibility it holds (the
        metadata version, which role, department and membership changes bump; the
        actor's roles and admin flag as this context has them; the clock the grants'
        expiry reads; the UTC day a condition scope's relative dates were computed
        for; whether a live grant reaches the actor now, since a page built when none
        does leaves the grants out), plus ``shape``."""
        return self.ctx.decisions.get_or_build(
            self._statement_key((self.holds_grants(), shape)), build)

    def _statement_key(self, shape: Hashable) -> tuple[Any, ...]:
        """The key of a statement holding the actor's visibility, under ``shape``."""
        actor, now = self.ctx.actor, self.ctx.now()
        day = (now if now.tzinfo else now.replace(tzinfo=dt.UTC)).astimezone(dt.UTC).date()
        return self._actor_key("page", self._clock_key(), actor.roles, actor.is_admin,
                               actor.is_system, day, shape)

    def scope_clause(self, role: str, scope: Any) -> sa.ColumnElement[bool]:
        """The rows one role's data scope shows, on its own (explain asks per role)."""
        table = self.model.table
        if scope in ("own", "team"):
            owners = self._owners(scope)
            return table.c.owner.in_(owners) if owners else sa.false()
        node = self._scope_condition(role, scope)
        return sa.false() if node is None else to_sql(node, table, now=self.ctx.now())

    def shared(self) -> sa.ColumnElement[bool]:
        """Rows distributed to the actor (or to their department or one above it).

        One sub-select per grantee kind, so each walks the grantee index to the few
        grants that reach the actor instead of scanning every grant on the object.
        """
        return self.ctx.decisions.get_or_build(self._actor_key("shared", self._clock_key()),
                                             self._shared)

    # -- grants and per-row access ---------------------------------------------------
    def live_grants(self, record_id: uuid.UUID) -> list[dict[str, Any]]:
        """The live grants on one row that reach the actor (for explain)."""
        rows = self.ctx.conn.execute(
            sa.select(record_grants.c.id, record_grants.c.grantee_kind,
                      record_grants.c.grantee, record_grants.c.field_groups,
                      record_grants.c.via)
            .where(record_grants.c.record_id == record_id, *self._live_grants())
            .order_by(record_grants.c.id))
        return [dict(row._mapping) for row in rows]

    def distribution(self, record_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, dict[str, str]]:
        """The actor's distribution levels for each of these rows that has any."""
        if self.decisions.unrestricted or not record_ids:
            return {}
        found: dict[uuid.UUID, list[Mapping[str, str]]] = {}
        key = self._actor_key("distribution", self._clock_key())
        query = self.ctx.decisions.get_or_build(key, lambda: (
            sa.select(record_grants.c.record_id, record_grants.c.field_groups)
            .where(self._among(record_grants.c.record_id, "record_ids"),
                   *self._live_grants())))
        rows = self.ctx.conn.execute(query, {"record_ids": list(record_ids)})
        for record_id, levels in rows:
            found.setdefault(record_id, []).append(levels or {})
        return {rid: merge_levels(levels) for rid, levels in found.items()}

    def holds_grants(self) -> bool:
        """Whether any live grant on this object reaches the actor: when none does, a
        page needs no grants arm and no field is hidden on a row by a grant. Read from
        the database once per ``Visibility`` (one request's guard), never cached across
        requests (grants change at any time); True for an unrestricted actor (nothing
        to leave out). The statement is cached per actor, its answer is not.

        Asked on SQLite only, where the read is an in-process call, run on the DBAPI
        connection itself (``QuickRead``: 5 microseconds, not 80 through SQLAlchemy):
        on PostgreSQL the round trip costs a restricted page holding grants more
        (`bench/permissions.py`: CPU ratios 1.22 -> 1.39 at 1M rows) than leaving the
        grants arm in saves a page without (True there: every page is built as for an
        actor holding grants)."""
        if self.decisions.unrestricted or self.ctx.conn.dialect.name == "postgresql":
            return True
        if self._holds is None:
            read = self.ctx.decisions.get_or_build(
                self._actor_key("holds_grants", self._clock_key()), self._build_holds)
            self._holds = read is not None and read.first(self.ctx.conn) is not None
        return self._holds

    def live_grant_terms(self) -> list[sa.ColumnElement[bool]]:
        """Conditions on ``record_grants`` for this object's live grants reaching the
        actor (``effective`` correlates them with a row to decide a field there)."""
        return self._live_grants()

    def maps(self, rows: Sequence[Mapping[Any, Any]]) -> list[AccessMap]:
        """The access map of each row, for a page of rows (one grants query)."""
        decisions = self.decisions
        if decisions.unrestricted:
            return [decisions.everything] * len(rows)
        if rows and GRANT_LEVELS in rows[0]:  # a page: its query brought the grants
            # each row's grants as the JSON text the query returned: a page has a few
            # patterns, and each pattern's access map is cached for the actor's roles
            tokens: list[Hashable] = [row[GRANT_LEVELS] for row in rows]
            levels_of: Callable[[Any], dict[str, str] | None] = _parsed_levels
        else:
            dist = self.distribution([row["id"] for row in rows])
            tokens = [None if (found := dist.get(row["id"])) is None
                      else tuple(sorted(found.items())) for row in rows]
            levels_of = _levels_of
        masks = pool_masks(self.ctx, self.model)  # a pool's fields, until claimed
        pooled = pooled_rows(self.ctx, self.model, sorted(masks),
                             [row["id"] for row in rows]) if masks else {}
        pools = [pooled.get(row["id"]) for row in rows] if pooled else [None] * len(rows)
        by_levels: dict[tuple[Hashable, str | None], AccessMap] = {}
        ctx = self.ctx
        cached = ("access_at", ctx.tenant.id, ctx.tenant.meta_version, self.model.api_name,
                  roles_key(ctx.actor.roles))
        maps = []
        for token, pool in zip(tokens, pools, strict=True):
            access = by_levels.get((token, pool))
            if access is None:
                # the map at the levels ``token`` was read from, per metadata version,
                # object and roles: parsed and decided once, not per page
                access = decisions.base if token is None else ctx.decisions.get_or_build(
                    (*cached, token), partial(_decided, decisions, levels_of, token))
                if pool is not None:
                    levels = levels_of(token)
                    access = pooled_access(ctx, self.model, access, None if levels is None
                                           else dist_key(decisions.rules.shape, levels),
                                           masks[pool])
                by_levels[(token, pool)] = access
            maps.append(access)
        return maps

    def load(self, record_id: Any, *,
             include_deleted: bool = False) -> tuple[dict[str, Any], AccessMap]:
        """One row the actor may see (403/404 otherwise) and its access map."""
        visible = self.visible()
        # keyed without ``holds_grants``: a row's visibility keeps its grants arm
        query = self.ctx.decisions.get_or_build(
            self._statement_key(("row",)), lambda: row_query(self.model, visible))
        row = load_row(self.ctx, self.model, record_id, include_deleted=include_deleted,
                       visible=visible, query=query)
        return row, self.maps([row])[0]

    # -- building blocks -------------------------------------------------------------
    def _actor_key(self, kind: str, *rest: Any) -> tuple[Any, ...]:
        """Cache key of SQL built for this actor on this object: clauses are immutable,
        so a request reuses them (and their memoized cache keys) instead of building
        them again."""
        ctx, actor = self.ctx, self.ctx.actor
        return (kind, ctx.tenant.id, ctx.tenant.meta_version, self.model.api_name,
                ctx.conn.dialect.name, actor.user_id, actor.department, *rest)

    def _grant_levels(self) -> sa.Label[Any]:
        """Per row of a page, the field groups of each live grant reaching the actor
        there (a JSON array; NULL: none), a correlated lookup on the grants'
        record index in the page query itself instead of a second query. Cached per
        actor, like the visibility it goes with."""
        def build() -> sa.Label[Any]:
            g, table = record_grants, self.model.table
            found = _joined_levels(g.c.field_groups, self.ctx.conn.dialect.name)
            return (sa.select(found)
                    .where(g.c.record_id == table.c.id, *self._live_grants())
                    .correlate(table).scalar_subquery().label(GRANT_LEVELS))

        return self.ctx.decisions.get_or_build(
            self._actor_key("grant_levels", self._clock_key()), build)

    def _clock_key(self) -> int:
        """Which clock a cached statement's grant expiry reads (clocks need not be
        hashable; the cached statement holds its clock, so the id stays its own)."""
        return id(self.ctx.clock)

    def _now(self) -> sa.BindParameter[Any]:
        """The current time, read when a (possibly cached) statement executes."""
        return sa.bindparam("now", callable_=self.ctx.clock, unique=True,
                            type_=record_grants.c.expires_at.type)

    def _owner_terms(self, kinds: frozenset[str]) -> list[sa.ColumnElement[bool]]:
        """The owner alternatives of the actor's "own"/"team" scopes, cached per actor."""
        def build() -> list[sa.ColumnElement[bool]]:
            owners: set[uuid.UUID] = set()
            for kind in kinds:
                owners.update(self._owners(kind))
            return self._owner_alternatives(owners)

        return self.ctx.decisions.get_or_build(self._actor_key("owners", kinds), build)

    def _owners(self, scope: str) -> tuple[uuid.UUID, ...]:
        """The owners whose rows an "own" or "team" scope shows."""
        actor = self.ctx.actor
        mine = (actor.user_id,) if actor.user_id else ()
        if scope == "own":
            return mine
        return (*mine, *team_members(self.ctx, actor.department))

    def _owner_alternatives(self, owners: set[uuid.UUID]) -> list[sa.ColumnElement[bool]]:
        """``owner = :id`` per owner while walking each owner's index range costs less
        than scanning in sort order until the page is full: with the tenant's rows spread
        over U users, n rows of k owners cost k * n index entries one way and n * U / k
        rows the other, so per owner while k * k <= U (bounded, to keep the SQL small)."""
        owner = self.model.table.c.owner
        if not owners:
            return []
        ordered = sorted(owners)
        if len(ordered) == 1:
            return [owner == ordered[0]]
        if len(ordered) <= MAX_OWNER_ALTERNATIVES \
                and len(ordered) ** 2 <= tenant_user_count(self.ctx):
            return [owner == one for one in ordered]
        if self.ctx.conn.dialect.name == "postgresql":
            # one constant array in the SQL text (the statement is cached per actor):
            # PostgreSQL tests a constant ``= ANY`` by hashing it, where a parameter
            # (which psycopg would also dump owner by owner at every execution) is
            # searched linearly for each row the scan walks
            return [owner == sa.any_(_uuid_array(ordered))]
        # SQLite: one JSON array of the stored (hex) ids, not one parameter per owner
        # (each UUID parameter is converted at every execution: 0.2 ms for 115 owners)
        listed = sa.func.json_each(sa.literal(json.dumps([one.hex for one in ordered]),
                                              sa.String)).table_valued("value")
        return [pagination.unindexed(owner, self.ctx.conn.dialect.name)
                .in_(sa.select(listed.c.value))]

    def _scope_condition(self, role: str, scope: Any) -> Node | None:
        """A condition scope, parsed once per version; one that no longer fits the object
        (a field removed since) matches nothing rather than everything."""
        key = ("scope", self.ctx.tenant.id, self.ctx.tenant.meta_version,
               self.model.api_name, role)

        def build() -> Node | None:
            try:
                return parse_condition(scope, self.model.field_definition,
                                       object_name=self.model.api_name)
            except Invalid:
                return None

        return self.ctx.decisions.get_or_build(key, build)

    def _grant_terms(self) -> GrantTerms:
        """The conditions on ``record_grants`` that reach the actor, built once per actor
        and clock: a page's statement uses them in several places (the grants arm, each
        row's levels), and the same clause objects compile to the same parameters, so
        the statement carries each value once (13 parameters instead of 21). The object
        and the grantee kinds are the same for every actor: written into the SQL text,
        not bound (``query.constants``)."""
        def build() -> GrantTerms:
            actor, g = self.ctx.actor, record_grants
            base = (g.c.tenant_id == self.ctx.tenant.id,
                    g.c.object == sql_name(self.model.api_name), *live(self._now()))
            mine = sa.and_(g.c.grantee_kind == sql_name("user"),
                           g.c.grantee == str(actor.user_id)) if actor.user_id else None
            departments = _fixed(department_tree(self.ctx).ancestors(actor.department),
                                 g.c.grantee.type)
            above = sa.and_(g.c.grantee_kind == sql_name("department"),
                            g.c.grantee.in_(departments)) if departments else None
            return GrantTerms(base, mine, above, tuple(departments))

        return self.ctx.decisions.get_or_build(
            self._actor_key("grant_terms", self._clock_key()), build)

    def _grantee(self) -> sa.ColumnElement[bool]:
        """Grants given to the actor or to their department or one above it."""
        terms = self._grant_terms()
        found = [term for term in (terms.mine, terms.above) if term is not None]
        if not found:
            return sa.false()
        return found[0] if len(found) == 1 else sa.or_(*found)

    def _live_grants(self) -> list[sa.ColumnElement[bool]]:
        """Conditions on ``record_grants`` for this object's live grants reaching the actor."""
        return [*self._grant_terms().base, self._grantee()]

    def _shared(self) -> sa.ColumnElement[bool]:
        """Builds :meth:`shared` (cached by it)."""
        found = self._shared_ids()
        if found is None:
            return sa.false()
        if self.ctx.conn.dialect.name == "postgresql":
            # the ids as one array, computed once before the row scan: ``id = ANY`` of
            # it walks the id index in order and stops at a page, for any number of
            # grants. As ``IN (sub-select)`` a prepared statement's generic plan may
            # instead walk the whole table newest first, testing each row against
            # every grant (13 ms against 0.2 ms for 66 grants over 100,000 rows).
            return self.model.table.c.id == sa.any_(_array_of(found))
        return self.model.table.c.id.in_(found)

    def _shared_ids(self) -> sa.Select[Any] | sa.CompoundSelect | None:
        """The ids of the rows distributed to the actor, read from the grants alone (the
        grantee index covers it); None when no grant can reach them. Cached per actor."""
        return self.ctx.decisions.get_or_build(
            self._actor_key("shared_ids", self._clock_key()), self._build_shared_ids)

    def _build_shared_ids(self) -> sa.Select[Any] | sa.CompoundSelect | None:
        g, terms = record_grants, self._grant_terms()
        selects = [sa.select(g.c.record_id).where(term, *terms.base)
                   for term in (terms.mine, terms.above) if term is not None]
        if not selects:
            return None
        return selects[0] if len(selects) == 1 else sa.union_all(*selects)

    def _build_holds(self) -> QuickRead | None:
        """Builds the read of :meth:`holds_grants` (one row: a grant reaches the actor),
        walking the grantee index; None when no grant can reach them."""
        ids = self._shared_ids()
        if ids is None:
            return None
        found = ids.subquery()
        return QuickRead.of(sa.select(found.c.record_id).limit(1), self.ctx.conn.dialect)

    def _among(self, column: sa.ColumnElement[Any], name: str) -> sa.ColumnElement[bool]:
        """``column IN`` the list passed as ``name`` at execution: one array on
        PostgreSQL (psycopg re-parses a query of more than 50 parameters every time:
        0.97 ms against 1.48 ms for a page of 50 ids), expanded elsewhere."""
        if self.ctx.conn.dialect.name == "postgresql":
            return column == sa.any_(sa.bindparam(name, type_=postgresql.ARRAY(column.type)))
        return column.in_(sa.bindparam(name, expanding=True))


def _joined_levels(field_groups: sa.ColumnElement[Any], dialect: str) -> sa.ColumnElement[Any]:
    """The field groups of a row's grants (an aggregate over ``field_groups``) as one
    JSON array's text (``GRANT_LEVELS``): NULL, not "[]", where none, since most rows
    have no grant to parse; text, since a page's rows share a few patterns, each parsed
    once. Each grant's levels as text, joined: on PostgreSQL no jsonb array built per
    row (8% of a grants-only page's statement), on SQLite the stored texts as they are."""
    if dialect == "postgresql":
        joined: sa.ColumnElement[Any] = sa.func.string_agg(
            sa.cast(field_groups, sa.Text), sa.literal_column("','"), type_=sa.Text)
    else:
        joined = sa.func.group_concat(sa.type_coerce(field_groups, sa.Text),
                                      sa.literal_column("','"), type_=sa.Text)
    found = sa.literal_column("'['", sa.Text) + joined + sa.literal_column("']'", sa.Text)
    return sa.type_coerce(found, sa.Text)


def _only_column(clause: sa.ColumnElement[Any], column: sa.ColumnElement[Any]) -> bool:
    """Whether ``clause`` reads no column but ``column``."""
    found = [element for element in visitors.iterate(clause)
             if isinstance(element, sa.ColumnClause)]
    return bool(found) and all(element is column for element in found)


def _on_column(clause: sa.ColumnElement[Any], column: sa.ColumnElement[Any],
               other: sa.ColumnElement[Any]) -> sa.ColumnElement[Any]:
    """``clause`` said of ``other`` in place of ``column``."""
    def swap(element: Any, **_kw: Any) -> Any:
        return other if element is column else None

    options: dict[str, Any] = {}
    return visitors.replacement_traverse(clause, options, swap)


def _parsed_levels(raw: Any) -> dict[str, str] | None:
    """The merged distribution levels of the live grants reaching the actor on a row,
    from the JSON array of their levels the page query brought (``GRANT_LEVELS``);
    None: no grant reaches them there."""
    if raw is None:
        return None
    grants = json.loads(raw)
    return merge_levels(g or {} for g in grants) if grants else None


def _decided(decisions: Decisions, levels_of: Callable[[Any], dict[str, str] | None],
             token: Hashable) -> AccessMap:
    """The access map at the levels ``token`` holds (``maps`` caches it)."""
    return decisions.access(levels_of(token))


def _levels_of(token: Any) -> dict[str, str] | None:
    """Levels back from their sorted items (``maps`` keys rows by them)."""
    return None if token is None else dict(token)


def _array_of(query: sa.Select[Any] | sa.CompoundSelect) -> sa.ColumnElement[Any]:
    """PostgreSQL's ``ARRAY(sub-select)``: the sub-select's one column as an array."""
    return sa.func.array(query.scalar_subquery(), type_=postgresql.ARRAY(sa.Uuid))


def _uuid_array(values: Sequence[uuid.UUID]) -> sa.ColumnElement[Any]:
    """PostgreSQL's ``'{...}'::uuid[]`` constant of ``values``: each rendered by
    ``uuid.UUID`` itself (hex digits and dashes), so nothing else can reach the SQL."""
    text = ",".join(str(uuid.UUID(str(value))) for value in values)
    return sa.literal_column(f"'{{{text}}}'::uuid[]", type_=postgresql.ARRAY(sa.Uuid))


def _fixed(values: Sequence[Any], type_: Any) -> list[sa.BindParameter[Any]]:
    """An IN list of one parameter per value, for a statement cached per actor: a plain
    list becomes an "expanding" parameter whose SQL is rendered again at every
    execution (0.2 ms a list of 100 owners on SQLite); fixed ones compile once."""
    return [sa.literal(value, type_) for value in values]
