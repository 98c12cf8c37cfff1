"""Fixtures of the catalog tests: a publisher key the test installation trusts."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from objectry.platform.services import Services
from tests.catalog.support import trusted_key


@pytest.fixture
def key(services: Services) -> Ed25519PrivateKey:
    return trusted_key(services)
