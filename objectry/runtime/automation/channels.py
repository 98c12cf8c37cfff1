"""Channels: how a rendered message leaves the platform.

A ``Channel`` takes one ``OutgoingMessage`` and either delivers it (``sent``), hands it
to an outbox (``outbox``) or raises ``ChannelError``; the ``send_message`` step records
the result in ``messages`` either way. SMS and WeCom go through a pluggable
``Provider``: the platform ships none for a real gateway, so their default provider
leaves the message in the outbox (``GET /messages?status=outbox``), where a gateway
integration picks it up. Email goes over SMTP when a host is configured, else to the
same outbox.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from objectry.runtime.kernel.context import Context

CHANNELS = ("email", "sms", "wecom")
EMAIL = re.compile(r"[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+")
PHONE = re.compile(r"\+?[0-9]{5,20}")
WECOM_ID = re.compile(r"[A-Za-z0-9_.@-]{1,64}")


class ChannelError(Exception):
    """A send that did not happen: catalog code and parameters (the step fails)."""

    def __init__(self, code: str, **params: Any) -> None:
        self.code = code
        self.params = params
        super().__init__(code)


@dataclass(frozen=True)
class OutgoingMessage:
    id: str
    channel: str
    recipient: str
    subject: str | None
    body: str
    locale: str
    #: Stable per (run, step, visit): the email's Message-ID, so a receiver can drop a
    #: copy sent again after a worker died between delivery and commit.
    idempotency_key: str
    #: Extra headers an email carries (``List-Unsubscribe`` on marketing email).
    headers: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Delivery:
    status: str  # "sent" (delivered to the provider) or "outbox" (waiting in the outbox)
    provider_ref: str | None = None


class Channel(Protocol):
    def send(self, ctx: Context, message: OutgoingMessage) -> Delivery: ...


class Provider(Protocol):
    """An SMS or WeCom gateway: delivers or raises ``ChannelError``."""

    def deliver(self, ctx: Context, message: OutgoingMessage) -> Delivery: ...


@dataclass(frozen=True)
class OutboxProvider:
    """The default provider: the message row itself is the outbox (status ``outbox``),
    written in the step's transaction, so it is queued exactly once."""

    def deliver(self, ctx: Context, message: OutgoingMessage) -> Delivery:
        return Delivery("outbox")


@dataclass(frozen=True)
class ProviderChannel:
    """SMS or WeCom over a provider."""

    provider: Provider = field(default_factory=OutboxProvider)

    def send(self, ctx: Context, message: OutgoingMessage) -> Delivery:
        return self.provider.deliver(ctx, message)


@dataclass(frozen=True)
class Channels:
    """The channels a platform offers and its default frequency cap (a platform
    setting, per tenant overridable, see ``frequency``): counted across channels per
    recipient record (``cap_scope="recipient"``) or per channel (``"channel"``).
    ``consent_required``: marketing needs an opt-in, not just no opt-out. ``public_url``:
    where unsubscribe links point (``OBJECTRY_PUBLIC_URL``); empty: no link."""

    daily_cap: int
    cap_scope: str = "recipient"
    consent_required: bool = False
    public_url: str = ""
    by_name: Mapping[str, Channel] = field(default_factory=lambda: {
        "email": ProviderChannel(), "sms": ProviderChannel(), "wecom": ProviderChannel()})

    def get(self, name: str) -> Channel:
        channel = self.by_name.get(name)
        if channel is None:
            raise ChannelError("unknown_channel", channel=name, known=list(self.by_name))
        return channel


def normalize_recipient(channel: str, value: Any) -> str:
    """The address as the channel uses it, or ``ChannelError`` when there is none."""
    text = "" if value is None else str(value).strip()
    if not text:
        raise ChannelError("message_no_recipient", channel=channel)
    if channel == "email":
        if not EMAIL.fullmatch(text):
            raise ChannelError("message_bad_recipient", channel=channel, recipient=text[:100])
        return text.lower()
    if channel == "sms":
        phone = re.sub(r"[\s()\-]", "", text)
        if not PHONE.fullmatch(phone):
            raise ChannelError("message_bad_recipient", channel=channel, recipient=text[:100])
        return phone
    if not WECOM_ID.fullmatch(text):
        raise ChannelError("message_bad_recipient", channel=channel, recipient=text[:100])
    return text
