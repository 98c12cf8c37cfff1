"""Per-call governor limits, Salesforce style.

Each call gets a budget (:class:`Limits`). Host calls are charged in the parent, which
owns the counters a worker could otherwise lie about (records read, queries, writes,
HTTP calls, log bytes); CPU is measured in the worker. The first charge over a limit
raises :class:`LimitExceeded` where the tenant code made the call, and the governor
remembers it, so a function that catches the exception still ends with the error.

Contract with the caller: host calls run in the caller's transaction. When a call
result is not ``ok`` the caller must roll back every write the call made (wrap each
call in a savepoint), so a limit, a timeout or a crash never leaves half the work.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, fields
from typing import Any

LIMIT_NAMES = ("records_read", "queries", "writes", "http_calls", "log_bytes", "cpu_ms",
               "wall_ms")

# What a host call costs before it runs: (limit, amount).
_PRE_CHARGE = {
    "records.get": "queries",
    "records.query": "queries",
    "records.create": "writes",
    "records.update": "writes",
    "records.delete": "writes",
    "http.get": "http_calls",
    "http.post": "http_calls",
}


@dataclass(frozen=True)
class Limits:
    """The budget of one call; the runtime derives it from the function's metadata."""

    records_read: int = 10_000
    queries: int = 100
    writes: int = 150
    http_calls: int = 10
    log_bytes: int = 65_536
    cpu_ms: int = 2_000
    wall_ms: int = 5_000

    def as_dict(self) -> dict[str, int]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Limits:
        names = {f.name for f in fields(cls)}
        return cls(**{k: int(v) for k, v in data.items() if k in names})


class LimitExceeded(BaseException):
    """A governor limit was hit. A BaseException so ``except Exception`` does not swallow it."""

    def __init__(self, limit: str, used: int, maximum: int) -> None:
        self.limit = limit
        self.used = used
        self.maximum = maximum
        super().__init__(f"limit {limit} exceeded: {used} > {maximum}")


@dataclass
class Governor:
    """Counts what one call used and raises once a limit is passed."""

    limits: Limits
    used: dict[str, int] = field(default_factory=lambda: dict.fromkeys(LIMIT_NAMES, 0))
    exceeded: LimitExceeded | None = None

    def charge(self, limit: str, amount: int = 1) -> None:
        """Add ``amount`` to ``limit``; raise (and remember) if that passes the maximum."""
        maximum = getattr(self.limits, limit)
        wanted = self.used[limit] + amount
        if wanted > maximum:
            self.exceeded = self.exceeded or LimitExceeded(limit, wanted, maximum)
            raise LimitExceeded(limit, wanted, maximum)
        self.used[limit] = wanted

    def before_host_call(self, name: str, args: list[Any], kwargs: dict[str, Any]) -> None:
        """Charge what a host call costs before it runs (writes, queries, HTTP, log bytes)."""
        if self.exceeded is not None:
            raise LimitExceeded(self.exceeded.limit, self.exceeded.used, self.exceeded.maximum)
        limit = _PRE_CHARGE.get(name)
        if limit is not None:
            self.charge(limit)
        elif name == "log":
            self.charge("log_bytes", len(str(args[0] if args else "").encode()))

    def after_host_call(self, name: str, value: Any) -> None:
        """Charge the records a read returned, before the tenant sees them."""
        if name == "records.get" and value is not None:
            self.charge("records_read")
        elif name == "records.query" and isinstance(value, list):
            self.charge("records_read", len(value))
