"""Settings from the environment: one place that reads ``OBJECTRY_*`` variables and the
one place where a setting's default is written.

Every field of :class:`Settings` is read from ``OBJECTRY_<FIELD NAME IN CAPITALS>``
(``smtp_port`` from ``OBJECTRY_SMTP_PORT``); an unset or empty variable keeps the
field's default. Lower layers (the sandbox pool, the function runtime, the automation
engine and its channels) take required values, which the platform passes from here.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

DEFAULT_DATA_DIR = "./objectry-data"
#: The fields read from the environment by their own rule (the database and its files).
PATH_FIELDS = ("database_url", "data_dir")


@dataclass(frozen=True)
class Settings:
    database_url: str
    data_dir: Path
    max_body_bytes: int = 2 * 1024 * 1024
    #: Let workflow webhooks and functions' HTTP reach private and loopback addresses
    #: (OBJECTRY_WEBHOOK_ALLOW_PRIVATE=1; for on-premise installs and tests). Link-local,
    #: CGNAT/metadata and other special ranges stay refused (runtime/kernel/network.py).
    webhook_allow_private: bool = False
    #: The Celery broker of the distributed automation workers (OBJECTRY_BROKER_URL).
    broker_url: str = "redis://127.0.0.1:6379/0"
    #: Heartbeat of the automation engine (OBJECTRY_AUTOMATION_TICK_SECONDS): Celery
    #: beat's schedule, and the pause of the embedded loop of ``objectry serve``.
    automation_tick_seconds: float = 1.0
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
    #: its own (OBJECTRY_MESSAGE_DAILY_CAP).
    message_daily_cap: int = 3
    #: What the cap counts (OBJECTRY_MESSAGE_CAP_SCOPE): ``recipient`` (every channel to
    #: one record, and the address on the channel) or ``channel`` (per channel only).
    message_cap_scope: str = "recipient"
    #: Marketing needs an explicit opt-in, not just no opt-out
    #: (OBJECTRY_MESSAGE_CONSENT_REQUIRED=1).
    message_consent_required: bool = False
    #: The address people reach this installation at (OBJECTRY_PUBLIC_URL): unsubscribe
    #: links and web form snippets point there.
    public_url: str = "http://127.0.0.1:8000"
    #: Public web forms: submissions per client address per form
    #: (OBJECTRY_WEB_FORM_RATE_LIMIT), largest body in bytes, minutes a served form
    #: stays valid.
    web_form_rate_limit: str = "20/minute;200/hour"
    web_form_max_bytes: int = 32768
    web_form_token_minutes: int = 120
    #: Imports (issue 16): the largest file in rows and bytes (OBJECTRY_IMPORT_MAX_ROWS,
    #: OBJECTRY_IMPORT_MAX_BYTES; larger files are refused with 413), rows per batch
    #: (one transaction each), seconds a runner holds an import before another may take
    #: it over, and where runs go (OBJECTRY_IMPORT_RUNNER): ``thread`` (a thread of the
    #: serving process) or ``celery`` (a task for the workers on OBJECTRY_BROKER_URL).
    import_max_rows: int = 200_000
    import_max_bytes: int = 50 * 1024 * 1024
    #: rows per transaction of an import run: at 2,000 rather than 500 a 200,000-row run
    #: with duplicate rules and assignment ran ~20% faster (bench/imports.py); a crash
    #: redoes at most one batch, and a batch holds its assignment locks ~0.4 s
    import_batch_size: int = 2_000
    import_lease_seconds: int = 120
    import_runner: str = "thread"
    # tenant functions (issue 5): the warm sandbox pool and scoring batches
    function_pool_size: int = 2
    function_memory_mb: int = 256
    function_recycle_after: int = 500
    #: Function calls one tenant may run at once on the shared pool (keep it below the
    #: pool size, so one tenant's slow calls cannot hold every worker).
    function_tenant_concurrency: int = 1
    #: Milliseconds a call waits for a worker before it fails with function_pool_busy.
    function_queue_wait_ms: int = 5000
    #: Records per call of a scoring function, and per batch of a scoring model's run.
    function_batch_size: int = 500
    function_max_http_timeout_ms: int = 10_000
    #: Signs list cursors and encrypts tenant secrets (OBJECTRY_SECRET_KEY). Unset: a
    #: random key kept in ``$OBJECTRY_DATA_DIR/secret.key``; set it (the same on every
    #: host) when several hosts serve one database.
    secret_key: str | None = field(default=None, repr=False)
    #: Megabytes (estimated) of compiled models and their per-tenant entries a process
    #: keeps (OBJECTRY_MODEL_CACHE_MB); tenants with the same definition share a model.
    model_cache_mb: int = 256
    #: Megabytes (estimated) of access decisions (enforcers, access maps, scope SQL) a
    #: process keeps (OBJECTRY_DECISION_CACHE_MB).
    decision_cache_mb: int = 128
    #: Sign-in attempts of the web app per client address and e-mail
    #: (OBJECTRY_LOGIN_RATE_LIMIT, Flask-Limiter syntax), and per address alone.
    login_rate_limit: str = "10/minute"
    login_rate_limit_per_address: str = "60/minute"
    #: Where the rate limiter counts (OBJECTRY_RATE_LIMIT_STORAGE_URL): per process in
    #: memory by default; ``redis://...`` shares the counts between hosts.
    rate_limit_storage_url: str = "memory://"
    #: Hours a web sign-in lasts (OBJECTRY_SESSION_HOURS) and days an invitation link
    #: stays valid (OBJECTRY_INVITATION_DAYS).
    session_hours: int = 12
    invitation_days: int = 7
    #: Records a list counts exactly when asked (``count=true``); beyond it the count
    #: is capped ("1000+"), so counting stays cheap on large tables
    #: (OBJECTRY_LIST_COUNT_CAP).
    list_count_cap: int = 1000
    #: PostgreSQL: close a pooled connection once it has served this many tenants
    #: (OBJECTRY_DB_RECYCLE_TENANTS), after this many checkouts
    #: (OBJECTRY_DB_RECYCLE_USES) or this many seconds (OBJECTRY_DB_RECYCLE_SECONDS);
    #: 0: never. A backend caches the catalog of every tenant table it touched (about
    #: 1 MB per tenant of 30 objects): counting tenants bounds that, while a backend
    #: serving the same tenants keeps its caches and prepared plans warm.
    db_recycle_tenants: int = 100
    db_recycle_uses: int = 0
    db_recycle_seconds: int = 600
    #: PostgreSQL behind PgBouncer in transaction mode (OBJECTRY_DB_PGBOUNCER=1): psycopg
    #: prepares no statements (a transaction's next one may run on another backend).
    db_pgbouncer: bool = False
    #: PostgreSQL: the planner's cost of a page read out of order, set on each connection
    #: (OBJECTRY_DB_RANDOM_PAGE_COST; 0: the server's own, 4 unless configured). 1.1 suits
    #: SSDs and data in memory: at 4 a list filtered on an indexed field walks the whole
    #: table newest first instead of that field's index (bench/permissions.py). Behind
    #: PgBouncer set it on the server (``ALTER DATABASE ... SET random_page_cost``).
    db_random_page_cost: float = 1.1
    #: SHA-256 (hex) of the platform token (OBJECTRY_PLATFORM_TOKEN_SHA256), printed by
    #: ``objectry platform-token``: its holder may create tenants (``POST /tenants``).
    #: Unset: tenants are created only from the command line.
    platform_token_sha256: str | None = field(default=None, repr=False)

    @classmethod
    def from_env(cls, environ: Mapping[str, str] | None = None) -> Settings:
        """Read the settings; the default database is a SQLite file in the data dir."""
        env = os.environ if environ is None else environ
        data_dir = Path(env.get(variable("data_dir")) or DEFAULT_DATA_DIR).resolve()
        url = env.get(variable("database_url")) or f"sqlite:///{data_dir / 'objectry.db'}"
        values = {f.name: _parse(f, env[variable(f.name)])
                  for f in dataclasses.fields(cls)
                  if f.name not in PATH_FIELDS and env.get(variable(f.name))}
        return cls(database_url=url, data_dir=data_dir, **values)

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


def variable(name: str) -> str:
    """The environment variable of a settings field."""
    return f"OBJECTRY_{name.upper()}"


def _parse(setting: dataclasses.Field[Any], text: str) -> Any:
    """A variable's text as the type of the field's default: ``1`` turns a flag on."""
    default = setting.default
    if isinstance(default, bool):
        return text == "1"
    if isinstance(default, int | float):
        try:
            return type(default)(text)
        except ValueError:
            expected = "an integer" if isinstance(default, int) else "a number"
            raise ValueError(f"{variable(setting.name)}={text!r}: expected {expected}") from None
    return text
