"""The installation key: configured, or kept in the data dir across restarts."""

from __future__ import annotations

import stat
from pathlib import Path

from objectry.platform.config import Settings
from objectry.platform.keys import installation_keys


def test_the_embedded_default_keeps_one_key_across_starts(tmp_path: Path) -> None:
    settings = Settings(database_url="sqlite://", data_dir=tmp_path)
    first = installation_keys(settings)
    again = installation_keys(settings)
    assert first.derive("cursor") == again.derive("cursor")
    assert stat.S_IMODE((tmp_path / "secret.key").stat().st_mode) == 0o600


def test_a_configured_key_wins_and_purposes_get_different_keys(tmp_path: Path) -> None:
    settings = Settings(database_url="sqlite://", data_dir=tmp_path, secret_key="s3cret")
    keys = installation_keys(settings)
    assert not (tmp_path / "secret.key").exists()
    assert keys.derive("cursor") != keys.derive("secrets")
    other = installation_keys(Settings(database_url="sqlite://", data_dir=tmp_path,
                                       secret_key="other"))
    assert other.derive("cursor") != keys.derive("cursor")
