"""Registering the web app on a Flask app: sessions, CSRF, rate limits, static files.

The platform's app factory calls :func:`init_app` with its services (a ``UiHost``) and
settings. Everything stateful (the limiter's counts, the asset digests) belongs to the
Flask app, never to this module.

- Sessions are Flask's signed cookies (key derived from the installation secret):
  HttpOnly, SameSite=Lax, Secure when the request came over TLS (directly or, by
  ``X-Forwarded-Proto``, through a proxy).
- CSRF: a random token per session; every unsafe request to the web app must send it
  (form field ``csrf_token`` or header ``X-CSRF-Token``, which htmx sends from the
  ``hx-headers`` on ``<body>``), else 403 ``csrf_failed``.
- Static files are served under a content hash (``/app/static/<digest>/<name>``) with a
  one-year immutable cache; a new file gets a new URL.
- Every page carries a Content-Security-Policy allowing only this host.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import secrets
from collections.abc import Mapping
from pathlib import Path
from types import MappingProxyType
from typing import Any

from flask import Flask, Response, current_app, g, redirect, request, send_from_directory, session
from flask.sessions import SecureCookieSessionInterface
from flask_limiter import Limiter
from werkzeug.exceptions import HTTPException

import objectry.admin_ui.app.assign
import objectry.admin_ui.app.auth
import objectry.admin_ui.app.choices
import objectry.admin_ui.app.columns
import objectry.admin_ui.app.dashboards
import objectry.admin_ui.app.importing
import objectry.admin_ui.app.lifecycle_pages
import objectry.admin_ui.app.pool_pages
import objectry.admin_ui.app.tools
import objectry.admin_ui.app.views
import objectry.admin_ui.designer.access
import objectry.admin_ui.designer.distribution
import objectry.admin_ui.designer.documents
import objectry.admin_ui.designer.functions
import objectry.admin_ui.designer.history
import objectry.admin_ui.designer.layouts
import objectry.admin_ui.designer.objects
import objectry.admin_ui.designer.packs
import objectry.admin_ui.designer.people
import objectry.admin_ui.designer.workflows
from objectry.admin_ui.app.blueprint import (
    blueprint,
    on_http_error,
    on_problem,
    on_unexpected,
    page_globals,
)
from objectry.admin_ui.designer.blueprint import designer
from objectry.admin_ui.host import HOST_KEY, SETTINGS_KEY, UiHost, WebSettings
from objectry.admin_ui.public.registration import init_public
from objectry.metadata.i18n import LANGUAGES, negotiate
from objectry.metadata.problems import Forbidden, Problem

STATIC_DIR = Path(__file__).parent / "static"
ASSETS_KEY = "objectry.admin_ui.assets"
LIMITER_KEY = "objectry.admin_ui.limiter"
CSRF_HEADER = "X-CSRF-Token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
YEAR = 365 * 24 * 3600
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
       "font-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; "
       "base-uri 'none'; object-src 'none'")

#: The modules whose routes the blueprint carries (imported for that effect).
PAGES = (objectry.admin_ui.app.auth, objectry.admin_ui.app.views, objectry.admin_ui.app.tools,
         objectry.admin_ui.app.choices, objectry.admin_ui.app.columns,
         objectry.admin_ui.app.assign, objectry.admin_ui.app.importing,
         objectry.admin_ui.app.lifecycle_pages,
         objectry.admin_ui.designer.documents, objectry.admin_ui.designer.objects,
         objectry.admin_ui.designer.people, objectry.admin_ui.designer.history,
         objectry.admin_ui.designer.layouts,
         objectry.admin_ui.designer.access, objectry.admin_ui.designer.workflows,
         objectry.admin_ui.designer.functions,
         objectry.admin_ui.designer.packs,
         objectry.admin_ui.app.pool_pages, objectry.admin_ui.designer.distribution)


class TlsAwareSessionInterface(SecureCookieSessionInterface):
    """Marks the session cookie Secure exactly when the browser reached us over TLS."""

    def get_cookie_secure(self, app: Flask) -> bool:
        return request.is_secure or \
            request.headers.get("X-Forwarded-Proto", "").strip().lower() == "https"


def init_app(app: Flask, host: UiHost, settings: WebSettings) -> None:
    """Register the web app (under ``/app``; ``/`` leads there) on ``app``."""
    app.extensions[HOST_KEY] = host
    app.extensions[SETTINGS_KEY] = settings
    app.extensions[ASSETS_KEY] = asset_digests(STATIC_DIR)
    app.secret_key = host.keys.derive("web-session")
    app.config.update(SESSION_COOKIE_NAME="objectry_session", SESSION_COOKIE_HTTPONLY=True,
                      SESSION_COOKIE_SAMESITE="Lax",
                      PERMANENT_SESSION_LIFETIME=dt.timedelta(hours=settings.session_hours))
    app.session_interface = TlsAwareSessionInterface()
    app.register_blueprint(blueprint)
    app.register_blueprint(designer)
    limiter = Limiter(client_address, app=app, storage_uri=settings.rate_limit_storage_url,
                      default_limits=[], headers_enabled=True)
    app.extensions[LIMITER_KEY] = limiter
    init_public(app, limiter)  # /f/{tenant}/{form} and /u/{token}, no sign-in
    sign_in: Any = app.view_functions["web.sign_in"]
    sign_in = limiter.limit(settings.login_rate_limit, methods=["POST"],
                            key_func=address_and_email)(sign_in)
    limited: Any = limiter.limit(settings.login_rate_limit_per_address, methods=["POST"],
                                 key_func=client_address, scope="sign-in-address")(sign_in)
    app.view_functions["web.sign_in"] = limited
    app.add_url_rule("/", "web_root", lambda: redirect("/app/", code=302))
    app.add_url_rule("/app/static/<digest>/<path:filename>", "web_static", static_file)
    app.jinja_env.globals.update(asset=asset_url)
    app.jinja_env.autoescape = True


def client_address() -> str:
    return request.remote_addr or "unknown"


def address_and_email() -> str:
    """Attempts count per address and account, so one client cannot try many passwords
    on one account, and one noisy neighbour does not lock out everyone else."""
    email = str(request.form.get("email", "")).strip().lower()[:254]
    return f"{client_address()}|{email}"


# -- static files ----------------------------------------------------------------------

def asset_digests(root: Path) -> Mapping[str, str]:
    """Relative path -> first 16 hex digits of its SHA-256, for every static file."""
    return MappingProxyType({
        path.relative_to(root).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()[:16]
        for path in sorted(root.rglob("*")) if path.is_file() and path.name != "checksums.sha256"
    })


def asset_url(filename: str) -> str:
    digest = current_app.extensions[ASSETS_KEY].get(filename)
    if digest is None:
        raise KeyError(f"no static file {filename}")
    return f"/app/static/{digest}/{filename}"


def static_file(digest: str, filename: str) -> Response:
    """A static file; cached for a year under its current digest, not at all under an
    old one (a page from before an upgrade still gets the file, just uncached)."""
    current = current_app.extensions[ASSETS_KEY].get(filename)
    if current is None:
        return Response(status=404)
    response = send_from_directory(STATIC_DIR, filename, max_age=YEAR if digest == current
                                   else 0)
    if digest == current:
        response.headers["Cache-Control"] = f"public, max-age={YEAR}, immutable"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


# -- every request of the web app ------------------------------------------------------

@blueprint.before_request
def language_and_csrf() -> None:
    """The page language (the user's choice, else the browser's) and the CSRF check."""
    chosen = session.get("lang")
    g.locale = chosen if chosen in LANGUAGES else negotiate(request.headers.get(
        "Accept-Language"))
    token = session.get("csrf")
    if not isinstance(token, str):
        token = session["csrf"] = secrets.token_urlsafe(32)
    if request.method in SAFE_METHODS:
        return
    sent = request.headers.get(CSRF_HEADER) or request.form.get("csrf_token") or ""
    if not hmac.compare_digest(sent.encode(), token.encode()):
        raise Forbidden(detail_code="csrf_failed")


@blueprint.after_request
def page_headers(response: Response) -> Response:
    response.headers.setdefault("Content-Security-Policy", CSP)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    if response.mimetype == "text/html":
        response.headers.setdefault("Cache-Control", "no-store")
        response.headers["Content-Language"] = getattr(g, "locale", "en")
        response.vary.add("Cookie")
    return response


def _share_hooks() -> None:
    """The designers get the web app's language, CSRF check, headers, page globals and
    error pages (a blueprint's hooks apply to its own routes only)."""
    designer.before_request(language_and_csrf)
    designer.after_request(page_headers)
    designer.context_processor(page_globals)
    designer.register_error_handler(Problem, on_problem)
    designer.register_error_handler(HTTPException, on_http_error)
    designer.register_error_handler(Exception, on_unexpected)


_share_hooks()


def csrf_token() -> Any:
    return session.get("csrf", "")
