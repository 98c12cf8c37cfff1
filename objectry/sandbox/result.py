"""What a call returns to the runtime, and the error codes it can carry."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

# User-visible error codes (the message catalog has English and Chinese text for each).
COMPILE_ERROR = "function_compile_error"
RUNTIME_ERROR = "function_runtime_error"
FORBIDDEN = "function_forbidden"
LIMIT_EXCEEDED = "function_limit_exceeded"
RAISED_ERROR = "function_raised_error"
PLATFORM_ERROR = "function_platform_error"
NOT_PLAIN_DATA = "function_not_plain_data"
RESULT_TOO_LARGE = "function_result_too_large"
WORKER_CRASHED = "function_worker_crashed"
POOL_BUSY = "function_pool_busy"
ERROR_CODES = frozenset({COMPILE_ERROR, RUNTIME_ERROR, FORBIDDEN, LIMIT_EXCEEDED,
                         RAISED_ERROR, PLATFORM_ERROR, NOT_PLAIN_DATA, RESULT_TOO_LARGE,
                         WORKER_CRASHED, POOL_BUSY})


@dataclass
class CallResult:
    """One call: its return value or error, logs, what it used, record changes, time.

    ``error`` is ``None`` or ``{"code", "message", "line", ...}``; ``line`` is the line in
    the tenant's source (or ``None``); a limit error adds ``limit``, a ``raise_error``
    adds ``field``. When ``error`` is set the caller rolls back the call's writes.
    """

    result: Any = None
    logs: list[str] = field(default_factory=list)
    limits_used: dict[str, int] = field(default_factory=dict)
    error: dict[str, Any] | None = None
    duration_ms: float = 0.0
    changes: dict[str, Any] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.error is None

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)
