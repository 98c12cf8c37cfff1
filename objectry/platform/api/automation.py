"""Automation over HTTP: external events, run history, manual starts and intervention."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Blueprint, Response

from objectry.platform.api.common import (
    choice_arg,
    json_body,
    json_response,
    limit_arg,
    optional_json_body,
    require_admin,
    tenant_context,
)
from objectry.runtime.access.metadata_access import require_metadata_read
from objectry.runtime.automation import dry_run, events, migrate, run_views, runs, webhooks

blueprint = Blueprint("automation", __name__, url_prefix="/api/v1")

STATUSES = ("running", "waiting", "paused", "completed", "failed", "cancelled")




@blueprint.post("/events")
def post_event() -> Response:
    body = json_body()
    with tenant_context() as ctx:
        event, created = events.post_event(ctx, body)
    return json_response(event, 202 if created else 200)


@blueprint.get("/workflows/<workflow>/runs")
def workflow_runs(workflow: str) -> Response:
    limit, status = limit_arg(), choice_arg("status", STATUSES)
    with tenant_context(read_only=True) as ctx:
        require_metadata_read(ctx, "workflow", workflow)
        items = run_views.workflow_runs(ctx, workflow, status=status, limit=limit)
    return json_response({"items": items})


@blueprint.post("/workflows/<workflow>/runs")
def start_runs(workflow: str) -> Response:
    body = json_body()
    with tenant_context() as ctx:
        require_metadata_read(ctx, "workflow", workflow)  # customizers, and admins
        started = runs.start_manual(ctx, workflow, body)
    return json_response(started, 202)



@blueprint.post("/workflows/<workflow>/dry_run")
def dry_run_workflow(workflow: str) -> Response:
    """What the workflow (saved, or the draft in the body) would do; writes nothing."""
    body = optional_json_body()
    with tenant_context(read_only=True) as ctx:
        require_metadata_read(ctx, "workflow", workflow)
        result = dry_run.dry_run(ctx, workflow, body)
    return json_response(result)


@blueprint.post("/workflows/<workflow>/migrate_runs")
def migrate_runs(workflow: str) -> Response:
    body = optional_json_body()
    with tenant_context() as ctx:
        require_admin(ctx)
        result = migrate.migrate_runs(ctx, workflow, body)
    return json_response(result)


@blueprint.get("/records/<object_name>/<record_id>/runs")
def record_runs(object_name: str, record_id: str) -> Response:
    limit, status = limit_arg(), choice_arg("status", STATUSES)
    with tenant_context(read_only=True) as ctx:
        items = run_views.record_runs(ctx, object_name, record_id, status=status,
                                      limit=limit)
    return json_response({"items": items})


@blueprint.get("/runs/<run_id>")
def read_run(run_id: str) -> Response:
    with tenant_context(read_only=True) as ctx:
        require_metadata_read(ctx, "workflow")
        run = run_views.read_run(ctx, run_id)
    return json_response(run)


def _as_admin(action: Callable[..., Any], *args: Any) -> Response:
    """An administrator's intervention on runs or workflows, in one transaction."""
    with tenant_context() as ctx:
        require_admin(ctx)
        answer = action(ctx, *args)
    return json_response(answer)


@blueprint.post("/runs/<run_id>/cancel")
def cancel_run(run_id: str) -> Response:
    return _as_admin(runs.cancel, run_id)


@blueprint.post("/runs/<run_id>/pause")
def pause_run(run_id: str) -> Response:
    return _as_admin(runs.pause_run, run_id)


@blueprint.post("/runs/<run_id>/resume")
def resume_run(run_id: str) -> Response:
    return _as_admin(runs.resume_run, run_id)


@blueprint.post("/workflows/<workflow>/pause")
def pause(workflow: str) -> Response:
    return _as_admin(runs.set_paused, workflow, True)


@blueprint.post("/workflows/<workflow>/resume")
def resume(workflow: str) -> Response:
    return _as_admin(runs.set_paused, workflow, False)


@blueprint.get("/automation/webhook_secret")
def webhook_secret() -> Response:
    """The tenant's webhook signing secret (admins; created on first read)."""
    with tenant_context() as ctx:
        require_admin(ctx)
        secret = webhooks.signing_secret(ctx)
    return json_response({"secret": secret, "header": "X-Objectry-Signature",
                          "scheme": "t=<unix seconds>,v1=<hex HMAC-SHA256 of '<t>.<body>'>"})


@blueprint.post("/automation/webhook_secret/rotate")
def rotate_webhook_secret() -> Response:
    with tenant_context() as ctx:
        require_admin(ctx)
        secret = webhooks.signing_secret(ctx, rotate=True)
    return json_response({"secret": secret})
