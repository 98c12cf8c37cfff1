"""The cache of compiled objects.

Two levels, so that tenants with the same object definition share one compiled model:

* per tenant, (tenant, object, metadata version, dialect) → the definition's
  fingerprint: a few hundred bytes an entry, so many tenants fit;
* shared, fingerprint → the compiled ``ObjectModel`` (its ``Table`` names the template
  storage; each tenant's connection maps that to its own tables, kernel/storage.py).

The metadata version lives in the database: when any process applies a change, every
other process sees the new version on its next request and compiles afresh (or finds
the new definition already compiled for another tenant).
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Hashable
from typing import Any

from objectry.metadata.lru import LruCache

#: What loading a tenant's object yields: its fingerprint and how to compile it.
Loaded = tuple[str, Callable[[], Any]]


#: Estimated bytes of one tenant entry (key tuple, fingerprint, LRU node).
TENANT_ENTRY_BYTES = 400
#: Object definitions whose JSON Schema outcome a process remembers.
SCHEMA_CHECKS = 4096


class ModelCache:
    """Compiled ``ObjectModel``s of every tenant this process serves.

    ``max_bytes`` bounds both levels together: a quarter for tenant entries, the rest
    for compiled models (weighed by ``ObjectModel.approx_bytes``). Without it, entry
    counts bound them."""

    def __init__(self, max_bytes: int | None = None, *, tenant_entries: int = 100_000,
                 models: int = 2048) -> None:
        if max_bytes is None:
            self._fingerprints = LruCache(tenant_entries)
            self._models = LruCache(models)
        else:
            self._fingerprints = LruCache(sys.maxsize, max_bytes=max_bytes // 4,
                                          weigh=lambda _: TENANT_ENTRY_BYTES)
            self._models = LruCache(sys.maxsize, max_bytes=max_bytes - max_bytes // 4)
        self._schema_checks = LruCache(SCHEMA_CHECKS)  # digest -> passed (~200 B each)

    def passes_schema(self, digest: str, check: Callable[[], bool]) -> bool:
        """Whether the object definition hashed as ``digest`` passes the JSON Schema,
        checked once per process: tenants provisioned from one pack send the same
        definitions, and the check is deterministic."""
        return bool(self._schema_checks.get_or_build(digest, check))

    def get_or_build(self, key: Hashable, load: Callable[[], Loaded | None]) -> Any:
        """The model of a tenant's object (None: no such object), reading the definition
        (``load``) only when this tenant's entry or the shared model is missing."""
        loaded: Loaded | None = None

        def fingerprint() -> str | None:
            nonlocal loaded
            loaded = load()
            return None if loaded is None else loaded[0]

        found = self._fingerprints.get_or_build(key, fingerprint)
        if found is None:
            return None

        def compile_model() -> Any:
            nonlocal loaded
            if loaded is None:  # the shared model was evicted since: read it again
                loaded = load()
            assert loaded is not None, "an object of a metadata version does not vanish"
            return loaded[1]()

        return self._models.get_or_build(found, compile_model)

    @property
    def misses(self) -> int:
        """Tenant entries built (each read an object definition)."""
        return self._fingerprints.misses

    @property
    def hits(self) -> int:
        """Lookups answered without reading metadata."""
        return self._fingerprints.hits

    @property
    def bytes(self) -> int:
        """Estimated bytes held (0 without a byte bound)."""
        return self._fingerprints.bytes + self._models.bytes

    @property
    def evictions(self) -> int:
        return self._fingerprints.evictions + self._models.evictions

    @property
    def compiled(self) -> int:
        """Models compiled (definitions no other tenant had, or evicted)."""
        return self._models.misses

    @property
    def shared_models(self) -> int:
        return len(self._models)

    def __len__(self) -> int:
        return len(self._fingerprints)
