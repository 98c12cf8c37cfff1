"""The frequency cap: marketing messages per recipient, per channel, per UTC day.

A day is the UTC calendar day of the context clock (a moved clock moves it too), and a
message counts on the day it was sent or handed to an outbox; failed and capped ones do
not, and transactional messages (``marketing: false``) are neither counted nor capped.

Two runs sending to the same recipient at once must not both see "2 so far": on
PostgreSQL the check takes a transaction-scoped advisory lock on (tenant, channel,
recipient); SQLite transactions already write one at a time.
"""

from __future__ import annotations

import datetime as dt
import hashlib

import sqlalchemy as sa

from objectry.runtime.automation.message_tables import messages
from objectry.runtime.kernel.context import Context

COUNTED = ("sent", "outbox")


def day_bounds(instant: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    """The UTC day holding ``instant``: [midnight, next midnight)."""
    start = instant.astimezone(dt.UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return start, start + dt.timedelta(days=1)


def sent_today(ctx: Context, channel: str, recipient: str) -> int:
    start, end = day_bounds(ctx.now())
    return int(ctx.conn.execute(sa.select(sa.func.count()).select_from(messages).where(
        messages.c.tenant_id == ctx.tenant.id, messages.c.channel == channel,
        messages.c.recipient == recipient, messages.c.sent_at >= start,
        messages.c.sent_at < end, messages.c.marketing.is_(True),
        messages.c.status.in_(COUNTED))).scalar() or 0)


def is_capped(ctx: Context, channel: str, recipient: str, cap: int) -> bool:
    """Whether one more marketing message today would exceed the cap (held until the
    caller's transaction ends, so the message it then records is counted by the next)."""
    if ctx.conn.dialect.name == "postgresql":
        ctx.conn.execute(sa.select(sa.func.pg_advisory_xact_lock(
            _lock_key(ctx.tenant.id, channel, recipient))))
    return sent_today(ctx, channel, recipient) >= cap


def _lock_key(tenant_id: int, channel: str, recipient: str) -> int:
    """A signed 64-bit key for the advisory lock of one recipient on one channel."""
    digest = hashlib.blake2b(f"{tenant_id}:{channel}:{recipient}".encode(),
                             digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)
