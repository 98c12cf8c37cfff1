"""Engines and the catalog schema.

SQLite is configured for a web server (WAL, a busy timeout, foreign keys) and, through
SQLAlchemy's documented pysqlite recipe, for real transactions around DDL: a metadata
change adds columns and rewrites values in one transaction or not at all.

The catalog is migrated only when asked (``objectry db upgrade``, ``objectry serve``,
:func:`upgrade`); everything else checks that it is at the revision the code expects
(:func:`require_current_schema`) and refuses to work on another one.
"""

from __future__ import annotations

import functools
from decimal import Decimal
from pathlib import Path
from typing import Any

import orjson
import simplejson
import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from objectry.metadata.conditions.text import register_sqlite_functions
from objectry.metadata.problems import Problem
from objectry.platform.config import Settings
from objectry.runtime.kernel.storage import TENANTS_SERVED, tenant_statement

#: Execution option: the transaction only reads (SQLite then needs no write lock).
READ_ONLY = "objectry_read_only"
#: Where a pooled connection counts its checkouts (see :func:`recycle_after`).
USES_KEY = "objectry_uses"
#: SQLite: WAL pages after which a commit checkpoints them into the database file
#: (SQLite's default is 1,000, 4 MB). A batch of an import or of the bulk API writes a
#: few MB: at the default every other commit checkpointed, with two fsyncs, and wrote
#: the pages each batch touches again (index pages, the tables' last pages); at 10,000
#: (about 40 MB of WAL at most between checkpoints) an import of 200,000 leads with
#: duplicate rules and assignment ran ~8% less CPU and ~14% less wall clock time.
SQLITE_WAL_CHECKPOINT_PAGES = 10_000

_json_loads = functools.partial(simplejson.loads, use_decimal=True)
#: orjson leaves these to ``_json_default``, so they are written as simplejson wrote them
_ORJSON_OPTIONS = (orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS
                   | orjson.OPT_PASSTHROUGH_SUBCLASS)


def _json_dumps(value: Any) -> str:
    """A JSON column's text (every audit entry and event of a write): orjson, about 1 us
    where simplejson builds its encoder anew in 30 us per call, Decimals as exact
    numbers; anything orjson does not take as simplejson would (a datetime, a type of
    its own, a huge integer, a non-string key) goes to simplejson whole, as before.
    Compact (no spaces after separators: the same values). Differences, none reached
    by a field value: a UUID or an Enum is written where simplejson refused it, a float
    NaN is written null where simplejson wrote ``NaN`` (which PostgreSQL refuses)."""
    try:
        return orjson.dumps(value, default=_json_default, option=_ORJSON_OPTIONS).decode()
    except (TypeError, orjson.JSONEncodeError):
        return simplejson.dumps(value, use_decimal=True, ensure_ascii=False)


def _json_default(value: Any) -> Any:
    if type(value) is Decimal:
        return orjson.Fragment(str(value))  # as simplejson's use_decimal writes it
    raise TypeError(type(value).__name__)  # to simplejson


def normalize_url(url: str) -> str:
    """Accept plain ``postgresql://`` URLs and use the psycopg 3 driver for them."""
    if url.startswith("postgresql://") or url.startswith("postgres://"):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    return url


def make_engine(url: str, **kwargs: Any) -> sa.Engine:
    url = normalize_url(url)
    options: dict[str, Any] = {"json_serializer": _json_dumps,
                               "json_deserializer": _json_loads, **kwargs}
    if url.startswith("sqlite"):
        database = sa.engine.make_url(url).database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        options.setdefault("connect_args", {"timeout": 30, "check_same_thread": False})
        engine = sa.create_engine(url, **options)
        _configure_sqlite(engine)
        return engine
    options.setdefault("pool_pre_ping", True)
    return sa.create_engine(url, **options)


