"""Moving runs in flight onto another version of their workflow (an admin's choice).

Runs keep the workflow as it was when they started (``workflow_runs.definition``);
editing a workflow changes nothing for them until an admin migrates them. A run moves
only between steps: it must be live and not leased by a worker, and the step it stands
at must exist in the target version, where it goes on (its wait, retry count and due
time unchanged). Every other run stays where it is and is listed with the reason.
The move is one conditional UPDATE per run, so a worker that claims the run first wins
and the run is reported as in progress, never half-moved. Each move is a row of the
run's history (outcome ``migrated``), shown by the run-history API.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import sqlalchemy as sa

from objectry.metadata.catalog_tables import meta_revisions
from objectry.metadata.i18n import message
from objectry.metadata.problems import ErrorItem, Invalid, NotFound
from objectry.runtime.automation.definitions import workflow_index
from objectry.runtime.automation.run_tables import run_steps, workflow_runs
from objectry.runtime.automation.runs import LIVE
from objectry.runtime.kernel.context import Context

ALLOWED = frozenset({"from_version", "to_version"})


def migrate_runs(ctx: Context, name: str, body: Any) -> dict[str, Any]:
    """Move the workflow's live runs of older (or one given) versions to ``to_version``."""
    workflow = workflow_index(ctx).by_name.get(name)
    if workflow is None:
        raise NotFound(detail_code="unknown_workflow", workflow=name)
    if body is None:
        body = {}
    if not isinstance(body, dict):
        raise Invalid([ErrorItem("", "expected_object")])
    errors = [ErrorItem(f"/{k}", "unknown_parameter", {"name": k})
              for k in sorted(set(body) - ALLOWED)]
    if errors:
        raise Invalid(errors)
    target = body.get("to_version", "latest")
    if target == "latest":
        version, document = workflow.version, workflow.document
    else:
        version, document = target, _revision(ctx, name, target, "/to_version")
    source = body.get("from_version")
    if source is not None:
        _revision(ctx, name, source, "/from_version")
    runs = workflow_runs
    which = runs.c.definition_version == source if source is not None \
        else runs.c.definition_version < version
    candidates = ctx.conn.execute(sa.select(runs).where(
        runs.c.tenant_id == ctx.tenant.id, runs.c.workflow == name,
        runs.c.status.in_(LIVE), which, runs.c.definition_version != version)
        .order_by(runs.c.id)).mappings().all()
    step_ids = {step["id"] for step in document["steps"]}
    moved, skipped = [], []
    for run in candidates:
        summary = {"run": str(run["id"]),
                   "record": str(run["record_id"]) if run["record_id"] else None,
                   "from_version": run["definition_version"], "step": run["step"],
                   "status": run["status"]}
        if run["step"] not in step_ids:
            skipped.append(_skip(ctx, summary, "step_not_in_version", step=run["step"],
                                 version=version, current=run["definition_version"]))
        elif not _move(ctx, run, version, document):
            skipped.append(_skip(ctx, summary, "run_in_progress"))
        else:
            moved.append({**summary, "to_version": version})
    return {"workflow": name, "to_version": version, "moved": moved, "skipped": skipped}


def _revision(ctx: Context, name: str, version: Any, at: str) -> Mapping[str, Any]:
    """The workflow's document as saved at metadata version ``version`` (422 if none)."""
    document = None
    if isinstance(version, int) and not isinstance(version, bool):
        document = ctx.conn.execute(sa.select(meta_revisions.c.document).where(
            meta_revisions.c.tenant_id == ctx.tenant.id,
            meta_revisions.c.kind == "workflow", meta_revisions.c.api_name == name,
            meta_revisions.c.version == version)).scalar()
    if document is None:
        raise Invalid([ErrorItem(at, "unknown_workflow_version",
                                 {"workflow": name, "version": str(version)[:20]})])
    return document


def _move(ctx: Context, run: Mapping[Any, Any], version: int,
          document: Mapping[str, Any]) -> bool:
    """Swap the run's definition if it is still where we saw it and no worker holds it."""
    now = ctx.now()
    runs = workflow_runs
    moved = ctx.conn.execute(sa.update(runs).where(
        runs.c.tenant_id == ctx.tenant.id, runs.c.id == run["id"], runs.c.status.in_(LIVE),
        runs.c.step == run["step"],
        runs.c.definition_version == run["definition_version"],
        sa.or_(runs.c.lease_until.is_(None), runs.c.lease_until < now)).values(
        definition=dict(document), definition_version=version, updated_at=now))
    if moved.rowcount != 1:
        return False
    ctx.conn.execute(run_steps.insert(), {
        "tenant_id": ctx.tenant.id, "run_id": run["id"], "step": run["step"],
        "attempt": run["step_attempt"],
        "outcome": "migrated", "input": {"from_version": run["definition_version"],
                                         "to_version": version, "by": ctx.actor.email},
        "output": None, "error": None, "started_at": now, "duration_ms": 0.0})
    return True


def _skip(ctx: Context, summary: Mapping[str, Any], code: str,
          **params: Any) -> dict[str, Any]:
    return {**summary, "reason": code, "message": message(code, ctx.locale, params)}
