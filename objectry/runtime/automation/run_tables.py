"""The automation engine's rows: the database is the source of truth (central idea 5).

A run is one workflow working on one record. Its next move is a row too: ``due_at``
says when it may advance (now, after a wait, after a retry's backoff), and a lease
(``lease_owner`` until ``lease_until``) says which worker is advancing it. A worker that
dies mid-step loses its transaction and, once the lease runs out, another worker takes
the run from the last committed step: nothing lost, nothing done twice.

Events (the outbox rows the records service writes, and external events posted to the
API) are matched to workflows in one transaction per event that marks the event
dispatched (``events.dispatched_at``) and creates its runs, so each is matched once.
"""

from __future__ import annotations

import sqlalchemy as sa

from objectry.metadata.catalog_tables import CATALOG
from objectry.metadata.fieldtypes.sqltypes import UTCDateTime, json_column

#: External events posted with an idempotency key: the same key twice is one event.
event_keys = sa.Table(
    "event_keys", CATALOG,
    sa.Column("tenant_id", sa.Integer, sa.ForeignKey("tenants.id"), primary_key=True),
    sa.Column("key", sa.String(200), primary_key=True),
    sa.Column("event_id", sa.Uuid, nullable=False),
)

workflow_runs = sa.Table(
    "workflow_runs", CATALOG,
    sa.Column("id", sa.Uuid, primary_key=True),
    sa.Column("tenant_id", sa.Integer, sa.ForeignKey("tenants.id"), nullable=False),
    sa.Column("workflow", sa.String(63), nullable=False),
    #: The workflow as it was when the run started: edits do not change runs in flight.
    sa.Column("definition", json_column(), nullable=False),
    sa.Column("definition_version", sa.Integer, nullable=False),
    sa.Column("object", sa.String(63), nullable=False),
    sa.Column("record_id", sa.Uuid),
    #: running | waiting | paused | completed | failed | cancelled
    sa.Column("status", sa.String(20), nullable=False),
    sa.Column("step", sa.String(63)),
    sa.Column("step_attempt", sa.Integer, nullable=False, server_default="0"),
    sa.Column("due_at", UTCDateTime),
    sa.Column("wait", json_column()),
    sa.Column("lease_owner", sa.String(80)),
    sa.Column("lease_until", UTCDateTime),
    sa.Column("trigger", json_column(), nullable=False),
    #: One run per (workflow, triggering event): a redelivered event starts nothing new.
    sa.Column("trigger_key", sa.String(120), nullable=False),
    sa.Column("started_at", UTCDateTime, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
    sa.Column("finished_at", UTCDateTime),
    sa.Column("error", json_column()),
    sa.UniqueConstraint("tenant_id", "workflow", "trigger_key", name="uq_workflow_runs_trigger"),
    sa.Index("ix_workflow_runs_due", "status", "due_at"),
    sa.Index("ix_workflow_runs_record", "tenant_id", "object", "record_id"),
    sa.Index("ix_workflow_runs_workflow", "tenant_id", "workflow", "started_at"),
)

#: Every step a run executed (or failed), with its input, outcome and timing. It carries
#: its run's tenant (migration 0019) so every statement over it names the tenant: what
#: Citus needs to route it (docs/scaling.md).
run_steps = sa.Table(
    "run_steps", CATALOG,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("tenant_id", sa.Integer, sa.ForeignKey("tenants.id"), nullable=False),
    sa.Column("run_id", sa.Uuid, sa.ForeignKey("workflow_runs.id"), nullable=False),
    sa.Column("step", sa.String(63), nullable=False),
    sa.Column("attempt", sa.Integer, nullable=False),
    sa.Column("outcome", sa.String(20), nullable=False),  # done | waiting | failed | retry
    sa.Column("input", json_column()),
    sa.Column("output", json_column()),
    sa.Column("error", json_column()),
    sa.Column("started_at", UTCDateTime, nullable=False),
    sa.Column("duration_ms", sa.Float, nullable=False),
    sa.Index("ix_run_steps_run", "tenant_id", "run_id", "id"),
)

#: Paused workflows: no new runs start and their runs do not advance until resumed.
workflow_state = sa.Table(
    "workflow_state", CATALOG,
    sa.Column("tenant_id", sa.Integer, sa.ForeignKey("tenants.id"), primary_key=True),
    sa.Column("workflow", sa.String(63), primary_key=True),
    sa.Column("paused", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("changed_at", UTCDateTime, nullable=False),
    sa.Column("changed_by", sa.String(254), nullable=False),
)

#: How far the clock-driven triggers of each workflow have been swept: the next sweep
#: looks only at (swept_until, now], so each date or dormancy fires once, in order.
workflow_sweeps = sa.Table(
    "workflow_sweeps", CATALOG,
    sa.Column("tenant_id", sa.Integer, sa.ForeignKey("tenants.id"), primary_key=True),
    sa.Column("workflow", sa.String(63), primary_key=True),
    sa.Column("swept_until", UTCDateTime, nullable=False),
)

#: Per-tenant secrets the platform generates (the webhook signing secret), kept out of
#: metadata so that exporting or publishing metadata never leaks them.
tenant_secrets = sa.Table(
    "tenant_secrets", CATALOG,
    sa.Column("tenant_id", sa.Integer, sa.ForeignKey("tenants.id"), primary_key=True),
    sa.Column("name", sa.String(63), primary_key=True),
    sa.Column("value", sa.Text, nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
)
