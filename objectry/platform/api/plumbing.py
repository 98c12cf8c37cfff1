"""Request machinery the token API does without: the browser's session cookie and
another extension's per-request hooks.

A token request authenticates with its bearer token alone: it never reads or writes
the signed session cookie, and the sign-in rate limiter has no limit on it. Opening
the session (a signature check per request) and running the limiter's before, after
and teardown hooks took 15% of a one-row GET's server time, so both are skipped for
the token API's paths and stay exactly as they were everywhere else.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial, wraps
from typing import Any

from flask import Flask, Request, Response
from flask.sessions import SessionInterface, SessionMixin

#: Where the token API lives: no session is opened for these paths.
API_PREFIX = "/api/v1/"


class TokenApiSessions(SessionInterface):
    """``inner``'s sessions everywhere but on the token API, which gets the null session
    (nothing read from the cookie, nothing written back)."""

    def __init__(self, inner: SessionInterface, prefix: str = API_PREFIX) -> None:
        self.inner = inner
        self.prefix = prefix

    def open_session(self, app: Flask, request: Request) -> SessionMixin | None:
        if request.path.startswith(self.prefix):
            return self.make_null_session(app)
        return self.inner.open_session(app, request)

    def is_null_session(self, obj: object) -> bool:
        return self.inner.is_null_session(obj)

    def save_session(self, app: Flask, session: SessionMixin, response: Response) -> None:
        self.inner.save_session(app, session, response)


def skip_hooks_of(app: Flask, owner: object, skip: Callable[[], bool]) -> int:
    """Wrap the app-wide before/after/teardown request hooks that ``owner`` registered
    (its bound methods, or partials bound to it) so they do nothing while ``skip()``
    is true; returns how many were wrapped."""
    wrapped = 0
    for hooks, passthrough in ((app.before_request_funcs, False),
                               (app.after_request_funcs, True),
                               (app.teardown_request_funcs, False)):
        funcs = hooks.get(None, [])
        for i, func in enumerate(funcs):
            if _owner_of(func) is owner:
                funcs[i] = _unless(func, skip, passthrough)
                wrapped += 1
    return wrapped


def _owner_of(func: Any) -> object:
    if isinstance(func, partial):
        return func.args[0] if func.args else None
    return getattr(func, "__self__", None)


def _unless(func: Callable[..., Any], skip: Callable[[], bool],
            passthrough: bool) -> Callable[..., Any]:
    """``func`` unless ``skip()``: an after-request hook then hands the response on."""
    @wraps(func)
    def hook(*args: Any) -> Any:
        if skip():
            return args[0] if passthrough else None
        return func(*args)

    return hook
