"""An (owner, id) index on every existing tenant table (now the tenant step t0001)

This migration once walked every tenant's tables in the catalog's one transaction; at
hundreds of tenants that holds a lock per table and fails ("out of shared memory"), and
``objectry serve`` ran it on start. The index is now the first tenant step
(``objectry.platform.tenant_migrations.steps.add_owner_index``), run by ``objectry db
upgrade`` one tenant per transaction and idempotent for tenants this migration already
gave the index; this revision stays in the chain and does nothing.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    """Nothing: tenant step t0001 adds the index."""


def downgrade() -> None:
    """Nothing: the index is harmless on an older catalog."""
