"""Tenant migrations: one tenant per transaction, resumable after a failure or a kill,
never run by ``serve`` (which refuses to start while a tenant is behind), and new tenants
start at the newest step."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from objectry.platform import tenancy, tenant_migrations
from objectry.platform.cli import main
from objectry.platform.config import Settings
from objectry.platform.db import make_engine, upgrade
from objectry.platform.services import Services
from objectry.platform.tenant_migrations import STEPS, TenantRef, TenantStep, tenant_revisions
from objectry.runtime.kernel.storage import TenantStorage
from objectry.runtime.model.compiled import owner_index_name
from objectry.runtime.schema import metadata_service
from tests.conftest import TenantHandle

OBJECT = {"kind": "object", "api_name": "deal", "label": {"en": "Deal", "zh-CN": "交易"},
          "fields": [{"api_name": "title", "type": "text", "label": {"en": "Title",
                                                                    "zh-CN": "标题"}}]}


def revision_of(conn: sa.Connection, tenant_id: int) -> str | None:
    return conn.execute(sa.select(tenant_revisions.c.revision).where(
        tenant_revisions.c.tenant_id == tenant_id)).scalar_one_or_none()


@pytest.fixture
def own_database(settings: Settings, tmp_path: Path) -> Iterator[sa.Engine]:
    """An empty database of the suite's dialect, migrated, for tests that run over every
    tenant of it (on PostgreSQL a database beside the suite's, dropped afterwards)."""
    if settings.is_sqlite:
        engine = make_engine(f"sqlite:///{tmp_path / 'tenants.db'}")
        upgrade(engine)
        yield engine
        engine.dispose()
        return
    base = sa.engine.make_url(settings.database_url)
    name = f"{base.database}_tenant_steps"
    admin = make_engine(base.render_as_string(hide_password=False),
                        isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(sa.text(f'CREATE DATABASE "{name}"'))
    engine = make_engine(base.set(database=name).render_as_string(hide_password=False))
    try:
        upgrade(engine)
        yield engine
    finally:
        engine.dispose()
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def test_a_new_tenant_starts_at_the_newest_step(tenant: TenantHandle) -> None:
    with tenant.services.connection() as conn:
        found = tenancy.find_tenant(conn, tenant.slug)
        assert revision_of(conn, found.id) == tenant_migrations.head_revision() == "t0005"
        assert found.id not in [t for t, _ in tenant_migrations.pending_tenants(conn)]


def test_the_owner_index_step_adds_a_missing_index_and_keeps_an_existing_one(
        tenant: TenantHandle) -> None:
    with tenant.context() as ctx:
        metadata_service.apply_documents(ctx, [OBJECT], summary="deal")
    with tenant.services.connection() as conn:
        found = tenancy.find_tenant(conn, tenant.slug)
        storage = TenantStorage(conn.dialect.name, found.slug)
        index = owner_index_name(storage, "deal")
        ref = TenantRef(found.id, found.slug, storage)

        def indexes() -> set[str | None]:
            return {ix["name"] for ix in sa.inspect(conn).get_indexes(
                storage.table_name("deal"), schema=storage.schema)}

        assert index in indexes()
        STEPS[0].apply(conn, ref)  # a tenant that has it (built by this code): no error
        conn.execute(sa.text(f"DROP INDEX {storage.schema + '.' if storage.schema else ''}"
                             f"{index}"))
        conn.execute(tenant_revisions.delete().where(tenant_revisions.c.tenant_id == found.id))
        assert (found.id, found.slug) in tenant_migrations.pending_tenants(conn)
        assert tenant_migrations.runner.upgrade_tenant(conn, found.id, found.slug,
                                                       now=tenant.services.clock())
        assert index in indexes() and revision_of(conn, found.id) == "t0005"
        assert not tenant_migrations.runner.upgrade_tenant(conn, found.id, found.slug,
                                                           now=tenant.services.clock())


def test_a_killed_tenant_migration_resumes_where_it_stopped(
        own_database: sa.Engine, settings: Settings) -> None:
    """200 tenants (40 on SQLite): the new step fails on the 100th tenant (as a killed
    upgrade would stop there); the 99 before it keep the step, the 100th rolled back
    whole, and the next run does the remaining tenants only."""
    count = 40 if settings.is_sqlite else 200
    engine = own_database
    with engine.begin() as conn:
        created = [tenancy.create_tenant(conn, f"k{i:03d}", None,
                                         now=dt.datetime.now(dt.UTC))
                   for i in range(count)]
    assert tenant_migrations.pending_tenants(engine) == []
    failing_at = created[min(99, count // 2)].slug
    applied: list[str] = []

    def marker(storage: TenantStorage) -> sa.Table:
        return sa.Table(storage.table_name("zz_marker"), sa.MetaData(),
                        sa.Column("id", sa.Integer, primary_key=True), schema=storage.schema)

    def add_marker(conn: sa.Connection, tenant: TenantRef) -> None:
        marker(tenant.storage).create(conn)  # not idempotent: a second run would fail
        if tenant.slug == failing_at:
            raise KeyboardInterrupt("killed")
        applied.append(tenant.slug)

    steps = (*STEPS, TenantStep("t9001", "a marker table", add_marker))
    seen: list[tuple[int, int]] = []
    with pytest.raises(KeyboardInterrupt):
        tenant_migrations.upgrade_tenants(
            engine, steps=steps, progress=lambda _label, done, total: seen.append((done, total)))
    stopped = [t.slug for t in created].index(failing_at)
    assert applied == [t.slug for t in created[:stopped]]
    assert seen[-1] == (stopped, count)
    with engine.connect() as conn:
        assert [revision_of(conn, t.id) for t in created] == \
            ["t9001"] * stopped + ["t0005"] * (count - stopped)
        assert not sa.inspect(conn).has_table(  # rolled back with its tenant
            marker(TenantStorage(conn.dialect.name, failing_at)).name,
            schema=TenantStorage(conn.dialect.name, failing_at).schema)
    assert len(tenant_migrations.pending_tenants(engine, steps)) == count - stopped

    failing_at = ""
    report = tenant_migrations.upgrade_tenants(engine, steps=steps)
    assert (report.revision, report.pending, report.migrated) == \
        ("t9001", count - stopped, count - stopped)
    assert applied == [t.slug for t in created]  # each tenant once, none twice
    with engine.connect() as conn:
        assert {revision_of(conn, t.id) for t in created} == {"t9001"}
    assert tenant_migrations.pending_tenants(engine, steps) == []
    assert tenant_migrations.upgrade_tenants(engine, steps=steps).pending == 0


def test_serve_refuses_to_start_while_tenants_are_behind_and_db_upgrade_catches_up(
        tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'old.db'}"
    env = {"OBJECTRY_DATABASE_URL": url, "OBJECTRY_DATA_DIR": str(tmp_path)}
    services = Services.start(Settings(database_url=url, data_dir=tmp_path), migrate=True)
    try:
        with services.connection() as conn:  # a tenant from before tenant migrations
            old = tenancy.create_tenant(conn, "old", None, now=services.clock())
            conn.execute(tenant_revisions.delete())
    finally:
        services.close()
    runner = CliRunner()
    refused = runner.invoke(main, ["serve", "--port", "0", "--no-demo"], env=env)
    assert refused.exit_code == 1
    assert "1 tenant(s) still need tenant migrations" in refused.output
    assert "objectry db upgrade" in refused.output

    upgraded = runner.invoke(main, ["db", "upgrade"], env=env)
    assert upgraded.exit_code == 0, upgraded.output
    assert "tenants: 1 of 1 migrated to t0005" in upgraded.output
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            assert revision_of(conn, old.id) == "t0005"
        assert tenant_migrations.pending_tenants(engine) == []
    finally:
        engine.dispose()
    again = runner.invoke(main, ["db", "upgrade"], env=env)
    assert again.exit_code == 0 and "migrated" not in again.output
