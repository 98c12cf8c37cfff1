"""Messages over HTTP: what the channels sent, failed, capped or left in an outbox.

A record's messages are readable by whoever can read the record (the records service
decides: 404 or 403 as for the record itself); the whole tenant's list and the
channel settings are for administrators.
"""

from __future__ import annotations

from flask import Blueprint, Response, request

from objectry.metadata.problems import ErrorItem, Invalid
from objectry.platform.api.common import (
    choice_arg,
    cursor_arg,
    json_body,
    json_response,
    limit_arg,
    require_admin,
    services,
    tenant_context,
)
from objectry.runtime.automation import channel_settings
from objectry.runtime.automation.message_views import record_messages
from objectry.runtime.automation.messages import STATUSES, list_messages

blueprint = Blueprint("messages", __name__, url_prefix="/api/v1")




def _record() -> tuple[str, str] | None:
    raw = request.args.get("record")
    if raw is None:
        return None
    object_name, _, record_id = raw.partition("/")
    if not object_name or not record_id or "/" in record_id:
        raise Invalid([ErrorItem("/record", "invalid_record_ref")])
    return object_name, record_id


@blueprint.get("/messages")
def messages() -> Response:
    """``?record=OBJECT/ID`` (or, for admins, the whole tenant), ``status``, ``limit``,
    ``cursor``: ``{"items", "next_cursor"}``, newest first."""
    limit, status, record = limit_arg(), choice_arg("status", STATUSES), _record()
    cursor = cursor_arg()
    with tenant_context(read_only=True) as ctx:
        if record is None:
            require_admin(ctx)
            page = list_messages(ctx, None, None, status=status, limit=limit, cursor=cursor)
        else:
            page = record_messages(ctx, record[0], record[1], status=status, limit=limit,
                                   cursor=cursor)
    return json_response(page)


@blueprint.get("/messages/settings")
def read_settings() -> Response:
    with tenant_context(read_only=True) as ctx:
        require_admin(ctx)
        settings = services().settings
        found = channel_settings.read_settings(ctx, settings.message_daily_cap,
                                               settings.message_consent_required)
    return json_response(found)


@blueprint.put("/messages/settings")
def write_settings() -> Response:
    """``{"marketing_daily_cap": 3, "default_locale": "zh-CN"}``; null resets a value."""
    body = json_body()
    with tenant_context() as ctx:
        require_admin(ctx)
        settings = services().settings
        found = channel_settings.write_settings(ctx, body, settings.message_daily_cap,
                                                settings.message_consent_required)
    return json_response(found)
