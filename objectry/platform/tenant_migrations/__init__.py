"""Tenant migrations: changes to every tenant's own tables, one tenant per transaction.

Alembic migrates the catalog (a few shared tables, one transaction). A change to the
tables of every tenant cannot run that way: at hundreds of tenants one transaction holds
a lock per table and index and dies ("out of shared memory"), and a failure rolls back
hours of work. So such changes are *tenant steps* (``steps.py``), an ordered chain
applied by ``objectry db upgrade`` tenant by tenant, each tenant in a transaction of its
own that also records the step it reached (``tenant_revisions``): a killed upgrade
resumes where it stopped. New tenants start at the newest step. ``objectry serve`` never
runs them: it refuses to start while any tenant is behind.
"""

from __future__ import annotations

from objectry.platform.tenant_migrations.runner import (
    TenantMigrationReport,
    head_revision,
    mark_current,
    pending_tenants,
    upgrade_tenants,
)
from objectry.platform.tenant_migrations.steps import STEPS, TenantRef, TenantStep
from objectry.platform.tenant_migrations.tables import tenant_revisions

__all__ = ["STEPS", "TenantMigrationReport", "TenantRef", "TenantStep", "head_revision",
           "mark_current", "pending_tenants", "tenant_revisions", "upgrade_tenants"]
