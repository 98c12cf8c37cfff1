"""A step that cannot do its work says why, in catalog terms (code and parameters)."""

from __future__ import annotations

from typing import Any

from objectry.metadata.i18n import message
from objectry.metadata.problems import Problem


class StepError(Exception):
    """An expected failure of a step: retried or routed per its ``on_failure``."""

    def __init__(self, code: str, **params: Any) -> None:
        self.code = code
        self.params = params
        super().__init__(message(code, "en", params))


def describe(exc: BaseException) -> dict[str, Any]:
    """A failure as stored in the run history: code, English and Chinese text, details."""
    if isinstance(exc, StepError):
        code, params, errors = exc.code, exc.params, []
    elif isinstance(exc, Problem):
        code, params = exc.detail_code, exc.params
        errors = [{"path": e.path, "code": e.code,
                   "message": message(e.code, "en", e.params)} for e in exc.errors]
    else:
        code, params, errors = "internal_error", {}, []
        return {"code": code, "message": message(code, "en", {}),
                "message_zh": message(code, "zh-CN", {}), "type": type(exc).__name__,
                "detail": str(exc)[:500]}
    return {"code": code, "message": message(code, "en", params),
            "message_zh": message(code, "zh-CN", params), "errors": errors}
