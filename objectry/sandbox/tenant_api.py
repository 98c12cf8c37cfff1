"""The names a function sees besides builtins: ``record``, ``records``, ``http``, ``now``...

These objects live in the worker. Every method packs plain JSON arguments and asks the
parent through ``rpc``; nothing here touches a database or the network. Internals sit
in underscore attributes, which the guards keep out of reach.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

from objectry.sandbox.plain import check_plain, safe_text

Rpc = Callable[[str, list[Any], dict[str, Any]], Any]


class PlatformError(Exception):
    """A host call was refused (not found, no permission, invalid values...). Catchable."""

    def __init__(self, code: str, message: str, errors: list[Any] | None = None) -> None:
        self.code = code
        self.message = message
        self.errors = errors or []
        super().__init__(f"{code}: {message}")


class RaisedError(Exception):
    """``raise_error(message, field)``: the function refuses the record (validation)."""

    def __init__(self, message: str, field: str | None) -> None:
        self.message = message
        self.field = field
        super().__init__(message)


class Record(Mapping[str, Any]):
    """The current record: a read-only copy; ``set()`` records changes for action functions."""

    def __init__(self, data: dict[str, Any]) -> None:
        self._data = data
        self._changes: dict[str, Any] = {}

    def __getitem__(self, key: str) -> Any:
        if key in self._changes:
            return self._changes[key]
        return self._data[key]

    def __iter__(self) -> Iterator[str]:
        return iter({**self._data, **self._changes})

    def __len__(self) -> int:
        return len({**self._data, **self._changes})

    def set(self, field: str, value: Any) -> None:
        """Change a field; the runtime applies the changes if the call succeeds."""
        if type(field) is not str:
            raise TypeError("field names are strings")
        check_plain(value, f"/{field}")
        self._changes[field] = value

    def changes(self) -> dict[str, Any]:
        return dict(self._changes)

    def __repr__(self) -> str:
        return f"Record({dict(self)!r})"


class Records:
    """``records.get/query/create/update/delete`` through the runtime's records service."""

    def __init__(self, rpc: Rpc) -> None:
        self._rpc = rpc

    def get(self, object: str, id: str) -> dict[str, Any] | None:
        return self._rpc("records.get", [object, id], {})

    def query(self, object: str, filter: Any = None, sort: Any = None, limit: int = 100,
              fields: list[str] | None = None) -> list[dict[str, Any]]:
        return self._rpc("records.query", [object],
                         {"filter": filter, "sort": sort, "limit": limit, "fields": fields})

    def create(self, object: str, values: dict[str, Any]) -> dict[str, Any]:
        return self._rpc("records.create", [object, values], {})

    def update(self, object: str, id: str, values: dict[str, Any]) -> dict[str, Any]:
        return self._rpc("records.update", [object, id, values], {})

    def delete(self, object: str, id: str) -> None:
        return self._rpc("records.delete", [object, id], {})


class Http:
    """``http.get/post``: the host allows only the tenant's allowlisted hosts, with timeouts."""

    def __init__(self, rpc: Rpc) -> None:
        self._rpc = rpc

    def get(self, url: str, params: dict[str, Any] | None = None,
            headers: dict[str, str] | None = None) -> Any:
        return self._rpc("http.get", [url], {"params": params, "headers": headers})

    def post(self, url: str, json: Any = None,
             headers: dict[str, str] | None = None) -> Any:
        return self._rpc("http.post", [url], {"json": json, "headers": headers})


def make_api(rpc: Rpc) -> dict[str, Any]:
    """The platform names of one call, bound to that call's ``rpc``."""

    def now() -> str:
        """The context clock's current time as an ISO 8601 string."""
        return rpc("now", [], {})

    def log(*parts: Any) -> None:
        """Add a line to the call's log (counted against log_bytes)."""
        rpc("log", [safe_text(" ".join(str(p) for p in parts))], {})

    def raise_error(message: str, field: str | None = None) -> None:
        """Refuse the record with ``message``, shown on ``field`` when given."""
        raise RaisedError(str(message), None if field is None else str(field))

    return {"records": Records(rpc), "http": Http(rpc), "now": now, "log": log,
            "raise_error": raise_error, "PlatformError": PlatformError}
