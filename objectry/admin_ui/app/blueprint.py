"""The web app's blueprint and what every view shares: the signed-in user's context,
rendering in the user's language, and errors as pages."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from flask import (
    Blueprint,
    Response,
    current_app,
    g,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from werkzeug.exceptions import HTTPException

from objectry.admin_ui import accounts
from objectry.admin_ui.host import HOST_KEY, SETTINGS_KEY, UiHost, WebSettings
from objectry.metadata.i18n import message
from objectry.metadata.problems import Problem, Unauthorized
from objectry.runtime.kernel.context import Context

log = logging.getLogger(__name__)

blueprint = Blueprint("web", __name__, url_prefix="/app", template_folder="../templates")

#: HTTP status -> catalog code of the page title (the API's problem titles).
TITLES = {400: "bad_request", 401: "unauthorized", 403: "forbidden", 404: "not_found",
          405: "method_not_allowed", 409: "conflict", 412: "precondition_failed",
          413: "payload_too_large", 422: "invalid", 429: "too_many_attempts",
          500: "internal_error", 503: "service_unavailable"}


def host() -> UiHost:
    host: UiHost = current_app.extensions[HOST_KEY]
    return host


def web_settings() -> WebSettings:
    settings: WebSettings = current_app.extensions[SETTINGS_KEY]
    return settings


def t(code: str, **params: Any) -> str:
    """A catalog message in the page's language (templates call it too)."""
    return message(code, getattr(g, "locale", "en"), params)


def sign_in_session(account: accounts.Account) -> None:
    """Start a fresh session for ``account`` (a new CSRF token: no fixation)."""
    language = session.get("lang")
    session.clear()
    session.permanent = True
    session["user"] = {"t": account.tenant_id, "u": str(account.user_id), "s": account.stamp}
    session["lang"] = account.language or language or g.locale
    g.locale = session["lang"]


@contextmanager
def user_context(*, read_only: bool = False) -> Iterator[Context]:
    """The signed-in user's context in one transaction (401 ``signed_out`` otherwise:
    no session, the user deactivated, or their password changed since)."""
    data = session.get("user")
    if not isinstance(data, Mapping):
        raise Unauthorized(detail_code="signed_out")
    try:
        tenant_id, user_id, stamp = int(data["t"]), uuid.UUID(str(data["u"])), str(data["s"])
    except (KeyError, TypeError, ValueError):
        raise Unauthorized(detail_code="signed_out") from None
    with host().for_user(tenant_id, user_id, locale=g.locale, read_only=read_only) as ctx:
        account = accounts.session_account(ctx.conn, tenant_id, user_id, stamp)
        if account is None:
            raise Unauthorized(detail_code="signed_out")
        g.account = account
        g.is_admin = bool(ctx.actor.is_admin)
        yield ctx


def page(template: str, status: int = 200, /, **values: Any) -> Response:
    """A page (or, for an htmx request, the fragment the template renders for it)."""
    html = render_template(template, **values)
    return Response(html, status=status, mimetype="text/html")


def is_htmx() -> bool:
    return request.headers.get("HX-Request") == "true"


@blueprint.app_template_global()
def csrf_token() -> str:
    return str(session.get("csrf", ""))


@blueprint.context_processor
def page_globals() -> dict[str, Any]:
    return {"t": t, "locale": getattr(g, "locale", "en"),
            "account": getattr(g, "account", None),
            "is_admin": bool(getattr(g, "is_admin", False))}


# -- errors as pages -------------------------------------------------------------------

@blueprint.errorhandler(Problem)
def on_problem(problem: Problem) -> Response:
    if problem.status == 401:
        session.pop("user", None)
        target = url_for("web.sign_in", next=request.full_path.rstrip("?")
                         if request.method == "GET" else None)
        if is_htmx():
            return Response(status=204, headers={"HX-Redirect": target})
        return redirect(target, code=303)  # type: ignore[return-value]
    detail = message(problem.detail_code, g.locale, problem.params or (
        problem.errors[0].params if len(problem.errors) == 1 else {}))
    return error_page(problem.status, detail,
                      [message(e.code, g.locale, e.params) for e in problem.errors])


@blueprint.errorhandler(HTTPException)
def on_http_error(error: HTTPException) -> Response:
    status = error.code or 500
    code = "too_many_attempts" if status == 429 else TITLES.get(status, "bad_request")
    return error_page(status, message(code, g.locale))


@blueprint.errorhandler(Exception)
def on_unexpected(error: Exception) -> Response:
    log.exception("unhandled error on %s %s", request.method, request.path)
    return error_page(500, message("internal_error", getattr(g, "locale", "en")))


def error_page(status: int, detail: str, errors: list[str] | None = None) -> Response:
    title = message(TITLES.get(status, "ui_error_title"), getattr(g, "locale", "en"))
    return page("web/error.html", status, title=title, detail=detail, errors=errors or [])
