"""What a running platform holds: the engine, the compiled-model cache, the settings.

One ``Services`` per process (the Flask app or a CLI command owns it, no globals). Each
unit of work gets a fresh ``Context`` inside one transaction: it commits when the block
ends normally and rolls back on any error, so a rejected request changes nothing.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from objectry.metadata.i18n import DEFAULT_LANGUAGE
from objectry.metadata.problems import Unauthorized
from objectry.permissions.access import DecisionCache
from objectry.platform import tenancy
from objectry.platform.config import Settings
from objectry.platform.db import READ_ONLY, engine_for, require_current_schema, upgrade
from objectry.platform.keys import installation_keys
from objectry.platform.token_cache import TokenCache
from objectry.runtime.functions import FunctionConfig, FunctionRuntime, RecordValidation
from objectry.runtime.kernel.caches import ModelCache
from objectry.runtime.kernel.context import Actor, Context, Tenant, utc_now
from objectry.runtime.kernel.keys import Keys
from objectry.runtime.lifecycle.hooks import LifecycleHooks
from objectry.sandbox import PoolConfig

MB = 1024 * 1024


@dataclass
class Services:
    settings: Settings
    engine: sa.Engine
    keys: Keys
    models: ModelCache = field(default_factory=ModelCache)
    decisions: DecisionCache = field(default_factory=DecisionCache)
    clock: Callable[[], dt.datetime] = utc_now
    functions: FunctionRuntime | None = None  # built from the settings when not given
    tokens: TokenCache = field(default_factory=TokenCache)  # actors per token and version

    def __post_init__(self) -> None:
        if self.functions is None:
            self.functions = FunctionRuntime(function_config(self.settings))

    def close(self) -> None:
        """Shut down: stop the function workers, close the database connections."""
        if self.functions is not None:
            self.functions.close()
        self.engine.dispose()

    @classmethod
    def start(cls, settings: Settings, *, migrate: bool = False) -> Services:
        """Connect; with ``migrate``, also bring the catalog schema up to date (``objectry
        serve`` and the benchmarks ask for that; nothing else migrates on its own)."""
        engine = engine_for(settings)
        if migrate:
            upgrade(engine)
        return cls(settings=settings, engine=engine, keys=installation_keys(settings),
                   models=ModelCache(max_bytes=settings.model_cache_mb * MB),
                   decisions=DecisionCache(max_bytes=settings.decision_cache_mb * MB))

    @classmethod
    def start_current(cls, settings: Settings) -> Services:
        """Connect to a catalog already at this code's revision (the CLI's commands but
        ``serve``, Celery workers); else a 503 problem ``schema_not_current``."""
        started = cls.start(settings)
        try:
            require_current_schema(started.engine)
        except Exception:
            started.close()
            raise
        return started

    @contextmanager
    def connection(self, *, read_only: bool = False) -> Iterator[sa.Connection]:
        """One transaction: commit on success, roll back on any exception."""
        with self.engine.connect() as conn:
            if read_only:
                conn = conn.execution_options(**{READ_ONLY: True})
            with conn.begin():
                yield conn

    @contextmanager
    def for_token(self, token: str | None, *, locale: str = DEFAULT_LANGUAGE,
                  read_only: bool = False) -> Iterator[Context]:
        """A context for the tenant and user a bearer token names (401 otherwise)."""
        if not token:
            raise Unauthorized(detail_code="token_missing")
        now = self.clock()
        principal = None
        try:
            with self._functions_logged() as functions, \
                    self.connection(read_only=read_only) as conn:
                principal = self.tokens.resolve(conn, token, now)
                if principal is None:
                    raise Unauthorized(detail_code="token_invalid")
                yield self._context(conn, principal.tenant, principal.actor, locale,
                                    record_hooks=functions)
        finally:
            # after the request's transaction, in one of its own: a read-only request
            # stays read-only, and a refused one still counts as a use
            if principal is not None and principal.token_id is not None \
                    and principal.needs_touch(now):
                with self.connection() as conn:
                    tenancy.touch_token(conn, principal.token_id, now)

    @contextmanager
    def for_user(self, tenant_id: int, user_id: uuid.UUID, *, locale: str = DEFAULT_LANGUAGE,
                 read_only: bool = False) -> Iterator[Context]:
        """A context for the user a signed-in web session names (401 ``signed_out`` when
        the user is gone or deactivated), with the same record hooks as the API's."""
        with self._functions_logged() as functions, \
                self.connection(read_only=read_only) as conn:
            principal = tenancy.resolve_user(conn, tenant_id, user_id)
            if principal is None:
                raise Unauthorized(detail_code="signed_out")
            yield self._context(conn, principal.tenant, principal.actor, locale,
                                record_hooks=functions)

    @contextmanager
    def for_tenant(self, slug: str, *, actor: Actor | None = None,
                   locale: str = DEFAULT_LANGUAGE, read_only: bool = False,
                   progress: Callable[[str, int, int], None] | None = None,
                   ) -> Iterator[Context]:
        """A context for scripts and the CLI: the tenant by slug, the system as actor."""
        with self._functions_logged() as functions, \
                self.connection(read_only=read_only) as conn:
            tenant = tenancy.find_tenant(conn, slug)
            yield self._context(conn, tenant, actor or Actor.system(), locale, progress,
                                functions)

    @contextmanager
    def for_tenant_id(self, tenant_id: int) -> Iterator[Context]:
        """A system context for work stored with a tenant id (automation runs, events)."""
        with self._functions_logged() as functions, self.connection() as conn:
            tenant = tenancy.tenant_by_id(conn, tenant_id)
            yield self._context(conn, tenant, Actor.system(), DEFAULT_LANGUAGE,
                                record_hooks=functions)

    @contextmanager
    def context_on(self, conn: sa.Connection, tenant: Tenant, *,
                   actor: Actor | None = None) -> Iterator[Context]:
        """A context in a transaction the caller already holds (provisioning: the tenant
        is created and filled in one transaction)."""
        with self._functions_logged() as functions:
            yield self._context(conn, tenant, actor or Actor.system(), DEFAULT_LANGUAGE,
                                record_hooks=functions)

    # -- people, for the web app's designer: the calls the people and tokens API makes --

    def list_users(self, ctx: Context) -> list[dict[str, Any]]:
        return tenancy.list_users(ctx.conn, ctx.tenant)

    def create_user(self, ctx: Context, body: Any) -> dict[str, Any]:
        tenancy.check_body("user", body)
        return tenancy.user_json(tenancy.create_user(
            ctx.conn, ctx.tenant, body["email"], name=body.get("name", ""),
            roles=body.get("roles", []), department=body.get("department"), now=ctx.now(),
            actor=ctx.actor.email))

    def update_user(self, ctx: Context, email: str, changes: Any) -> dict[str, Any]:
        return tenancy.update_user(ctx.conn, ctx.tenant, email, changes,
                                   actor=ctx.actor.email, now=ctx.now())

    def list_tokens(self, ctx: Context, email: str | None = None) -> list[dict[str, Any]]:
        return tenancy.list_tokens(ctx.conn, ctx.tenant, ctx.actor, now=ctx.now(),
                                   email=email)

    def revoke_token(self, ctx: Context, token_id: str) -> None:
        tenancy.revoke_token(ctx.conn, ctx.tenant, ctx.actor, token_id, now=ctx.now())

    # -- imports, for the web app's import wizard: the calls the imports API makes --

    def import_limits(self) -> tuple[int, int]:
        """Rows and bytes an uploaded file may have (OBJECTRY_IMPORT_MAX_*)."""
        return self.settings.import_max_rows, self.settings.import_max_bytes

    def start_import(self, import_id: str) -> None:
        """Run a queued import where this installation runs them (a thread, Celery)."""
        from objectry.platform import import_jobs  # it imports this module

        import_jobs.start(self, import_id)

    @contextmanager
    def _functions_logged(self) -> Iterator[RecordValidation]:
        """A function session whose call log is written after the transaction ended,
        committed or not, so failed calls stay logged."""
        assert self.functions is not None
        session = RecordValidation(self.functions, self.engine)
        try:
            yield session
        finally:
            session.flush()

    def _context(self, conn: sa.Connection, tenant: Tenant, actor: Actor, locale: str,
                 progress: Callable[[str, int, int], None] | None = None,
                 record_hooks: RecordValidation | None = None) -> Context:
        return Context(tenant=tenant, actor=actor, conn=conn, models=self.models, keys=self.keys,
                       decisions=self.decisions, locale=locale, clock=self.clock, progress=progress,
                       record_hooks=record_hooks, write_hooks=LifecycleHooks())


def function_config(settings: Settings) -> FunctionConfig:
    """The function runtime's configuration from the ``OBJECTRY_FUNCTION_*`` settings."""
    return FunctionConfig(
        pool=PoolConfig(size=settings.function_pool_size, memory_mb=settings.function_memory_mb,
                        recycle_after=settings.function_recycle_after,
                        tenant_concurrency=settings.function_tenant_concurrency,
                        queue_wait_ms=settings.function_queue_wait_ms),
        batch_size=settings.function_batch_size,
        max_http_timeout_ms=settings.function_max_http_timeout_ms,
        allow_private_http=settings.webhook_allow_private)
