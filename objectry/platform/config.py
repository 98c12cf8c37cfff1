"""Settings from the environment: one place that reads ``OBJECTRY_*`` variables."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

DEFAULT_MAX_BODY_BYTES = 2 * 1024 * 1024
#: Settings field -> environment variable, for the tenant-function settings.
FUNCTION_VARIABLES = {
    "function_pool_size": "OBJECTRY_FUNCTION_POOL_SIZE",
    "function_memory_mb": "OBJECTRY_FUNCTION_MEMORY_MB",
    "function_recycle_after": "OBJECTRY_FUNCTION_RECYCLE_AFTER",
    "function_batch_size": "OBJECTRY_FUNCTION_BATCH_SIZE",
    "function_max_http_timeout_ms": "OBJECTRY_FUNCTION_MAX_HTTP_TIMEOUT_MS",
}


@dataclass(frozen=True)
class Settings:
    database_url: str
    data_dir: Path
    max_body_bytes: int = DEFAULT_MAX_BODY_BYTES
    #: Let workflow webhooks reach private, loopback and link-local addresses
    #: (OBJECTRY_WEBHOOK_ALLOW_PRIVATE=1; for on-premise installs and tests).
    webhook_allow_private: bool = False
    #: Seconds a worker holds a claimed workflow run (OBJECTRY_AUTOMATION_LEASE_SECONDS);
    #: a killed worker's runs are taken over once it runs out.
    automation_lease_seconds: int = 300
    # tenant functions (issue 5): the warm sandbox pool and scoring batches
    function_pool_size: int = 2
    function_memory_mb: int = 256
    function_recycle_after: int = 500
    function_batch_size: int = 500
    function_max_http_timeout_ms: int = 10_000

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Read the settings; the default database is a SQLite file in the data dir."""
        env = os.environ if environ is None else environ
        data_dir = Path(env.get("OBJECTRY_DATA_DIR", "./objectry-data")).resolve()
        url = env.get("OBJECTRY_DATABASE_URL") or f"sqlite:///{data_dir / 'objectry.db'}"
        max_body = int(env.get("OBJECTRY_MAX_BODY_BYTES", DEFAULT_MAX_BODY_BYTES))
        return cls(database_url=url, data_dir=data_dir, max_body_bytes=max_body,
                   webhook_allow_private=env.get("OBJECTRY_WEBHOOK_ALLOW_PRIVATE") == "1",
                   automation_lease_seconds=int(env.get("OBJECTRY_AUTOMATION_LEASE_SECONDS",
                                                        "300")),
                   **{name: int(env[variable]) for name, variable in FUNCTION_VARIABLES.items()
                      if env.get(variable)})

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")
