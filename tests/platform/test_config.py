"""Settings: ``platform/config.py`` is the one place a default is written."""

from __future__ import annotations

import dataclasses
import re
from pathlib import Path

import pytest

from objectry.platform.config import PATH_FIELDS, Settings, variable

README = Path(__file__).parents[2] / "README.md"
FIELDS = [f for f in dataclasses.fields(Settings) if f.name not in PATH_FIELDS]


def test_an_empty_environment_gives_the_declared_defaults(tmp_path: Path) -> None:
    read = Settings.from_env({"OBJECTRY_DATA_DIR": str(tmp_path)})
    assert read == Settings(database_url=f"sqlite:///{tmp_path.resolve() / 'objectry.db'}",
                            data_dir=tmp_path.resolve())
    assert read.is_sqlite


def test_every_setting_is_read_from_its_variable() -> None:
    read = Settings.from_env({
        "OBJECTRY_DATABASE_URL": "postgresql://db/x", "OBJECTRY_SMTP_PORT": "2525",
        "OBJECTRY_SMTP_HOST": "mail", "OBJECTRY_SMTP_FROM": "", "OBJECTRY_SMTP_STARTTLS": "1",
        "OBJECTRY_WEBHOOK_ALLOW_PRIVATE": "0", "OBJECTRY_AUTOMATION_TICK_SECONDS": "0.5",
        "OBJECTRY_FUNCTION_POOL_SIZE": "4", "OBJECTRY_BROKER_URL": "redis://broker/1"})
    assert (read.database_url, read.smtp_port, read.smtp_host, read.smtp_starttls) == (
        "postgresql://db/x", 2525, "mail", True)
    assert read.smtp_from == Settings.smtp_from  # empty: the default
    assert read.webhook_allow_private is False
    assert (read.automation_tick_seconds, read.function_pool_size, read.broker_url) == (
        0.5, 4, "redis://broker/1")
    with pytest.raises(ValueError, match="OBJECTRY_MESSAGE_DAILY_CAP='many'"):
        Settings.from_env({"OBJECTRY_MESSAGE_DAILY_CAP": "many"})


def test_the_readme_documents_every_setting_with_its_default() -> None:
    documented: dict[str, str] = {}
    for row in re.findall(r"^\| (`OBJECTRY_.*?) \| (.*?) \|", README.read_text(), re.M):
        for name in re.findall(r"`(OBJECTRY_\w+)`", row[0]):
            documented[name] = row[1].strip("`")
    for setting in FIELDS:
        name = variable(setting.name)
        assert name in documented, f"README does not document {name}"
        if documented[name] == "unset":
            assert setting.default in (None, False), name
        else:
            read = getattr(Settings.from_env({name: documented[name]}), setting.name)
            assert read == setting.default, f"README says {name}={documented[name]}"
