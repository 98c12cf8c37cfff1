"""Imports: an import and its source rows (issue 16)

Revision ID: 0014
Revises: 0013
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

from objectry.metadata.fieldtypes.sqltypes import UTCDateTime

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def _json() -> sa.types.TypeEngine:
    return sa.JSON(none_as_null=True).with_variant(postgresql.JSONB(none_as_null=True),
                                                    "postgresql")


def upgrade() -> None:
    op.create_table(
        "imports",
        sa.Column("id", sa.Uuid(), primary_key=True),
        sa.Column("tenant_id", sa.Integer(), sa.ForeignKey("tenants.id"), nullable=False),
        sa.Column("object", sa.String(63), nullable=False),
        sa.Column("status", sa.String(20), nullable=False),
        sa.Column("file_name", sa.String(255), nullable=False),
        sa.Column("file_format", sa.String(10), nullable=False),
        sa.Column("encoding", sa.String(20)),
        sa.Column("columns", _json(), nullable=False),
        sa.Column("mapping", _json(), nullable=False),
        sa.Column("upsert_on", sa.String(63)),
        sa.Column("total_rows", sa.Integer(), nullable=False),
        sa.Column("invalid_rows", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("rows_done", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("rows_failed", sa.Integer(), nullable=False, server_default="0"),
        sa.Column("created_by", sa.Uuid()),
        sa.Column("locale", sa.String(10), nullable=False),
        sa.Column("created_at", UTCDateTime(), nullable=False),
        sa.Column("started_at", UTCDateTime()),
        sa.Column("updated_at", UTCDateTime(), nullable=False),
        sa.Column("finished_at", UTCDateTime()),
        sa.Column("lease_owner", sa.String(80)),
        sa.Column("lease_until", UTCDateTime()),
        sa.Column("error", _json()),
    )
    op.create_index("ix_imports_tenant", "imports", ["tenant_id", "created_at"])
    op.create_table(
        "import_rows",
        sa.Column("import_id", sa.Uuid(), sa.ForeignKey("imports.id", ondelete="CASCADE"),
                  primary_key=True),
        sa.Column("row_no", sa.Integer(), primary_key=True),
        sa.Column("cells", _json(), nullable=False),
        sa.Column("outcome", sa.String(10)),
        sa.Column("record_id", sa.Uuid()),
        sa.Column("errors", _json()),
    )
    op.create_index("ix_import_rows_pending", "import_rows",
                    ["import_id", "outcome", "row_no"])


def downgrade() -> None:
    op.drop_table("import_rows")
    op.drop_table("imports")
