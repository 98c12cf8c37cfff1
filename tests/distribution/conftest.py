"""A clock the pool tests move, and the automation engine sweeping at it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from objectry.platform.services import Services
from tests.automation.conftest import Engine
from tests.catalog.support import engine_at

Sweeper = Engine  # the pool tests' name for it


@pytest.fixture
def sweeper(services: Services, monkeypatch: pytest.MonkeyPatch) -> Iterator[Sweeper]:
    yield engine_at(services, monkeypatch)
