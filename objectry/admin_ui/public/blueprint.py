"""The public blueprint: the visitor's language, page headers and errors as plain pages.

A public page never shows a problem's parameters: they may name records or values the
visitor has no business seeing. It shows a fixed sentence per status instead.
"""

from __future__ import annotations

import logging
from typing import Any

from flask import Blueprint, Response, current_app, g, render_template, request
from werkzeug.exceptions import HTTPException

from objectry.admin_ui.host import HOST_KEY, SETTINGS_KEY, UiHost, WebSettings
from objectry.metadata.i18n import LANGUAGES, message, negotiate
from objectry.metadata.problems import Problem

log = logging.getLogger(__name__)

public = Blueprint("public", __name__, template_folder="../templates")

#: Forms are made to be embedded in the tenant's own web site (an ``<iframe>``).
FORM_CSP = ("default-src 'self'; script-src 'none'; style-src 'self'; img-src 'self' data:; "
            "form-action 'self'; frame-ancestors *; base-uri 'none'; object-src 'none'")
PAGE_CSP = FORM_CSP.replace("frame-ancestors *", "frame-ancestors 'none'")
#: HTTP status -> the sentence a visitor reads.
SENTENCES = {400: "ui_wf_refused", 404: "ui_wf_not_found", 409: "ui_wf_refused",
             413: "ui_wf_too_large", 422: "ui_wf_refused", 429: "ui_wf_too_many"}


def host() -> UiHost:
    found: UiHost = current_app.extensions[HOST_KEY]
    return found


def settings() -> WebSettings:
    found: WebSettings = current_app.extensions[SETTINGS_KEY]
    return found


def t(code: str, **params: Any) -> str:
    return message(code, getattr(g, "locale", "en"), params)


def page(template: str, status: int = 200, /, **values: Any) -> Response:
    return Response(render_template(template, **values), status=status, mimetype="text/html")


def message_page(status: int, code: str, **params: Any) -> Response:
    return page("web/public_message.html", status, text=t(code, **params))


@public.before_request
def visitor_language() -> None:
    """``?lang=`` (a link from a Chinese or English site), else the browser's."""
    chosen = request.args.get("lang")
    g.locale = chosen if chosen in LANGUAGES else negotiate(
        request.headers.get("Accept-Language"))


@public.after_request
def public_headers(response: Response) -> Response:
    form_page = request.path.startswith("/f/")
    response.headers.setdefault("Content-Security-Policy", FORM_CSP if form_page else PAGE_CSP)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "no-referrer")
    response.headers.setdefault("Cache-Control", "no-store")
    response.headers["Content-Language"] = getattr(g, "locale", "en")
    response.vary.add("Accept-Language")
    return response


@public.context_processor
def page_globals() -> dict[str, Any]:
    return {"t": t, "locale": getattr(g, "locale", "en")}


@public.errorhandler(Problem)
def on_problem(problem: Problem) -> Response:
    return message_page(problem.status, SENTENCES.get(problem.status, "ui_wf_unavailable"))


@public.errorhandler(HTTPException)
def on_http_error(error: HTTPException) -> Response:
    status = error.code or 500
    return message_page(status, SENTENCES.get(status, "ui_wf_unavailable"))


@public.errorhandler(Exception)
def on_unexpected(error: Exception) -> Response:
    log.exception("unhandled error on %s %s", request.method, request.path)
    return message_page(500, "ui_wf_unavailable")
