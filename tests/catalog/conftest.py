"""Fixtures of the catalog tests: a publisher key the test installation trusts, and the
automation engine ticking at a clock the test moves."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from objectry.platform.services import Services
from tests.automation.conftest import Engine
from tests.catalog.support import engine_at, trusted_key


@pytest.fixture
def key(services: Services) -> Ed25519PrivateKey:
    return trusted_key(services)


@pytest.fixture
def engine(services: Services, monkeypatch: pytest.MonkeyPatch) -> Iterator[Engine]:
    yield engine_at(services, monkeypatch)
