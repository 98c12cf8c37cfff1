"""Platform notices to users by email, recorded with the messages (``GET /messages``):
pool warnings to holders, a record taken back into a pool, news of a followed record
to its followers.

A notice is a message row like a workflow's, keyed for idempotency, so a notice that
was already recorded is not sent again; a failed send stays visible as ``failed``
(never raised: a notice never undoes the change it tells about).
"""

from __future__ import annotations

import functools
import uuid
from collections.abc import Mapping, Sequence
from typing import Any

from objectry.runtime.automation import messages
from objectry.runtime.automation.channel_settings import read_settings
from objectry.runtime.automation.channels import Channels, OutgoingMessage
from objectry.runtime.distribution import watch_news
from objectry.runtime.kernel.context import Context


def send_notice(ctx: Context, channels: Channels, *, object_name: str,
                record_id: uuid.UUID, email: str, subject: str, body: str, locale: str,
                key: str) -> None:
    """Email ``body`` to ``email`` once per ``key``, recorded as a message row."""
    if messages.find_by_key(ctx, key) is not None:
        return
    message_id = messages.new_id(ctx)
    values: dict[str, Any] = {
        "object": object_name, "record_id": record_id, "channel": "email",
        "recipient": email, "template": None, "subject": subject, "body": body,
        "locale": locale, "marketing": False, "idempotency_key": key}
    try:
        delivery = channels.get("email").send(ctx, OutgoingMessage(
            str(message_id), "email", email, subject, body, locale, key))
        values.update(status=delivery.status, provider_ref=delivery.provider_ref,
                      sent_at=ctx.now())
    except Exception as exc:  # a provider is third-party code: a failed send stays visible
        values.update(status="failed", error={"code": getattr(exc, "code", "send_failed"),
                                              "params": {}})
    messages.save(ctx, None, values, message_id)


def tell_followers(ctx: Context, channels: Channels,
                   events: Sequence[Mapping[str, Any]]) -> int:
    """Tell the followers of the records of one tenant's events what changed
    (``distribution.watch_news`` decides who hears what); how many notices."""
    @functools.cache
    def tenant_locale() -> str:
        return str(read_settings(ctx, channels.daily_cap)["default_locale"])

    found = watch_news.notices(ctx, events, tenant_locale)
    for notice in found:
        send_notice(ctx, channels, object_name=notice.object, record_id=notice.record_id,
                    email=notice.email, subject=notice.subject, body=notice.body,
                    locale=notice.locale, key=notice.key)
    return len(found)
