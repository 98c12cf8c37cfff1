"""The Alembic migrations build exactly the catalog the code declares."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from objectry.metadata.catalog_tables import CATALOG
from objectry.platform.services import Services


def test_migrated_schema_matches_the_declared_catalog(services: Services) -> None:
    def only_catalog(name: str | None, kind: str, parents: dict) -> bool:
        """Tenant tables share the SQLite file; they follow metadata, not migrations."""
        return kind != "table" or name in CATALOG.tables or name == "alembic_version"

    with services.engine.connect() as conn:
        context = MigrationContext.configure(conn, opts={"include_name": only_catalog})
        differences = compare_metadata(context, CATALOG)
    assert differences == []
