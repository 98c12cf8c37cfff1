"""Marketing consent per record and channel, and the one-click unsubscribe link.

``send_message`` asks :func:`suppression` before a marketing send: an opt-out of the
record on that channel, or of the same address through any record, suppresses it; with
``require_opt_in`` (``OBJECTRY_MESSAGE_CONSENT_REQUIRED``) a marketing send also needs an
opt-in. Transactional messages never ask. Unsubscribe links are signed, never expire
(RFC 8058: the link in an old email must still work) and name the record, channel and
address they stop.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from objectry.metadata.problems import ErrorItem, Forbidden, Invalid, pointer
from objectry.runtime.access.guard import Guard
from objectry.runtime.kernel.context import Context
from objectry.runtime.kernel.keys import Keys
from objectry.runtime.lifecycle import signed
from objectry.runtime.lifecycle.consent_tables import consents
from objectry.runtime.model.compiled import get_model

CHANNELS = ("email", "sms", "wecom")
STATUSES = ("opted_in", "opted_out")
UNSUBSCRIBE_PURPOSE = "unsubscribe-link"


@dataclass(frozen=True)
class Unsubscribe:
    """What an unsubscribe link stops: one record's marketing on one channel."""

    tenant_id: int
    object: str
    record_id: uuid.UUID
    channel: str
    recipient: str


def suppression(ctx: Context, object_name: str, record_id: uuid.UUID | None, channel: str,
                recipient: str, *, require_opt_in: bool = False) -> str | None:
    """Why a marketing message may not go out (a catalog code), or None when it may."""
    matches = [sa.and_(consents.c.recipient == recipient, consents.c.recipient != "")]
    if record_id is not None:
        matches.append(sa.and_(consents.c.object == object_name,
                               consents.c.record_id == record_id))
    rows = ctx.conn.execute(sa.select(consents.c.status, consents.c.object,
                                      consents.c.record_id).where(
        consents.c.tenant_id == ctx.tenant.id, consents.c.channel == channel,
        sa.or_(*matches))).all()
    if any(r.status == "opted_out" for r in rows):
        return "consent_opted_out"
    if require_opt_in and not any(r.status == "opted_in" for r in rows):
        return "consent_missing"
    return None


def record_consent(ctx: Context, object_name: str, record_id: uuid.UUID, channel: str,
                   status: str, *, recipient: str = "", source: str) -> None:
    """Write (or replace) the consent of a record on a channel."""
    key = {"tenant_id": ctx.tenant.id, "object": object_name, "record_id": record_id,
           "channel": channel}
    values = {"status": status, "recipient": recipient[:320], "source": source[:100],
              "updated_at": ctx.now(), "updated_by": ctx.actor.email}
    done = ctx.conn.execute(sa.update(consents).where(
        *(consents.c[k] == v for k, v in key.items())).values(values))
    if done.rowcount == 0:
        ctx.conn.execute(consents.insert(), {**key, **values})


def consent_of(ctx: Context, object_name: str, record_id: Any) -> dict[str, Any]:
    """``GET /records/{o}/{id}/consent``: per channel its status, source and time (no
    row: ``null``); only for a record the caller may read."""
    row, _ = Guard(ctx, get_model(ctx, object_name)).load(record_id)
    return _channels(ctx, object_name, row["id"])


def set_consent(ctx: Context, object_name: str, record_id: Any, body: Any) -> dict[str, Any]:
    """``PUT /records/{o}/{id}/consent`` ``{"email": "opted_out", ...}``: needs the right
    to edit the record; a channel set to null keeps its row (consent proof stays)."""
    guard = Guard(ctx, get_model(ctx, object_name))
    row, access = guard.load(record_id)
    if not isinstance(body, dict):
        raise Invalid([ErrorItem("", "expected_object")])
    errors = [ErrorItem(pointer(k), "unknown_parameter", {"name": k})
              for k in sorted(set(body) - set(CHANNELS))]
    errors += [ErrorItem(pointer(k), "schema_enum", {"allowed": list(STATUSES)})
               for k, v in sorted(body.items()) if k in CHANNELS and v not in STATUSES]
    if errors:
        raise Invalid(errors)
    if not access.can("edit") and not ctx.actor.is_admin:
        raise Forbidden(detail_code="forbidden")
    for channel, status in sorted(body.items()):
        record_consent(ctx, object_name, row["id"], channel, status, source="api")
    return _channels(ctx, object_name, row["id"])


def _channels(ctx: Context, object_name: str, record_id: uuid.UUID) -> dict[str, Any]:
    rows = ctx.conn.execute(sa.select(consents).where(
        consents.c.tenant_id == ctx.tenant.id, consents.c.object == object_name,
        consents.c.record_id == record_id)).mappings()
    found: dict[str, Any] = dict.fromkeys(CHANNELS)
    for row in rows:
        found[row["channel"]] = {"status": row["status"], "source": row["source"],
                                 "updated_at": row["updated_at"].isoformat()}
    return found


# -- the unsubscribe link ----------------------------------------------------------------

def unsubscribe_token(keys: Keys, link: Unsubscribe) -> str:
    return signed.sign(keys.derive(UNSUBSCRIBE_PURPOSE), {
        "t": link.tenant_id, "o": link.object, "r": str(link.record_id), "c": link.channel,
        "a": link.recipient})


def read_unsubscribe_token(keys: Keys, token: str) -> Unsubscribe | None:
    """What a link stops, or None for a token this installation did not sign."""
    payload = signed.unsign(keys.derive(UNSUBSCRIBE_PURPOSE), token)
    if payload is None:
        return None
    try:
        return Unsubscribe(int(payload["t"]), str(payload["o"]), uuid.UUID(payload["r"]),
                           str(payload["c"]), str(payload["a"]))
    except (KeyError, TypeError, ValueError):
        return None


def unsubscribe(ctx: Context, link: Unsubscribe, source: str) -> None:
    """Opt the link's record out of marketing on its channel (idempotent). The record
    may have been deleted since: the address's opt-out still holds."""
    record_consent(ctx, link.object, link.record_id, link.channel, "opted_out",
                   recipient=link.recipient, source=source)


def unsubscribe_path(keys: Keys, tenant_id: int, object_name: str,
                     record_id: uuid.UUID | None, channel: str,
                     recipient: str) -> str | None:
    """``/u/<token>`` for a message to a record; None without a record."""
    if record_id is None:
        return None
    return "/u/" + unsubscribe_token(keys, Unsubscribe(tenant_id, object_name, record_id,
                                                       channel, recipient))

