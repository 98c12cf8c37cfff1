"""Fields a lead pool (公海) masks on its unclaimed records, decided with the rest of access.

A pool names ``masked_fields``: while a record is pooled (nobody has claimed it), every
actor but the pool's admins (and tenant admins and the platform, who are unrestricted)
sees those fields masked on every path. The records' presentation masks them on the row
(as it masks a sensitive field), and filters, sorts, aggregates and formulas treat them
as unreadable on that row (tested as empty, sorted as NULL), so no query recovers the
value. Once claimed, the normal rules apply. The pool's place table lives here, below
the distribution engine that moves records in and out of pools, so access can read it.
"""

from __future__ import annotations

import uuid
from collections.abc import Hashable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from objectry.metadata import store
from objectry.metadata.catalog_tables import CATALOG
from objectry.metadata.fieldtypes.sqltypes import UTCDateTime
from objectry.permissions.access import AccessMap
from objectry.runtime.access.decisions import department_tree
from objectry.runtime.kernel.context import Context
from objectry.runtime.model.compiled import ObjectModel

#: A record's place in a pool: ``pooled`` (nobody owns it, members may claim it) or
#: ``claimed`` (its holder owns it until they return it or it is reclaimed). The
#: reclaim timer is this row: ``due_at`` (reclaim) and ``warn_at`` (warn the holder),
#: swept by the automation engine; a claim is a conditional update of ``state``, so of
#: concurrent claims exactly one wins.
pool_entries = sa.Table(
    "pool_entries", CATALOG,
    sa.Column("tenant_id", sa.Integer, sa.ForeignKey("tenants.id"), primary_key=True),
    sa.Column("object", sa.String(63), primary_key=True),
    sa.Column("record_id", sa.Uuid, primary_key=True),
    sa.Column("pool", sa.String(63), nullable=False),
    sa.Column("state", sa.String(10), nullable=False),
    sa.Column("holder", sa.Uuid),
    sa.Column("since", UTCDateTime, nullable=False),
    sa.Column("due_at", UTCDateTime),
    sa.Column("warn_at", UTCDateTime),
    sa.Column("warned_at", UTCDateTime),
    sa.Column("reason", sa.String(500)),
    sa.Index("ix_pool_entries_due", "state", "due_at"),
    sa.Index("ix_pool_entries_warn", "state", "warn_at"),
    sa.Index("ix_pool_entries_pool", "tenant_id", "pool", "state", "holder"),
)

POOLED = "pooled"


@dataclass(frozen=True)
class PooledAccess(AccessMap):
    """The access map of a pooled row: the actor's rights there, and the pool's fields
    they see only masked."""

    pool_masked: frozenset[str] = frozenset()

    def _more_levels(self) -> tuple[Hashable, ...]:
        return (self.pool_masked,)


def pooled_access(ctx: Context, model: ObjectModel, access: AccessMap,
                  levels: Hashable, masked: frozenset[str]) -> PooledAccess:
    """``access`` (the actor's map at distribution ``levels``) with ``masked`` masked:
    one object per (actor, levels, fields) and metadata version, so presentations that
    cache views by map see the same one."""
    actor = ctx.actor
    key = ("pooled_access", ctx.tenant.id, ctx.tenant.meta_version, model.api_name,
           tuple(sorted(actor.roles)), levels, masked)
    return ctx.decisions.get_or_build(key, lambda: PooledAccess(
        actions=access.actions, groups=access.groups, fields=access.fields,
        creatable=access.creatable, pool_masked=masked))


def named(ctx: Context, people: Mapping[str, Any] | None) -> bool:
    """Whether the actor is one of these users, holds one of these roles or works in
    one of these departments (or below)."""
    actor = ctx.actor
    people = people or {}
    if actor.email.lower() in {u.lower() for u in people.get("users", [])}:
        return True
    if set(actor.roles) & set(people.get("roles", [])):
        return True
    tree = department_tree(ctx)
    return any(actor.department in tree.subtree(d) for d in people.get("departments", []))


def pool_admin(ctx: Context, document: Mapping[str, Any]) -> bool:
    """Tenant admins, the platform and the pool's named admins administer a pool."""
    return ctx.actor.is_admin or ctx.actor.is_system or named(ctx, document.get("admins"))


def pool_masks(ctx: Context, model: ObjectModel) -> Mapping[str, frozenset[str]]:
    """Per pool over ``model``, the fields masked for the actor on its pooled records
    (pools the actor administers, or that mask nothing, are left out); once per
    metadata version and actor, as every pool change commits a version."""
    actor = ctx.actor
    if actor.is_admin or actor.is_system:
        return {}
    key = ("pool_masks", ctx.tenant.id, ctx.tenant.meta_version, model.api_name,
           actor.email.lower(), tuple(sorted(actor.roles)), actor.department)

    def build() -> Mapping[str, frozenset[str]]:
        masks = {}
        for name, stored in store.documents(ctx.conn, ctx.tenant.id, "pool").items():
            document = stored.document
            if document.get("object") != model.api_name:
                continue
            fields = frozenset(f for f in document.get("masked_fields", ())
                               if f in model.fields)
            if fields and not pool_admin(ctx, document):
                masks[name] = fields
        return masks

    return ctx.decisions.get_or_build(key, build)


def pooled_rows(ctx: Context, model: ObjectModel, pools: Sequence[str],
                record_ids: Sequence[Any]) -> dict[uuid.UUID, str]:
    """The pool each of these records is pooled in, among ``pools`` (one query)."""
    if not pools or not record_ids:
        return {}
    rows = ctx.conn.execute(sa.select(pool_entries.c.record_id, pool_entries.c.pool).where(
        pool_entries.c.tenant_id == ctx.tenant.id, pool_entries.c.object == model.api_name,
        pool_entries.c.record_id.in_(list(record_ids)), pool_entries.c.state == POOLED,
        pool_entries.c.pool.in_(list(pools))))
    return {r.record_id: r.pool for r in rows}


def pooled_in(ctx: Context, model: ObjectModel, table: sa.FromClause,
              pools: Sequence[str]) -> sa.ColumnElement[bool]:
    """Rows of ``table`` pooled in one of ``pools``, as SQL correlated with it."""
    return sa.exists().where(
        pool_entries.c.tenant_id == ctx.tenant.id, pool_entries.c.object == model.api_name,
        pool_entries.c.record_id == table.c.id, pool_entries.c.state == POOLED,
        pool_entries.c.pool.in_(sorted(pools))).correlate(table)
