"""The platform API a function calls, implemented by the caller in the parent process.

Tenant code calls ``records.get/query/create/update/delete``, ``now()``, ``log()`` and
``http.get/post``. Each call travels over the worker's pipe as JSON and the pool hands
it to the caller's :class:`Host` in the calling thread, so it runs inside the caller's
transaction with the caller's context (tenant, ``run_as`` permissions, clock, HTTP
allowlist). Only plain JSON data goes in and must come out.

The host owns the tenant boundary: the API has no tenant parameter and a host is
built for one context, so a function cannot name another tenant's data.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

# Every name a function can reach; anything else never leaves the worker.
HOST_CALLS = frozenset({
    "records.get", "records.query", "records.create", "records.update", "records.delete",
    "now", "log", "http.get", "http.post",
})


class Host(Protocol):
    """What the runtime provides for one call."""

    def call(self, name: str, args: list[Any], kwargs: dict[str, Any]) -> Any:
        """Run host call ``name`` and return plain JSON data.

        Raise :class:`HostError` (or an ``objectry.metadata.problems.Problem``) for an
        expected refusal: not found, no permission, invalid values, host not allowed.
        The tenant code receives it as a catchable ``PlatformError``. Any other
        exception is a platform bug: the pool kills the worker and re-raises it.
        """
        ...


class HostError(Exception):
    """An expected refusal of a host call, shown to the tenant code as ``PlatformError``."""

    def __init__(self, code: str, message: str = "",
                 errors: Sequence[dict[str, Any]] = ()) -> None:
        self.code = code
        self.message = message or code
        self.errors = [dict(e) for e in errors]
        super().__init__(f"{code}: {self.message}")
