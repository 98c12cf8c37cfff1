"""What the web app needs from the platform that serves it, as an interface it owns.

``admin_ui`` sits below ``platform`` (import-linter contract 1): the platform's app
factory registers the web app and hands it an object fulfilling :class:`UiHost` (the
platform's ``Services`` does), so the UI reaches the same contexts, records service and
Guard as the API without importing the platform.
"""

from __future__ import annotations

import datetime as dt
import uuid
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass
from typing import Protocol

import sqlalchemy as sa

from objectry.runtime.kernel.context import Context
from objectry.runtime.kernel.keys import Keys

#: Key of the host in ``app.extensions``.
HOST_KEY = "objectry.admin_ui.host"
#: Key of the :class:`WebSettings` in ``app.extensions``.
SETTINGS_KEY = "objectry.admin_ui.settings"


class UiHost(Protocol):
    @property
    def keys(self) -> Keys:
        """The installation's keys (session cookies and invitations derive theirs)."""
        ...

    @property
    def clock(self) -> Callable[[], dt.datetime]:
        ...

    def connection(self, *, read_only: bool = False) -> AbstractContextManager[sa.Connection]:
        """One catalog transaction (sign-in, passwords, language)."""
        ...

    def for_user(self, tenant_id: int, user_id: uuid.UUID, *, locale: str = ...,
                 read_only: bool = False) -> AbstractContextManager[Context]:
        """The signed-in user's context in one transaction (401 when the user is gone)."""
        ...


@dataclass(frozen=True)
class WebSettings:
    """The platform's settings the web app reads (defaults live in platform/config)."""

    login_rate_limit: str
    login_rate_limit_per_address: str
    rate_limit_storage_url: str
    session_hours: int
    invitation_days: int
    #: Records a list counts exactly before it says "1,000+" (OBJECTRY_LIST_COUNT_CAP).
    list_count_cap: int = 1000

