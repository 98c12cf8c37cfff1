"""Starting against a database: only ``serve`` and ``db upgrade`` migrate; everything
else refuses a catalog at another revision with a clear problem, and ``/healthz`` says so."""

from __future__ import annotations

from pathlib import Path

import pytest
import sqlalchemy as sa
from click.testing import CliRunner

from objectry.metadata.problems import Problem
from objectry.platform.app import create_app
from objectry.platform.cli import main
from objectry.platform.config import Settings
from objectry.platform.db import head_revision, upgrade
from objectry.platform.services import Services


def fresh(tmp_path: Path) -> Settings:
    """A database nobody has migrated (SQLite whatever the suite runs on: the check is the
    same on both)."""
    return Settings(database_url=f"sqlite:///{tmp_path / 'fresh.db'}", data_dir=tmp_path)


def test_the_app_does_not_migrate_and_says_why_it_cannot_serve(tmp_path: Path) -> None:
    services = Services.start(fresh(tmp_path))
    try:
        client = create_app(services=services).test_client()
        assert sa.inspect(services.engine).get_table_names() == []  # nothing was created

        health = client.get("/healthz")
        assert health.status_code == 503
        assert health.get_json() == {"status": "unavailable", "database": "ok",
                                     "schema": "not_current", "revision": None,
                                     "expected": head_revision()}
        refused = client.get("/api/v1/records/lead", headers={"Accept-Language": "zh-CN"})
        assert refused.status_code == 503 and refused.mimetype == "application/problem+json"
        body = refused.get_json()
        assert body["code"] == "schema_not_current" and "objectry db upgrade" in body["detail"]
        assert "数据库" in body["detail"]

        upgrade(services.engine)  # what `objectry db upgrade` does; no restart needed
        assert client.get("/healthz").get_json() == {"status": "ok", "database": "ok",
                                                     "schema": "ok"}
        assert client.get("/api/v1/records/lead").get_json()["code"] == "token_missing"
    finally:
        services.close()


def test_commands_other_than_serve_and_upgrade_require_a_current_catalog(
        tmp_path: Path) -> None:
    settings = fresh(tmp_path)
    env = {"OBJECTRY_DATABASE_URL": settings.database_url, "OBJECTRY_DATA_DIR": str(tmp_path)}
    runner = CliRunner()
    refused = runner.invoke(main, ["tenant", "create", "acme"], env=env)
    assert refused.exit_code == 1 and "objectry db upgrade" in refused.output
    services = Services.start(settings)
    try:
        assert sa.inspect(services.engine).get_table_names() == []  # refused, not migrated
        upgraded = runner.invoke(main, ["db", "upgrade"], env=env)
        assert upgraded.exit_code == 0, upgraded.output
        assert sa.inspect(services.engine).has_table("tenants")
        created = runner.invoke(main, ["tenant", "create", "acme"], env=env)
        assert created.exit_code == 0 and "tenant acme created" in created.output
    finally:
        services.close()


def test_a_celery_worker_refuses_a_catalog_it_does_not_know(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from objectry.platform.worker import WorkerState

    settings = fresh(tmp_path)
    monkeypatch.setenv("OBJECTRY_DATABASE_URL", settings.database_url)
    state = WorkerState()
    with pytest.raises(Problem) as refused:
        state.engine_platform()
    assert refused.value.detail_code == "schema_not_current" and state.services is None
    services = Services.start(settings)
    try:
        assert sa.inspect(services.engine).get_table_names() == []
        upgrade(services.engine)
        assert state.engine_platform().services.engine.url == services.engine.url
    finally:
        state.close()
        services.close()
