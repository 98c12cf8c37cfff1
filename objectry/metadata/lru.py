"""A bounded, thread-safe least-recently-used cache, owned by whoever creates it.

Compiled objects, Casbin enforcers and access maps are cached with keys that include a
version number stored in the database, so nothing is ever invalidated by hand.

A cache is bounded by entries and, when given ``max_bytes``, by the estimated bytes of
its values (``weigh``): what a process holds for many tenants is then a setting, not a
function of how many tenants it happens to serve. Hits, misses and evictions are
counted for the metrics endpoint.
"""

from __future__ import annotations

import dataclasses
import sys
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable, Mapping
from typing import Any

#: What an object of no known shape is taken to weigh (an SQL expression tree, say).
OPAQUE_BYTES = 4096


def approx_size(value: Any, depth: int = 4) -> int:
    """Estimated bytes of a cached value: containers and dataclasses walked a few levels
    deep, objects that know their weight (``approx_bytes``) asked, others a flat
    :data:`OPAQUE_BYTES`. An estimate for bounding caches, not an accounting."""
    known = getattr(value, "approx_bytes", None)
    if isinstance(known, int):
        return known
    if value is None or isinstance(value, bool | int | float | str | bytes):
        return sys.getsizeof(value)
    if depth == 0:
        return OPAQUE_BYTES
    if isinstance(value, Mapping):
        return sys.getsizeof(value) + sum(approx_size(k, depth - 1) + approx_size(v, depth - 1)
                                          for k, v in value.items())
    if isinstance(value, list | tuple | set | frozenset):
        return sys.getsizeof(value) + sum(approx_size(v, depth - 1) for v in value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return 64 + sum(approx_size(getattr(value, f.name), depth - 1)
                        for f in dataclasses.fields(value))
    return OPAQUE_BYTES


class LruCache:
    def __init__(self, maxsize: int = 2048, *, max_bytes: int | None = None,
                 weigh: Callable[[Any], int] = approx_size) -> None:
        self._items: OrderedDict[Hashable, tuple[Any, int]] = OrderedDict()
        self._lock = threading.Lock()
        self._maxsize = maxsize
        self._max_bytes = max_bytes
        self._weigh = weigh
        self._bytes = 0
        self.hits = 0
        self.misses = 0
        self.evictions = 0

    def get_or_build(self, key: Hashable, build: Callable[[], Any]) -> Any:
        """The cached value of ``key``, building it (outside the lock) on a miss."""
        with self._lock:
            found = self._items.get(key)  # (value, size): never None when held
            if found is not None:
                self._items.move_to_end(key)
                self.hits += 1
                return found[0]
        value = build()
        size = self._weigh(value) if self._max_bytes is not None else 0
        with self._lock:
            self.misses += 1
            previous = self._items.pop(key, None)
            if previous is not None:  # built twice at once: keep one
                self._bytes -= previous[1]
            self._items[key] = (value, size)
            self._bytes += size
            while len(self._items) > self._maxsize or (
                    self._max_bytes is not None and self._bytes > self._max_bytes
                    and len(self._items) > 1):
                _, (_, dropped) = self._items.popitem(last=False)
                self._bytes -= dropped
                self.evictions += 1
        return value

    @property
    def bytes(self) -> int:
        """Estimated bytes held (0 when not bounded by bytes)."""
        return self._bytes

    def __len__(self) -> int:
        with self._lock:
            return len(self._items)
