"""What a process holds to run tenant functions, and what one unit of work adds.

:class:`FunctionRuntime` is per process (``Services`` owns it, no module state): the
compiled-code cache keyed by (tenant, function, version), the tenant's function
definitions keyed by metadata version, and the sandbox pool, started on first use
and closed with the services. :class:`FunctionSession` is per unit of work: it keeps
the call-log rows until the unit's transaction has ended, then writes them in a
transaction of their own, so a call that failed (and took the request with it) stays
logged.
"""

from __future__ import annotations

import atexit
import logging
import threading
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

import sqlalchemy as sa

from objectry.metadata import store
from objectry.metadata.lru import LruCache
from objectry.runtime.functions.calls_table import function_calls
from objectry.runtime.functions.definitions import SETTINGS_NAME, FunctionDef, FunctionSettings
from objectry.runtime.functions.http_client import HttpClient
from objectry.runtime.kernel.context import Context
from objectry.runtime.kernel.network import NetworkPolicy
from objectry.sandbox import FunctionCache, PoolConfig, SandboxPool

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class FunctionConfig:
    """Process settings of functions: the platform passes them from its settings
    (``OBJECTRY_FUNCTION_*``; the defaults live in ``platform/config.py``)."""

    pool: PoolConfig
    batch_size: int
    max_http_timeout_ms: int
    #: Whether ``http.get/post`` may reach private and loopback addresses
    #: (``OBJECTRY_WEBHOOK_ALLOW_PRIVATE``, shared with workflow webhooks).
    allow_private_http: bool


@dataclass(frozen=True)
class TenantFunctions:
    """A tenant's functions and settings at one metadata version."""

    functions: Mapping[str, FunctionDef]
    settings: FunctionSettings
    validations: Mapping[str, tuple[FunctionDef, ...]]  # object -> validation functions


class FunctionRuntime:
    """Compiled code, definitions and the warm pool of one process."""

    def __init__(self, config: FunctionConfig,
                 pool_factory: Callable[[PoolConfig], SandboxPool] = SandboxPool) -> None:
        self.config = config
        self.compiled = FunctionCache()
        self.http = HttpClient(NetworkPolicy(allow_private=config.allow_private_http))
        self._definitions = LruCache(256)
        self._pool_factory = pool_factory
        self._pool: SandboxPool | None = None
        self._lock = threading.Lock()

    @property
    def pool(self) -> SandboxPool:
        """The sandbox pool, started on first use (a web process that runs no function
        never spawns workers)."""
        with self._lock:
            if self._pool is None:
                self._pool = self._pool_factory(self.config.pool)
                atexit.register(self.close)
            return self._pool

    @property
    def started(self) -> bool:
        return self._pool is not None

    def close(self) -> None:
        """Stop the workers; the next call would start a new pool."""
        with self._lock:
            pool, self._pool = self._pool, None
        if pool is not None:
            pool.close()
            atexit.unregister(self.close)

    def tenant(self, ctx: Context) -> TenantFunctions:
        """The tenant's functions at the context's metadata version (cached)."""
        key = (ctx.tenant.id, ctx.tenant.meta_version)
        return self._definitions.get_or_build(key, lambda: _load(ctx))


def _load(ctx: Context) -> TenantFunctions:
    stored = store.documents(ctx.conn, ctx.tenant.id, "function")
    functions = {name: FunctionDef.from_document(doc.document, doc.version)
                 for name, doc in sorted(stored.items())}
    settings = store.document(ctx.conn, ctx.tenant.id, "function_settings", SETTINGS_NAME)
    validations: dict[str, list[FunctionDef]] = {}
    for definition in functions.values():
        if definition.purpose == "validation" and definition.object:
            validations.setdefault(definition.object, []).append(definition)
    return TenantFunctions(MappingProxyType(functions),
                           FunctionSettings.from_document(settings.document if settings
                                                          else None),
                           MappingProxyType({k: tuple(v) for k, v in validations.items()}))


class FunctionSession:
    """Functions for one unit of work: the runtime plus the call-log rows to write.

    With an ``engine`` the rows wait for :meth:`flush` (the owner calls it after the
    unit's transaction ended); without one they go into the caller's connection.
    """

    def __init__(self, runtime: FunctionRuntime, engine: sa.Engine | None = None) -> None:
        self.runtime = runtime
        self.engine = engine
        self.pending: list[dict[str, Any]] = []

    def record_call(self, ctx: Context, row: dict[str, Any]) -> None:
        if self.engine is None:
            ctx.conn.execute(function_calls.insert(), row)
        else:
            self.pending.append(row)

    def flush(self) -> None:
        """Write the waiting call-log rows in their own transaction (never raises)."""
        rows, self.pending = self.pending, []
        if not rows or self.engine is None:
            return
        try:
            with self.engine.begin() as conn:
                conn.execute(function_calls.insert(), rows)
        except Exception:  # the log must not turn a served request into an error
            log.exception("could not write %d function call log rows", len(rows))
