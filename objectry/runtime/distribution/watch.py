"""Watching (following) a record (seed 004: 关注): who follows it, so they can keep track
of a lead they distributed or were given.

Anyone who may read the record may follow it and stop following it; the answer says
whether the caller follows it and how many do. Rows in ``record_watchers`` (catalog,
migration 0020); following twice is following once.
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from objectry.metadata.problems import ErrorItem, Invalid
from objectry.runtime.access.guard import Guard
from objectry.runtime.distribution.cursor_tables import record_watchers
from objectry.runtime.kernel.context import Context
from objectry.runtime.model.compiled import get_model


def watch_status(ctx: Context, object_name: str, record_id: Any) -> dict[str, Any]:
    """``GET /records/{object}/{id}/watch``: whether the caller follows it, how many do."""
    row = _readable(ctx, object_name, record_id)
    return _status(ctx, object_name, row["id"])


def watch(ctx: Context, object_name: str, record_id: Any, *, on: bool) -> dict[str, Any]:
    """``PUT`` (follow) or ``DELETE`` (stop following) ``/records/{object}/{id}/watch``."""
    row = _readable(ctx, object_name, record_id)
    key = _key(ctx, object_name, row["id"])
    ctx.conn.execute(record_watchers.delete().where(*key))
    if on:
        ctx.conn.execute(record_watchers.insert().values(
            tenant_id=ctx.tenant.id, object=object_name, record_id=row["id"],
            user_id=ctx.actor.user_id, since=ctx.now()))
    return _status(ctx, object_name, row["id"])


def _readable(ctx: Context, object_name: str, record_id: Any) -> dict[str, Any]:
    if ctx.actor.user_id is None:
        raise Invalid([ErrorItem("", "watch_needs_user")])
    row, _ = Guard(ctx, get_model(ctx, object_name)).load(record_id)
    return row


def _key(ctx: Context, object_name: str, record_id: Any) -> list[sa.ColumnElement[bool]]:
    return [record_watchers.c.tenant_id == ctx.tenant.id,
            record_watchers.c.object == object_name,
            record_watchers.c.record_id == record_id,
            record_watchers.c.user_id == ctx.actor.user_id]


def _status(ctx: Context, object_name: str, record_id: Any) -> dict[str, Any]:
    mine, watchers = ctx.conn.execute(
        sa.select(sa.func.count().filter(record_watchers.c.user_id == ctx.actor.user_id),
                  sa.func.count())
        .where(record_watchers.c.tenant_id == ctx.tenant.id,
               record_watchers.c.object == object_name,
               record_watchers.c.record_id == record_id)).one()
    return {"id": str(record_id), "watching": bool(mine), "watchers": int(watchers)}
