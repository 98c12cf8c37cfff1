"""The automation engine wired to a running platform, and its embedded loop.

``objectry serve`` runs the engine in-process on a background thread that ticks every
second by default (no broker, no other service); ``objectry automation tick`` ticks once
at a chosen instant. Both call the same engine functions as a Celery worker would: the
engine's rows, not the process, hold the state.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import logging
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field

import sqlalchemy as sa

from objectry.metadata.i18n import DEFAULT_LANGUAGE
from objectry.platform import tenancy
from objectry.platform.config import Settings
from objectry.platform.services import Services
from objectry.runtime.automation.channels import Channel, Channels, ProviderChannel
from objectry.runtime.automation.engine import TickReport, tick
from objectry.runtime.automation.smtp_channel import EmailChannel, SmtpConfig
from objectry.runtime.automation.steps import Hooks
from objectry.runtime.automation.webhooks import WebhookClient
from objectry.runtime.functions import FunctionSession, RecordValidation
from objectry.runtime.functions.actions import call_function
from objectry.runtime.kernel.context import Actor, Context
from objectry.runtime.lifecycle.hooks import LifecycleHooks

log = logging.getLogger(__name__)


def default_hooks(services: Services) -> Hooks:
    """Extension points as the platform ships them: sandbox functions, signed webhooks
    and the message channels; no code assigners (a step's ``rule`` runs the tenant's
    assignment rule of that name, ``runtime.distribution``)."""
    def run_function(ctx: Context, name: str, record_id: uuid.UUID | None,
                     payload: object) -> object:
        return call_function(ctx, name, record_id, payload)

    webhooks = WebhookClient(allow_private=services.settings.webhook_allow_private)
    return Hooks(call_function=run_function, webhooks=webhooks,
                 channels=default_channels(services.settings))


def default_channels(settings: Settings) -> Channels:
    """Email over SMTP when a host is configured (else to the outbox); SMS and WeCom to
    the outbox until a gateway provider is plugged in here."""
    email: Channel = ProviderChannel()
    if settings.smtp_host:
        email = EmailChannel(SmtpConfig(
            host=settings.smtp_host, port=settings.smtp_port, user=settings.smtp_user,
            password=settings.smtp_password, sender=settings.smtp_from,
            starttls=settings.smtp_starttls))
    return Channels(by_name={"email": email, "sms": ProviderChannel(),
                             "wecom": ProviderChannel()},
                    daily_cap=settings.message_daily_cap,
                    cap_scope=settings.message_cap_scope,
                    consent_required=settings.message_consent_required,
                    public_url=settings.public_url)


@dataclass
class ServicesPlatform:
    """``EnginePlatform`` over ``Services``: its engine, tenant contexts and clock."""

    services: Services
    clock: Callable[[], dt.datetime] | None = None
    hooks: Hooks = field(init=False)

    lease: dt.timedelta = field(init=False)

    def __post_init__(self) -> None:
        self.hooks = default_hooks(self.services)
        self.lease = dt.timedelta(seconds=self.services.settings.automation_lease_seconds)

    def now(self) -> dt.datetime:
        return (self.clock or self.services.clock)()

    def connection(self) -> AbstractContextManager[sa.Connection]:
        return self.services.connection()

    @contextmanager
    def system_context(self, tenant_id: int) -> Iterator[Context]:
        with self.services.for_tenant_id(tenant_id) as ctx:
            if self.clock is not None:
                ctx = dataclasses.replace(ctx, clock=self.clock)
            yield ctx

    @contextmanager
    def unit(self) -> Iterator[PlatformUnit]:
        """One transaction for a batch of engine work, of one tenant or several; the
        function call log is written after it ended, committed or not."""
        unit: PlatformUnit | None = None
        try:
            with self.services.connection() as conn:
                unit = PlatformUnit(conn, self.services, self.clock or self.services.clock)
                yield unit
        finally:
            if unit is not None:
                unit.flush()


@dataclass
class PlatformUnit:
    """System contexts of the tenants a batch touches, all on the batch's connection:
    each tenant is looked up once per transaction, at its current metadata version."""

    conn: sa.Connection
    services: Services
    clock: Callable[[], dt.datetime]
    contexts: dict[int, Context] = field(default_factory=dict)

    def context(self, tenant_id: int) -> Context:
        found = self.contexts.get(tenant_id)
        if found is None:
            assert self.services.functions is not None
            found = Context(tenant=tenancy.tenant_by_id(self.conn, tenant_id),
                            actor=Actor.system(), conn=self.conn, models=self.services.models,
                            keys=self.services.keys,
                            decisions=self.services.decisions, locale=DEFAULT_LANGUAGE,
                            clock=self.clock,
                            record_hooks=RecordValidation(self.services.functions,
                                                          self.services.engine),
                            write_hooks=LifecycleHooks(keep_warnings=False))
            self.contexts[tenant_id] = found
        return found

    def flush(self) -> None:
        for ctx in self.contexts.values():
            if isinstance(ctx.record_hooks, FunctionSession):
                ctx.record_hooks.flush()


def tick_at(services: Services, at: dt.datetime | None = None) -> TickReport:
    """Run everything due by ``at`` (default: now), in order."""
    engine_platform = ServicesPlatform(services, clock=(lambda: at) if at is not None else None)
    return tick(engine_platform)


class EmbeddedLoop:
    """The engine on a daemon thread of the serving process (the embedded mode), ticking
    every ``OBJECTRY_AUTOMATION_TICK_SECONDS``."""

    def __init__(self, services: Services) -> None:
        self._engine_platform = ServicesPlatform(services)
        self._interval = services.settings.automation_tick_seconds
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="objectry-automation",
                                        daemon=True)
        self._owner = f"embedded-{uuid.uuid4().hex[:12]}"

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=10)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                tick(self._engine_platform, self._owner)
            except Exception:  # the loop must outlive one bad tick; the rows keep the work
                log.exception("automation tick failed; retrying in %ss", self._interval)
            self._stop.wait(self._interval)
