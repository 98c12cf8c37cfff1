"""Actors from the user table: who a run-as user or an explained user is."""

from __future__ import annotations

import uuid

import sqlalchemy as sa

from objectry.metadata.catalog_tables import users
from objectry.runtime.kernel.context import Actor


def actor_for(conn: sa.Connection, tenant_id: int, *, email: str | None = None,
              user_id: uuid.UUID | None = None) -> Actor | None:
    """The active user of this tenant with that email or id, as an ``Actor``; else None."""
    query = sa.select(users.c.id, users.c.email, users.c.is_admin, users.c.roles,
                      users.c.department).where(users.c.tenant_id == tenant_id,
                                                users.c.active.is_(True))
    if email is not None:
        query = query.where(users.c.email == email.strip().lower())
    elif user_id is not None:
        query = query.where(users.c.id == user_id)
    else:
        return None
    row = conn.execute(query).first()
    if row is None:
        return None
    return Actor(user_id=uuid.UUID(str(row.id)), email=row.email, is_admin=bool(row.is_admin),
                 roles=tuple(row.roles or ()), department=row.department)
