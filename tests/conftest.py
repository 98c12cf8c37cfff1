"""Shared fixtures: one migrated database per test session, a fresh tenant per test.

The suite runs on SQLite by default; set ``OBJECTRY_TEST_DATABASE_URL`` (for example
``postgresql+psycopg://postgres@127.0.0.1:5432/test``) to run the same tests on
PostgreSQL. Every test gets its own tenant, so tests never see each other's data.
"""

from __future__ import annotations

import itertools
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient

from objectry.metadata.catalog_tables import CATALOG
from objectry.platform import tenancy
from objectry.platform.app import create_app
from objectry.platform.config import Settings
from objectry.platform.db import make_engine, upgrade
from objectry.platform.services import Services
from objectry.runtime.kernel.context import Context

_SLUGS = itertools.count(1)


def _reset_postgres(url: str) -> None:
    """Start from an empty database: drop tenant schemas and the catalog."""
    engine = make_engine(url)
    with engine.connect() as conn:
        schemas = conn.execute(sa.text(
            "SELECT nspname FROM pg_namespace WHERE nspname LIKE 't\\_%'")).scalars().all()
    for schema in schemas:  # one transaction each: hundreds of schemas exceed the locks
        with engine.begin() as conn:
            conn.execute(sa.schema.DropSchema(schema, cascade=True))
    with engine.begin() as conn:
        public = sa.MetaData()
        public.reflect(conn)  # the catalog of any revision, including newer tables
        public.drop_all(conn)
        CATALOG.drop_all(conn)
        conn.execute(sa.text("DROP TABLE IF EXISTS alembic_version"))
    engine.dispose()


@pytest.fixture(scope="session")
def settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    data_dir = tmp_path_factory.mktemp("objectry-data")
    url = os.environ.get("OBJECTRY_TEST_DATABASE_URL") or f"sqlite:///{data_dir / 'test.db'}"
    if not url.startswith("sqlite"):
        _reset_postgres(url)
    return Settings(database_url=url, data_dir=Path(data_dir), max_body_bytes=256 * 1024)


@pytest.fixture(scope="session")
def services(settings: Settings) -> Iterator[Services]:
    """The session's services on a database the fixture migrates itself, as ``objectry
    db upgrade`` would: neither ``Services.start`` nor ``create_app`` migrates."""
    started = Services.start(settings)
    upgrade(started.engine)
    yield started
    started.close()


@pytest.fixture(scope="session")
def app(services: Services) -> Any:
    flask_app = create_app(services=services)
    flask_app.testing = True
    return flask_app


@dataclass
class TenantHandle:
    """A tenant made for one test, with its admin's token."""

    services: Services
    slug: str
    admin_email: str
    token: str

    @contextmanager
    def context(self, **kwargs: Any) -> Iterator[Context]:
        """A system context in one transaction (commits unless the block raises)."""
        with self.services.for_tenant(self.slug, **kwargs) as ctx:
            yield ctx

    def add_user(self, email: str, **kwargs: Any) -> str:
        """Create a user and return a token for them."""
        with self.services.connection() as conn:
            tenant = tenancy.find_tenant(conn, self.slug)
            tenancy.create_user(conn, tenant, email, now=self.services.clock(), **kwargs)
            return tenancy.create_token(conn, tenant, email, now=self.services.clock())


def make_tenant(services: Services) -> TenantHandle:
    slug = f"t{next(_SLUGS)}_{uuid.uuid4().hex[:8]}"
    email = f"admin@{slug}.example.com"
    with services.connection() as conn:
        now = services.clock()
        tenant = tenancy.create_tenant(conn, slug, None, now=now)
        tenancy.create_user(conn, tenant, email, now=now)
        token = tenancy.create_token(conn, tenant, email, now=now)
    return TenantHandle(services, slug, email, token)


@pytest.fixture
def tenant(services: Services) -> TenantHandle:
    return make_tenant(services)


@pytest.fixture
def other_tenant(services: Services) -> TenantHandle:
    return make_tenant(services)


class Api:
    """The HTTP API as a tenant's user sees it (Flask test client + bearer token)."""

    def __init__(self, client: FlaskClient, token: str | None) -> None:
        self.client = client
        self.token = token

    def headers(self, extra: dict[str, str] | None = None) -> dict[str, str]:
        headers = {"Authorization": f"Bearer {self.token}"} if self.token else {}
        return {**headers, **(extra or {})}

    def request(self, method: str, path: str, *, json: Any = None, data: Any = None,
                headers: dict[str, str] | None = None, query: Any = None) -> Any:
        return self.client.open(path, method=method, json=json, data=data,
                                headers=self.headers(headers), query_string=query)

    def get(self, path: str, **kwargs: Any) -> Any:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, json: Any = None, **kwargs: Any) -> Any:
        return self.request("POST", path, json=json, **kwargs)

    def put(self, path: str, json: Any = None, **kwargs: Any) -> Any:
        return self.request("PUT", path, json=json, **kwargs)

    def patch(self, path: str, json: Any = None, **kwargs: Any) -> Any:
        return self.request("PATCH", path, json=json, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> Any:
        return self.request("DELETE", path, **kwargs)

    def define(self, document: dict[str, Any], **query: Any) -> Any:
        """PUT an object definition and insist that it applied."""
        response = self.put(f"/api/v1/meta/objects/{document['api_name']}", json=document,
                            query=query or None)
        assert response.status_code == 200, response.get_json()
        return response.get_json()


@pytest.fixture
def api(app: Any, tenant: TenantHandle) -> Api:
    return Api(app.test_client(), tenant.token)


@pytest.fixture
def other_api(app: Any, other_tenant: TenantHandle) -> Api:
    return Api(app.test_client(), other_tenant.token)


def problem(response: Any, status: int, code: str | None = None) -> dict[str, Any]:
    """Insist on a problem-details answer with ``status`` (and ``code``); its body."""
    body = response.get_json()
    assert response.status_code == status, body
    assert response.mimetype == "application/problem+json", body
    assert body["status"] == status and body["detail"], body
    if code is not None:
        assert body["code"] == code, body
    return body


def error_paths(response: Any) -> list[str]:
    return [e["path"] for e in response.get_json()["errors"]]


def error_codes(response: Any) -> list[str]:
    return [e["code"] for e in response.get_json()["errors"]]
