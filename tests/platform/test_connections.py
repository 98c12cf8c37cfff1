"""Pooled connections for many tenants: recycled after N tenants or uses, and
PgBouncer-safe."""

from __future__ import annotations

import dataclasses

import pytest
import sqlalchemy as sa

from objectry.platform.config import Settings
from objectry.platform.db import engine_for, make_engine
from objectry.runtime.kernel.storage import (
    TENANTS_SERVED,
    TenantConnection,
    TenantStorage,
)


def backend_of(engine: sa.Engine) -> object:
    """What identifies the server side of the connection a checkout gets."""
    with engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            return conn.execute(sa.text("SELECT pg_backend_pid()")).scalar_one()
        return id(conn.connection.dbapi_connection)


def test_a_pooled_connection_is_replaced_after_its_uses(settings: Settings) -> None:
    if settings.is_sqlite:
        pytest.skip("recycling bounds PostgreSQL backends' caches; SQLite has none")
    engine = engine_for(dataclasses.replace(settings, db_recycle_uses=3,
                                            db_recycle_tenants=0))
    try:
        first = [backend_of(engine) for _ in range(3)]
        assert len(set(first)) == 1  # the pool hands out the same connection
        fourth = backend_of(engine)
        assert fourth != first[0]  # ... until it has served three checkouts
        assert [backend_of(engine) for _ in range(2)] == [fourth, fourth]
    finally:
        engine.dispose()


def serve(engine: sa.Engine, slug: str) -> object:
    """One checkout that runs a statement for tenant ``slug``; the backend that served it."""
    with engine.connect() as conn:
        TenantConnection.of(conn, TenantStorage(conn.dialect.name, slug))
        return conn.execute(sa.text("SELECT pg_backend_pid()")).scalar_one()


def test_a_pooled_connection_is_replaced_after_serving_its_tenants(
        settings: Settings) -> None:
    if settings.is_sqlite:
        pytest.skip("recycling bounds PostgreSQL backends' caches; SQLite has none")
    engine = engine_for(dataclasses.replace(settings, db_recycle_tenants=2,
                                            db_recycle_uses=0))
    try:
        # one tenant, many requests: the backend keeps its caches and prepared plans
        first = [serve(engine, "alpha") for _ in range(6)]
        assert len(set(first)) == 1
        assert serve(engine, "alpha") == serve(engine, "beta") == first[0]
        # it has served two tenants: the next checkout gets a new backend
        second = serve(engine, "alpha")
        assert second != first[0]
        assert [serve(engine, "alpha") for _ in range(4)] == [second] * 4
    finally:
        engine.dispose()


def test_never_recycled_when_switched_off(settings: Settings) -> None:
    if settings.is_sqlite:
        pytest.skip("PostgreSQL only")
    engine = engine_for(dataclasses.replace(settings, db_recycle_uses=0,
                                            db_recycle_tenants=0, db_recycle_seconds=0))
    try:
        assert len({backend_of(engine) for _ in range(10)}) == 1
        assert engine.pool._recycle == -1  # type: ignore[attr-defined]
        serve(engine, "alpha")
        with engine.connect() as conn:  # nothing collects the tenants served
            assert TENANTS_SERVED not in conn.info
    finally:
        engine.dispose()


def test_behind_pgbouncer_nothing_is_prepared(settings: Settings) -> None:
    if settings.is_sqlite:
        pytest.skip("PostgreSQL only")
    engine = engine_for(dataclasses.replace(settings, db_pgbouncer=True))
    try:
        with engine.connect() as conn:
            for _ in range(8):  # psycopg would prepare it from the fifth run on
                conn.execute(sa.text("SELECT 1 WHERE 1 = :one"), {"one": 1})
            prepared = conn.execute(sa.text(
                "SELECT count(*) FROM pg_prepared_statements")).scalar_one()
            assert conn.connection.dbapi_connection.prepare_threshold is None  # type: ignore[union-attr]
        assert prepared == 0
    finally:
        engine.dispose()


def random_page_cost(engine: sa.Engine) -> str:
    with engine.connect() as conn:
        return str(conn.exec_driver_sql("SHOW random_page_cost").scalar_one())


def test_each_connection_plans_with_the_configured_random_page_cost(
        settings: Settings) -> None:
    if settings.is_sqlite:
        pytest.skip("PostgreSQL only")
    server = random_page_cost(make_engine(settings.database_url, poolclass=sa.pool.NullPool))
    for cost, expected in ((1.1, "1.1"), (2.5, "2.5"), (0.0, server)):
        engine = engine_for(dataclasses.replace(settings, db_random_page_cost=cost))
        try:
            assert random_page_cost(engine) == expected
        finally:
            engine.dispose()
    behind = engine_for(dataclasses.replace(settings, db_pgbouncer=True))
    try:  # PgBouncer refuses startup options: the server's setting applies
        assert random_page_cost(behind) == server
    finally:
        behind.dispose()
    url = sa.engine.make_url(settings.database_url).update_query_dict(
        {"options": "-c random_page_cost=3"})
    given = engine_for(dataclasses.replace(
        settings, database_url=url.render_as_string(hide_password=False)))
    try:  # options of the URL win
        assert random_page_cost(given) == "3"
    finally:
        given.dispose()


def test_settings_read_from_the_environment() -> None:
    read = Settings.from_env({"OBJECTRY_DB_RECYCLE_USES": "50",
                              "OBJECTRY_DB_RECYCLE_TENANTS": "20",
                              "OBJECTRY_DB_RECYCLE_SECONDS": "120",
                              "OBJECTRY_DB_PGBOUNCER": "1",
                              "OBJECTRY_DB_RANDOM_PAGE_COST": "2"})
    assert (read.db_recycle_uses, read.db_recycle_seconds, read.db_pgbouncer) == (50, 120, True)
    assert read.db_random_page_cost == 2.0 and read.db_recycle_tenants == 20
    assert Settings.from_env({}).db_random_page_cost == 1.1
