"""The list parameters, read one way everywhere: ``limit``, ``cursor``, ``sort``, ``fields``.

Every list reads them here: the records API (query string and query body), the other
list endpoints (runs, messages, metadata history, call logs), the workflow dry run, the
scoring run and the functions' ``records.query``. A value of the wrong shape is a 422
``invalid_parameter`` at a JSON Pointer to the parameter, with params ``{"name",
"reason"}``; never a 500.

- ``limit``: a whole number from 1 to the list's maximum; absent means the default. In
  a JSON body it is a JSON integer (not ``true``, ``1.5``, ``"10"``); in a query string
  (``text=True``) it is its decimal digits, and an empty value means the default.
- ``cursor``: the opaque ``next_cursor`` of the previous page (a string).
- ``sort``: comma-separated field names, ``-`` before a name for descending, or a list
  of them.
- ``fields``: comma-separated field names, or a list of them.

What the values mean is checked where they are used: which fields exist and may be
sorted on (``pagination.parse_sort``, ``unknown_field``/``not_sortable``), which the
caller may read (the records service), whether a cursor belongs to this query (400
``invalid_cursor``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, TypeVar, overload

from objectry.metadata.problems import ErrorItem, Invalid

DEFAULT_LIMIT = 50
MAX_LIMIT = 200

SORT_SHAPE = "comma-separated field names ('-' for descending) or a list of them"
FIELDS_SHAPE = "comma-separated field names or a list of them"
CURSOR_SHAPE = "the next_cursor of the previous page"

T = TypeVar("T")


@dataclass(frozen=True)
class ListParams:
    """The checked list parameters of one request (None: not given)."""

    limit: int | None = None
    cursor: str | None = None
    sort: tuple[str, ...] | None = None
    fields: tuple[str, ...] | None = None

    def as_kwargs(self) -> dict[str, Any]:
        """As keyword arguments of ``records.list_records`` and ``records.related``."""
        return {"limit": self.limit, "cursor": self.cursor, "sort": self.sort,
                "fields": self.fields}


def invalid_parameter(name: str, reason: str, pointer: str | None = None) -> ErrorItem:
    """The one error of a bad list (or other query) parameter."""
    return ErrorItem(f"/{name}" if pointer is None else pointer, "invalid_parameter",
                     {"name": name, "reason": reason})


@overload
def parse_whole(raw: Any, *, name: str, minimum: int, maximum: int, default: int,
                pointer: str | None = None, text: bool = False) -> int: ...
@overload
def parse_whole(raw: Any, *, name: str, minimum: int, maximum: int, default: None,
                pointer: str | None = None, text: bool = False) -> int | None: ...
def parse_whole(raw: Any, *, name: str, minimum: int, maximum: int, default: int | None,
                pointer: str | None = None, text: bool = False) -> int | None:
    """A whole number from ``minimum`` to ``maximum``, or ``default`` when absent (None;
    with ``text``, also the empty string). ``text``: ``raw`` is the text of a query-string
    parameter, so decimal digits are read as the number; otherwise it must be an int."""
    if raw is None or (text and raw == ""):
        return default
    value: int | None = None
    if text and isinstance(raw, str) and raw.isascii() and raw.isdigit():
        try:
            value = int(raw)
        except ValueError:  # more digits than Python converts: out of range anyway
            value = None
    elif isinstance(raw, int) and not isinstance(raw, bool):
        value = raw
    if value is None or not minimum <= value <= maximum:
        raise Invalid([invalid_parameter(
            name, f"a whole number from {minimum} to {maximum}", pointer)])
    return value


@overload
def parse_limit(raw: Any, *, default: int, maximum: int, pointer: str = "/limit",
                text: bool = False) -> int: ...
@overload
def parse_limit(raw: Any, *, default: None, maximum: int, pointer: str = "/limit",
                text: bool = False) -> int | None: ...
def parse_limit(raw: Any, *, default: int | None, maximum: int, pointer: str = "/limit",
                text: bool = False) -> int | None:
    """The page size (or the most records to handle): 1 to ``maximum``."""
    return parse_whole(raw, name="limit", minimum=1, maximum=maximum, default=default,
                       pointer=pointer, text=text)


def parse_flag(raw: Any, *, name: str, pointer: str | None = None,
               text: bool = False) -> bool:
    """A yes/no parameter (``count``): a JSON boolean, or in a query string (``text``)
    ``true``/``1`` or ``false``/``0``; absent (or empty text) is no. Anything else is
    a 422 rather than a silent no, so a typo does not look like "not asked"."""
    if raw is None or (text and raw == ""):
        return False
    if isinstance(raw, bool):
        return raw
    if text and raw in ("true", "1", "false", "0"):
        return raw in ("true", "1")
    raise Invalid([invalid_parameter(name, "true or false", pointer)])


def parse_cursor(raw: Any, *, pointer: str = "/cursor") -> str | None:
    """The ``next_cursor`` of the previous page, or None (absent or empty)."""
    if raw is None or raw == "":
        return None
    if not isinstance(raw, str):
        raise Invalid([invalid_parameter("cursor", CURSOR_SHAPE, pointer)])
    return raw


def _names(raw: Any, name: str, shape: str, pointer: str) -> tuple[str, ...]:
    """A list of names: every item a string (422 at each one that is not)."""
    if not isinstance(raw, list | tuple):
        raise Invalid([invalid_parameter(name, shape, pointer)])
    errors = [invalid_parameter(name, shape, f"{pointer}/{i}")
              for i, item in enumerate(raw) if not isinstance(item, str)]
    if errors:
        raise Invalid(errors)
    return tuple(raw)


def parse_sort(raw: Any, *, pointer: str = "/sort") -> tuple[str, ...] | None:
    """``-created_at,name`` (or a list) -> its parts, or None (absent: the default order).
    ``pagination.parse_sort`` reads each part (``-``, unknown or unsortable fields)."""
    if raw is None or raw == "":
        return None
    if isinstance(raw, str):
        return tuple(raw.split(","))
    return _names(raw, "sort", SORT_SHAPE, pointer)


def parse_fields(raw: Any, *, pointer: str = "/fields") -> tuple[str, ...] | None:
    """``full_name,city`` (or a list) -> the field names, or None (absent: every field)."""
    if raw is None or raw == "":
        return None
    if isinstance(raw, str):
        return tuple(name.strip() for name in raw.split(",") if name.strip())
    return _names(raw, "fields", FIELDS_SHAPE, pointer)


def read_list_params(source: Mapping[str, Any], *, default: int = DEFAULT_LIMIT,
                     maximum: int = MAX_LIMIT, text: bool = False,
                     paged: bool = True) -> ListParams:
    """``limit``, ``cursor``, ``sort`` and ``fields`` of a query string (``text``) or a
    JSON body, every bad one reported at once. Unpaged (an export): no limit or cursor."""
    errors: list[ErrorItem] = []

    def attempt(parse: Callable[..., T], *args: Any, **kwargs: Any) -> T | None:
        try:
            return parse(*args, **kwargs)
        except Invalid as exc:
            errors.extend(exc.errors)
            return None

    params = ListParams(
        limit=attempt(parse_limit, source.get("limit"), default=default, maximum=maximum,
                      text=text) if paged else None,
        cursor=attempt(parse_cursor, source.get("cursor")) if paged else None,
        sort=attempt(parse_sort, source.get("sort")),
        fields=attempt(parse_fields, source.get("fields")))
    if errors:
        raise Invalid(errors)
    return params
