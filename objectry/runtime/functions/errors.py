"""A failed call as problem details: the function's error code, its line, the culprit.

Tenant-code failures (a bug, a refused platform call, a limit, ``raise_error``) are 422:
the request was understood, the tenant's function refused or broke it. A busy pool is
503: nothing is wrong with the request, try again.
"""

from __future__ import annotations

from typing import Any

from objectry.metadata.i18n import message
from objectry.metadata.problems import ErrorItem, Problem, pointer
from objectry.sandbox import result as codes

UNKNOWN_LINE = "?"


class FunctionFailed(Problem):
    status = 422
    title_code = "invalid"


class FunctionUnavailable(Problem):
    status = 503
    title_code = "function_pool_busy"


def error_params(error: dict[str, Any]) -> dict[str, Any]:
    """The catalog parameters of a call error (line shown as '?' when unknown)."""
    params = {k: v for k, v in error.items() if k != "code" and v is not None}
    params["line"] = error.get("line") or UNKNOWN_LINE
    params.setdefault("message", "")
    return params


def describe_error(error: dict[str, Any] | None, locale: str) -> dict[str, Any] | None:
    """The error of a call for API answers: code, localized text, line, limit, field."""
    if error is None:
        return None
    described = {"code": error["code"], "message": message(error["code"], locale,
                                                           error_params(error)),
                 "line": error.get("line")}
    for key in ("limit", "field", "platform_code"):
        if error.get(key) is not None:
            described[key] = error[key]
    if error["code"] != codes.RAISED_ERROR:
        described["detail"] = error.get("message", "")
    return described


def problem_for(function: str, error: dict[str, Any]) -> Problem:
    """The problem a failed call turns into (``raise_error`` points at its field)."""
    code = error["code"]
    params = error_params(error)
    where = pointer(error["field"]) if error.get("field") else ""
    extra = {"function": function, "line": error.get("line")}
    if error.get("limit"):
        extra["limit"] = error["limit"]
    cls = FunctionUnavailable if code == codes.POOL_BUSY else FunctionFailed
    return cls([ErrorItem(where, code, params)], detail_code=code, extra=extra, **params)
