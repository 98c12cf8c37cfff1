"""Settings from the environment: one place that reads ``OBJECTRY_*`` variables."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
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
    #: The email channel (OBJECTRY_SMTP_*); without a host, email waits in the message
    #: outbox like SMS and WeCom do.
    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_user: str | None = None
    smtp_password: str | None = field(default=None, repr=False)
    smtp_from: str = "objectry@localhost"
    smtp_starttls: bool = False
    #: Marketing messages per recipient per channel per UTC day, unless a tenant sets
    #: its own (OBJECTRY_MESSAGE_DAILY_CAP; seed 001: 3).
    message_daily_cap: int = 3
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
                   smtp_host=env.get("OBJECTRY_SMTP_HOST") or None,
                   smtp_port=int(env.get("OBJECTRY_SMTP_PORT") or 25),
                   smtp_user=env.get("OBJECTRY_SMTP_USER") or None,
                   smtp_password=env.get("OBJECTRY_SMTP_PASSWORD") or None,
                   smtp_from=env.get("OBJECTRY_SMTP_FROM") or "objectry@localhost",
                   smtp_starttls=env.get("OBJECTRY_SMTP_STARTTLS") == "1",
                   message_daily_cap=int(env.get("OBJECTRY_MESSAGE_DAILY_CAP") or 3),
                   **{name: int(env[variable]) for name, variable in FUNCTION_VARIABLES.items()
                      if env.get(variable)})

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")
