"""Run steps carry their tenant; an index finds the tenants with documents of a kind

Revision ID: 0019
Revises: 0018

Every statement over ``run_steps`` can then name the tenant (what Citus schema-based
sharding needs to route it, docs/scaling.md); the index serves the automation engine's
question "which tenants have timed workflows" without reading every document.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("run_steps", sa.Column("tenant_id", sa.Integer(), nullable=True))
    op.execute("UPDATE run_steps SET tenant_id = (SELECT workflow_runs.tenant_id FROM "
               "workflow_runs WHERE workflow_runs.id = run_steps.run_id)")
    op.drop_index("ix_run_steps_run", table_name="run_steps")
    with op.batch_alter_table("run_steps") as batch:  # SQLite: a rebuild, for NOT NULL
        batch.alter_column("tenant_id", existing_type=sa.Integer(), nullable=False)
        batch.create_foreign_key(op.f("fk_run_steps_tenant_id_tenants"), "tenants",
                                 ["tenant_id"], ["id"])
    op.create_index("ix_run_steps_run", "run_steps", ["tenant_id", "run_id", "id"])
    op.create_index("ix_meta_documents_kind", "meta_documents", ["kind", "tenant_id"])


def downgrade() -> None:
    op.drop_index("ix_meta_documents_kind", table_name="meta_documents")
    op.drop_index("ix_run_steps_run", table_name="run_steps")
    with op.batch_alter_table("run_steps") as batch:
        batch.drop_constraint(op.f("fk_run_steps_tenant_id_tenants"), type_="foreignkey")
        batch.drop_column("tenant_id")
    op.create_index("ix_run_steps_run", "run_steps", ["run_id", "id"])