def engine_for(settings: Settings) -> sa.Engine:
    """The engine of an installation: on PostgreSQL with its pooled connections recycled
    (``db_recycle_tenants``, ``db_recycle_uses``, ``db_recycle_seconds``), the
    planner's random page cost
    (``db_random_page_cost``) and, behind PgBouncer, no prepared statements
    (``db_pgbouncer``)."""
    url = normalize_url(settings.database_url)
    if url.startswith("sqlite"):
        return make_engine(url)
    options: dict[str, Any] = {}
    if settings.db_recycle_seconds > 0:
        options["pool_recycle"] = settings.db_recycle_seconds
    connect_args: dict[str, Any] = {}
    if settings.db_pgbouncer:
        # psycopg 3 prepares a statement after 5 runs on a connection; in transaction
        # mode the next run may reach a backend that never saw it
        connect_args["prepare_threshold"] = None
    elif settings.db_random_page_cost > 0 and "options" not in sa.engine.make_url(url).query:
        # a startup parameter of the connection (no statement, no round trip; options
        # in the URL win); PgBouncer refuses it, so behind it the server's setting applies
        connect_args["options"] = f"-c random_page_cost={settings.db_random_page_cost:g}"
    if connect_args:
        options["connect_args"] = connect_args
    engine = make_engine(url, **options)
    if settings.db_recycle_tenants > 0 or settings.db_recycle_uses > 0:
        recycle_after(engine, tenants=settings.db_recycle_tenants,
                      uses=settings.db_recycle_uses)
    return engine


def recycle_after(engine: sa.Engine, *, tenants: int = 0, uses: int = 0) -> None:
    """Replace a pooled connection at the checkout after it has served ``tenants``
    tenants, or on its ``uses + 1``-th checkout (0: no such bound), so no backend keeps
    the catalog caches of every tenant it ever served (SQLAlchemy's documented way: a
    checkout listener raising ``DisconnectionError`` makes the pool reconnect).

    Tenants, not checkouts, are what the caches grow with: a backend that keeps serving
    the same tenants keeps its caches and its prepared statements' plans. Replaced after
    every 100 checkouts, a new backend planned each statement again for its first runs
    (psycopg prepares a statement on its fifth run, PostgreSQL settles on a generic
    plan after five more), which cost a restricted list, whose statement is the
    largest, a fifth more CPU at the median (``bench/permissions.py``)."""
    @sa.event.listens_for(engine, "checkout")
    def on_checkout(_dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        # ``record.info`` lives as long as the DBAPI connection: a new one starts empty
        info = record.info
        count = info.get(USES_KEY, 0) + 1
        if uses and count > uses:
            raise sa.exc.DisconnectionError(f"recycled after {uses} uses")
        served = info.setdefault(TENANTS_SERVED, set())  # filled by TenantConnection
        if tenants and len(served) >= tenants:
            raise sa.exc.DisconnectionError(f"recycled after {len(served)} tenants")
        info[USES_KEY] = count


def _configure_sqlite(engine: sa.Engine) -> None:
    @sa.event.listens_for(engine, "connect")
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves, below
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute(f"PRAGMA wal_autocheckpoint={SQLITE_WAL_CHECKPOINT_PAGES}")
        cursor.close()
        register_sqlite_functions(dbapi_connection)  # for the filter compiler

    @sa.event.listens_for(engine, "before_cursor_execute", retval=True)
    def on_statement(conn: sa.Connection, _cursor: Any, statement: str, parameters: Any,
                     context: Any, _executemany: bool) -> tuple[str, Any]:
        # shared compiled models name template tables; the tenant's prefix goes in here,
        # after the statement cache (the SQLite side of schema_translate_map)
        options = context.execution_options if context is not None \
            else conn.get_execution_options()
        return tenant_statement(statement, options), parameters

    @sa.event.listens_for(engine, "begin")
    def on_begin(conn: sa.Connection) -> None:
        # IMMEDIATE takes the write lock up front, so two writers queue on the busy
        # timeout instead of one failing when it upgrades a read lock.
        read_only = conn.get_execution_options().get(READ_ONLY, False)
        conn.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")


def alembic_config(engine: sa.Engine | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", "objectry.platform:migrations")
    config.attributes["engine"] = engine
    return config


def upgrade(engine: sa.Engine, revision: str = "head") -> None:
    """Bring the catalog schema to ``revision`` (idempotent)."""
    command.upgrade(alembic_config(engine), revision)


@functools.cache
def head_revision() -> str:
    """The catalog revision this code expects: its newest migration."""
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None, "the catalog has no migrations"
    return head


def current_revision(engine: sa.Engine) -> str | None:
    """The catalog revision of the database (None: no catalog yet)."""
    with engine.connect() as conn:
        conn = conn.execution_options(**{READ_ONLY: True})
        return MigrationContext.configure(conn).get_current_revision()


def require_current_schema(engine: sa.Engine) -> None:
    """Refuse (503 ``schema_not_current``) a catalog at another revision than the code's,
    instead of failing later on a missing table or column."""
    current, expected = current_revision(engine), head_revision()
    if current != expected:
        raise Problem(detail_code="schema_not_current", status=503,
                      current=current or "none", expected=expected)
