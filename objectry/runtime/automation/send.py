"""The ``send_message`` step: render, check the cap, send, and record the message.

A failed send must stay visible (``GET /messages`` shows the failed email next to the
SMS that replaced it), but a failing step's writes are rolled back with its savepoint.
So a failure is reported in two moves: this visit records the failed message and
returns normally (``failed``); the engine commits that and comes straight back, and the
next visit raises the recorded ``StepError`` for the step's ``on_failure`` (retry with
backoff, then ``then``). A retry finds the row by its idempotency key (run, step and
visit) and updates it; a visit whose message already went out sends nothing again.

A marketing send first asks consent (an opt-out of the record on the channel, or of the
address, records the message as ``suppressed`` with the reason; so does a missing opt-in
when the tenant's settings require one), then the daily cap
(``capped``, see ``frequency``); a marketing email that goes out carries a one-click
unsubscribe link in its body and the RFC 8058 ``List-Unsubscribe`` headers.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from objectry.metadata.i18n import LANGUAGES, message, pick
from objectry.runtime.automation import messages as store
from objectry.runtime.automation.channel_settings import read_settings
from objectry.runtime.automation.channels import (
    Channel,
    ChannelError,
    Channels,
    Delivery,
    OutgoingMessage,
    normalize_recipient,
)
from objectry.runtime.automation.errors import StepError
from objectry.runtime.automation.frequency import is_capped
from objectry.runtime.automation.run_tables import run_steps
from objectry.runtime.automation.templates import (
    has_placeholders,
    record_fields,
    render,
    step_recipient_fields,
)
from objectry.runtime.kernel.context import Context
from objectry.runtime.lifecycle.consent import suppression, unsubscribe_path

LOCALE_FIELDS = ("locale", "language")


@dataclass(frozen=True)
class SendRequest:
    ctx: Context
    channels: Channels
    object: str
    record_id: uuid.UUID | None
    step: Mapping[str, Any]
    #: The run's template scope (record, trigger, now), read when needed.
    scope: Callable[[], dict[str, Any]]
    run_id: uuid.UUID | None
    workflow: str
    attempt: int
    wait_state: Mapping[str, Any] | None


@dataclass(frozen=True)
class SendResult:
    output: dict[str, Any]
    #: Set when the send failed: the state that makes the next visit raise it.
    failed: dict[str, Any] | None = None


def send_message(request: SendRequest) -> SendResult:
    ctx, step, state = request.ctx, request.step, request.wait_state or {}
    if state.get("failed") and state.get("attempt") == request.attempt:
        raise StepError(state["failed"]["code"], **state["failed"]["params"])
    key = idempotency_key(ctx, request.run_id, step["id"])
    existing = store.find_by_key(ctx, key)
    if existing is not None and existing["status"] in store.SETTLED:
        return SendResult(_summary(existing["id"], existing["status"], existing["channel"],
                                   existing["recipient"], repeated=True))
    scope = request.scope()
    settings = read_settings(ctx, request.channels.daily_cap,
                             request.channels.consent_required)
    locale = choose_locale(step, scope["record"], settings["default_locale"])
    marketing = step.get("marketing", True) is not False
    values: dict[str, Any] = {
        "object": request.object, "record_id": request.record_id, "channel": step["channel"],
        "recipient": "", "template": dict(step["template"]), "subject": None, "body": "",
        "locale": locale, "marketing": marketing, "workflow": request.workflow,
        "run_id": request.run_id, "step": step["id"], "idempotency_key": key,
        "rendered_fields": rendered_fields(step)}
    try:
        subject, body = _render_template(step, scope, locale)
        values.update(subject=subject, body=body)
        values["recipient"] = normalize_recipient(step["channel"], _recipient(step, scope))
        channels = request.channels
        channel = channels.get(step["channel"])
        if marketing:
            reason = suppression(ctx, request.object, request.record_id, step["channel"],
                                 values["recipient"],
                                 require_opt_in=settings["consent_required"])
            if reason is not None:
                return _suppressed(ctx, existing, values, reason)
            if is_capped(ctx, step["channel"], values["recipient"],
                         settings["marketing_daily_cap"], object_name=request.object,
                         record_id=request.record_id, scope=channels.cap_scope):
                return _capped(ctx, existing, values, settings["marketing_daily_cap"],
                               channels.cap_scope)
        message_id = existing["id"] if existing else store.new_id(ctx)
        body, headers = _with_unsubscribe(request, values, body)
        outgoing = OutgoingMessage(str(message_id), step["channel"], values["recipient"],
                                   subject, body, locale, key, headers)
        delivery = _deliver(ctx, channel, outgoing)
    except (ChannelError, StepError) as exc:
        return _failed(ctx, existing, values, exc, request.attempt)
    store.save(ctx, existing, {**values, "status": delivery.status,
                               "provider_ref": delivery.provider_ref, "error": None,
                               "sent_at": ctx.now()}, message_id)
    return SendResult(_summary(message_id, delivery.status, step["channel"],
                               values["recipient"]))


def rendered_fields(step: Mapping[str, Any]) -> dict[str, list[str]]:
    """The record fields each part of the step's message reads (every language)."""
    template = step["template"]
    return {"subject": sorted(record_fields(template.get("subject"))),
            "body": sorted(record_fields(template["body"])),
            "to": sorted(step_recipient_fields(step["to"]))}


