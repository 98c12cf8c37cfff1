"""Automation: workflow runs and steps, paused workflows, sweeps, event dispatch and keys

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

import objectry.metadata.fieldtypes.sqltypes as sqltypes

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("events") as batch:
        batch.add_column(sa.Column("dispatched_at", sqltypes.UTCDateTime(), nullable=True))
    op.create_index("ix_events_undispatched", "events", ["dispatched_at", "id"])
    op.create_table(
        "event_keys",
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("event_id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"],
                                name=op.f("fk_event_keys_tenant_id_tenants")),
        sa.PrimaryKeyConstraint("tenant_id", "key", name=op.f("pk_event_keys")),
    )
    op.create_table(
        "workflow_runs",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("workflow", sa.String(length=63), nullable=False),
        sa.Column("definition", sqltypes.json_column(), nullable=False),
        sa.Column("definition_version", sa.Integer(), nullable=False),
        sa.Column("object", sa.String(length=63), nullable=False),
        sa.Column("record_id", sa.Uuid(), nullable=True),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("step", sa.String(length=63), nullable=True),
        sa.Column("step_attempt", sa.Integer(), server_default="0", nullable=False),
        sa.Column("due_at", sqltypes.UTCDateTime(), nullable=True),
        sa.Column("wait", sqltypes.json_column(), nullable=True),
        sa.Column("lease_owner", sa.String(length=80), nullable=True),
        sa.Column("lease_until", sqltypes.UTCDateTime(), nullable=True),
        sa.Column("trigger", sqltypes.json_column(), nullable=False),
        sa.Column("trigger_key", sa.String(length=120), nullable=False),
        sa.Column("started_at", sqltypes.UTCDateTime(), nullable=False),
        sa.Column("updated_at", sqltypes.UTCDateTime(), nullable=False),
        sa.Column("finished_at", sqltypes.UTCDateTime(), nullable=True),
        sa.Column("error", sqltypes.json_column(), nullable=True),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"],
                                name=op.f("fk_workflow_runs_tenant_id_tenants")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_workflow_runs")),
        sa.UniqueConstraint("tenant_id", "workflow", "trigger_key",
                            name="uq_workflow_runs_trigger"),
    )
    op.create_index("ix_workflow_runs_due", "workflow_runs", ["status", "due_at"])
    op.create_index("ix_workflow_runs_record", "workflow_runs",
                    ["tenant_id", "object", "record_id"])
    op.create_index("ix_workflow_runs_workflow", "workflow_runs",
                    ["tenant_id", "workflow", "started_at"])
    op.create_table(
        "run_steps",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("run_id", sa.Uuid(), nullable=False),
        sa.Column("step", sa.String(length=63), nullable=False),
        sa.Column("attempt", sa.Integer(), nullable=False),
        sa.Column("outcome", sa.String(length=20), nullable=False),
        sa.Column("input", sqltypes.json_column(), nullable=True),
        sa.Column("output", sqltypes.json_column(), nullable=True),
        sa.Column("error", sqltypes.json_column(), nullable=True),
        sa.Column("started_at", sqltypes.UTCDateTime(), nullable=False),
        sa.Column("duration_ms", sa.Float(), nullable=False),
        sa.ForeignKeyConstraint(["run_id"], ["workflow_runs.id"],
                                name=op.f("fk_run_steps_run_id_workflow_runs")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_run_steps")),
    )
    op.create_index("ix_run_steps_run", "run_steps", ["run_id", "id"])
    op.create_table(
        "workflow_state",
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("workflow", sa.String(length=63), nullable=False),
        sa.Column("paused", sa.Boolean(), server_default=sa.false(), nullable=False),
        sa.Column("changed_at", sqltypes.UTCDateTime(), nullable=False),
        sa.Column("changed_by", sa.String(length=254), nullable=False),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"],
                                name=op.f("fk_workflow_state_tenant_id_tenants")),
        sa.PrimaryKeyConstraint("tenant_id", "workflow", name=op.f("pk_workflow_state")),
    )
    op.create_table(
        "workflow_sweeps",
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("workflow", sa.String(length=63), nullable=False),
        sa.Column("swept_until", sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"],
                                name=op.f("fk_workflow_sweeps_tenant_id_tenants")),
        sa.PrimaryKeyConstraint("tenant_id", "workflow", name=op.f("pk_workflow_sweeps")),
    )
    op.create_table(
        "tenant_secrets",
        sa.Column("tenant_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=63), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.Column("created_at", sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["tenant_id"], ["tenants.id"],
                                name=op.f("fk_tenant_secrets_tenant_id_tenants")),
        sa.PrimaryKeyConstraint("tenant_id", "name", name=op.f("pk_tenant_secrets")),
    )


def downgrade() -> None:
    op.drop_table("tenant_secrets")
    op.drop_table("workflow_sweeps")
    op.drop_table("workflow_state")
    op.drop_index("ix_run_steps_run", table_name="run_steps")
    op.drop_table("run_steps")
    op.drop_index("ix_workflow_runs_workflow", table_name="workflow_runs")
    op.drop_index("ix_workflow_runs_record", table_name="workflow_runs")
    op.drop_index("ix_workflow_runs_due", table_name="workflow_runs")
    op.drop_table("workflow_runs")
    op.drop_table("event_keys")
    op.drop_index("ix_events_undispatched", table_name="events")
    with op.batch_alter_table("events") as batch:
        batch.drop_column("dispatched_at")
