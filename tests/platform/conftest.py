"""Fixtures of the platform tests: the ``objectry`` command run in-process."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from objectry.platform.cli import main
from objectry.platform.config import Settings


@pytest.fixture
def run(settings: Settings, tmp_path: Path, services: object) -> object:
    """``objectry ...`` on the session's database, which the ``services`` fixture has
    upgraded: commands other than ``serve`` and ``db upgrade`` never migrate."""
    env = {"OBJECTRY_DATABASE_URL": settings.database_url, "OBJECTRY_DATA_DIR": str(tmp_path)}
    runner = CliRunner()

    def invoke(*args: str, ok: bool = True) -> object:
        result = runner.invoke(main, list(args), env=env, catch_exceptions=False)
        if ok:
            assert result.exit_code == 0, result.output
        return result

    return invoke

from tests.platform.token_support import rep  # noqa: E402, F401  (the token tests' reader)
