"""How long an import keeps the rows of its file.

An import stores every row of its file (``import_rows``) so that a run can resume and
its failed rows can be downloaded with their reasons. A finished run deletes the rows
it wrote at once (``jobs``); the failed rows, and every row of an import that failed or
was never run, are deleted ``KEEP_DAYS`` days after the import finished (or, if it never
ran, was last changed). The import itself (its counts, mapping, status) stays; its error
file is empty from then on (``rows_purged`` in its status says so), and an import never
run fails with ``import_expired``.

The purge runs when a tenant uploads its next import (``service.create``), one
statement for the tenant, so no separate job is needed; ``objectry`` operators may also
call :func:`purge_expired` from their own schedule.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa

from objectry.runtime.kernel.context import Context
from objectry.runtime.lifecycle.imports.tables import import_rows, imports

KEEP_DAYS = 30


def expired_before(ctx: Context) -> dt.datetime:
    return ctx.now() - dt.timedelta(days=KEEP_DAYS)


def purge_expired(ctx: Context) -> int:
    """Delete the stored rows of the tenant's imports past retention; how many went."""
    cutoff = expired_before(ctx)
    stale = list(ctx.conn.execute(sa.select(imports.c.id).where(
        imports.c.tenant_id == ctx.tenant.id, imports.c.status == "previewed",
        imports.c.updated_at < cutoff)).scalars())
    if stale:
        now = ctx.now()
        ctx.conn.execute(imports.update().where(imports.c.id.in_(stale)).values(
            status="failed", finished_at=now, updated_at=now,
            error={"code": "import_expired", "params": {"days": KEEP_DAYS}}))
    expired = sa.select(imports.c.id).where(
        imports.c.tenant_id == ctx.tenant.id, imports.c.status.in_(("done", "failed")),
        sa.or_(imports.c.finished_at < cutoff, imports.c.id.in_(stale)))
    return ctx.conn.execute(import_rows.delete().where(
        import_rows.c.import_id.in_(expired))).rowcount or 0


def purged(ctx: Context, found: Mapping[str, Any]) -> bool:
    """Whether an import's rows are past retention (gone, or about to go)."""
    finished = found["finished_at"]
    return (finished is not None and finished < expired_before(ctx)) or (
        (found["error"] or {}).get("code") == "import_expired")
