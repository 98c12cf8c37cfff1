"""Registering the public pages on the app (``web.init_app`` calls :func:`init_public`)."""

from __future__ import annotations

from typing import Any

from flask import Flask, request
from flask_limiter import Limiter

from objectry.admin_ui.host import SETTINGS_KEY
from objectry.admin_ui.public import views
from objectry.admin_ui.public.blueprint import public

#: The views whose POSTs are rate limited (the module is imported for its routes).
LIMITED = (views.submit, views.unsubscribe)


def init_public(app: Flask, limiter: Limiter) -> None:
    """Register the public pages; submissions and unsubscribes are rate limited per
    client address and target (a flood on one form does not close the others)."""
    app.register_blueprint(public)
    limit = app.extensions[SETTINGS_KEY].web_form_rate_limit
    for view in LIMITED:
        endpoint = f"public.{view.__name__}"
        found: Any = app.view_functions[endpoint]
        app.view_functions[endpoint] = limiter.limit(
            limit, methods=["POST"], key_func=address_and_target, scope=endpoint)(found)


def address_and_target() -> str:
    args = request.view_args or {}
    target = "/".join(str(args.get(k, "")) for k in ("tenant", "form"))
    return f"{request.remote_addr or 'unknown'}|{target}"
