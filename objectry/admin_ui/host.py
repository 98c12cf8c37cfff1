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
from typing import Any, Protocol

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

    # people (the designer's People page): the same calls as the people and tokens API

    def list_users(self, ctx: Context) -> list[dict[str, Any]]:
        ...

    def create_user(self, ctx: Context, body: Any) -> dict[str, Any]:
        """Add a user (the ``POST /users`` body; 422/409 problems as the API's)."""
        ...

    def update_user(self, ctx: Context, email: str, changes: Any) -> dict[str, Any]:
        """Change roles, department, admin or active flag (409 ``last_admin``)."""
        ...

    def list_tokens(self, ctx: Context, email: str | None = None) -> list[dict[str, Any]]:
        ...

    def revoke_token(self, ctx: Context, token_id: str) -> None:
        ...

    def for_tenant_id(self, tenant_id: int) -> AbstractContextManager[Context]:
        """The platform's own context in a tenant (a public unsubscribe link)."""
        ...

    # imports (the import wizard): the limits and runner of the imports API

    def import_limits(self) -> tuple[int, int]:
        """Rows and bytes an uploaded file may have."""
        ...

    def start_import(self, import_id: str) -> None:
        """Run a queued import in the background (after the queuing transaction)."""
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
    #: Public web forms (OBJECTRY_WEB_FORM_*): submissions per address and form, largest
    #: body, minutes a served form stays valid; where the installation is reached.
    web_form_rate_limit: str = "20/minute;200/hour"
    web_form_max_bytes: int = 32768
    web_form_token_minutes: int = 120
    public_url: str = "http://127.0.0.1:8000"

