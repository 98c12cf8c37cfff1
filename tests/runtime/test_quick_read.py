"""A QuickRead (one row read on SQLite's DBAPI connection, compiled once) answers
exactly what SQLAlchemy's own execution of the same statement answers, and refuses
what it cannot run the same way."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import sqlalchemy as sa
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy.dialects import postgresql

from objectry.platform.db import make_engine
from objectry.runtime.kernel.quick_read import QuickRead
from objectry.runtime.kernel.storage import TenantStorage

meta = sa.MetaData()
stamps = sa.Table("stamps", meta, sa.Column("id", sa.Integer, primary_key=True),
                  sa.Column("kind", sa.String(10)), sa.Column("at", sa.DateTime(timezone=True)))
START = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


@pytest.fixture(scope="module")
def conn(tmp_path_factory: pytest.TempPathFactory) -> Iterator[sa.Connection]:
    path: Path = tmp_path_factory.mktemp("quick") / "quick.db"
    engine = make_engine(f"sqlite:///{path}")
    meta.create_all(engine)
    with engine.begin() as setup:
        setup.execute(stamps.insert(), [
            {"id": n, "kind": "a" if n % 3 else "b",
             "at": None if n % 7 == 0 else START + dt.timedelta(hours=5 * n, microseconds=n % 2)}
            for n in range(1, 200)])
    with engine.connect() as connection:
        yield connection
    engine.dispose()


@settings(max_examples=60, deadline=None)
@given(n=st.integers(-2, 202), nudge=st.integers(-1, 1), kind=st.sampled_from(["a", "b", "c"]))
def test_a_quick_read_answers_what_sqlalchemy_answers(
        conn: sa.Connection, n: int, nudge: int, kind: str) -> None:
    # at, just before or just after a stored time, where a parameter written other than
    # as SQLAlchemy writes the column would compare differently
    now = START + dt.timedelta(hours=5 * n, microseconds=n % 2 + nudge)
    statement = (sa.select(stamps.c.id, stamps.c.kind)
                 .where(stamps.c.kind == kind,
                        sa.or_(stamps.c.at.is_(None),
                               stamps.c.at > sa.bindparam("now", callable_=lambda: now,
                                                          type_=stamps.c.at.type)))
                 .order_by(stamps.c.at.asc().nulls_last(), stamps.c.id).limit(1))
    expected = conn.execute(statement).first()
    assert QuickRead.of(statement, conn.dialect).first(conn) == \
        (None if expected is None else tuple(expected))


def test_what_it_cannot_run_the_same_way_is_refused(conn: sa.Connection) -> None:
    expanding = sa.select(stamps.c.id).where(stamps.c.id.in_([1, 2]))
    with pytest.raises(ValueError, match="expanded"):
        QuickRead.of(expanding, conn.dialect)
    with pytest.raises(ValueError, match="SQLite only"):
        QuickRead.of(sa.select(stamps.c.id), postgresql.dialect())
    template = sa.Table(TenantStorage.template("sqlite").table_name("lead"), sa.MetaData(),
                        sa.Column("id", sa.Integer))
    with pytest.raises(ValueError, match="tenant table"):
        QuickRead.of(sa.select(template.c.id), conn.dialect)


@dataclass
class Clock:
    """A clock as the platform's are: compared by value, so not hashable."""

    now: dt.datetime
    reads: int = 0

    def __call__(self) -> dt.datetime:
        self.reads += 1
        return self.now


def test_a_clock_used_twice_is_read_once_per_run(conn: sa.Connection) -> None:
    clock = Clock(START + dt.timedelta(hours=50))
    now = sa.bindparam("now", callable_=clock, type_=stamps.c.at.type)
    statement = (sa.select(stamps.c.id)
                 .where(stamps.c.at > now, sa.not_(stamps.c.at <= now))
                 .order_by(stamps.c.id).limit(1))
    read = QuickRead.of(statement, conn.dialect)
    assert read.first(conn) == (11,) and clock.reads == 1
    clock.now += dt.timedelta(hours=10)  # the next run reads the clock again
    assert read.first(conn) == (13,) and clock.reads == 2
