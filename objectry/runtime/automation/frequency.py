"""The frequency cap: marketing messages per recipient, per UTC day.

By default (scope ``recipient``) the cap counts ACROSS channels: every marketing message
to the same record (whatever the channel) and every one to the same address on this
channel count together, so 3 emails + 3 SMS + 3 WeCom to one contact make 3 sent and 6
``capped`` (seed 001: no more than three marketing messages a day). Scope ``channel``
(``OBJECTRY_MESSAGE_CAP_SCOPE=channel``) counts per channel and address, as before.

A day is the UTC calendar day of the context clock (a moved clock moves it too), and a
message counts on the day it was sent or handed to an outbox; failed, capped and
suppressed ones do not, and transactional messages (``marketing: false``) are neither
counted nor capped. A capped message is not sent later: it is recorded, with the cap,
and the run goes on.

Two runs sending to the same recipient at once must not both see "2 so far": on
PostgreSQL the check takes transaction-scoped advisory locks on (tenant, record) and
(tenant, channel, recipient), in key order; SQLite transactions write one at a time.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid

import sqlalchemy as sa

from objectry.runtime.automation.message_tables import messages
from objectry.runtime.kernel.context import Context

COUNTED = ("sent", "outbox")
SCOPES = ("recipient", "channel")


def day_bounds(instant: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    """The UTC day holding ``instant``: [midnight, next midnight)."""
    start = instant.astimezone(dt.UTC).replace(hour=0, minute=0, second=0, microsecond=0)
    return start, start + dt.timedelta(days=1)


def sent_today(ctx: Context, channel: str, recipient: str, *, object_name: str = "",
               record_id: uuid.UUID | None = None, scope: str = "channel") -> int:
    """Marketing messages counted today: to the address on the channel, and with scope
    ``recipient`` also to the record on any channel."""
    start, end = day_bounds(ctx.now())
    whom = sa.and_(messages.c.channel == channel, messages.c.recipient == recipient)
    if scope == "recipient" and record_id is not None:
        whom = sa.or_(whom, sa.and_(messages.c.object == object_name,
                                    messages.c.record_id == record_id))
    return int(ctx.conn.execute(sa.select(sa.func.count()).select_from(messages).where(
        messages.c.tenant_id == ctx.tenant.id, whom, messages.c.sent_at >= start,
        messages.c.sent_at < end, messages.c.marketing.is_(True),
        messages.c.status.in_(COUNTED))).scalar() or 0)


def is_capped(ctx: Context, channel: str, recipient: str, cap: int, *,
              object_name: str = "", record_id: uuid.UUID | None = None,
              scope: str = "channel") -> bool:
    """Whether one more marketing message today would exceed the cap (held until the
    caller's transaction ends, so the message it then records is counted by the next)."""
    if ctx.conn.dialect.name == "postgresql":
        keys = {_lock_key(f"{ctx.tenant.id}:{channel}:{recipient}")}
        if scope == "recipient" and record_id is not None:
            keys.add(_lock_key(f"{ctx.tenant.id}:{object_name}:{record_id}"))
        for key in sorted(keys):
            ctx.conn.execute(sa.select(sa.func.pg_advisory_xact_lock(key)))
    return sent_today(ctx, channel, recipient, object_name=object_name,
                      record_id=record_id, scope=scope) >= cap


def _lock_key(text: str) -> int:
    """A signed 64-bit key for the advisory lock of one recipient."""
    digest = hashlib.blake2b(text.encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)
