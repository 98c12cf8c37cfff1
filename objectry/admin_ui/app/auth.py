"""Sign-in, sign-out, the language switch and invitation links."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Response, g, redirect, request, session, url_for

from objectry.admin_ui import accounts
from objectry.admin_ui.app.blueprint import (
    blueprint,
    host,
    page,
    sign_in_session,
    t,
    user_context,
    web_settings,
)
from objectry.metadata.i18n import LANGUAGES
from objectry.metadata.problems import ErrorItem, Invalid, Problem

DAY = 24 * 3600


def safe_next(target: str | None) -> str:
    """Where to go after signing in: a path on this site only (no open redirect)."""
    if not target:
        return url_for("web.home")
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") \
            or "\\" in target:
        return url_for("web.home")
    return target


def _errors(problem: Problem) -> dict[str, str]:
    """Problem errors by form input name (``/password`` -> ``password``; "" -> form)."""
    return {e.path.lstrip("/").split("/")[0] or "form": t(e.code, **e.params)
            for e in problem.errors}


@blueprint.route("/sign-in", methods=["GET", "POST"])
def sign_in() -> Response:
    target = safe_next(request.values.get("next"))
    if request.method == "GET":
        if session.get("user"):
            return redirect(target, code=303)  # type: ignore[return-value]
        return page("web/sign_in.html", next=target, email="", workspace="", errors={})
    email = str(request.form.get("email", ""))[:254]
    workspace = str(request.form.get("workspace", ""))[:40]
    try:
        with host().connection() as conn:
            account = accounts.authenticate(conn, email, str(request.form.get("password", "")),
                                            workspace or None)
    except Invalid as problem:
        return page("web/sign_in.html", 422, next=target, email=email, workspace=workspace,
                    errors=_errors(problem))
    sign_in_session(account)
    return redirect(target, code=303)  # type: ignore[return-value]


@blueprint.post("/sign-out")
def sign_out() -> Response:
    language = session.get("lang")
    session.clear()
    if language in LANGUAGES:
        session["lang"] = language
    return redirect(url_for("web.sign_in"), code=303)  # type: ignore[return-value]


@blueprint.post("/language")
def language() -> Response:
    """Switch zh-CN/en: kept in the session and, when signed in, on the user."""
    chosen = request.form.get("language", "")
    if chosen not in LANGUAGES:
        raise Invalid([ErrorItem("/language", "schema_enum", {"allowed": list(LANGUAGES)})])
    session["lang"] = g.locale = chosen
    if session.get("user"):
        with user_context() as ctx:
            accounts.set_language(ctx.conn, g.account.user_id, chosen)
    back = request.referrer or ""
    return redirect(safe_next(urlsplit(back).path if back else None),  # type: ignore[return-value]
                    code=303)


@blueprint.route("/invitation/<token>", methods=["GET", "POST"])
def invitation(token: str) -> Response:
    """Set a first (or new) password from an invitation link, then sign in."""
    max_age = web_settings().invitation_days * DAY
    with host().connection() as conn:
        account = accounts.read_invitation(conn, host().keys, token, max_age)
        if request.method == "GET":
            return page("web/set_password.html", email=account.email, errors={})
        password = str(request.form.get("password", ""))
        try:
            if password != request.form.get("password_again", ""):
                raise Invalid([ErrorItem("/password_again", "passwords_differ")])
            stamp = accounts.set_password(conn, account.tenant_id, account.user_id, password)
        except Invalid as problem:
            return page("web/set_password.html", 422, email=account.email,
                        errors=_errors(problem))
    sign_in_session(accounts.Account(
        tenant_id=account.tenant_id, user_id=account.user_id, email=account.email,
        name=account.name, language=account.language, stamp=stamp))
    return redirect(url_for("web.home"), code=303)  # type: ignore[return-value]
