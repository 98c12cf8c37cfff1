"""Settings from the environment: one place that reads ``OBJECTRY_*`` variables."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

DEFAULT_MAX_BODY_BYTES = 2 * 1024 * 1024


@dataclass(frozen=True)
class Settings:
    database_url: str
    data_dir: Path
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Read the settings; the default database is a SQLite file in the data dir."""
        env = os.environ if environ is None else environ
        data_dir = Path(env.get("OBJECTRY_DATA_DIR", "./objectry-data")).resolve()
        url = env.get("OBJECTRY_DATABASE_URL") or f"sqlite:///{data_dir / 'objectry.db'}"
        max_body = int(env.get("OBJECTRY_MAX_BODY_BYTES", DEFAULT_MAX_BODY_BYTES))
        return cls(database_url=url, data_dir=data_dir, max_body_bytes=max_body)

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")
