"""Shared helpers of the runtime property tests: tenants, value strategies, rollbacks."""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Iterator
from contextlib import contextmanager
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from hypothesis import strategies as st

from objectry.runtime.kernel.context import Context
from objectry.runtime.model.compiled import get_model
from objectry.runtime.schema import metadata_service
from tests.conftest import TenantHandle

_NAMES = itertools.count(1)

#: Characters that are special to SQL, LIKE patterns, JSON, shells or case folding.
NASTY = "%_'\"\\/[]^*?.;-()$ aAbBzZ0ÄäÉéİ\u0131ßẞΣ\u03c3ς中文上海\u00a0\u2028\u3000"
TEXT_CHARS = st.one_of(
    st.sampled_from(NASTY),
    st.characters(blacklist_categories=("Cs", "Cc"), max_codepoint=0x2FFFF),
)


def unique_name(prefix: str) -> str:
    return f"{prefix}{next(_NAMES)}"


class _Rollback(Exception):
    """Raised to leave a tenant context without committing."""


@contextmanager
def rolled_back(tenant: TenantHandle) -> Iterator[Context]:
    """A tenant context whose writes are always rolled back (one hypothesis example)."""
    try:
        with tenant.context() as ctx:
            yield ctx
            raise _Rollback
    except _Rollback:
        pass


def define(tenant: TenantHandle, document: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    """Apply an object definition in its own transaction and insist that it applied."""
    with tenant.context() as ctx:
        result = metadata_service.put_document(ctx, "object", document["api_name"], document,
                                               **kwargs)
    assert result["applied"], result
    return result


def stored_rows(ctx: Context, object_name: str) -> list[dict[str, Any]]:
    """Live rows in storage form, straight from the table."""
    table = get_model(ctx, object_name).table
    rows = ctx.conn.execute(sa.select(table).where(table.c.deleted_at.is_(None))).mappings()
    return [dict(r) for r in rows]


# -- values in their JSON (API) form --------------------------------------------------

def texts(max_size: int = 12) -> st.SearchStrategy[str]:
    return st.text(TEXT_CHARS, max_size=max_size)


def integers() -> st.SearchStrategy[int]:
    return st.one_of(st.integers(-3, 3), st.integers(-(2**63), 2**63 - 1))


def decimals(precision: int = 10, scale: int = 2) -> st.SearchStrategy[Decimal]:
    bound = Decimal(10) ** (precision - scale) - Decimal(1).scaleb(-scale)
    return st.decimals(min_value=-bound, max_value=bound, places=scale,
                       allow_nan=False, allow_infinity=False)


def dates() -> st.SearchStrategy[str]:
    return st.dates(min_value=dt.date(1, 1, 1), max_value=dt.date(9999, 12, 31)).map(
        dt.date.isoformat)


ZONES = st.sampled_from([dt.UTC, dt.timezone(dt.timedelta(hours=8)),
                         dt.timezone(dt.timedelta(hours=-5, minutes=-30))])


def datetimes() -> st.SearchStrategy[str]:
    return st.datetimes(min_value=dt.datetime(1900, 1, 1), max_value=dt.datetime(2200, 1, 1),
                        timezones=ZONES).map(dt.datetime.isoformat)


def emails() -> st.SearchStrategy[str]:
    local = st.text(st.sampled_from("abcXYZ09.'%_+-!#张"), min_size=1, max_size=8)
    domain = st.text(st.sampled_from("abcxyz09-中"), min_size=1, max_size=6)
    tld = st.sampled_from(["com", "cn", "Org", "co_uk"])
    return st.builds(lambda a, b, c: f"{a}@{b}.{c}", local, domain, tld)


def instant(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).astimezone(dt.UTC)


def canonical_instant(text: str) -> str:
    return instant(text).isoformat().replace("+00:00", "Z")
