"""Errors every layer raises, rendered as RFC 9457 problem details by the web layer.

An error carries machine codes and parameters, never final text: the text is chosen
from the message catalog in the caller's language when the problem is rendered.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any


def pointer(*parts: str | int) -> str:
    """Build a JSON Pointer (RFC 6901) from path parts, escaping ``~`` and ``/``."""
    return "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in parts)


@dataclass(frozen=True)
class ErrorItem:
    """One culprit: where (JSON Pointer into the request), what (code), with what values."""

    path: str
    code: str
    params: Mapping[str, Any] = field(default_factory=dict)

    def under(self, prefix: str) -> ErrorItem:
        """The same error seen from a document nested at ``prefix``."""
        return ErrorItem(prefix + self.path, self.code, self.params)


class Problem(Exception):
    """A client-visible failure with an HTTP status and a list of culprits."""

    status = 400
    title_code = "bad_request"

    def __init__(
        self,
        errors: Iterable[ErrorItem] = (),
        *,
        detail_code: str | None = None,
        status: int | None = None,
        extra: Mapping[str, Any] | None = None,
        **params: Any,
    ) -> None:
        self.errors = list(errors)
        self.detail_code = detail_code or self.title_code
        self.params = params
        self.extra = dict(extra or {})
        if status is not None:
            self.status = status
        super().__init__(f"{self.detail_code} {params} {self.errors}")


class BadRequest(Problem):
    status = 400
    title_code = "bad_request"


class Unauthorized(Problem):
    status = 401
    title_code = "unauthorized"


class Forbidden(Problem):
    status = 403
    title_code = "forbidden"


class NotFound(Problem):
    status = 404
    title_code = "not_found"


class Conflict(Problem):
    status = 409
    title_code = "conflict"


class PreconditionFailed(Problem):
    status = 412
    title_code = "precondition_failed"


class PayloadTooLarge(Problem):
    status = 413
    title_code = "payload_too_large"


class Invalid(Problem):
    status = 422
    title_code = "invalid"


class FieldValueError(ValueError):
    """A single value a field type refuses; the caller knows where it stood."""

    def __init__(self, code: str, **params: Any) -> None:
        self.code = code
        self.params = params
        super().__init__(code)
