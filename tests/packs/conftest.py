"""Fixtures of the pack tests: a publisher key the installation trusts, the CLI."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from objectry.packs import signing, trust
from objectry.platform.cli import main
from objectry.platform.config import Settings
from objectry.platform.services import Services


@pytest.fixture
def key(services: Services) -> Ed25519PrivateKey:
    """A fresh publisher key, trusted by the installation."""
    private = Ed25519PrivateKey.generate()
    with services.connection() as conn:
        trust.add_key(conn, signing.public_key_text(private), publisher="Acme",
                      now=services.clock())
    return private


@pytest.fixture
def run(settings: Settings, tmp_path: Path, services: object) -> object:
    env = {"OBJECTRY_DATABASE_URL": settings.database_url, "OBJECTRY_DATA_DIR": str(tmp_path)}
    runner = CliRunner()

    def invoke(*args: str, ok: bool = True) -> object:
        result = runner.invoke(main, list(args), env=env, catch_exceptions=False)
        if ok:
            assert result.exit_code == 0, result.output
        return result

    return invoke
