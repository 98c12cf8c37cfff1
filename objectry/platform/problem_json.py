"""RFC 9457 problem details in the caller's language."""

from __future__ import annotations

from typing import Any

from objectry.metadata.i18n import message
from objectry.metadata.problems import Problem

PROBLEM_TYPE_PREFIX = "urn:objectry:problem:"
MEDIA_TYPE = "application/problem+json"

#: HTTP status -> catalog code of the problem title.
STATUS_TITLES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
                 405: "method_not_allowed", 409: "conflict", 412: "precondition_failed",
                 413: "payload_too_large", 415: "unsupported_media_type", 422: "invalid",
                 500: "internal_error", 503: "service_unavailable"}


def problem_body(problem: Problem, locale: str) -> dict[str, Any]:
    """``{type, title, status, detail, errors: [{path, code, message}]}`` plus extras."""
    body: dict[str, Any] = {
        "type": PROBLEM_TYPE_PREFIX + problem.detail_code,
        "title": message(STATUS_TITLES.get(problem.status, problem.title_code), locale),
        "status": problem.status,
        "detail": message(problem.detail_code, locale, _params(problem)),
        "code": problem.detail_code,
        "errors": [{"path": e.path, "code": e.code, "message": message(e.code, locale, e.params),
                    **_location(e.params)}
                   for e in problem.errors],
    }
    body.update(problem.extra)
    return body


def _params(problem: Problem) -> dict[str, Any]:
    """Detail parameters; a single culprit's parameters fill in when none were given."""
    if problem.params or len(problem.errors) != 1:
        return dict(problem.params)
    return dict(problem.errors[0].params)


#: Error parameters that locate a culprit inside a value (a line of function code).
LOCATION_KEYS = ("line", "column")


def _location(params: Any) -> dict[str, Any]:
    return {k: params[k] for k in LOCATION_KEYS
            if isinstance(params.get(k), int) and not isinstance(params.get(k), bool)}