def _deliver(ctx: Context, channel: Channel, message: OutgoingMessage) -> Delivery:
    """The channel's delivery; a plugged-in provider's unexpected error is a failed send
    like any other (recorded, retried, fallen back from), not a crashed step."""
    try:
        return channel.send(ctx, message)
    except ChannelError:
        raise
    except Exception as exc:  # a provider is third-party code
        raise ChannelError("message_provider_failed", channel=message.channel,
                           reason=f"{type(exc).__name__}: {exc}"[:200]) from exc


def idempotency_key(ctx: Context, run_id: uuid.UUID | None, step_id: str) -> str:
    """``run:step:visit``; a visit is one pass of the run through the step, its retries
    included (a workflow that loops back sends again, a retry does not add a visit)."""
    visits = ctx.conn.execute(sa.select(sa.func.count()).select_from(run_steps).where(
        run_steps.c.tenant_id == ctx.tenant.id, run_steps.c.run_id == run_id,
        run_steps.c.step == step_id,
        run_steps.c.outcome.in_(("done", "failed")))).scalar() or 0
    return f"{run_id}:{step_id}:{visits}"


def choose_locale(step: Mapping[str, Any], record: Mapping[str, Any], default: str) -> str:
    """The step's language, else the record's ``locale``/``language``, else the tenant's."""
    if step.get("locale") in LANGUAGES:
        return str(step["locale"])
    for name in LOCALE_FIELDS:
        value = str(record.get(name) or "").strip().lower()
        if value.startswith("zh"):
            return "zh-CN"
        if value.startswith("en"):
            return "en"
    return default


def _render_template(step: Mapping[str, Any], scope: Mapping[str, Any],
                     locale: str) -> tuple[str | None, str]:
    template = step["template"]
    subject = None
    if "subject" in template:
        subject = _as_text(render(pick(template["subject"], locale), scope))
    return subject, _as_text(render(pick(template["body"], locale), scope))


def _recipient(step: Mapping[str, Any], scope: Mapping[str, Any]) -> Any:
    """``to`` is a template (``{{record.email}}``) or the name of a field of the record."""
    to = step["to"]
    if has_placeholders(to):
        return render(to, scope)
    return scope["record"].get(to)


def _as_text(value: Any) -> str:
    return "" if value is None else str(value)


def _with_unsubscribe(request: SendRequest, values: Mapping[str, Any],
                      body: str) -> tuple[str, dict[str, str]]:
    """A marketing email's body with its unsubscribe link, and its RFC 8058 headers
    (the stored message keeps the body without the link: the token is the contact's)."""
    base = request.channels.public_url.rstrip("/")
    if not values["marketing"] or values["channel"] != "email" or not base:
        return body, {}
    ctx = request.ctx
    path = unsubscribe_path(ctx.keys, ctx.tenant.id, request.object, request.record_id,
                            "email", values["recipient"])
    if path is None:
        return body, {}
    url = base + path
    line = message("message_unsubscribe_line", values["locale"], {"url": url})
    return (f"{body}\n\n--\n{line}\n",
            {"List-Unsubscribe": f"<{url}>",
             "List-Unsubscribe-Post": "List-Unsubscribe=One-Click"})


def _suppressed(ctx: Context, existing: Mapping[str, Any] | None, values: dict[str, Any],
                reason: str) -> SendResult:
    error = {"code": reason, "params": {"channel": values["channel"]}}
    message_id = store.save(ctx, existing, {**values, "status": "suppressed", "error": error})
    return SendResult({**_summary(message_id, "suppressed", values["channel"],
                                  values["recipient"]), "reason": reason})


def _capped(ctx: Context, existing: Mapping[str, Any] | None, values: dict[str, Any],
            cap: int, scope: str) -> SendResult:
    error = {"code": "message_capped" if scope == "channel" else "message_capped_recipient",
             "params": {"cap": cap, "channel": values["channel"]}}
    message_id = store.save(ctx, existing, {**values, "status": "capped", "error": error})
    return SendResult({**_summary(message_id, "capped", values["channel"],
                                  values["recipient"]), "cap": cap})


def _failed(ctx: Context, existing: Mapping[str, Any] | None, values: dict[str, Any],
            exc: ChannelError | StepError, attempt: int) -> SendResult:
    error = {"code": exc.code, "params": {k: _plain(v) for k, v in exc.params.items()}}
    message_id = store.save(ctx, existing, {**values, "status": "failed", "error": error})
    summary = {**_summary(message_id, "failed", values["channel"], values["recipient"]),
               "error": error}
    return SendResult(summary, failed={"message": str(message_id), "attempt": attempt,
                                       "failed": error})


def _summary(message_id: Any, status: str, channel: str, recipient: str,
             repeated: bool = False) -> dict[str, Any]:
    summary = {"message": str(message_id), "status": status, "channel": channel,
               "to": recipient}
    return {**summary, "repeated": True} if repeated else summary


def _plain(value: Any) -> Any:
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return str(value)
