"""Pooled connections for many tenants: recycled after N uses, and PgBouncer-safe."""

from __future__ import annotations

import dataclasses

import pytest
import sqlalchemy as sa

from objectry.platform.config import Settings
from objectry.platform.db import engine_for


def backend_of(engine: sa.Engine) -> object:
    """What identifies the server side of the connection a checkout gets."""
    with engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            return conn.execute(sa.text("SELECT pg_backend_pid()")).scalar_one()
        return id(conn.connection.dbapi_connection)


def test_a_pooled_connection_is_replaced_after_its_uses(settings: Settings) -> None:
    if settings.is_sqlite:
        pytest.skip("recycling bounds PostgreSQL backends' caches; SQLite has none")
    engine = engine_for(dataclasses.replace(settings, db_recycle_uses=3))
    try:
        first = [backend_of(engine) for _ in range(3)]
        assert len(set(first)) == 1  # the pool hands out the same connection
        fourth = backend_of(engine)
        assert fourth != first[0]  # ... until it has served three checkouts
        assert [backend_of(engine) for _ in range(2)] == [fourth, fourth]
    finally:
        engine.dispose()


def test_never_recycled_when_switched_off(settings: Settings) -> None:
    if settings.is_sqlite:
        pytest.skip("PostgreSQL only")
    engine = engine_for(dataclasses.replace(settings, db_recycle_uses=0,
                                            db_recycle_seconds=0))
    try:
        assert len({backend_of(engine) for _ in range(10)}) == 1
        assert engine.pool._recycle == -1  # type: ignore[attr-defined]
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


def test_settings_read_from_the_environment() -> None:
    read = Settings.from_env({"OBJECTRY_DB_RECYCLE_USES": "50",
                              "OBJECTRY_DB_RECYCLE_SECONDS": "120",
                              "OBJECTRY_DB_PGBOUNCER": "1"})
    assert (read.db_recycle_uses, read.db_recycle_seconds, read.db_pgbouncer) == (50, 120, True)
