"""The explicit context every service call receives: tenant, actor, locale, clock, conn.

Nothing in the runtime reads a global; a test builds a context in a line, a worker
builds one from a stored event.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

import sqlalchemy as sa

from objectry.permissions.access import DecisionCache
from objectry.runtime.kernel.caches import ModelCache
from objectry.runtime.kernel.keys import Keys
from objectry.runtime.kernel.storage import TenantConnection, TenantStorage


def utc_now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass(frozen=True)
class Tenant:
    id: int
    slug: str
    meta_version: int


@dataclass(frozen=True)
class Actor:
    """Who acts: a user, or the platform itself (``system``) for automation and packs."""

    user_id: uuid.UUID | None
    email: str
    is_admin: bool = False
    is_system: bool = False
    roles: tuple[str, ...] = ()
    department: str | None = None

    @classmethod
    def system(cls) -> Actor:
        return cls(user_id=None, email="system", is_admin=True, is_system=True)


class RecordHooks(Protocol):
    """What the records service calls out to before it writes a record.

    The records service sits below tenant functions, so it cannot import them; the
    platform puts an implementation (``functions.validation.RecordValidation``) on the
    context instead.
    """

    def validate_record(self, ctx: Context, model: Any, values: Mapping[str, Any],
                        record_id: Any = None) -> None:
        """Raise a problem if the record about to be saved (``values``) is refused."""
        ...


class WriteHooks(Protocol):
    """What the records service calls around each create and update so engines above it
    (duplicate rules in ``lifecycle``) see every write, from any path, exactly once."""

    def before_write(self, ctx: Context, model: Any, values: Mapping[str, Any],
                     record_id: Any = None) -> None:
        """Raise a problem to refuse the record about to be saved (``values``: all of it)."""
        ...

    def after_write(self, ctx: Context, model: Any, row: Mapping[str, Any]) -> None:
        """The record as written (keep derived lookups, such as match keys, current).
        A new record's hooks may move it on (auto assignment: ``row`` updated in place)."""
        ...

    def before_write_many(self, ctx: Context, model: Any,
                          items: Sequence[Mapping[str, Any]]) -> Sequence[Any]:
        """``before_write`` for a batch of new records (``records.batch``): per item, the
        problem refusing it or None."""
        ...

    def after_write_many(self, ctx: Context, model: Any, rows: Sequence[Mapping[str, Any]],
                         indexes: Sequence[int]) -> None:
        """``after_write`` for the records a batch created (``indexes``: their places
        among the items given to ``before_write_many``)."""
        ...

    def before_insert(self, ctx: Context, model: Any,
                      rows: Sequence[dict[str, Any]]) -> Sequence[dict[str, Any] | None]:
        """New rows about to be written (create, batch): a hook may set their ``owner``
        (auto assignment decides before the write, so the record is written once);
        per row, the audit change saying so, or None."""
        ...

    def before_restore(self, ctx: Context, model: Any, row: Mapping[str, Any]) -> None:
        """Raise a problem to refuse bringing this deleted record back (a merged record
        is restored by undoing its merge, which says what it does)."""
        ...


@dataclass(frozen=True)
class Context:
    tenant: Tenant
    actor: Actor
    conn: sa.Connection
    models: ModelCache
    keys: Keys
    decisions: DecisionCache = field(default_factory=DecisionCache)
    locale: str = "en"
    clock: Callable[[], dt.datetime] = field(default=utc_now)
    progress: Callable[[str, int, int], None] | None = None
    # Checks the records service runs before a write (the tenant's validation functions
    # of this unit of work); None: none run (e.g. the platform API inside a function, so
    # a function's writes do not re-run validation functions).
    record_hooks: RecordHooks | None = None
    # Engines that watch every write (duplicate rules); kept when record_hooks is None.
    write_hooks: WriteHooks | None = None

    def __post_init__(self) -> None:
        # statements of this context run on this tenant's tables (shared compiled
        # models name the template storage; see kernel/storage.py)
        object.__setattr__(self, "conn", TenantConnection.of(self.conn, self.storage))

    @property
    def storage(self) -> TenantStorage:
        return TenantStorage(self.conn.dialect.name, self.tenant.slug)

    def now(self) -> dt.datetime:
        return self.clock()

    def with_version(self, meta_version: int) -> Context:
        """The same context after a metadata change moved the tenant to a new version,
        with caches of its own: that version is not committed yet, and the shared caches
        key entries by version number, which a rolled back change hands out again; a
        model built here must never answer a later change's requests."""
        return replace(self, tenant=replace(self.tenant, meta_version=meta_version),
                       models=ModelCache(), decisions=DecisionCache())

    def report(self, label: str, done: int, total: int) -> None:
        if self.progress is not None:
            self.progress(label, done, total)
