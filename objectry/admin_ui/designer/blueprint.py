"""The designers' blueprint: every route is for administrators only (403 otherwise,
before anything is read), under ``/app/design``, with the web app's sign-in, CSRF,
language and error pages (``web.init_app`` registers those hooks here too)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from flask import Blueprint

from objectry.admin_ui.app.blueprint import user_context
from objectry.metadata.problems import Forbidden
from objectry.runtime.kernel.context import Context

designer = Blueprint("designer", __name__, url_prefix="/app/design",
                     template_folder="../templates")


@contextmanager
def admin_context(*, read_only: bool = False) -> Iterator[Context]:
    """The signed-in administrator's context; 403 ``admin_required`` for anyone else."""
    with user_context(read_only=read_only) as ctx:
        if not ctx.actor.is_admin:
            raise Forbidden(detail_code="admin_required")
        yield ctx
