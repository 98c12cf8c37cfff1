"""What the engine needs from the platform: transactions, tenant contexts, a clock.

The engine groups work: one transaction (a ``Unit``) claims a batch of events or runs
of any tenants and does their database work, each tenant's steps in a system context
of that tenant on the unit's connection. The platform decides how a unit is opened
(connection, function call log, clock); the engine decides what goes into one.
"""

from __future__ import annotations

import datetime as dt
from contextlib import AbstractContextManager
from typing import Protocol

import sqlalchemy as sa

from objectry.runtime.automation.steps import Hooks
from objectry.runtime.kernel.context import Context


class Unit(Protocol):
    """One open transaction: commits when its block ends, rolls back on an error."""

    conn: sa.Connection

    def context(self, tenant_id: int) -> Context:
        """The tenant's system context on this unit's connection (one per tenant)."""
        ...


class EnginePlatform(Protocol):
    """What the engine is given by the platform: hooks, the lease, a clock, connections
    and units of work."""

    hooks: Hooks
    #: How long a claimed run stays claimed without progress (a dead worker's runs
    #: are taken over after this).
    lease: dt.timedelta

    def now(self) -> dt.datetime: ...

    def connection(self) -> AbstractContextManager[sa.Connection]: ...

    def system_context(self, tenant_id: int) -> AbstractContextManager[Context]: ...

    def unit(self) -> AbstractContextManager[Unit]: ...
