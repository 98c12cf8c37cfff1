"""The Flask application factory.

Views are thin: parse, call a service with an explicit context, render. Every failure
leaves as RFC 9457 problem details in the caller's language; an unexpected exception is
logged and reported as a 500 problem without internals.

Building the app changes no schema: whoever starts it migrates first (``objectry serve``,
``objectry db upgrade``). Until the catalog is at the revision this code expects, every
request but ``/healthz`` (which reports it) fails with a 503 ``schema_not_current``.
"""

from __future__ import annotations

import logging
import threading
from functools import partial

from flask import Flask, Response, g, request
from werkzeug.exceptions import HTTPException, MethodNotAllowed

from objectry.admin_ui.host import WebSettings
from objectry.admin_ui.web import LIMITER_KEY
from objectry.admin_ui.web import init_app as init_web_app
from objectry.metadata.i18n import negotiate
from objectry.metadata.lru import LruCache
from objectry.metadata.problems import Problem, Unauthorized
from objectry.platform import metrics
from objectry.platform.api import analytics as analytics_api
from objectry.platform.api import automation as automation_api
from objectry.platform.api import bulk as bulk_api
from objectry.platform.api import discovery, grants, meta, people, records
from objectry.platform.api import distribution as distribution_api
from objectry.platform.api import functions as function_api
from objectry.platform.api import imports as import_api
from objectry.platform.api import lifecycle as lifecycle_api
from objectry.platform.api import messages as message_api
from objectry.platform.api import packs as pack_api
from objectry.platform.api import scoring as scoring_api
from objectry.platform.api import secrets as secret_api
from objectry.platform.api import tenants as tenant_api
from objectry.platform.api import tokens as token_api
from objectry.platform.api import webforms as web_form_api
from objectry.platform.api.common import SERVICES_KEY, bearer_token, json_response
from objectry.platform.api.plumbing import TokenApiSessions, skip_hooks_of
from objectry.platform.config import Settings
from objectry.platform.db import require_current_schema
from objectry.platform.problem_json import MEDIA_TYPE, STATUS_TITLES, problem_body
from objectry.platform.services import Services

log = logging.getLogger(__name__)


def create_app(settings: Settings | None = None, services: Services | None = None) -> Flask:
    """The app over ``services`` (or services started from ``settings``, or from the
    environment); it never migrates the catalog."""
    settings = settings or (services.settings if services else Settings.from_env())
    services = services or Services.start(settings)
    app = Flask(__name__)
    app.config["MAX_CONTENT_LENGTH"] = settings.max_body_bytes
    app.json.ensure_ascii = False  # type: ignore[attr-defined]
    app.extensions[SERVICES_KEY] = services
    for blueprint in (records.blueprint, grants.blueprint, meta.blueprint, people.blueprint,
                      discovery.blueprint):
        app.register_blueprint(blueprint)
    app.register_blueprint(function_api.blueprint)
    app.register_blueprint(automation_api.blueprint)
    app.register_blueprint(message_api.blueprint)
    app.register_blueprint(scoring_api.blueprint)
    app.register_blueprint(analytics_api.blueprint)
    app.register_blueprint(distribution_api.blueprint)
    app.register_blueprint(lifecycle_api.blueprint)
    app.register_blueprint(bulk_api.blueprint)
    app.register_blueprint(import_api.blueprint)
    app.register_blueprint(token_api.blueprint)
    app.register_blueprint(secret_api.blueprint)
    app.register_blueprint(pack_api.blueprint)
    app.register_blueprint(web_form_api.blueprint)
    app.register_blueprint(tenant_api.blueprint)  # the platform admin's, not a tenant's
    init_web_app(app, services, web_settings(settings))  # the browser app under /app
    metrics.install(app, services)  # GET /metrics (Prometheus), request latency

    schema_current = threading.Event()
    token_api_blueprints = frozenset(blueprint.name for blueprint in (
        records.blueprint, grants.blueprint, meta.blueprint, people.blueprint,
        discovery.blueprint, function_api.blueprint, automation_api.blueprint,
        message_api.blueprint, scoring_api.blueprint, token_api.blueprint,
        distribution_api.blueprint, bulk_api.blueprint, import_api.blueprint,
        lifecycle_api.blueprint,
        secret_api.blueprint, tenant_api.blueprint, web_form_api.blueprint,
        pack_api.blueprint))
    languages = LruCache(256)  # Accept-Language headers repeat: negotiated once each

    def on_token_api() -> bool:
        return request.blueprint in token_api_blueprints

    # the token API has no rate limit and no session: the sign-in limiter's hooks and
    # the session cookie's signature check are skipped there (15% of a one-row GET)
    skip_hooks_of(app, app.extensions[LIMITER_KEY], on_token_api)
    app.session_interface = TokenApiSessions(app.session_interface)

    @app.before_request
    def prepare_request() -> None:
        """The caller's language; the catalog's revision, checked on each request until
        it is current once, then never again; and, on the API, a 401 for a call
        without a token before its body or parameters are read (an invalid token is
        refused when the view opens its context). One hook: each costs a call."""
        header = request.headers.get("Accept-Language")
        g.locale = languages.get_or_build(header, partial(negotiate, header)) \
            if header and len(header) <= 200 else negotiate(header)
        if not schema_current.is_set() and \
                request.endpoint not in ("discovery.healthz", "metrics"):
            require_current_schema(services.engine)
            schema_current.set()
        if on_token_api() and request.path.startswith("/api/v1/") and bearer_token() is None:
            raise Unauthorized(detail_code="token_missing")

    @app.errorhandler(Problem)
    def on_problem(problem: Problem) -> Response:
        return _render(problem)

    @app.errorhandler(HTTPException)
    def on_http_error(error: HTTPException) -> Response:
        status = error.code or 500
        code = STATUS_TITLES.get(status, "bad_request" if status < 500 else "internal_error")
        response = _render(Problem(detail_code=code, status=status))
        if isinstance(error, MethodNotAllowed) and error.valid_methods:
            # RFC 9110: a 405 names the methods the resource has
            response.headers["Allow"] = ", ".join(sorted(error.valid_methods))
        return response

    @app.errorhandler(Exception)
    def on_unexpected(error: Exception) -> Response:
        log.exception("unhandled error on %s %s", request.method, request.path)
        return _render(Problem(detail_code="internal_error", status=500))

    return app


def web_settings(settings: Settings) -> WebSettings:
    return WebSettings(login_rate_limit=settings.login_rate_limit,
                       login_rate_limit_per_address=settings.login_rate_limit_per_address,
                       rate_limit_storage_url=settings.rate_limit_storage_url,
                       session_hours=settings.session_hours,
                       invitation_days=settings.invitation_days,
                       list_count_cap=settings.list_count_cap,
                       web_form_rate_limit=settings.web_form_rate_limit,
                       web_form_max_bytes=settings.web_form_max_bytes,
                       web_form_token_minutes=settings.web_form_token_minutes,
                       public_url=settings.public_url)


def _render(problem: Problem) -> Response:
    locale = getattr(g, "locale", "en")
    response = json_response(problem_body(problem, locale), problem.status,
                             mimetype=MEDIA_TYPE)
    if problem.status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="objectry"'
    response.headers["Content-Language"] = locale
    return response
